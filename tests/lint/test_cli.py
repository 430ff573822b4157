"""`driftgate lint`, `rules`, `explain`: exit codes and the documentation commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from lint_samples import CI_WITH_PUSH, CLEAN_CI, CLEAN_REPO, DEPLOY

ROOT = Path(__file__).resolve().parents[2]
DRIFTGATE = os.path.join(os.path.dirname(sys.executable), "driftgate")


@pytest.fixture
def three_severities(repo):
    """error (DG901 in ci.yml), warning (DG903 in deploy.yml), note (DG904 in build)."""
    return repo(
        {
            ".github/workflows/ci.yml": CI_WITH_PUSH,
            ".github/workflows/deploy.yml": DEPLOY,
            ".github/workflows/build-and-push.yml": CLEAN_CI,
        }
    )


def test_exit_0_when_clean(fake_rules, repo, run_cli):
    root = repo(CLEAN_REPO)
    code, out, err = run_cli("lint", root)
    assert (code, err) == (0, "") and "All clean: 4 files, no findings." in out


def test_globs_that_match_nothing_are_said_and_the_run_is_not_called_clean(
    fake_rules, repo, run_cli
):
    """A renamed deploy workflow must not read as compliant."""
    root = repo({".github/workflows/ci.yml": CLEAN_CI})
    code, out, err = run_cli("lint", "--format", "text", root)
    assert code == 0 and out == "No findings in 1 file.\n"
    assert err.splitlines() == [
        f"driftgate: warning: {root}: no deploy workflow matched "
        "`.github/workflows/deploy.yml`, `.github/workflows/deploy.yaml`: DG903 checked nothing",
        f"driftgate: warning: {root}: no build workflow matched "
        "`.github/workflows/build-and-push.yml`, `.github/workflows/build-and-push.yaml`: "
        "DG904 checked nothing",
        f"driftgate: warning: {root}: no compose file matched "
        "`docker-compose.gcp.yml`: DG902 checked nothing",
    ]
    document = json.loads(run_cli("lint", "--format", "json", root)[1])
    assert [u["kind"] for u in document["unmatched"]] == ["deploy", "build", "compose"]
    assert document["unmatched"][0]["rules"] == ["DG903"]
    sarif = json.loads(run_cli("lint", "--format", "sarif", root)[1])
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["warning"] * 3
    assert "DG903 checked nothing" in notes[0]["message"]["text"]


@pytest.mark.parametrize(
    ("disabled", "fail_on", "expected"),
    [
        ((), "error", 1),
        (("DG901",), "error", 0),  # a warning and a note left: not failing by default
        (("DG901",), "warning", 1),
        (("DG901", "DG903"), "warning", 0),
        (("DG901", "DG903"), "note", 1),
    ],
)
def test_fail_on_threshold(fake_rules, three_severities, run_cli, disabled, fail_on, expected):
    config = "rules:\n" + "".join(f"  {rule_id}: false\n" for rule_id in disabled)
    (three_severities / "driftgate.yaml").write_text(config if disabled else "")
    code, _, _ = run_cli("lint", "--fail-on", fail_on, three_severities)
    assert code == expected


def test_usage_errors_exit_2(run_cli):
    with pytest.raises(SystemExit) as caught:
        run_cli("lint", "--format", "xml")
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        run_cli("lint", "--fail-on", "fatal")
    assert caught.value.code == 2


def test_reports_go_to_stdout_and_errors_to_stderr(fake_rules, repo, run_cli):
    root = repo({".github/workflows/ci.yml": CI_WITH_PUSH, ".github/workflows/x.yml": "[1"})
    code, out, err = run_cli("lint", "--format", "json", root)
    assert code == 2 and out.startswith("{") and err.startswith("driftgate: error: ")


def test_rules_lists_every_rule(fake_rules, run_cli):
    code, out, _ = run_cli("rules")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "SEVERITY", "APPLIES", "TO", "SUMMARY"]
    assert [line.split()[0] for line in lines[1:]] == [
        "DG001", "DG002", "DG901", "DG902", "DG903", "DG904"
    ]  # fmt: skip
    assert "DG903  step-word           warning   deploy" in out


def test_explain_by_id_or_name(fake_rules, run_cli):
    code, out, _ = run_cli("explain", "dg903")
    assert code == 0
    assert out.startswith("DG903 step-word (warning, applies to: deploy)")
    for part in ("Rationale:", "Remediation:", "Bad:", "Good:", "word: 'echo'"):
        assert part in out
    assert "Docs: https://driftgate.dev/rules/dg903/" in out
    assert run_cli("explain", "step-word")[1] == out
    code, out, err = run_cli("explain", "DG999")
    assert code == 2 and out == "" and "unknown rule 'DG999'" in err


def test_markdown_check_detects_stale_docs(fake_rules, run_cli, tmp_path):
    code, markdown, _ = run_cli("rules", "--format", "markdown")
    assert code == 0 and "## DG903 step-word" in markdown
    docs = tmp_path / "rules.md"
    docs.write_text(markdown)
    assert run_cli("rules", "--format", "markdown", "--check", docs)[0] == 0
    docs.write_text(markdown.replace("No latest.", "No latest tags."))
    code, _, err = run_cli("rules", "--format", "markdown", "--check", docs)
    assert code == 1 and "is stale" in err
    assert run_cli("rules", "--format", "markdown", "--check", tmp_path / "missing.md")[0] == 1


def test_docs_rules_md_is_fresh():
    """docs/rules.md is generated from the registered rules (tox -e docs runs the same)."""
    proc = subprocess.run(
        [DRIFTGATE, "rules", "--format", "markdown", "--check", "docs/rules.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_lint_the_reference_end_to_end():
    """The real console script on the bundled reference: no finding, exit 0."""
    proc = subprocess.run(
        [DRIFTGATE, "lint", "--format", "json", "examples/catscan"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    report = json.loads(proc.stdout)
    assert report["summary"]["files"] == 3 and report["findings"] == []


def test_lint_a_violation_end_to_end(tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    deploy = (ROOT / "examples/catscan/.github/workflows/deploy.yml").read_text()
    broken = deploy.replace("up -d --force-recreate", "up -d")  # one change: DG108
    assert broken != deploy
    (workflows / "deploy.yml").write_text(broken)
    env = {**os.environ, "GITHUB_ACTIONS": "true"}
    proc = subprocess.run(
        [DRIFTGATE, "lint"], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("::error file=.github/workflows/deploy.yml,line=")


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "driftgate-lint" and hook["entry"] == "driftgate lint"
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    import re

    files = re.compile(hook["files"])
    assert files.search(".github/workflows/deploy.yml")
    assert files.search("docker-compose.gcp.yml") and files.search("compose.yaml")
    assert not files.search("src/app.py")


def test_rules_check_needs_the_markdown_format(run_cli, tmp_path):
    code, out, err = run_cli("rules", "--check", tmp_path / "rules.md")
    assert (code, out) == (2, "") and "--check needs --format markdown" in err
