"""The located YAML reader: positions, YAML 1.2 scalars, hostile input refused."""

import pytest

from driftgate.policies.errors import InputError
from driftgate.policies.yamlsource import MAX_FILE_BYTES, load_yaml, parse_yaml

WORKFLOW = """\
on:
  workflow_dispatch:
    inputs:
      reason: {type: string, required: false}
jobs:
  deploy:
    steps:
      - run: |
          echo start
          echo "${{ inputs.reason }}"
      - run: echo ${{ inputs.reason }}
      - run: "echo ${{ inputs.reason }}"
      - run: >
          folded start
          and ${{ inputs.reason }}
"""


def test_on_stays_a_string_and_core_schema_scalars_resolve():
    doc = parse_yaml("on: push\nyes_key: yes\nflag: true\nnone:\nhex: 0x1F\nsemver: 0.9.5\n")
    assert doc == {
        "on": "push",
        "yes_key": "yes",
        "flag": True,
        "none": None,
        "hex": 31,
        "semver": "0.9.5",
    }


def test_quoted_scalars_stay_strings():
    assert parse_yaml("a: 'true'\nb: \"123\"\n") == {"a": "true", "b": "123"}


def test_positions_of_keys_values_and_items():
    doc = parse_yaml(WORKFLOW)
    assert doc.key_position("jobs") == (5, 1)
    steps = doc["jobs"]["deploy"]["steps"]
    assert steps.item_position(1) == (11, 9)
    assert steps[1].value_position("run") == (11, 14)
    inputs = doc["on"]["workflow_dispatch"]["inputs"]
    assert inputs["reason"].value_position("required") == (4, 40)


@pytest.mark.parametrize(
    ("step", "position"),
    [(0, (10, 17)), (1, (11, 19)), (2, (12, 20)), (3, (15, 15))],
)
def test_locate_points_inside_each_scalar_style(step, position):
    run = parse_yaml(WORKFLOW)["jobs"]["deploy"]["steps"][step]["run"]
    assert run.locate(run.index("${{")) == position


def test_aliases_share_one_object():
    doc = parse_yaml("a: &x {k: v}\nb: *x\n")
    assert doc["a"] is doc["b"]


def test_alias_bomb_is_refused_before_anything_walks_it():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    with pytest.raises(InputError, match="aliases expand past"):
        parse_yaml("\n".join(levels), "bomb.yml")


def test_malformed_yaml_names_file_and_line():
    with pytest.raises(InputError) as caught:
        parse_yaml("jobs:\n  a: [1,\n  b: c\n", "broken.yml")
    assert str(caught.value).startswith("broken.yml:")
    assert caught.value.line is not None
    assert "\n" not in str(caught.value)


def test_binary_huge_and_unreadable_files(tmp_path):
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"on: push\n\x00\x01")
    huge = tmp_path / "huge.yml"
    huge.write_bytes(b"a: b\n" * (MAX_FILE_BYTES // 5 + 1))
    latin = tmp_path / "latin.yml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    for path, message in [
        (binary, "binary"),
        (huge, "larger than"),
        (latin, "not UTF-8"),
        (tmp_path / "missing.yml", "cannot read"),
        (tmp_path, "cannot read"),
    ]:
        with pytest.raises(InputError, match=message) as caught:
            load_yaml(path)
        assert str(path) in str(caught.value)


def test_empty_document_is_none():
    assert parse_yaml("# only a comment\n") is None


def test_locate_in_a_literal_block_ignores_the_lines_own_extra_indentation():
    run = parse_yaml("run: |\n  if x; then\n    docker build .\n  fi\n")["run"]
    assert run.locate(run.index("docker")) == (3, 5)


def test_locate_finds_every_character_of_a_long_block_where_the_file_has_it():
    lines = [f"echo step {index}  # {'x' * (index % 7)}" for index in range(300)]
    block = "".join(f"          {line}\n" for line in lines)
    text = "jobs:\n  d:\n    steps:\n      - run: |\n" + block
    run = parse_yaml(text)["jobs"]["d"]["steps"][0]["run"]
    source = text.splitlines()
    for offset in range(0, len(run), 97):  # the line starts are found once, then bisected
        if run[offset] == "\n":
            continue
        line, column = run.locate(offset)
        assert source[line - 1][column - 1] == run[offset]
