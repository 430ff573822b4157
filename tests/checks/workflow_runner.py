"""Run the `run:` steps of one job of a real workflow file, as a GitHub runner would.

Enough of a runner for the rollback end-to-end test, and strict about the rest:
- each `run:` step is written to a file and run with `bash -e FILE` (the
  runner's default shell on Linux), with the job's and the step's `env:`;
- `${{ ... }}` in env values is resolved from the test's `context` (a name, or
  `a || 'literal'`); an expression the test did not provide fails the test;
- `if:` conditions are looked up in the test's `conditions` (exact text ->
  function of the run so far); a condition the test did not provide fails it;
- without `if:`, a step runs only while every step before it succeeded;
- each step gets its own GITHUB_OUTPUT file (read back as steps.<id>.outputs),
  GITHUB_ENV lines are applied to the steps after, and every step appends to
  the job's GITHUB_STEP_SUMMARY;
- `uses:` steps and the steps named in `skip` are not run (the test says why).
"""

import os
import re
import subprocess
from dataclasses import dataclass, field

import pytest
import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepResult:
    name: str
    id: str | None
    outcome: str  # success | failure | skipped
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict = field(default_factory=dict)


@dataclass
class JobRun:
    steps: list

    @property
    def failed(self):
        return any(step.outcome == "failure" for step in self.steps)

    def step(self, name):
        return next(step for step in self.steps if step.name == name)

    def outputs(self, step_id):
        found = [s for s in self.steps if s.id == step_id]
        return found[0].outputs if found else {}


def resolve(text, context):
    """`text` with every ${{ }} replaced from `context` (a name, or `a || 'literal'`)."""

    def value(match):
        result = ""
        for part in (p.strip() for p in match.group(1).split("||")):
            if part.startswith("'") and part.endswith("'"):
                result = part[1:-1]
            elif part in context:
                result = context[part]
            elif part.startswith("steps."):
                result = ""  # an output or step not there (yet) reads as empty, as on GitHub
            else:
                pytest.fail(f"workflow expression the test does not provide: {part!r}")
            if result:
                return str(result)
        return str(result)

    return EXPRESSION.sub(value, str(text))


def run_job(workflow_path, job_id, *, base_env, context, conditions, workdir, skip=()):
    """Run the job's steps; returns a JobRun. Nothing here ever talks to GitHub."""
    job = yaml.safe_load(workflow_path.read_text())["jobs"][job_id]
    job_env = {k: resolve(v, context) for k, v in (job.get("env") or {}).items()}
    github_env, results = {}, []
    runner_dir = workdir / "runner"
    runner_dir.mkdir(exist_ok=True)
    for index, step in enumerate(job["steps"]):
        name = step.get("name") or step.get("uses") or f"step {index}"
        if "run" not in step or name in skip:
            continue
        condition = step.get("if")
        if condition is None:
            should_run = not any(r.outcome == "failure" for r in results)
        elif condition in conditions:
            should_run = conditions[condition](JobRun(results))
        else:
            pytest.fail(f"workflow condition the test does not provide: {condition!r}")
        if not should_run:
            results.append(StepResult(name, step.get("id"), "skipped"))
            continue
        script = runner_dir / f"step-{index}.sh"
        script.write_text(step["run"])
        output_file, env_file = runner_dir / f"output-{index}", runner_dir / f"env-{index}"
        output_file.touch()
        env_file.touch()
        known = {**context, **_step_context(results)}
        step_env = {k: resolve(v, known) for k, v in (step.get("env") or {}).items()}
        env = {
            **base_env,
            **job_env,
            **github_env,
            **step_env,
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_ENV": str(env_file),
        }
        process = subprocess.run(
            ["bash", "-e", str(script)],
            env=env,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=180,
        )
        github_env.update(_key_values(env_file.read_text()))
        results.append(
            StepResult(
                name,
                step.get("id"),
                "success" if process.returncode == 0 else "failure",
                process.returncode,
                process.stdout,
                process.stderr,
                _key_values(output_file.read_text()),
            )
        )
    return JobRun(results)


def _step_context(results):
    """steps.<id>.outcome and steps.<id>.outputs.<name> of the steps run so far."""
    found = {}
    for result in results:
        if result.id:
            found[f"steps.{result.id}.outcome"] = result.outcome
            for name, value in result.outputs.items():
                found[f"steps.{result.id}.outputs.{name}"] = value
    return found


def _key_values(text):
    """KEY=value lines (the single-line form of GITHUB_OUTPUT and GITHUB_ENV)."""
    pairs = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            pairs[key] = value
    return pairs


def runner_env(tmp_path, path_dirs, **extra):
    """The environment a runner gives every step, plus `extra`."""
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary = tmp_path / "step-summary.md"
    summary.touch()
    return {
        "PATH": os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"]),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTOR": "e2e-test",
        "GITHUB_WORKSPACE": str(tmp_path),
        "RUNNER_TEMP": str(temp),
        "GITHUB_STEP_SUMMARY": str(summary),
        **{k: str(v) for k, v in extra.items()},
    }
