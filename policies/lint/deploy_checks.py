"""The checks the deploy-step rules (DG109, DG110, DG112, DG113) look for around `up`.

A check is a command that inspects the deployment and can fail: `driftgate
verify` with the wanted groups, or a fetch of the pack's health path whose
answer the same step compares with the commit. Its problems (a `||` fallback
that swallows it, continue-on-error, groups left out) come with the spot to
flag. placement.py says what runs after or before `up`.

>>> verify_arguments("driftgate verify --target staging --groups=health,promotion")
['--target', 'staging', '--groups=health,promotion']
"""

import re
from collections import namedtuple
from functools import lru_cache

from .placement import carries_script, continue_on_error, env_value, place
from .shell import (
    fail_suppression_offset,
    fails_on_purpose,
    has_fail_suppression,
    parse_script,
    words,
)
from .violation import flag_key

# The groups of `driftgate verify` (checks/suite GROUPS); policies may not import checks.
VERIFY_GROUPS = frozenset({"health", "promotion", "host", "contracts", "api"})

FETCHERS = re.compile(r"(?:^|[\s(|;`])(?:curl|wget|http|https|xh)\s")

COMMIT_SHA = re.compile(r"GITHUB_SHA|github\.sha\b")

COMPARERS = frozenset({"[", "[[", "test", "grep", "jq", "diff", "cmp"})


def verify_arguments(command_text):
    """The arguments after `driftgate verify` (or `python -m driftgate verify`), else None."""
    if "driftgate" not in command_text:
        return None
    found = words(command_text)
    while found and re.match(r"[A-Za-z_]\w*=", found[0]) or found[:1] in (["sudo"], ["env"]):
        found = found[1:]
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


def is_health_fetch(command_text, marker):
    """curl/wget/httpie of a URL that contains `marker` (the pack's health path)."""
    # the cheap test first: most commands hold no health path
    return marker in command_text and FETCHERS.search(" " + command_text + " ") is not None


def commit_variables(commands):
    """Names of shell variables assigned from the commit (`want=${GITHUB_SHA::7}`)."""
    names = set()
    for command in commands:
        for match in re.finditer(
            r"(?:^|\s)(?:export\s+|local\s+)?([A-Za-z_]\w*)=(\S+)", command.text
        ):
            if COMMIT_SHA.search(match.group(2)) or any(
                f"${n}" in match.group(2) or "${" + n in match.group(2) for n in names
            ):
                names.add(match.group(1))
    return names


def compares_commit(command, variables):
    """A test, grep or `jq -e` that involves the commit SHA (or a variable holding it)."""
    text = command.text
    mentions = COMMIT_SHA.search(text) or any(
        re.search(r"\$\{?" + re.escape(name) + r"\b", text) for name in variables
    )
    if not mentions:
        return False
    program = (words(text) or [""])[0]
    return program in COMPARERS or "==" in text or "!=" in text


def can_fail(placed):
    """Whether a failing command fails its step: neither it nor a command carrying it (ssh,
    `sh -c`, heredoc) has a `||` fallback that swallows it, and, when one is only tested by
    if/while/until/!, a later `exit N`/`false` follows in the script."""
    for link in lineage(placed):
        if has_fail_suppression(link.commands, link.index):
            return False
        if link.command.condition and not script_facts(link.step.run).fails_after[link.index + 1]:
            return False
    return True


def lineage(placed):
    """The placed command, then the commands that carry it, innermost first."""
    index_of = script_facts(placed.step.run).index_of
    while placed is not None:
        yield placed
        carrier = placed.command.carrier
        index = index_of.get(carrier) if carrier is not None else None
        placed = place(placed.step, placed.commands, index) if index is not None else None


class ScriptFacts(namedtuple("ScriptFacts", "comparisons fails_after index_of")):
    """What the gate rules ask of one script, computed once (long scripts stay linear).

    comparisons: indexes of commands comparing with the commit SHA; fails_after[i]: some
    command from index i on fails on purpose; index_of: command offset -> index (to find
    a nested command's carrier).
    """

    __slots__ = ()


@lru_cache(maxsize=256)
def script_facts(text):
    commands = parse_script(text)
    variables = commit_variables(commands)
    comparisons = tuple(i for i, c in enumerate(commands) if compares_commit(c, variables))
    fails_after = [False] * (len(commands) + 1)
    for index in range(len(commands) - 1, -1, -1):
        fails_after[index] = fails_after[index + 1] or fails_on_purpose(commands[index].text)
    index_of = {command.offset: index for index, command in enumerate(commands)}
    return ScriptFacts(comparisons, tuple(fails_after), index_of)


def suppression_offset(placed):
    """Where the `||` fallback swallowing a command's failure starts (else the command)."""
    offset = fail_suppression_offset(placed.commands, placed.index)
    return placed.command.offset if offset is None else offset


class Check(namedtuple("Check", "placed problems relevant", defaults=(True,))):
    """A command that checks the deployment (a StepCommand), and why it may not count: its
    problems (Violations; empty: it counts). relevant is False for a `driftgate verify`
    whose groups leave out the wanted ones."""

    __slots__ = ()


def verify_checks(workflow, commands, wanted):
    """`driftgate verify` commands whose groups meet `wanted`, with their problems."""
    for placed in commands:
        if "driftgate" not in placed.command.text:
            continue  # verify_arguments' own first test
        arguments = verify_arguments(placed.command.text)
        if arguments is None or carries_script(placed):
            continue
        groups = verify_groups(arguments, _literal_env(workflow, placed.step, "DRIFTGATE_GROUPS"))
        problems = list(failure_problems(workflow, placed))
        if not groups & wanted:
            names = "/".join(sorted(wanted))
            problems.insert(0, placed.flag(f"`driftgate verify` here leaves out the {names} group"))
        yield Check(placed, tuple(problems), bool(groups & wanted))


def health_checks(workflow, commands, is_fetch, wanted=frozenset({"health"})):
    """Health checks among `commands`: `driftgate verify` with a wanted group, or a
    fetch (`is_fetch(text)`) whose step compares the answer with the commit."""
    yield from verify_checks(workflow, commands, wanted)
    for placed in commands:
        text = placed.command.text
        # is_fetch first: it rules out most commands cheaply
        if not is_fetch(text) or verify_arguments(text) is not None or carries_script(placed):
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
            swallowed = [
                link for link in lineage(first) if has_fail_suppression(link.commands, link.index)
            ]
            if swallowed:
                message = "the SHA comparison's failure is swallowed by a `||` fallback"
                problems.insert(0, first.flag(message, suppression_offset(swallowed[0])))
            else:
                problems.insert(0, first.flag("the SHA comparison cannot fail the step"))
        yield Check(placed, tuple(problems))


def failure_problems(workflow, placed, fallbacks=True):
    """A `||` fallback that swallows the failure (of the command or of a command carrying
    it; unless `fallbacks` is False), or continue-on-error on the step/job."""
    for link in lineage(placed) if fallbacks else ():
        if has_fail_suppression(link.commands, link.index):
            message = "the check's failure is swallowed by a `||` fallback"
            yield link.flag(message, suppression_offset(link))
            break
    tolerated = continue_on_error(workflow, placed.step)
    if tolerated is not None:
        holder, key = tolerated
        path = placed.step.key_path if holder is placed.step.body else f"jobs.{placed.step.job_id}"
        message = "continue-on-error lets the check fail silently"
        yield flag_key(holder, key, f"{path}.{key}", message)


def _literal_env(workflow, step, name):
    found = env_value(workflow, step, name)
    return str(found[0][found[1]]) if found else None
