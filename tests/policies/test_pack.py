"""The policy pack format: the bundled Cat-Scan pack, and one clear error per wrong field."""

import pytest

from driftgate.cli import main
from driftgate.policies.errors import DriftgateError, PackError
from driftgate.policies.pack import DEFAULT_PACK, MAX_ERRORS, load_pack


def test_bundled_pack_describes_catscan():
    pack = load_pack()
    assert list(pack.targets) == ["staging", "production"]
    assert pack.target("production").vm == "catscan-production-sg"
    assert pack.target("production").promoted_from == "staging"
    assert pack.target("staging").promoted_from is None
    assert set(pack.release_branches) == {"unified-platform", "main"}
    assert pack.images.names == ("catscan-api", "catscan-dashboard")
    assert pack.images.tag_variable == "IMAGE_TAG"
    assert pack.images.tag_for("94e9cbb0d1c2b3a4") == "sha-94e9cbb"
    assert pack.deploy.confirm_word == "DEPLOY"
    assert pack.health_url("production") == "https://scan.rtb.cat/api/health"
    assert pack.health_url("production", "http://127.0.0.1:8000/") == "http://127.0.0.1:8000/health"


def test_unknown_target_lists_the_known_ones():
    with pytest.raises(
        PackError, match=r"unknown target 'prod' \(this pack has: staging, production\)"
    ):
        load_pack().target("prod")


def _broken_pack(tmp_path, old, new, *more):
    """The bundled pack with `old` replaced by `new` (and so on for each further pair)."""
    text = DEFAULT_PACK.read_text()
    for before, after in [(old, new), *zip(more[::2], more[1::2], strict=True)]:
        assert before in text
        text = text.replace(before, after, 1)
    path = tmp_path / "pack.yaml"
    path.write_text(text)
    return path


def _line(path, text):
    """The 1-based number of the only line of `path` that contains `text`."""
    numbers = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(numbers) == 1, (text, numbers)
    return numbers[0]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("version: 1", "version: 2", "version"),
        (
            "base_url: https://scan.rtb.cat/api",
            "base_url: ftp://scan",
            "targets.production.base_url",
        ),
        ("tag_variable: IMAGE_TAG", "tag_variable: 'IMAGE TAG'", "images.tag_variable"),
        ("confirm_word: DEPLOY", "confirm_word: ''", "deploy.confirm_word"),
        ("  api_port: 8000", "  api_port: eighty", "host.api_port"),
        ("promoted_from: staging", "promoted_from: qa", "promoted_from"),
    ],
)
def test_a_wrong_field_is_one_error_naming_file_line_and_field(tmp_path, old, new, field):
    path = _broken_pack(tmp_path, old, new)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:")
    assert field in message
    assert "\n" not in message
    # the line named is the broken one
    named_line = path.read_text().splitlines()[caught.value.line - 1]
    assert new.strip() in named_line


def test_a_pack_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(PackError, match="must be a YAML mapping"):
        load_pack(path)


def test_every_wrong_field_is_one_line_at_its_own_line(tmp_path):
    path = _broken_pack(
        tmp_path,
        "version: 1", "version: 7",
        "tag_variable: IMAGE_TAG", "tag_variable: 5",
        "name: catscan", "nmae: catscan",
    )  # fmt: skip
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert str(caught.value).splitlines() == [
        # a missing required field: the line of the mapping that lacks it (the root: line 1)
        f"{path}:1: name: required field missing",
        f"{path}:{_line(path, 'version: 7')}: version: must be 1 (not 7)",
        # an unknown key: its own line
        f"{path}:{_line(path, 'nmae:')}: nmae: unknown field (did you mean 'name'?)",
        f"{path}:{_line(path, 'tag_variable: 5')}: images.tag_variable: 5 is not of type 'string'",
    ]
    assert caught.value.line == 1
    assert isinstance(caught.value, DriftgateError)


def test_a_misspelt_nested_key_names_the_mapping_and_the_key(tmp_path):
    path = _broken_pack(tmp_path, "  path: /health ", "  paht: /health ")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert str(caught.value).splitlines() == [
        f"{path}:{_line(path, 'health:')}: health.path: required field missing",
        f"{path}:{_line(path, 'paht:')}: health.paht: unknown field (did you mean 'path'?)",
    ]


def test_list_items_bad_names_and_unknown_targets_are_all_reported(tmp_path):
    path = _broken_pack(
        tmp_path,
        "names: [catscan-api, catscan-dashboard]", "names: [catscan-api, 3]",
        "  production:\n", "  Prod:\n",
        "promoted_from: staging", "promoted_from: qa",
    )  # fmt: skip
    with pytest.raises(PackError) as caught:
        load_pack(path)
    pattern = "'Prod' does not match '^[a-z0-9][a-z0-9_-]*$'"
    assert str(caught.value).splitlines() == [
        f"{path}:{_line(path, 'Prod:')}: targets.Prod: bad name: {pattern}",
        f"{path}:{_line(path, 'promoted_from: qa')}: targets.Prod.promoted_from: "
        "unknown target 'qa'",
        f"{path}:{_line(path, 'names: [')}: images.names.1: 3 is not of type 'string'",
    ]


def test_the_same_problem_is_reported_once(tmp_path):
    # Two missing required keys are two jsonschema errors that each see both missing.
    path = _broken_pack(tmp_path, "\nhealth:\n", "\nhealth: {}\nold_health:\n")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(set(lines))
    health = _line(path, "health: {}")
    assert f"{path}:{health}: health.path: required field missing" in lines
    assert f"{path}:{health}: health.schema: required field missing" in lines


def test_many_wrong_fields_are_capped(tmp_path):
    many = MAX_ERRORS + 5
    names = ", ".join(str(n) for n in range(many))
    path = _broken_pack(tmp_path, "names: [catscan-api, catscan-dashboard]", f"names: [{names}]")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    lines = str(caught.value).splitlines()
    line = _line(path, "names: [0,")
    assert lines[:MAX_ERRORS] == [
        f"{path}:{line}: images.names.{n}: {n} is not of type 'string'" for n in range(MAX_ERRORS)
    ]
    assert lines[MAX_ERRORS:] == [f"{path}: and 5 more"]
    assert len(caught.value.problems) == many


def test_the_cli_prints_every_wrong_field_naming_the_file_and_exits_2(tmp_path, capsys):
    path = _broken_pack(
        tmp_path, "version: 1", "version: 7", "tag_variable: IMAGE_TAG", "tag_variable: 5"
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    assert main(["lint", "--pack", str(path), str(repo)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"driftgate: error: {path}:{_line(path, 'version: 7')}: version: must be 1 (not 7)",
        f"{path}:{_line(path, 'tag_variable: 5')}: images.tag_variable: 5 is not of type 'string'",
    ]
