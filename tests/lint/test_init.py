"""`driftgate init` on the reference repositories writes a pack under which `driftgate lint`
is clean; it never overwrites a file without --force."""

import shutil
from pathlib import Path

import pytest

from driftgate.cli import main
from driftgate.policies.pack import load_pack

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _init(tmp_path, monkeypatch, example, *args):
    root = tmp_path / example
    shutil.copytree(EXAMPLES / example, root)
    monkeypatch.chdir(root)
    return root, main(["init", *args])


@pytest.mark.parametrize("example", ["catscan", "catscan-ghcr"])
def test_init_then_lint_is_clean(tmp_path, monkeypatch, capsys, example):
    root, code = _init(tmp_path, monkeypatch, example)
    assert code == 0, capsys.readouterr().err
    assert (root / "driftgate.yaml").read_text().endswith("pack: driftgate-pack.yaml\n")
    capsys.readouterr()
    assert main(["lint", "--format", "text"]) == 0  # finds driftgate.yaml, then the pack
    out = capsys.readouterr().out
    assert out.startswith("All clean:"), out
    # the rule families were given the repository's files, not nothing
    pack = load_pack(root / "driftgate-pack.yaml")
    assert pack.files.build_workflows and pack.files.compose_files


def test_init_reads_the_gcp_reference(tmp_path, monkeypatch):
    root, _ = _init(tmp_path, monkeypatch, "catscan")
    pack = load_pack(root / "driftgate-pack.yaml")
    assert list(pack.targets) == ["staging", "production"]
    assert pack.target("production").promoted_from == "staging"
    assert (pack.deploy.confirm_input, pack.deploy.confirm_word) == ("confirm", "DEPLOY")
    assert pack.release_branches == ("unified-platform", "main")
    assert pack.images.names == ("catscan-api", "catscan-dashboard")
    assert pack.images.registry == "europe-west1-docker.pkg.dev/catscan/catscan"
    assert (pack.images.tag_format, pack.images.tag_variable) == ("sha-{sha7}", "IMAGE_TAG")
    assert pack.files.deploy_workflows == (".github/workflows/deploy.yml",)
    assert pack.files.compose_files == ("docker-compose.gcp.yml",)
    assert pack.build.trigger == "push"
    assert pack.images.attestations == ()  # docker build and push: none asked


def test_init_reads_the_ghcr_reference(tmp_path, monkeypatch):
    root, _ = _init(tmp_path, monkeypatch, "catscan-ghcr")
    pack = load_pack(root / "driftgate-pack.yaml")
    assert pack.build == ("dispatch", "confirm", "PUBLISH_HETZNER")
    assert pack.images.names == ("catscan-api", "catscan-dashboard", "catscan-mcp")
    assert (pack.images.registry, pack.images.tag_format) == ("ghcr.io/*", "sha-{sha}")
    assert dict(pack.images.release_manifest.variables) == {
        "catscan-api": "API_IMAGE",
        "catscan-dashboard": "DASHBOARD_IMAGE",
        "catscan-mcp": "MCP_IMAGE",
    }
    assert pack.images.release_manifest.path == "release.env"
    assert pack.images.attestations == ("provenance", "sbom")
    assert pack.files.deploy_workflows == ()
    text = (root / "driftgate-pack.yaml").read_text()
    assert "release_branches: [main]  # guessed:" in text  # no push: the branch is a guess
    assert "confirm_word: PUBLISH_HETZNER\n" in text  # read from the `if:`, not guessed


def test_init_never_overwrites_without_force(tmp_path, monkeypatch, capsys):
    root = tmp_path / "catscan"
    shutil.copytree(EXAMPLES / "catscan", root)
    (root / "driftgate-pack.yaml").write_text("mine\n")
    monkeypatch.chdir(root)
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    existing = root / "driftgate-pack.yaml"
    assert err == f"driftgate: error: {existing} exists; pass --force to overwrite it\n"
    assert (root / "driftgate-pack.yaml").read_text() == "mine\n"
    assert not (root / "driftgate.yaml").exists()  # nothing written
    assert main(["init", "--force"]) == 0
    assert load_pack(root / "driftgate-pack.yaml").name == "catscan"


def test_init_skips_a_broken_workflow_with_one_line(tmp_path, monkeypatch, capsys):
    root = tmp_path / "catscan"
    shutil.copytree(EXAMPLES / "catscan", root)
    (root / ".github" / "workflows" / "broken.yml").write_text("on: [\n")
    monkeypatch.chdir(root)
    assert main(["init"]) == 0
    skipped, wrote = capsys.readouterr().err.splitlines()
    assert skipped.startswith(f"driftgate: skipped {root}/.github/workflows/broken.yml:2:")
    assert wrote.startswith("driftgate: wrote ")
    assert load_pack(root / "driftgate-pack.yaml").files.deploy_workflows


def test_a_pack_file_in_a_missing_folder_is_one_line_and_nothing_written(
    tmp_path, monkeypatch, capsys
):
    root, code = _init(tmp_path, monkeypatch, "catscan", "--pack-file", "nowhere/pack.yaml")
    assert code == 2
    assert capsys.readouterr().err == (
        f"driftgate: error: --pack-file: {root / 'nowhere'} is not a folder\n"
    )
    assert not (root / "driftgate.yaml").exists()


def test_a_pack_file_elsewhere_is_what_the_config_names(tmp_path, monkeypatch, capsys):
    root = tmp_path / "catscan"
    shutil.copytree(EXAMPLES / "catscan", root)
    (root / "policy").mkdir()
    monkeypatch.chdir(root)
    assert main(["init", "--pack-file", "policy/pack.yaml"]) == 0
    assert "pack: policy/pack.yaml\n" in (root / "driftgate.yaml").read_text()
    capsys.readouterr()
    assert main(["lint"]) == 0, capsys.readouterr()
