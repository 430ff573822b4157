"""The GitHub Action (action.yml), run the way a runner runs it.

Each `run:` step of the composite action goes to `bash --noprofile --norc -eo
pipefail` (the runner's `shell: bash`) with the environment a runner gives:
GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH, RUNNER_TEMP,
GITHUB_WORKSPACE, the inputs as INPUT_*, and the step's own `env:` with its
`${{ }}` expressions evaluated from the inputs and earlier steps' outputs, as
the runner does. The `uses: actions/setup-python` step is the runner's part: its
output `python-path` is this machine's base interpreter, a plain Python like
the one setup-python provides.

The install is real (a venv, `pip install --constraint constraints.txt` of the
action's checkout, build isolation and all) and offline: pip's own PIP_NO_INDEX
and PIP_FIND_LINKS point it at a folder of wheels repacked from the test venv's
installed distributions, which are the tested set that constraints.txt pins.
"""

import json
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest
from action_runner import GITHUB_SHA, ROOT, STEPS, Runner, repack_installed

from driftgate.reference_target import ReferenceTarget

SARIF_SCHEMA = ROOT / "tests" / "lint" / "schemas" / "sarif-schema-2.1.0.json"
NEW_SHA = GITHUB_SHA  # the commit the verify tests expect: the runner's
OLD_SHA = "0123abcd99887766554433221100ffeeddccbbaa"
NOT_SHIPPED = {"driftgate", "ruff", "pip"}  # the package itself, a test tool, the installer


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheelhouse")
    for dist in metadata.distributions():
        if dist.metadata["Name"].lower() not in NOT_SHIPPED and dist.files:
            repack_installed(dist, folder)
    return folder


@pytest.fixture(scope="module")
def action_path(tmp_path_factory):
    """A checkout of the action's repository (a copy: the build's files stay out of ours)."""
    checkout = tmp_path_factory.mktemp("action") / "driftgate"
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__"),
    )
    return checkout


@pytest.fixture(scope="module")
def runner(action_path, wheelhouse, tmp_path_factory):
    """A runner on which the action's install step has run once (lint and verify share it)."""
    job = Runner(action_path, wheelhouse, tmp_path_factory.mktemp("runner") / "temp")
    code, output, outputs, _, files = job.run_step("install", {"command": "lint"}, ROOT)
    assert code == 0, output
    job.install_output, job.install_files = output, files
    return job


def test_install_is_the_checkout_with_every_dependency_at_its_pinned_version(runner):
    venv = runner.temp / "driftgate-venv"
    assert runner.outputs["install"]["driftgate"] == str(venv / "bin" / "driftgate")
    assert runner.install_files["GITHUB_PATH"].read_text() == f"{venv / 'bin'}\n"
    assert re.search(r"^driftgate \d", runner.install_output, re.MULTILINE)
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import driftgate; print(driftgate.__file__)"],
        cwd=runner.temp,  # not the checkout: `python -c` puts the current directory first
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # installed, not the editable checkout
    frozen = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "freeze", "--all", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    pins = {
        line.split("==")[0].lower().replace("_", "-"): line
        for line in (ROOT / "constraints.txt").read_text().split()
        if "==" in line
    }
    installed = [line for line in frozen if "==" in line]  # not `driftgate @ file://`
    assert len(installed) > 30, frozen
    for line in installed:
        name = line.split("==")[0].lower().replace("_", "-")
        if name not in ("pip", "setuptools"):  # the venv's own (ensurepip), not installed
            assert pins.get(name, "").lower() == line.lower(), f"{line} is not pinned as tested"


def test_an_unknown_command_stops_before_installing(action_path, wheelhouse, tmp_path):
    job = Runner(action_path, wheelhouse, tmp_path / "temp")
    code, output, outputs, _, _ = job.run_step("install", {"command": "deploy"}, ROOT)
    assert code == 2
    assert "::error title=driftgate::command: expected lint, verify or install" in output
    assert outputs == {} and not (tmp_path / "temp" / "driftgate-venv").exists()


def test_install_only_leaves_the_command_step_out():
    assert STEPS["run"]["if"] == "inputs.command != 'install'"


def sarif_of(outputs):
    document = json.loads(Path(outputs["sarif"]).read_text("utf-8"))
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text("utf-8")))
    return document


def test_lint_of_the_reference_workflows_writes_clean_sarif(runner):
    code, output, outputs, _, _ = runner.run_step(
        "run", {"command": "lint", "args": "examples/catscan"}, ROOT
    )
    assert code == 0, output
    assert outputs["exit-code"] == "0"
    document = sarif_of(outputs)
    assert document["runs"][0]["results"] == []
    assert runner.action_outputs()["sarif"] == outputs["sarif"]


def test_lint_findings_fail_the_step_with_sarif_and_annotations(runner, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "catscan", repo)
    deploy = repo / ".github" / "workflows" / "deploy.yml"
    text = deploy.read_text("utf-8")
    text = text.replace('echo "deploying ${GITHUB_SHA}', 'echo "${{ inputs.reason }} ${GITHUB_SHA}')
    deploy.write_text(text, "utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "${{ inputs.reason }} $" in s)
    # Spread over lines and padded: the input is whitespace-split.
    args = "  .github/workflows\n  --fail-on   error \n"
    code, output, outputs, _, _ = runner.run_step("run", {"command": "lint", "args": args}, repo)
    assert code == 1 and outputs["exit-code"] == "1", output
    (result,) = sarif_of(outputs)["runs"][0]["results"]
    assert result["ruleId"] == "DG105"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith(".github/workflows/deploy.yml")
    assert location["region"]["startLine"] == line
    assert f"::error file=.github/workflows/deploy.yml,line={line}," in output


def test_args_are_never_run_by_a_shell(runner, tmp_path):
    args = "$(touch pwned) `touch pwned2` ; touch pwned3 *"
    code, output, outputs, _, _ = runner.run_step(
        "run", {"command": "lint", "args": args}, tmp_path
    )
    assert code == 2 and outputs["exit-code"] == "2"
    assert "$(touch" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.fixture
def targets():
    with ReferenceTarget(sha=NEW_SHA) as production, ReferenceTarget(sha=NEW_SHA) as staging:
        yield production, staging


def verify_args(production, staging, *extra):
    return " ".join(
        [
            "--target production --base-url",
            production.url,
            f"--url staging={staging.url}",
            "--groups health,promotion --deadline 2 --poll-interval 0.05",
            *extra,
        ]
    )


def test_verify_passes_outputs_and_the_step_summary_through(runner, targets, tmp_path):
    production, staging = targets
    args = verify_args(production, staging)
    code, output, outputs, summary, _ = runner.run_step(
        "run", {"command": "verify", "args": args}, tmp_path
    )
    assert code == 0, output
    assert outputs["passed"] == "true" and outputs["exit-code"] == "0"
    document = json.loads(Path(outputs["report"]).read_text("utf-8"))
    assert document["passed"] is True and document["expected_sha"] == NEW_SHA  # from GITHUB_SHA
    assert summary.startswith(f"## driftgate verify: production @ `{NEW_SHA[:12]}`: PASSED")
    assert runner.action_outputs()["passed"] == "true"
    assert production.methods_seen() == {"GET"}


def test_verify_failure_fails_the_step_and_keeps_the_callers_report_path(runner, targets, tmp_path):
    production, staging = targets
    production.sha = OLD_SHA
    report = tmp_path / "mine.json"
    args = verify_args(production, staging, f"--json-out={report}")
    code, output, outputs, summary, _ = runner.run_step(
        "run", {"command": "verify", "args": args}, tmp_path
    )
    assert code == 1, output
    # The gate's own step outputs (previous_sha, verdict) pass through beside the action's.
    assert outputs == {
        "passed": "false",
        "report": str(report),
        "exit-code": "1",
        "verdict": "fail",
        "previous_sha": OLD_SHA[:8],
    }
    assert json.loads(report.read_text("utf-8"))["passed"] is False
    assert ": FAILED" in summary.splitlines()[0]


def test_the_action_and_the_projects_workflows_lint_clean():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows, "the project has workflows of its own"
    done = subprocess.run(
        [sys.executable, "-m", "driftgate", "lint", "--fail-on", "note", "action.yml"]
        + [str(path.relative_to(ROOT)) for path in workflows],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{1 + len(workflows)} files" in done.stdout


def test_an_action_that_pastes_an_input_into_a_script_is_caught(tmp_path):
    bad = tmp_path / "action.yml"
    text = (ROOT / "action.yml").read_text("utf-8")
    bad.write_text(text.replace('"$DRIFTGATE_ARGS"', '"${{ inputs.args }}"'), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "driftgate", "lint", str(bad)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "DG105" in done.stdout and "input `args`" in done.stdout
