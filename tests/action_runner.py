"""Run a composite action's `run:` steps as a GitHub runner does (tests/test_action.py).

Each step goes to `bash --noprofile --norc -eo pipefail` (the runner's `shell:
bash`) with the environment a runner gives, its `env:` expressions evaluated
from the inputs and earlier steps' outputs; an expression the runner would
know and this does not fails the test rather than passing through.
"""

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
STEPS = {step.get("id"): step for step in ACTION["runs"]["steps"]}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
GITHUB_SHA = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"


def repack_installed(dist, folder):
    """An installed distribution as a wheel again: the files its RECORD lists, its tags."""
    info = next(p for p in dist.files if p.parent.name.endswith(".dist-info"))
    site = Path(dist.locate_file(""))
    wheel_meta = (site / info.parent / "WHEEL").read_text("utf-8")
    tags = [t.split("-") for t in re.findall(r"^Tag: (\S+)", wheel_meta, re.MULTILINE)]
    tag = "-".join(".".join(dict.fromkeys(part)) for part in zip(*tags, strict=True))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    target = folder / f"{name}-{dist.version}-{tag}.whl"
    skipped = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as wheel:
        rows = []
        for path in dist.files:
            if path.parts[0] == ".." or "__pycache__" in path.parts:
                continue  # console scripts (pip writes them anew) and bytecode
            if path.parent == info.parent and path.name in skipped:
                continue
            wheel.write(site / path, str(path))
            rows.append([str(path), "", ""])
        record = info.parent / "RECORD"
        rows.append([str(record), "", ""])
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        wheel.writestr(str(record), text.getvalue())


class Runner:
    """One job's runner: RUNNER_TEMP survives across steps; each step gets new files."""

    def __init__(self, action_path, wheelhouse, temp):
        self.action_path, self.wheelhouse, self.temp = action_path, wheelhouse, temp
        self.temp.mkdir(parents=True, exist_ok=True)
        self.outputs = {"python": {"python-path": sys._base_executable}}  # setup-python's
        self.count = 0

    def run_step(self, step_id, inputs, workspace, extra_env=None):
        """Run one `run:` step; (exit code, stdout+stderr, its outputs, summary, path)."""
        step = STEPS[step_id]
        assert "${{" not in step["run"], "an expression pasted into a script"
        self.count += 1
        files = {
            name: self.temp.parent / f"{name.lower()}-{self.count}"
            for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV")
        }
        for path in files.values():
            path.write_text("")
        script = self.temp.parent / f"step-{self.count}.sh"
        script.write_text(step["run"])
        context = {f"inputs.{name}": value for name, value in self.inputs(inputs).items()}
        for done, outputs in self.outputs.items():
            context.update({f"steps.{done}.outputs.{k}": v for k, v in outputs.items()})
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.temp.parent),
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_SHA": GITHUB_SHA,
            "RUNNER_TEMP": str(self.temp),
            **{name: str(path) for name, path in files.items()},
            **{f"INPUT_{k.upper()}": v for k, v in self.inputs(inputs).items()},
            **{key: evaluate(value, context) for key, value in step.get("env", {}).items()},
            # Offline: pip's own settings, as a mirror would set them; no machine config.
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(self.wheelhouse),
            "PIP_CONFIG_FILE": os.devnull,
            **(extra_env or {}),
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        outputs = dict(
            line.split("=", 1) for line in files["GITHUB_OUTPUT"].read_text().splitlines()
        )
        self.outputs[step_id] = outputs
        summary = files["GITHUB_STEP_SUMMARY"].read_text()
        return done.returncode, done.stdout + done.stderr, outputs, summary, files

    @staticmethod
    def inputs(given):
        defaults = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
        return {**defaults, **given}

    def action_outputs(self):
        context = {
            f"steps.{step}.outputs.{k}": v
            for step, out in self.outputs.items()
            for k, v in out.items()
        }
        return {
            name: evaluate(spec["value"], context, missing="")
            for name, spec in ACTION["outputs"].items()
        }


def evaluate(text, context, missing=None):
    """Replace each `${{ expr }}` as the runner would; an unknown expression fails the test."""

    def value(match):
        expression = match.group(1)
        if expression not in context and missing is None:
            raise AssertionError(f"the test does not know `{expression}`")
        return context.get(expression, missing)

    return EXPRESSION.sub(value, str(text))
