"""Shared helpers for the lint engine tests: a small fixed rule set, and running the CLI.

The engine, output and CLI tests run against FAKE_RULES (stable, so golden
files do not churn when the real rules change); the real rules are tested by
test_rule_fixtures.py, test_rules_meta.py and the mutation tests.
"""

import types

import pytest

from driftgate import cli
from driftgate.policies import rules as rule_registry
from driftgate.policies.lint.violation import flag_at, flag_key, flag_text, flag_value


def _rule(rule_id, name, severity, applies_to, summary, options=None, **hooks):
    module = types.ModuleType(f"fake_{name.replace('-', '_')}")
    module.__doc__ = f"""{summary}

Rationale:
    A test rule.

Remediation:
    Do what the hint says.

Bad:
    ```yaml
    a: 1
    ```

Good:
    ```yaml
    b: 1
    ```
"""
    module.ID, module.NAME, module.SEVERITY, module.APPLIES_TO = rule_id, name, severity, applies_to
    module.SUMMARY, module.OPTIONS = summary, dict(options or {})
    module.REMEDIATION = f"Fix {name}."
    for hook, function in hooks.items():
        setattr(module, hook, function)
    return module


def _no_push(workflow, context):
    for trigger in workflow.triggers:
        if trigger.name == "push":
            if isinstance(trigger.key, str):
                yield flag_key(trigger.container, trigger.key, trigger.key_path, "push trigger")
            else:
                yield flag_value(trigger.container, trigger.key, trigger.key_path, "push trigger")


def _latest_image(document, context):
    services = document.get("services") or {}
    for name, service in services.items():
        image = service.get("image") if isinstance(service, dict) else None
        if isinstance(image, str) and image.endswith(":latest"):
            yield flag_value(service, "image", f"services.{name}.image", "image tagged latest")


def _step_word(workflow, step, context):
    run = step.run
    word = context.options["word"]
    if run and word in run:
        yield flag_text(run, run.index(word), f"{step.key_path}.run", f"uses {word}")


def _job_timeout(workflow, job, context):
    if "timeout-minutes" not in job.body:
        yield flag_at(job.body, job.key_path, f"job {job.id} has no timeout")


FAKE_RULES = {
    rule.ID: rule
    for rule in (
        _rule("DG901", "no-push", "error", "workflow", "No push trigger.", check_workflow=_no_push),
        _rule(
            "DG902", "latest-image", "error", "compose", "No latest.", check_compose=_latest_image
        ),
        _rule(
            "DG903",
            "step-word",
            "warning",
            "deploy",
            "No forbidden word in deploy steps.",
            options={"word": "echo", "limit": 3},
            check_step=_step_word,
        ),
        _rule("DG904", "job-timeout", "note", "build", "Jobs time out.", check_job=_job_timeout),
    )
}


@pytest.fixture
def fake_rules(monkeypatch):
    """Replace the registry with FAKE_RULES for one test."""
    monkeypatch.setattr(rule_registry, "REGISTRY", dict(FAKE_RULES))
    return FAKE_RULES


@pytest.fixture
def run_cli(capsys):
    """Run `driftgate ...` in-process: (exit code, stdout, stderr)."""

    def run(*argv):
        code = cli.main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def repo(tmp_path):
    """A small repository: writes files relative to its root, returns the root."""

    def write(files):
        for relative, text in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return tmp_path

    return write
