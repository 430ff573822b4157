"""Where commands sit in a workflow: which step, before or after the containers come up.

A "deploy step" is a step whose run: script runs `docker compose ... up`
(workflow.deploy_steps). "After" a step means later in the same job, or in a
job that needs its job (directly or transitively); "before" is the converse.
A step that runs only on failure (`if: failure() ...`, on it or its job) is the
way back, not the deploy: it is never "after" a step that runs on success, so
a rollback's own check never stands in for the deploy's gate.
A StepCommand is one command of a step's script, read by tree-sitter-bash
(policies/lint/bash: wrappers such as `sudo -u app` are off, and the commands
of `ssh vm '...'`, `bash -c` and heredocs fed to a shell are there too), and
can flag itself at its exact line and column.

>>> from driftgate.policies.yamlsource import parse_yaml
>>> from driftgate.policies.lint.workflow import Workflow
>>> text = "jobs:\\n  d:\\n    steps:\\n      - run: sudo -u app docker compose up -d\\n"
>>> [p.command.argv for p in up_commands(Workflow(parse_yaml(text), "deploy.yml"))]
[('docker', 'compose', 'up', '-d')]
"""

from collections import namedtuple
from functools import lru_cache, partial
from itertools import count, repeat

from .bash import compose_invocation, docker_invocation, read_script, systemctl_invocation
from .violation import flag_at, flag_key, flag_text
from .workflow import expression_inputs, input_references

FALSE_VALUES = frozenset({"false", "False", "FALSE", "${{ false }}"})
NESTING = frozenset({"ssh", "shell-c", "gcloud-ssh", "heredoc"})  # wrappers that carry a script


class StepCommand(namedtuple("StepCommand", "step commands index command")):
    """A command of a step's script (commands: all the script's bash.Command, in order).

    step: the workflow.Step; command is commands[index], stored: rules read it hundreds
    of thousands of times. Build one with `place`.
    """

    __slots__ = ()

    def flag(self, message, offset=None):
        offset = written_start(self.command) if offset is None else offset
        return flag_text(self.step.run, offset, self.step.script_path, message)

    def flag_up(self, message):
        """Point at the `up` (or `restart`) word of a command that starts containers."""
        words = self.command.words
        at = next((w.start for w in words if w.text == "up"), None)
        at = next((w.start for w in words if w.text == "restart"), at)
        return self.flag(message, at)


def written_start(command):
    """Where a command is written: with its own wrappers and prefixes (`sudo -u app`,
    `A=1`), not those of the script carrying it (`ssh vm '...'`)."""
    start = command.start
    for wrapper in reversed(command.wrappers):
        if wrapper.kind in NESTING:
            break
        start = min(start, wrapper.start)
    return min([start, *(assignment.start for assignment in command.env)])


# StepCommand(...) without the Python-level namedtuple __new__: rules walk hundreds of thousands
# of placed commands, so they are built in C (map/zip).
_new_step_command = partial(tuple.__new__, StepCommand)


def place(step, commands, index):
    """The StepCommand command commands[index] of `step`."""
    return _new_step_command((step, commands, index, commands[index]))


# What the rules ask of one workflow's steps and commands, computed once per Workflow (kept
# in its __dict__, so it lives and dies with it): a deploy workflow is walked by a dozen
# rules, several of them from each `up`.
class _WorkflowPlacement:
    __slots__ = ("commands", "ups", "restarts", "after", "before", "upstream", "commands_around")

    def __init__(self):
        self.commands = {}  # id(step) -> (step, its StepCommand commands)
        self.ups = None  # the `docker compose ... up` commands
        self.restarts = None  # the commands restarting containers or their service
        self.after = {}  # id(anchor step) -> (anchor, the steps after it)
        self.before = {}  # id(anchor step) -> (anchor, the steps before it)
        self.upstream = {}  # job id -> ids of the jobs it needs, transitively
        # (id(step), index, "after" | "before") -> (step, the StepCommand commands after/before)
        self.commands_around = {}


def _placement(workflow):
    facts = workflow.__dict__.get("_placement")
    if facts is None:
        facts = workflow.__dict__["_placement"] = _WorkflowPlacement()
    return facts


def _per_step(cache, step, compute):
    """cache[id(step)], computed for `step`. The entry holds the step, so its id cannot be
    reused by another object while cached; the identity check makes that plain."""
    entry = cache.get(id(step))
    if entry is None or entry[0] is not step:
        entry = cache[id(step)] = (step, compute())
    return entry[1]


def _placed_in_step(step):
    run = step.run
    if not run:
        return ()
    commands = read_script(run).commands
    return tuple(map(_new_step_command, zip(repeat(step), repeat(commands), count(), commands)))


def step_commands(workflow, step):
    """The placed commands of one step's run: script (a tuple, placed once per workflow)."""
    cache = _placement(workflow).commands
    entry = cache.get(id(step))  # _per_step, inlined: called for every step, many times
    if entry is None or entry[0] is not step:
        entry = cache[id(step)] = (step, _placed_in_step(step))
    return entry[1]


def workflow_commands(workflow, steps=None):
    """The placed commands of `steps` (default: every step of the workflow), in order."""
    found = []
    for step in workflow.steps if steps is None else steps:
        found.extend(step_commands(workflow, step))
    return found


def up_commands(workflow):
    """Each `docker compose ... up` command in the workflow, placed."""
    facts = _placement(workflow)
    if facts.ups is None:
        facts.ups = tuple(
            placed
            for step in workflow.steps
            if step.run and "compose" in step.run  # most steps: never placed for this
            for placed in step_commands(workflow, step)
            if is_compose_up(placed.command)
        )
    return list(facts.ups)


def restart_commands(workflow):
    """Each command that restarts containers or the service running them, placed:
    `docker restart`, `docker compose restart`, `systemctl restart|reload-or-restart`,
    `service NAME restart` (sudo and other prefixes allowed)."""
    facts = _placement(workflow)
    if facts.restarts is None:
        facts.restarts = tuple(
            placed
            for step in workflow.steps
            if step.run and "restart" in step.run
            for placed in step_commands(workflow, step)
            if is_restart(placed.command)
        )
    return list(facts.restarts)


def is_compose_up(command):
    """Whether a command is `docker compose ... up` (or docker-compose)."""
    compose = compose_invocation(command)
    return compose is not None and compose.subcommand == "up"


SYSTEMD_RESTARTS = frozenset({"restart", "reload-or-restart", "try-restart"})


def is_restart(command):
    """Whether a command restarts containers or a service (see restart_commands).

    >>> [is_restart(c) for c in read_script("sudo systemctl restart app; echo restart").commands]
    [True, False]
    """
    compose = compose_invocation(command)
    if compose is not None:
        return compose.subcommand == "restart"
    docker = docker_invocation(command)
    if docker is not None:
        return docker.subcommand == "restart"
    systemctl = systemctl_invocation(command)
    if systemctl is not None:
        return systemctl.subcommand in SYSTEMD_RESTARTS
    return command.program == "service" and command.argv[2:3] == ("restart",)


def container_starts(workflow):
    """The commands that bring containers up or restart them, in workflow order."""
    order = {id(step): position for position, step in enumerate(workflow.steps)}
    found = up_commands(workflow) + restart_commands(workflow)
    return sorted(found, key=lambda p: (order[id(p.step)], p.command.start))


def first_start_per_step(workflow):
    """The first command of each step that brings containers up or restarts them (what
    runs after it covers the others)."""
    firsts = {}
    for placed in container_starts(workflow):
        firsts.setdefault(placed.step.key_path, placed)
    return list(firsts.values())


def is_after(workflow, step, anchor):
    """Whether `step` runs after `anchor` (same job later, or a job needing anchor's job)."""
    if step.job_id == anchor.job_id:
        return step.index > anchor.index
    return anchor.job_id in _upstream_ids(workflow, step.job_id)


def _upstream_ids(workflow, job_id):
    upstream = _placement(workflow).upstream
    if job_id not in upstream:
        upstream[job_id] = frozenset(j.id for j in workflow.upstream(workflow.job(job_id)))
    return upstream[job_id]


def steps_after(workflow, anchor):
    way_back = not runs_on_success(workflow, anchor)
    found = _per_step(
        _placement(workflow).after,
        anchor,
        lambda: tuple(
            s
            for s in workflow.steps
            if is_after(workflow, s, anchor) and (way_back or runs_on_success(workflow, s))
        ),
    )
    return list(found)


def steps_before(workflow, anchor):
    found = _per_step(
        _placement(workflow).before,
        anchor,
        lambda: tuple(s for s in workflow.steps if is_after(workflow, anchor, s)),
    )
    return list(found)


def commands_after(workflow, placed):
    """Commands after a placed command: later in its script, then in later steps."""
    return list(_commands_around(workflow, placed, "after"))


def commands_before(workflow, placed):
    return list(_commands_around(workflow, placed, "before"))


def _commands_around(workflow, placed, side):
    # Cached per anchor: the gate rules (DG109, DG110, DG112, DG113) start from the same `up`.
    cache, step = _placement(workflow).commands_around, placed.step
    key = (id(step), placed.index, side)
    entry = cache.get(key)
    if entry is None or entry[0] is not step:
        here = step_commands(workflow, step)
        if side == "after":
            found = here[placed.index + 1 :] + tuple(
                workflow_commands(workflow, steps_after(workflow, step))
            )
        else:
            found = tuple(workflow_commands(workflow, steps_before(workflow, step)))
            found += here[: placed.index]
        entry = cache[key] = (step, found)
    return entry[1]


def carries_script(placed):
    """Whether a command hands a script to another shell (`ssh vm '...'`, `bash -c`, a
    heredoc fed to a shell): the commands of that script are judged, not the carrier."""
    return placed.index in _carriers(placed.step.run)


@lru_cache(maxsize=256)
def _carriers(text):
    """Indexes of the commands of a script that carry a nested script: a nested
    command's carrying wrapper lies within its carrier's words."""
    commands = read_script(text).commands
    starts = sorted({w.start for c in commands for w in c.wrappers if w.kind in NESTING})
    return frozenset(
        index
        for index, command in enumerate(commands)
        if any(command.start <= start < command.end for start in starts)
    )


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
    if "${{" not in text:  # a bare `if:` condition is one expression
        return expression_inputs(text)
    return [name for _, name in input_references(text)]


def unique(violations):
    """One violation per spot (several deploy steps can share one gate; first message wins)."""
    seen, kept = set(), []
    for violation in violations:
        key = (violation.line, violation.column)
        if key not in seen:
            seen.add(key)
            kept.append(violation)
    return kept


def runs_on_success(workflow, step):
    """Whether a step runs when everything before it succeeded: false for one whose `if:`
    (or its job's) calls only failure() or cancelled(). A check that runs only when
    something failed gates nothing. Decided once per step."""
    decided = workflow.__dict__.setdefault("_runs_on_success", {})
    if id(step) not in decided:
        decided[id(step)] = (step, _runs_on_success(workflow, step))
    return decided[id(step)][1]


def _runs_on_success(workflow, step):
    job = workflow.job(step.job_id)
    holders = (step.body, job.body if job else None)
    return not any(_never_on_success(h.get("if")) for h in holders if h is not None)


def _never_on_success(condition):
    """Whether an `if:` is false whenever nothing failed: it requires failure() or
    cancelled() (`failure()`, `failure() && steps.gate.outcome == 'failure'`), rather
    than merely mentioning it (`failure() || inputs.force`, `!failure()`)."""
    if condition is None or isinstance(condition, bool):
        return False
    return _requires_failure(str(condition))


@lru_cache(maxsize=4096)
def _requires_failure(text):
    from .expressions import Call, ExpressionError, Logical, parse_condition

    def required(node):
        if isinstance(node, Call):
            return node.function in ("failure", "cancelled")
        if isinstance(node, Logical) and node.op == "&&":
            return any(required(operand) for operand in node.operands)
        return False

    try:
        return required(parse_condition(text))
    except ExpressionError:
        return False


def condition_status(condition):
    """What an `if:` waits for (`success`, `failure`, `always`, `cancelled`), or None for
    no condition or one that does not parse."""
    if condition is None or isinstance(condition, bool):
        return None
    return _condition_status(str(condition))


@lru_cache(maxsize=4096)
def _condition_status(text):
    # Cached by text: the same few conditions recur on many steps and files.
    from .expressions import ExpressionError, parse_condition, status_checks

    try:
        return status_checks(parse_condition(text))
    except ExpressionError:
        return None
