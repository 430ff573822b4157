"""The second bundled pack (Cat-Scan since August 2026) and the pack fields it needs."""

import pytest

from driftgate.policies.errors import DriftgateError, PackError
from driftgate.policies.pack import PACKS, bundled_packs, load_pack, resolve_pack_path

GHCR = PACKS / "catscan-ghcr.yaml"
FULL = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"


def test_both_bundled_packs_are_valid_and_found_by_name():
    assert bundled_packs() == ["catscan", "catscan-ghcr"]
    for name in bundled_packs():
        assert load_pack(name).name == name  # validated against the schema


def test_the_ghcr_pack_describes_the_dispatched_build():
    pack = load_pack("catscan-ghcr")
    assert (pack.build.trigger, pack.build.confirm_input) == ("dispatch", "confirm")
    assert pack.build.confirm_word == "PUBLISH_HETZNER"
    assert pack.images.names == ("catscan-api", "catscan-dashboard", "catscan-mcp")
    assert pack.images.tag_for(FULL) == f"sha-{FULL}"
    assert pack.images.tag_shape == "sha-<40 hex>"
    assert pack.images.manifest_variables == ("API_IMAGE", "DASHBOARD_IMAGE", "MCP_IMAGE")
    assert pack.images.release_manifest.path == "release.env"
    assert pack.files.deploy_workflows == ()
    assert pack.health_url("production") == "https://scan.rtb.cat/api/health"
    assert pack.contracts == load_pack("catscan").contracts  # the contracts did not change


def test_the_gcp_pack_keeps_the_push_build_and_short_tags():
    pack = load_pack()
    assert pack.build.trigger == "push" and pack.build.confirm_word is None
    assert pack.images.release_manifest is None and pack.images.manifest_variables == ()
    assert pack.images.tag_shape == "sha-<7 hex>"


def test_a_path_is_never_taken_for_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "catscan-ghcr").write_text("version: 1\n")
    assert resolve_pack_path("catscan-ghcr") == "catscan-ghcr"  # the file here wins
    assert resolve_pack_path("./nothing.yaml") == "./nothing.yaml"
    (tmp_path / "catscan").mkdir()  # a folder of that name (the example repository) is no pack
    assert resolve_pack_path("catscan") == str(PACKS / "catscan.yaml")
    with pytest.raises(DriftgateError, match="nothing: cannot read"):
        load_pack("nothing")


def _pack_with(tmp_path, old, new):
    text = GHCR.read_text()
    assert old in text
    path = tmp_path / "pack.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "field", "at"),
    [
        ("  confirm_word: PUBLISH_HETZNER\n", "", "build.confirm_word", "build:"),
        ("  trigger: dispatch", "  trigger: manual", "build.trigger", "trigger: manual"),
        (
            "      catscan-mcp: MCP_IMAGE",
            "      catscan-mcp: MCP IMAGE",
            "catscan-mcp",
            "MCP IMAGE",
        ),
        ("    variables:\n", "    vars:\n", "release_manifest.vars", "release_manifest:"),
    ],
)
def test_wrong_new_fields_name_file_line_and_field(tmp_path, old, new, field, at):
    path = _pack_with(tmp_path, old, new)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:") and field in message
    assert at in path.read_text().splitlines()[caught.value.line - 1]


def test_deploy_and_build_are_optional_with_documented_defaults(tmp_path):
    pack = load_pack("catscan-ghcr")
    assert pack.deploy.confirm_word == "DEPLOY"  # the schema's default; no deploy workflow here
    path = _pack_with(tmp_path, "build:\n  trigger: dispatch\n", "build:\n  trigger: push\n")
    assert load_pack(path).build.trigger == "push"


@pytest.mark.parametrize(
    ("script", "unrecorded"),
    [
        ('echo "API_IMAGE=${PREFIX}/catscan-api@${DIGEST}" >> release.env', []),
        ('printf \'API_IMAGE=%s@%s\\n\' "$REF" "$DIGEST" > release.env', []),
        ('echo "API_IMAGE=${PREFIX}/catscan-api:${IMAGE_TAG}" >> release.env', ["catscan-api"]),
        ('echo "OLD_API_IMAGE=x@sha256:1" >> release.env', ["catscan-api"]),
        ("echo nothing", ["catscan-api"]),
    ],
)
def test_the_build_must_record_each_images_digest(script, unrecorded):
    from driftgate.policies.lint.workflow import Workflow
    from driftgate.policies.release_manifest import unrecorded_images
    from driftgate.policies.yamlsource import parse_yaml

    text = f"on: workflow_dispatch\njobs:\n  b:\n    steps:\n      - run: |\n          {script}\n"
    workflow = Workflow(parse_yaml(text, "w.yml"), "w.yml")
    images = load_pack("catscan-ghcr").images
    names = images.release_manifest.variables
    found = [n for n in unrecorded_images(workflow, images) if n == "catscan-api"]
    assert found == unrecorded
    assert set(unrecorded_images(workflow, images)) >= set(names) - {"catscan-api"}
    assert unrecorded_images(workflow, load_pack().images) == []  # no manifest: nothing asked


@pytest.mark.parametrize(
    ("script", "missing"),
    [
        ("docker buildx build --push --sbom=true --provenance=mode=max -t r/catscan-api:t .", ""),
        (
            "docker buildx build --push --attest type=sbom --provenance true -t r/catscan-api:t .",
            "",
        ),
        ("docker buildx build --push --sbom=false --provenance=1 -t r/catscan-api:t .", "an SBOM"),
        ("docker build -t r/catscan-api:t . && docker push r/catscan-api:t", "provenance and an"),
        ("docker buildx build --sbom=true --provenance=1 -t r/catscan-api:t .", ""),  # no push
    ],
)
def test_pushes_carry_the_packs_attestations(script, missing):
    from driftgate.policies.attestations import missing_attestations
    from driftgate.policies.lint.workflow import Workflow
    from driftgate.policies.yamlsource import parse_yaml

    text = f"on: workflow_dispatch\njobs:\n  b:\n    steps:\n      - run: |\n          {script}\n"
    workflow = Workflow(parse_yaml(text, "w.yml"), "w.yml")
    found = missing_attestations(workflow, load_pack("catscan-ghcr").images)
    if not missing:
        assert found == []
    else:
        (violation,) = found
        assert missing in violation.message and violation.line == 6
    assert missing_attestations(workflow, load_pack().images) == []  # the GCP pack asks none
