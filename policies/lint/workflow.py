"""A GitHub Actions workflow as the rules see it: triggers, dispatch inputs, jobs, steps.

Each piece keeps its located YAML body (line and column of every value) and
its key path, so a rule can say exactly where a problem is.

>>> from driftgate.policies.yamlsource import parse_yaml
>>> wf = Workflow(parse_yaml("on: [push, workflow_dispatch]\\njobs: {}\\n"), "ci.yml")
>>> [t.name for t in wf.triggers]
['push', 'workflow_dispatch']
"""

import re
from collections import namedtuple
from dataclasses import dataclass
from functools import cached_property

from ..yamlsource import YamlList, YamlMap, YamlStr
from .actions import script_input
from .expressions import (
    ExpressionError,
    Index,
    Literal,
    find_expressions,
    parse_expression,
    references,
    walk,
)

# inputs.X, github.event.inputs.X, inputs['X'], github.event.inputs["X"]
INPUT_REFERENCE = re.compile(
    r"\b(?:github\.event\.)?inputs(?:\.([A-Za-z_][\w-]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])"
)


# name: push, workflow_dispatch, ...; config: its YamlMap, or None for the string and
# list forms; container: where the name sits (the `on` mapping, list, or the workflow);
# key: the name's key or index in `container`.
Trigger = namedtuple("Trigger", "name config container key key_path")

POSIX_SHELLS = frozenset({"bash", "sh"})


@dataclass(frozen=True, slots=True, eq=False)
class Step:
    """A step of a job.

    body: its located mapping; key_path: jobs.deploy.steps[3]; script: the script it runs
    (a located string): its `run:`, or the script input of a catalogued action
    (policies/lint/actions.yaml: `with: script` of an SSH action); script_key: where that
    sits in the body (`run`, `with.script`); language: `shell` for bash/sh (also the
    remote shell of an SSH action), else python, pwsh, javascript...; run: the script
    when it is a shell script (what the shell rules read), else None.
    """

    job_id: str
    index: int
    body: YamlMap
    key_path: str
    uses: str | None = None
    script: YamlStr | None = None
    script_key: str = "run"
    language: str = "shell"
    id: str | None = None

    @property
    def run(self):
        return self.script if self.language == "shell" else None

    @property
    def script_path(self):
        return f"{self.key_path}.{self.script_key}"


def _text(body, key):
    value = body.get(key)
    return value if isinstance(value, str) else None


def _step(job_id, index, body, key_path, default_shell):
    uses = _text(body, "uses")
    run = _text(body, "run")
    step_id = _text(body, "id")
    if run is not None:
        shell = _text(body, "shell") or default_shell or "bash"
        language = _language(shell)
        return Step(job_id, index, body, key_path, uses, run, "run", language, step_id)
    carried = script_input(uses) if uses else None
    with_ = body.get("with")
    if carried is not None and isinstance(with_, YamlMap):
        script = _text(with_, carried.key)
        if script is not None:
            key = f"with.{carried.key}"
            return Step(job_id, index, body, key_path, uses, script, key, carried.language, step_id)
    return Step(job_id, index, body, key_path, uses, None, "run", "shell", step_id)


def _language(shell):
    """`shell`, or the program a custom shell names (`bash -e {0}` is shell)."""
    program = str(shell).split()[0].rsplit("/", 1)[-1] if str(shell).split() else "bash"
    return "shell" if program in POSIX_SHELLS else program


def _default_shell(*holders):
    for holder in holders:
        defaults = holder.get("defaults") if isinstance(holder, YamlMap) else None
        run = defaults.get("run") if isinstance(defaults, YamlMap) else None
        shell = run.get("shell") if isinstance(run, YamlMap) else None
        if isinstance(shell, str):
            return shell
    return None


@dataclass(frozen=True, slots=True, eq=False)
class Job:
    """A job: its located body (a YamlMap), key path (jobs.deploy) and its steps."""

    id: str
    body: YamlMap
    key_path: str
    steps: tuple

    @classmethod
    def of(cls, job_id, body, workflow_document=None, key_path=None):
        """The job `job_id` of a workflow, its steps listed once (rules walk them often)."""
        key_path = key_path or f"jobs.{job_id}"
        steps = body.get("steps")
        steps = steps if isinstance(steps, YamlList) else ()
        shell = _default_shell(body, workflow_document)
        return cls(
            job_id,
            body,
            key_path,
            tuple(
                _step(job_id, index, step, f"{key_path}.steps[{index}]", shell)
                for index, step in enumerate(steps)
                if isinstance(step, YamlMap)
            ),
        )

    @property
    def needs(self):
        """The ids this job needs directly (string or list form)."""
        needs = self.body.get("needs")
        if isinstance(needs, str):
            return (str(needs),)
        if isinstance(needs, list):
            return tuple(str(n) for n in needs if isinstance(n, str))
        return ()


class Workflow:
    """One workflow file; `document` is its located root mapping.

    A composite action (`runs:` and no `jobs:`) reads as a workflow with one job,
    `runs`, whose inputs are its dispatch inputs: every action input is free text.
    """

    def __init__(self, document, path):
        self.document = document if isinstance(document, YamlMap) else YamlMap()
        self.path = str(path)
        self._upstream = {}  # job id -> its upstream jobs (see upstream)

    @property
    def on(self):
        """The raw `on:` value (string, list or mapping), or None."""
        return self.document.get("on")

    @property
    def triggers(self):
        return list(self._triggers)

    # Read once: several rules ask for the triggers and dispatch inputs, some repeatedly.
    @cached_property
    def _triggers(self):
        return tuple(self._read_triggers())

    def _read_triggers(self):
        on = self.on
        if isinstance(on, str):
            return [Trigger(str(on), None, self.document, "on", "on")]
        if isinstance(on, YamlList):
            return [
                Trigger(str(name), None, on, index, f"on[{index}]")
                for index, name in enumerate(on)
                if isinstance(name, str)
            ]
        if isinstance(on, YamlMap):
            return [
                Trigger(
                    str(name),
                    config if isinstance(config, YamlMap) else None,
                    on,
                    name,
                    f"on.{name}",
                )
                for name, config in on.items()
            ]
        return []

    def trigger(self, name):
        return next((t for t in self._triggers if t.name == name), None)

    @property
    def dispatch_inputs(self):
        """name -> located input spec (a YamlMap, possibly empty) of `workflow_dispatch`."""
        return dict(self._dispatch_inputs)

    @cached_property
    def _dispatch_inputs(self):
        inputs = self.dispatch_inputs_container
        if not isinstance(inputs, YamlMap):
            return {}
        return {
            str(name): spec if isinstance(spec, YamlMap) else YamlMap()
            for name, spec in inputs.items()
        }

    @property
    def dispatch_inputs_container(self):
        """The located `inputs:` mapping itself (for positions), or None."""
        if self._composite_action:
            inputs = self.document.get("inputs")
            return inputs if isinstance(inputs, YamlMap) else None
        dispatch = self.trigger("workflow_dispatch")
        inputs = dispatch.config.get("inputs") if dispatch and dispatch.config else None
        return inputs if isinstance(inputs, YamlMap) else None

    # Built once per workflow: every rule walks the jobs, many of them repeatedly.
    @cached_property
    def _composite_action(self):
        return "jobs" not in self.document and isinstance(self.document.get("runs"), YamlMap)

    @cached_property
    def jobs(self):
        if self._composite_action:
            return (Job.of("runs", self.document["runs"], key_path="runs"),)
        jobs = self.document.get("jobs")
        if not isinstance(jobs, YamlMap):
            return ()
        return tuple(
            Job.of(str(job_id), body, self.document)
            for job_id, body in jobs.items()
            if isinstance(body, YamlMap)
        )

    @cached_property
    def steps(self):
        """Every step of every job, in order."""
        return tuple(step for job in self.jobs for step in job.steps)

    @cached_property
    def _jobs_by_id(self):
        by_id = {}
        for job in self.jobs:
            by_id.setdefault(job.id, job)
        return by_id

    def job(self, job_id):
        return self._jobs_by_id.get(job_id)

    def upstream(self, job):
        """Every job that `job` needs, directly or transitively (cycles tolerated)."""
        if job.id not in self._upstream:
            seen, pending = set(), list(job.needs)
            while pending:
                job_id = pending.pop()
                if job_id in seen:
                    continue
                seen.add(job_id)
                needed = self.job(job_id)
                if needed:
                    pending.extend(needed.needs)
            self._upstream[job.id] = tuple(self.job(i) for i in seen if self.job(i))
        return list(self._upstream[job.id])


def expressions(text):
    """Yield (offset of `${{`, source) of each closed `${{ ... }}` in a string (the
    expression finder of policies/lint/expressions: one pass, `}}` inside a string
    literal does not close).

    >>> list(expressions("a ${{ x }} ${{ y"))
    [(2, ' x ')]
    """
    if not isinstance(text, str) or "${{" not in text:
        return
    for found in find_expressions(text):
        if found.closed:
            yield found.start, found.source


INPUTS_CONTEXTS = (("inputs",), ("github", "event", "inputs"))


def expression_inputs(source, offset=0):
    """Names of the dispatch inputs an expression reads (`inputs.x`,
    `github.event.inputs.x`, `inputs['x']`), parsed; an expression that does not parse
    falls back to the names it spells (failing safe).

    >>> expression_inputs("inputs.target == 'production' && github.event.inputs['confirm']")
    ['target', 'confirm']
    """
    try:
        node = parse_expression(source, offset)
    except ExpressionError:
        return [m.group(1) or m.group(2) for m in INPUT_REFERENCE.finditer(source)]
    found = []
    for reference in references(node):
        for context in INPUTS_CONTEXTS:
            if reference.parts[: len(context)] == context and len(reference.parts) > len(context):
                name = reference.parts[len(context)]
                if name == "?":  # inputs['x']: the literal index names it
                    name = _literal_index(node, reference)
                if name not in (None, "*", "?"):
                    found.append(name)
    return found


def _literal_index(node, reference):
    for candidate in walk(node):
        if (
            isinstance(candidate, Index)
            and candidate.start == reference.start
            and isinstance(candidate.index, Literal)
            and isinstance(candidate.index.value, str)
        ):
            return candidate.index.value
    return None


def input_references(text):
    """Yield (offset of the `${{`, input name) for every dispatch input an expression in
    `text` reads."""
    for start, source in expressions(text):
        for name in expression_inputs(source, start + 3):
            yield start, name


def deploy_steps(workflow):
    """The steps whose run: script brings containers up: `docker compose ... up` or
    `docker-compose ... up`, nested scripts (ssh heredocs, ssh/--command strings,
    `sh -c`) included; see policies/lint/bash for what is understood."""
    from .placement import up_commands  # cached per workflow; placement imports this module

    steps = {}
    for placed in up_commands(workflow):  # in step order
        steps.setdefault(id(placed.step), placed.step)
    return list(steps.values())


# Status functions that make a job run although a job it needs failed or was skipped.
_STATUS_OVERRIDE = re.compile(r"\b(?:always|failure|cancelled)\s*\(", re.IGNORECASE)


def runs_despite_needs(job):
    """Whether a job's `if:` lets it run when a job it needs was skipped or failed
    (`always()`, `failure()`, `cancelled()`): then its needs do not gate it."""
    condition = job.body.get("if")
    return isinstance(condition, str) and _STATUS_OVERRIDE.search(condition) is not None


# Input types whose values GitHub constrains; any other type (`string`, none, or one
# GitHub does not know, like `text`) is treated as free text: failing safe.
CONSTRAINED_INPUT_TYPES = frozenset({"choice", "boolean", "number", "environment"})


def is_free_text(spec):
    """Whether a dispatch input may take free text: any type but choice, boolean, number
    and environment (`type: string`, no type, or an unknown type such as `text`)."""
    kind = spec.get("type") if isinstance(spec, YamlMap) else None
    return kind is None or str(kind).strip().lower() not in CONSTRAINED_INPUT_TYPES


def flag_trigger(workflow, trigger, message):
    """A Violation at a trigger: its key in an `on:` mapping, else its value (`on: push`,
    `on: [push, ...]`)."""
    from .violation import flag_key, flag_value

    container = trigger.container
    if isinstance(container, YamlMap) and container is not workflow.document:
        return flag_key(container, trigger.key, trigger.key_path, message)
    return flag_value(container, trigger.key, trigger.key_path, message)


def flag_missing_input(workflow, message):
    """A Violation for a missing dispatch input: at the `inputs:` key, else the
    `workflow_dispatch` trigger, else `on`, else the document's start."""
    from .violation import Violation, flag_key, flag_value

    dispatch = workflow.trigger("workflow_dispatch")
    if dispatch is not None and dispatch.config is not None and "inputs" in dispatch.config:
        return flag_key(dispatch.config, "inputs", f"{dispatch.key_path}.inputs", message)
    if dispatch is not None and isinstance(dispatch.container, YamlMap):
        return flag_key(dispatch.container, dispatch.key, dispatch.key_path, message)
    if dispatch is not None:
        return flag_value(dispatch.container, dispatch.key, dispatch.key_path, message)
    if "on" in workflow.document:
        return flag_key(workflow.document, "on", "on", message)
    return Violation(message, 1, 1, "")
