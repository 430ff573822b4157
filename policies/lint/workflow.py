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
from functools import cached_property

from ..yamlsource import YamlList, YamlMap, YamlStr

# `${{ ... }}` expressions; DOTALL because an expression may span lines.
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
# inputs.X, github.event.inputs.X, inputs['X'], github.event.inputs["X"]
INPUT_REFERENCE = re.compile(
    r"\b(?:github\.event\.)?inputs(?:\.([A-Za-z_][\w-]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])"
)


# Named tuples, not dataclasses: as immutable, and far cheaper to define at start-up.

# name: push, workflow_dispatch, ...; config: its YamlMap, or None for the string and
# list forms; container: where the name sits (the `on` mapping, list, or the workflow);
# key: the name's key or index in `container`.
Trigger = namedtuple("Trigger", "name config container key key_path")


class Step(namedtuple("Step", "job_id index body key_path run uses")):
    """A step: its located body (a YamlMap), key path (jobs.deploy.steps[3]), the shell
    script of a `run:` step (a YamlStr) and the action of a `uses:` step, else None.

    run and uses are fields, read once from the body: the rules read `run` hundreds of
    times per workflow, and a field costs a fraction of a property.
    """

    __slots__ = ()


def _text(body, key):
    value = body.get(key)
    return value if isinstance(value, str) else None


class Job(namedtuple("Job", "id body key_path steps")):
    """A job: its located body (a YamlMap), key path (jobs.deploy) and its steps."""

    __slots__ = ()

    @classmethod
    def of(cls, job_id, body, key_path=None):
        """The job `job_id` of a workflow, its steps listed once (rules walk them often)."""
        key_path = key_path or f"jobs.{job_id}"
        steps = body.get("steps")
        steps = steps if isinstance(steps, YamlList) else ()
        return cls(
            job_id,
            body,
            key_path,
            tuple(
                Step(
                    job_id,
                    index,
                    step,
                    f"{key_path}.steps[{index}]",
                    _text(step, "run"),
                    _text(step, "uses"),
                )
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
            Job.of(str(job_id), body) for job_id, body in jobs.items() if isinstance(body, YamlMap)
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
    """Yield (offset, inner text) of each `${{ ... }}` in a string."""
    if not isinstance(text, str):
        return
    for match in EXPRESSION.finditer(text):
        yield match.start(), match.group(1)


def input_references(text):
    """Yield (offset, input name) for every dispatch input used inside an expression."""
    for start, inner in expressions(text):
        for ref in INPUT_REFERENCE.finditer(inner):
            yield start, ref.group(1) or ref.group(2)


def is_located_text(value):
    return isinstance(value, YamlStr)


def deploy_steps(workflow):
    """The steps whose run: script brings containers up: `docker compose ... up` or
    `docker-compose ... up`, nested scripts (ssh heredocs, ssh/--command strings,
    `sh -c`) included; see policies/lint/shell.py for what is understood."""
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


def is_free_text(spec):
    """Whether a dispatch input takes free text: `type: string`, or no type at all."""
    kind = spec.get("type") if isinstance(spec, YamlMap) else None
    return kind is None or str(kind).strip().lower() == "string"


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
