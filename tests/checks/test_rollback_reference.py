"""The reference deploy's way back, as the linter reads it.

A step that runs only on failure is the way back, not the deploy: its own
`driftgate verify` never stands in for the deploy's gate (without the gate,
DG109 and DG110 still fire at the deploy's `up`), and the rollback step itself
lints clean.
"""

import shutil
from pathlib import Path

import pytest

from driftgate.lint.runner import lint_paths
from driftgate.policies.lint.placement import runs_on_success
from driftgate.policies.lint.workflow import Workflow
from driftgate.policies.yamlsource import parse_yaml

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "catscan"
GATE = (
    '          driftgate verify --target "$TARGET" --expected-sha "$GITHUB_SHA"\n'
    '          --host "ssh://$VM" --ssh-config "$RUNNER_TEMP/ssh_config"\n'
    "          --json-out driftgate-verify.json --junitxml driftgate-verify.xml\n"
)


def lint_reference(tmp_path, snippet=None, replacement=None):
    root = tmp_path / "catscan"
    shutil.copytree(REFERENCE, root)
    deploy = root / ".github/workflows/deploy.yml"
    text = deploy.read_text()
    if snippet is not None:
        assert text.count(snippet) == 1
        deploy.write_text(text.replace(snippet, replacement))
    report = lint_paths([str(root)])
    assert not report.errors
    return report, deploy.read_text()


def test_the_reference_with_its_rollback_lints_clean(tmp_path):
    report, text = lint_reference(tmp_path)
    assert "driftgate verify --rollback-from" in text
    assert list(report.findings) == []


def test_the_rollback_never_stands_in_for_the_deploy_gate(tmp_path):
    report, text = lint_reference(tmp_path, GATE, '          echo "no gate"\n')
    up_line = text.splitlines().index(
        "          docker compose -f docker-compose.gcp.yml up -d --force-recreate"
    )
    flagged = {(f.rule_id, f.line) for f in report.findings}
    assert ("DG109", up_line + 1) in flagged and ("DG110", up_line + 1) in flagged


@pytest.mark.parametrize(
    ("condition", "only_on_failure"),
    [
        ("failure()", True),
        ("${{ failure() }}", True),
        ("failure() && steps.gate.outcome == 'failure'", True),
        ("always()", False),
        ("failure() || inputs.force", False),
        ("!failure()", False),
        ("success() || failure()", False),
        ("inputs.target == 'production'", False),
    ],
)
def test_which_steps_run_only_on_failure(condition, only_on_failure):
    text = f'jobs:\n  d:\n    steps:\n      - if: "{condition}"\n        run: echo\n'
    workflow = Workflow(parse_yaml(text), "deploy.yml")
    assert runs_on_success(workflow, workflow.steps[0]) is not only_on_failure


def test_a_job_that_runs_only_on_failure():
    text = (
        "jobs:\n  deploy:\n    steps:\n      - run: echo\n"
        "  rollback:\n    needs: deploy\n    if: failure()\n    steps:\n      - run: echo\n"
    )
    workflow = Workflow(parse_yaml(text), "deploy.yml")
    assert [runs_on_success(workflow, s) for s in workflow.steps] == [True, False]
