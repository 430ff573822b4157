"""Which files `driftgate lint` reads, and as which kind."""

import os

from lint_samples import CI_WITH_PUSH, COMPOSE_LATEST, DEPLOY

from driftgate.lint.discovery import kind_for, matches, repo_root
from driftgate.lint.runner import lint_paths
from driftgate.policies.lint.engine import default_pack

FILES = default_pack().files


def sample_repo(repo):
    return repo(
        {
            ".github/workflows/deploy.yml": DEPLOY,
            ".github/workflows/build-and-push.yaml": CI_WITH_PUSH,
            ".github/workflows/ci.yml": CI_WITH_PUSH,
            ".github/workflows/notes.txt": "not yaml: [",
            "docker-compose.gcp.yml": COMPOSE_LATEST,
            "docker-compose.override.yml": COMPOSE_LATEST,  # not named by the pack
            "src/config.yml": "x: [",  # never discovered
        }
    )


def test_kinds_from_the_pack_globs():
    assert kind_for(".github/workflows/deploy.yml", FILES) == "deploy"
    assert kind_for(".github/workflows/build-and-push.yaml", FILES) == "build"
    assert kind_for(".github/workflows/ci.yml", FILES) == "workflow"
    assert kind_for("docker-compose.gcp.yml", FILES) == "compose"
    assert kind_for("src/other.yml", FILES) is None
    assert matches("deep/docker-compose.gcp.yml", ("docker-compose.gcp.yml",))


def test_a_directory_is_a_repository_root(fake_rules, repo):
    root = sample_repo(repo)
    report = lint_paths([root])
    relative = sorted(os.path.relpath(p, root) for p in report.files)
    assert relative == [
        ".github/workflows/build-and-push.yaml",
        ".github/workflows/ci.yml",
        ".github/workflows/deploy.yml",
        "docker-compose.gcp.yml",
    ]
    by_file = {(os.path.basename(f.file), f.rule_id) for f in report.findings}
    assert ("deploy.yml", "DG903") in by_file  # linted as a deploy workflow
    assert ("build-and-push.yaml", "DG904") in by_file  # as a build workflow
    assert ("ci.yml", "DG904") not in by_file  # a plain workflow gets no build rules
    assert ("docker-compose.gcp.yml", "DG902") in by_file


def test_no_path_lints_the_current_directory(fake_rules, repo, monkeypatch):
    monkeypatch.chdir(sample_repo(repo))
    report = lint_paths([])
    assert report.files[0] == os.path.join(".github", "workflows", "build-and-push.yaml")
    assert len(report.files) == 4


def test_a_file_gets_its_kind_from_its_place_in_the_repository(fake_rules, repo):
    root = sample_repo(repo)
    deploy = root / ".github" / "workflows" / "deploy.yml"
    assert repo_root(deploy) == root
    report = lint_paths([deploy])
    assert [f.rule_id for f in report.findings] == ["DG903"]


def test_a_loose_file_is_sniffed_from_its_content(fake_rules, tmp_path):
    (tmp_path / "flow.yml").write_text(CI_WITH_PUSH)
    (tmp_path / "stack.yml").write_text(COMPOSE_LATEST)
    (tmp_path / "other.yml").write_text("name: just data\n")
    report = lint_paths([tmp_path / "flow.yml", tmp_path / "stack.yml", tmp_path / "other.yml"])
    assert sorted(f.rule_id for f in report.findings) == ["DG901", "DG902"]
    (error,) = report.errors
    assert "other.yml" in str(error) and "neither a workflow" in str(error)


def test_the_same_file_given_twice_is_linted_once(fake_rules, repo):
    root = sample_repo(repo)
    ci = root / ".github" / "workflows" / "ci.yml"
    assert len(lint_paths([ci, ci]).files) == 1


def test_the_workflows_folder_itself_lints_its_repository_workflows(fake_rules, repo):
    root = sample_repo(repo)
    report = lint_paths([root / ".github" / "workflows"])
    assert sorted(os.path.basename(p) for p in report.files) == [
        "build-and-push.yaml",
        "ci.yml",
        "deploy.yml",
    ]
    assert ("DG903", "deploy.yml") in {
        (f.rule_id, os.path.basename(f.file)) for f in report.findings
    }


def test_a_folder_without_workflows_is_an_error_not_a_silent_pass(fake_rules, tmp_path):
    report = lint_paths([tmp_path])
    assert report.files == ()
    (error,) = report.errors
    assert str(error).startswith(f"{tmp_path}: no workflow") and "repository root" in str(error)
