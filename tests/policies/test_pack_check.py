"""`driftgate pack check`: a valid pack shows what each rule family reads; a wrong one, where."""

import shutil
from pathlib import Path

import pytest

from driftgate.cli import main
from driftgate.policies.pack import PACKS, load_pack
from driftgate.policies.pack_check import coverage, workflow_matches

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_each_workflow_falls_to_one_family_as_lint_decides():
    pack = load_pack()
    workflows = [
        ".github/workflows/build-and-push.yml",
        ".github/workflows/deploy.yml",
        ".github/workflows/ci.yml",
    ]
    compose = {"docker-compose.gcp.yml": ["docker-compose.gcp.yml"]}
    deploy, build, composes, other = coverage(pack, workflows, compose)
    assert deploy.files == (".github/workflows/deploy.yml",)
    assert build.files == (".github/workflows/build-and-push.yml",)
    assert composes.files == ("docker-compose.gcp.yml",)
    assert other.files == (".github/workflows/ci.yml",)
    assert "DG101" in deploy.rules and "DG201" in build.rules and "DG401" in composes.rules
    assert "DG201" not in deploy.rules and "DG101" not in other.rules
    assert deploy.globs == pack.files.deploy_workflows


def test_a_glob_without_a_slash_matches_the_file_name():
    assert workflow_matches(".github/workflows/deploy-prod.yml", ["deploy-*.yml"])
    assert not workflow_matches(".github/workflows/deploy-prod.yml", [".github/deploy-*.yml"])


def _check(tmp_path, monkeypatch, capsys, example, *pack):
    root = tmp_path / example
    shutil.copytree(EXAMPLES / example, root)
    monkeypatch.chdir(root / ".github")  # from a folder inside the repository
    code = main(["pack", "check", *pack])
    return code, capsys.readouterr()


def test_check_lists_globs_and_matched_files(tmp_path, monkeypatch, capsys):
    code, out = _check(tmp_path, monkeypatch, capsys, "catscan-ghcr", "catscan-ghcr")
    assert code == 0, out.err
    lines = out.out.splitlines()
    assert lines[0] == f"{PACKS / 'catscan-ghcr.yaml'}: valid"
    build = lines.index(next(line for line in lines if line.startswith("build workflows")))
    assert "DG201, DG202, DG203, DG204" in lines[build]
    assert "  file  .github/workflows/build-images.yml" in lines[build:]
    assert "  file  docker-compose.hetzner.yml" in lines
    deploy = lines.index(next(line for line in lines if line.startswith("deploy workflows")))
    assert lines[deploy + 1 : deploy + 3] == [
        "  glob  (none)",
        "  (no file here matches: these rules check nothing)",
    ]


def test_a_wrong_pack_is_one_line_per_field_and_exit_2(tmp_path, monkeypatch, capsys):
    pack = tmp_path / "pack.yaml"
    text = (PACKS / "catscan-ghcr.yaml").read_text()
    pack.write_text(text.replace("  confirm_word: PUBLISH_HETZNER\n", "").replace("sha-{sha}", "x"))
    code, out = _check(tmp_path, monkeypatch, capsys, "catscan", str(pack))
    assert code == 2 and out.out == ""
    lines = out.err.splitlines()
    assert lines[0].startswith(f"driftgate: error: {pack}:")
    shown = [line.removeprefix("driftgate: error: ") for line in lines]
    fields = [line.removeprefix(f"{pack}:").split(": ")[1] for line in shown]
    assert fields == ["build.confirm_word", "images.tag_format"]
    assert all(line.startswith(f"{pack}:") for line in shown)


@pytest.mark.parametrize("content", ["- a list\n", "version: [\n"])
def test_a_pack_that_is_no_mapping_or_no_yaml_exits_2(tmp_path, monkeypatch, capsys, content):
    pack = tmp_path / "pack.yaml"
    pack.write_text(content)
    code, out = _check(tmp_path, monkeypatch, capsys, "catscan", str(pack))
    assert code == 2 and len(out.err.splitlines()) == 1 and str(pack) in out.err
    assert "Traceback" not in out.err


def test_a_missing_pack_exits_2(tmp_path, monkeypatch, capsys):
    code, out = _check(tmp_path, monkeypatch, capsys, "catscan", "no-such-pack.yaml")
    assert code == 2
    message = "no-such-pack.yaml: cannot read: No such file or directory"
    assert out.err == f"driftgate: error: {message}\n"
