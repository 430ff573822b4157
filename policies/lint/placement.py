"""Where commands sit in a workflow: which step, before or after the containers come up.

A "deploy step" is a step whose run: script runs `docker compose ... up`
(workflow.deploy_steps). "After" a step means later in the same job, or in a
job that needs its job (directly or transitively); "before" is the converse.
A Placed command is one command of a step's parsed run: script, and can flag
itself at its exact line and column.

>>> from driftgate.policies.yamlsource import parse_yaml
>>> from driftgate.policies.lint.workflow import Workflow
>>> text = "jobs:\\n  d:\\n    steps:\\n      - run: docker compose up -d\\n"
>>> [p.command.text for p in up_commands(Workflow(parse_yaml(text), "deploy.yml"))]
['docker compose up -d']
"""

from collections import namedtuple
from functools import partial
from itertools import chain, repeat

from .shell import is_compose_up, parse_script, remote_script_words
from .violation import flag_at, flag_key, flag_text
from .workflow import INPUT_REFERENCE, expressions

FALSE_VALUES = frozenset({"false", "False", "FALSE", "${{ false }}"})


class Placed(namedtuple("Placed", "step commands index")):
    """A command of a step's run: script (commands = the whole parsed script).

    step: the workflow.Step; commands[index] is the command.
    """

    __slots__ = ()

    @property
    def command(self):
        return self.commands[self.index]

    def flag(self, message, offset=None):
        offset = self.command.offset if offset is None else offset
        return flag_text(self.step.body["run"], offset, f"{self.step.key_path}.run", message)

    def flag_up(self, message):
        """Point at the `up` word of a `docker compose ... up` command."""
        return self.flag(message, self.command.word_offset("up"))


# Placed(step, commands, index) without the Python-level namedtuple __new__: rules walk
# hundreds of thousands of placed commands, so they are built in C (map/zip).
_new_placed = partial(tuple.__new__, Placed)


def placed_commands(steps):
    """Every command of every run: step in `steps`, in order (lazily, like a generator)."""
    return chain.from_iterable(map(_placed_in_step, steps))


def _placed_in_step(step):
    run = step.run  # a property: read it once
    if not run:
        return ()
    commands = parse_script(run)
    return map(_new_placed, zip(repeat(step), repeat(commands), range(len(commands))))


def all_steps(workflow):
    return [step for job in workflow.jobs for step in job.steps]


def up_commands(workflow):
    """Each `docker compose ... up` command in the workflow, placed."""
    steps = [step for step in all_steps(workflow) if step.run and "compose" in step.run]
    found = []
    for step in steps:  # filtered before placing: only the few `up` commands become Placed
        commands = parse_script(step.run)
        found.extend(
            _new_placed((step, commands, index))
            for index, command in enumerate(commands)
            if is_compose_up(command.text)
        )
    return found


def first_up_per_step(workflow):
    """The first `up` command of each deploy step (what runs after it covers the others)."""
    firsts = {}
    for placed in up_commands(workflow):
        firsts.setdefault(placed.step.key_path, placed)
    return list(firsts.values())


def is_after(workflow, step, anchor):
    """Whether `step` runs after `anchor` (same job later, or a job needing anchor's job)."""
    if step.job_id == anchor.job_id:
        return step.index > anchor.index
    job = workflow.job(step.job_id)
    return any(upstream.id == anchor.job_id for upstream in workflow.upstream(job))


def steps_after(workflow, anchor):
    return [s for s in all_steps(workflow) if is_after(workflow, s, anchor)]


def steps_before(workflow, anchor):
    return [s for s in all_steps(workflow) if is_after(workflow, anchor, s)]


def commands_after(workflow, placed):
    """Commands after a placed command: later in its script, then in later steps."""
    later_here = [
        Placed(placed.step, placed.commands, i)
        for i in range(placed.index + 1, len(placed.commands))
    ]
    return later_here + list(placed_commands(steps_after(workflow, placed.step)))


def commands_before(workflow, placed):
    earlier_here = [Placed(placed.step, placed.commands, i) for i in range(placed.index)]
    return list(placed_commands(steps_before(workflow, placed.step))) + earlier_here


def carries_script(placed):
    """Whether a command hands a script to another shell (its nested commands are judged)."""
    return remote_script_words(placed.command.text) is not None


def flag_missing(workflow, message):
    """Point at the `jobs` key when what is missing has no better place."""
    if "jobs" in workflow.document:
        return flag_key(workflow.document, "jobs", "jobs", message)
    return flag_at(workflow.document, "jobs", message)


def env_value(workflow, step, name):
    """The value `name` has in a step's env: (container, key) of the nearest env: mapping."""
    job = workflow.job(step.job_id)
    for holder in (step.body, job.body if job else None, workflow.document):
        env = holder.get("env") if holder is not None else None
        if isinstance(env, dict) and name in env:
            return env, name
    return None


def continue_on_error(workflow, step):
    """(mapping, key) of a `continue-on-error` that is not plainly false on the step or job."""
    job = workflow.job(step.job_id)
    for holder in (step.body, job.body if job else None):
        if holder is not None and "continue-on-error" in holder:
            value = holder["continue-on-error"]
            if value is not False and str(value).strip() not in FALSE_VALUES:
                return holder, "continue-on-error"
    return None


def input_names(text):
    """Dispatch input names referenced in `${{ }}` expressions or a bare `if:` condition
    (`inputs.x`, `github.event.inputs.x`, `inputs['x']`)."""
    if not isinstance(text, str):
        return []
    inners = [inner for _, inner in expressions(text)] if "${{" in text else [text]
    return [m.group(1) or m.group(2) for inner in inners for m in INPUT_REFERENCE.finditer(inner)]


def unique(violations):
    """One violation per spot (several deploy steps can share one gate; first message wins)."""
    seen, kept = set(), []
    for violation in violations:
        key = (violation.line, violation.column)
        if key not in seen:
            seen.add(key)
            kept.append(violation)
    return kept
