"""`driftgate lint` from a subfolder of a repository, `--jobs` bounds, the summary line."""

import os
import subprocess
import sys

import pytest
from lint_samples import CI_WITH_PUSH, CLEAN_CI, CLEAN_REPO, COMPOSE_LATEST, error_lines

DRIFTGATE = os.path.join(os.path.dirname(sys.executable), "driftgate")


@pytest.fixture
def sample(repo):
    root = repo(
        {
            ".github/workflows/ci.yml": CI_WITH_PUSH,
            "docker-compose.gcp.yml": COMPOSE_LATEST,
            "src/app/readme.txt": "no YAML here\n",
        }
    )
    (root / ".git").mkdir()
    return root


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("", [".github/workflows/ci.yml:3:3: DG901", "docker-compose.gcp.yml:3:12: DG902"]),
        (".github", ["workflows/ci.yml:3:3: DG901"]),
        (".github/workflows", ["ci.yml:3:3: DG901"]),
        ("src/app", ["../../.github/workflows/ci.yml:3:3: DG901", "../../docker-compose.gcp.yml"]),
    ],
)
def test_no_path_lints_the_repository_from_any_folder_of_it(
    fake_rules, sample, run_cli, monkeypatch, folder, expected
):
    """Paths are relative to the current directory (from the root: as before)."""
    monkeypatch.chdir(sample / folder)
    code, out, err = run_cli("lint", "--format", "text")
    assert code == 1 and error_lines(err) == []
    findings = [line for line in out.splitlines() if ": DG9" in line]
    assert len(findings) == len(expected)
    for line, start in zip(findings, expected, strict=True):
        assert line.startswith(start), line
        path = line.split(":", 1)[0]
        assert os.path.isfile(path)  # openable from where the command ran


def test_no_path_from_the_workflows_folder_end_to_end(sample):
    proc = subprocess.run(
        [DRIFTGATE, "lint", "--format", "text"],
        cwd=sample / ".github" / "workflows",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "cannot read" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr == ""
    assert proc.returncode == 0  # the real rules: a push trigger is fine in a plain workflow
    assert "All clean: 1 file, no findings." in proc.stdout


def test_a_folder_outside_any_repository_is_still_an_error(
    fake_rules, tmp_path, run_cli, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("lint")
    assert code == 2 and err.startswith("driftgate: error: .: no workflow")


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_below_1_is_a_one_line_usage_error(fake_rules, repo, run_cli, jobs):
    root = repo({".github/workflows/ci.yml": CLEAN_CI})
    code, out, err = run_cli("lint", "--jobs", jobs, root)
    assert (code, out) == (2, "")
    assert err == f"driftgate: error: --jobs: must be 1 or more (got {jobs})\n"


def test_jobs_1_is_accepted(fake_rules, repo, run_cli):
    root = repo({".github/workflows/ci.yml": CLEAN_CI})
    assert run_cli("lint", "--jobs", "1", root)[0] == 0


def test_a_run_with_an_unlintable_path_is_not_all_clean(fake_rules, repo, run_cli):
    root = repo({".github/workflows/ci.yml": CLEAN_CI, ".github/workflows/bad.yml": "[1"})
    code, out, _ = run_cli("lint", "--format", "text", root)
    assert code == 2
    assert "All clean" not in out
    assert out == "No findings in 1 file; 1 path could not be linted.\n"


def test_a_clean_run_still_says_all_clean(fake_rules, repo, run_cli):
    root = repo(CLEAN_REPO)
    assert run_cli("lint", "--format", "text", root)[1] == "All clean: 4 files, no findings.\n"
