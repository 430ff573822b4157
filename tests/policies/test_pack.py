"""The policy pack format: the bundled Cat-Scan pack, and one clear error per wrong field."""

import pytest

from driftgate.policies.errors import PackError
from driftgate.policies.pack import DEFAULT_PACK, load_pack


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


def _broken_pack(tmp_path, old, new):
    text = DEFAULT_PACK.read_text()
    assert old in text
    path = tmp_path / "pack.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


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
        ("  path: /health ", "  paht: /health ", "health"),
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
    # the line named is the broken one (for a misspelt key: its parent's)
    named_line = path.read_text().splitlines()[caught.value.line - 1]
    assert new.strip() in named_line or f"{field.rsplit('.', 1)[-1]}:" in named_line


def test_a_pack_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(PackError, match="must be a YAML mapping"):
        load_pack(path)
