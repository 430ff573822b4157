"""The engine: which rules run on which kind of file, hooks, findings, order, parallel runs."""

import pytest
from lint_samples import CI_WITH_PUSH, COMPOSE_LATEST, DEPLOY, lint_file

from driftgate.lint import runner as linter
from driftgate.policies.lint.engine import select_rules
from driftgate.policies.lint.finding import Finding


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_workflow_rules_run_on_every_workflow_kind(fake_rules, tmp_path):
    path = write(tmp_path, "wf.yml", CI_WITH_PUSH)
    for kind in ("workflow", "deploy", "build"):
        assert [f.rule_id for f in lint_file(path, kind)] == ["DG901"] + (
            ["DG904"] if kind == "build" else []
        )
    assert lint_file(path, "compose") == []


def test_deploy_rules_only_on_deploy_files(fake_rules, tmp_path):
    path = write(tmp_path, "deploy.yml", DEPLOY)
    assert [f.rule_id for f in lint_file(path, "deploy")] == ["DG903"]
    assert lint_file(path, "workflow") == []
    assert [f.rule_id for f in lint_file(path, "build")] == ["DG904"]  # build rules on build


def test_finding_carries_everything_a_reader_needs(fake_rules, tmp_path):
    path = write(tmp_path, "deploy.yml", DEPLOY)
    (finding,) = lint_file(path, "deploy", rules=["DG903"])
    assert finding == Finding(
        rule_id="DG903",
        rule_name="step-word",
        severity="warning",
        message="uses echo",
        file=str(path),
        line=10,  # the line of the offending text inside the run: block
        column=11,
        key_path="jobs.deploy.steps[0].run",
        remediation="Fix step-word.",
    )
    assert finding.doc_url == "https://driftgate.dev/rules/dg903/"


def test_compose_hook_points_at_the_value(fake_rules, tmp_path):
    path = write(tmp_path, "docker-compose.yml", COMPOSE_LATEST)
    (finding,) = lint_file(path, "compose")
    assert (finding.line, finding.column, finding.key_path) == (3, 12, "services.api.image")


def test_rules_selected_by_id_or_name(fake_rules, tmp_path):
    path = write(tmp_path, "wf.yml", CI_WITH_PUSH)
    assert [f.rule_id for f in lint_file(path, "build", rules=["job-timeout"])] == ["DG904"]
    assert [f.rule_id for f in lint_file(path, "build", rules=["dg901"])] == ["DG901"]
    with pytest.raises(KeyError):
        select_rules(["DG999"])


def test_findings_are_ordered_by_position_then_rule(fake_rules, tmp_path):
    text = "on:\n  push:\njobs:\n  b:\n    runs-on: x\n  a:\n    runs-on: x\n"
    path = write(tmp_path, "wf.yml", text)
    spots = [(f.line, f.column, f.rule_id) for f in lint_file(path, "build")]
    assert spots == sorted(spots) and len(spots) == 3


def test_parallel_run_gives_the_same_report_as_a_serial_one(fake_rules, tmp_path, monkeypatch):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for index in range(40):
        text = CI_WITH_PUSH if index % 3 else DEPLOY
        (workflows / f"wf{index:02d}.yml").write_text(text)
    (workflows / "broken.yml").write_text("on: [push\n")
    serial = linter.lint_paths([tmp_path], jobs=1)
    monkeypatch.setattr(linter, "PARALLEL_FROM", 2)
    monkeypatch.setattr(linter, "CHUNK", 4)
    parallel = linter.lint_paths([tmp_path], jobs=2)
    assert parallel.findings == serial.findings and len(serial.findings) == 26
    assert [str(e) for e in parallel.errors] == [str(e) for e in serial.errors]
    assert len(serial.errors) == 1 and serial.files == parallel.files


def test_reference_example_lints_clean_with_every_registered_rule():
    report = linter.lint_paths(["examples/catscan"])
    assert report.errors == ()
    assert list(report.findings) == []
    assert len(report.files) == 3


def test_a_crashing_rule_fails_closed_naming_rule_and_file(
    fake_rules, tmp_path, run_cli, monkeypatch
):
    def crash(workflow, context):
        raise ValueError("boom")
        yield  # pragma: no cover  # noqa: V201 (a generator, like a rule hook)

    monkeypatch.setattr(fake_rules["DG901"], "check_workflow", crash)
    path = write(tmp_path, "wf.yml", CI_WITH_PUSH)
    code, _, err = run_cli("lint", path)
    assert code == 2
    assert err.strip() == (
        f"driftgate: error: {path}: rule DG901 failed on this file (ValueError: boom); "
        "please report it"
    )
