"""The checks the deploy-step rules (DG109, DG110, DG112, DG113) look for around `up`.

A check is a command that inspects the deployment and can fail: `driftgate
verify` with the wanted groups, or a fetch of the pack's health path whose
answer the same step compares with the commit. Its problems (a `||` fallback
that swallows it, continue-on-error, groups left out) come with the spot to
flag. Commands are those of the bash reader (policies/lint/bash): wrappers
(`sudo`, `env A=1`, `timeout 30`) are off, commands run over `ssh` or `bash -c`
are commands too, and a `||` fallback on a carrier masks what it carries.
placement.py says what runs after or before `up`.

>>> from .bash import read_script
>>> verify_arguments(read_script("sudo -E driftgate verify --target staging").commands[0])
['--target', 'staging']
"""

import re
from collections import namedtuple
from functools import lru_cache

from .bash import CommandSubstitution, GitHubExpression, Variable, read_script
from .bash.reader import fails_on_purpose
from .placement import continue_on_error, env_value, place
from .violation import flag_key

# The groups of `driftgate verify` (checks/suite GROUPS); policies may not import checks.
VERIFY_GROUPS = frozenset({"health", "promotion", "host", "contracts", "api"})

FETCHERS = frozenset({"curl", "wget", "http", "https", "xh"})
VERIFY_PROGRAMS = frozenset({"driftgate", "python", "python3"})

COMMIT_SHA = re.compile(r"GITHUB_SHA|github\.sha\b")

COMPARERS = frozenset({"[", "[[", "test", "grep", "jq", "diff", "cmp"})
EQUALITY = frozenset({"=", "==", "!="})


def verify_arguments(command):
    """The arguments after `driftgate verify` (or `python -m driftgate verify`), as the
    shell reads them (expansions as written), else None."""
    if command.program not in VERIFY_PROGRAMS:
        return None  # the common case, decided without rendering the words
    found = [word.shown for word in command.words]
    if found[:2] in (["python", "-m"], ["python3", "-m"]):
        found = found[2:]
    if len(found) >= 2 and found[0].rsplit("/", 1)[-1] == "driftgate" and found[1] == "verify":
        return found[2:]
    return None


def option_value(arguments, *names):
    """The value of `--name value` or `--name=value` (last one wins), else None."""
    value = None
    for index, argument in enumerate(arguments):
        for name in names:
            if argument == name and index + 1 < len(arguments):
                value = arguments[index + 1]
            elif argument.startswith(name + "="):
                value = argument[len(name) + 1 :]
    return value


def verify_groups(arguments, environment_groups=None):
    """The groups a `driftgate verify` runs: --groups, else DRIFTGATE_GROUPS, else all."""
    chosen = option_value(arguments, "--groups", "--dg-groups") or environment_groups
    if not chosen:
        return VERIFY_GROUPS
    return frozenset(g.strip() for g in str(chosen).split(",") if g.strip())


def is_health_fetch(command, marker):
    """curl/wget/httpie of a URL that contains `marker` (the pack's health path)."""
    return command.program in FETCHERS and any(marker in w.shown for w in command.words)


def run_with(command):
    """The words a command runs with, its wrappers' first (`ssh staging-vm`, `sudo -u app`)."""
    return [word for wrapper in command.wrappers for word in wrapper.words] + list(command.words)


def commit_variables(script):
    """Names of shell variables assigned from the commit (`want=${GITHUB_SHA::7}`, also
    through another such variable or a `$(...)` that reads one)."""
    names = set()
    for assignment in script.assignments:
        if assignment.value is not None and mentions_commit(assignment.value.parts, names):
            names.add(assignment.name)
    return names


def mentions_commit(parts, variables):
    """Whether word parts read the commit SHA: `$GITHUB_SHA`, `${{ github.sha }}`, a
    variable in `variables`, or a command substitution whose words do."""
    for part in parts:
        if isinstance(part, Variable):
            if part.name == "GITHUB_SHA" or part.name in variables:
                return True
            if mentions_commit(part.default, variables):
                return True
        elif isinstance(part, GitHubExpression):
            if COMMIT_SHA.search(part.source):
                return True
        elif isinstance(part, CommandSubstitution):
            inner = part.script.commands
            if any(mentions_commit(w.parts, variables) for c in inner for w in c.words):
                return True
    return False


def compares_commit(command, variables):
    """A test, grep or `jq -e` that involves the commit SHA (or a variable holding it)."""
    if not any(mentions_commit(word.parts, variables) for word in command.words):
        return False
    return command.program in COMPARERS or any(w.text in EQUALITY for w in command.words)


def can_fail(placed):
    """Whether a failing command fails its step: no `||` fallback swallows it (its own or
    one on a command carrying it: ssh, `sh -c`, heredoc), and, when it is only tested by
    if/while/until or masked otherwise (`!`, after `set +e`), a later `exit N`/`false`
    follows in the script."""
    command = placed.command
    if command.fallback is not None:
        return False
    if command.condition or command.masked:
        return script_facts(placed.step.run).fails_after[placed.index + 1]
    return True


class ScriptFacts(namedtuple("ScriptFacts", "comparisons fails_after")):
    """What the gate rules ask of one script, computed once (long scripts stay linear).

    comparisons: indexes of commands comparing with the commit SHA; fails_after[i]: some
    command from index i on fails on purpose.
    """

    __slots__ = ()


@lru_cache(maxsize=256)
def script_facts(text):
    script = read_script(text)
    commands = script.commands
    variables = commit_variables(script)
    comparisons = tuple(i for i, c in enumerate(commands) if compares_commit(c, variables))
    fails_after = [False] * (len(commands) + 1)
    for index in range(len(commands) - 1, -1, -1):
        fails_after[index] = fails_after[index + 1] or fails_on_purpose(commands[index])
    return ScriptFacts(comparisons, tuple(fails_after))


class Check(namedtuple("Check", "placed problems relevant", defaults=(True,))):
    """A command that checks the deployment (a StepCommand), and why it may not count: its
    problems (Violations; empty: it counts). relevant is False for a `driftgate verify`
    whose groups leave out the wanted ones."""

    __slots__ = ()


def verify_checks(workflow, commands, wanted):
    """`driftgate verify` commands whose groups meet `wanted`, with their problems."""
    for placed in commands:
        arguments = verify_arguments(placed.command)
        if arguments is None:
            continue
        groups = verify_groups(arguments, _literal_env(workflow, placed.step, "DRIFTGATE_GROUPS"))
        problems = list(failure_problems(workflow, placed))
        if not groups & wanted:
            names = "/".join(sorted(wanted))
            problems.insert(0, placed.flag(f"`driftgate verify` here leaves out the {names} group"))
        yield Check(placed, tuple(problems), bool(groups & wanted))


def health_checks(workflow, commands, is_fetch, wanted=frozenset({"health"})):
    """Health checks among `commands`: `driftgate verify` with a wanted group, or a
    fetch (`is_fetch(command)`) whose step compares the answer with the commit."""
    yield from verify_checks(workflow, commands, wanted)
    for placed in commands:
        if not is_fetch(placed.command):
            continue
        # The fetch may tolerate its own failure when a comparison can fail: an empty answer
        # fails it. What must not be swallowed is the comparison (or the command carrying it).
        problems = list(failure_problems(workflow, placed, fallbacks=False))
        comparisons = [
            place(placed.step, placed.commands, i)
            for i in script_facts(placed.step.run).comparisons
        ]
        if not comparisons:
            message = "health is fetched but the deployed SHA is never compared with the commit"
            problems.insert(0, placed.flag(message))
        elif not any(can_fail(c) for c in comparisons):
            first = comparisons[0]
            if first.command.fallback is not None:
                message = "the SHA comparison's failure is swallowed by a `||` fallback"
                problems.insert(0, first.flag(message, first.command.fallback))
            else:
                problems.insert(0, first.flag("the SHA comparison cannot fail the step"))
        yield Check(placed, tuple(problems))


def failure_problems(workflow, placed, fallbacks=True):
    """A `||` fallback that swallows the failure (of the command or of a command carrying
    it; unless `fallbacks` is False), or continue-on-error on the step/job."""
    fallback = placed.command.fallback if fallbacks else None
    if fallback is not None:
        yield placed.flag("the check's failure is swallowed by a `||` fallback", fallback)
    tolerated = continue_on_error(workflow, placed.step)
    if tolerated is not None:
        holder, key = tolerated
        path = placed.step.key_path if holder is placed.step.body else f"jobs.{placed.step.job_id}"
        message = "continue-on-error lets the check fail silently"
        yield flag_key(holder, key, f"{path}.{key}", message)


def _literal_env(workflow, step, name):
    found = env_value(workflow, step, name)
    return str(found[0][found[1]]) if found else None
