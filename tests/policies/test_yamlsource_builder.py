"""The event-driven builder of policies/yamlsource.py: aliases, bombs, odd documents, positions.

(tests/policies/test_yamlsource.py covers the reader's contract; these pin the
behaviour of the builder that replaced composing a node graph.)
"""

import pytest

from driftgate.policies.errors import InputError
from driftgate.policies.yamlsource import MAX_EXPANDED_NODES, YamlStr, parse_yaml


def test_an_alias_is_the_anchored_object_and_points_at_the_alias():
    doc = parse_yaml("base: &env {A: 1}\njob:\n  env: *env\nlist: [&s x, *s]\n")
    assert doc["job"]["env"] is doc["base"]
    assert doc["job"].value_position("env") == (3, 8)  # the `*env`, not the anchor
    assert doc["list"] == ["x", "x"] and doc["list"].item_position(1) == (4, 14)


def test_alias_bomb_is_refused_with_its_line():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        previous, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    with pytest.raises(InputError, match=f"expand past {MAX_EXPANDED_NODES}") as caught:
        parse_yaml("\n".join(lines) + "\n", "bomb.yml")
    assert caught.value.path == "bomb.yml" and caught.value.line == 6


def test_many_small_aliases_are_fine():
    text = "base: &b {k: v}\n" + "".join(f"j{i}: *b\n" for i in range(500))
    assert len(parse_yaml(text)) == 501


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: &x [1, *x]\n", "recursive YAML alias", 1),
        ("a: 1\nb: *nowhere\n", "undefined YAML alias 'nowhere'", 2),
        ("a: 1\n---\nb: 2\n", "expected a single YAML document, found another", 2),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", "invalid YAML", 1),
    ],
)
def test_broken_documents_name_file_and_line(text, message, line):
    with pytest.raises(InputError, match=message) as caught:
        parse_yaml(text, "f.yml")
    assert caught.value.line == line


def test_a_duplicate_key_is_an_error_at_the_second_key():
    """GitHub refuses such a workflow, and the first value would hide behind the second."""
    expected = r"^f.yml:3: duplicate key 'a' at column 1 \(first at line 1\)$"
    with pytest.raises(InputError, match=expected):
        parse_yaml("a: 1\nb: 2\na: 3\n", "f.yml")
    with pytest.raises(InputError, match="duplicate key 'run' at column 12"):
        parse_yaml("- {run: a, run: b}\n", "f.yml")
    assert parse_yaml("a: {x: 1}\nb: {x: 2}\n") == {"a": {"x": 1}, "b": {"x": 2}}


def test_complex_keys_are_kept_as_text():
    doc = parse_yaml("? [a, b]\n: c\n")
    assert doc == {"['a', 'b']": "c"}


def test_crlf_and_bom_do_not_move_positions():
    doc = parse_yaml("\ufeffon:\r\n  push:\r\njobs:\r\n  a:\r\n    run: |\r\n      echo hi\r\n")
    assert doc.key_position("jobs") == (3, 1)
    run = doc["jobs"]["a"]["run"]
    assert isinstance(run, YamlStr) and run.locate(run.index("hi")) == (6, 12)


def test_scalars_resolve_like_yaml_1_2_core_and_keep_positions():
    doc = parse_yaml("a: [on, yes, 0x1F, 1.5, ~, True, '1', 08]\n")
    assert doc["a"] == ["on", "yes", 31, 1.5, None, True, "1", 8]
    assert [doc["a"][i].column for i in (0, 2, 3, 6)] == [5, 14, 20, 34]
