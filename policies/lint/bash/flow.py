"""Data flow in shell scripts: what a word is made of, following the script's assignments.

The one shell value resolver of the linter. `resolve_word(word, lookup)`
reads the parts tree-sitter-bash gave the word (policies/lint/bash/model.py)
into a `Resolved` (policies/lint/values.py: choices of literal text,
`Commit(length)`, `Input(name)`, `Unknown(what)`, and the lines they came
through):

- `Literal`: its text;
- `Variable`: `$X`, `${X}`, `${X:-default}` (`-`, `:=` too: the default
  when nothing sets X), `${X:?message}`, `${X::N}` and `${X:0:N}` (the commit
  cut to N characters, or a slice of literal text); `$GITHUB_SHA` is the
  commit; other operators (`${X#v}`, `${X/a/b}`, `${#X}`) and positional
  parameters (`$1`, `${2:-latest}`, `$@`: the caller gives them) are Unknown;
- `CommandSubstitution`: `$(git rev-parse [--short[=N]] HEAD)`,
  `$(git log -1 --format=%h)`, `$(echo $X | cut -c1-N)` (or `head -cN`);
  any other command's output is Unknown;
- `GitHubExpression`: handed to `lookup.template` (the workflow model knows
  `github.sha`, inputs, env, matrix, step and job outputs).

`ScriptValues` is the data flow inside one script: a variable read at an
offset takes the value of the last assignment before it (`X=v`, `export`,
`local`, `readonly`, `declare`; `read X` and a `for` variable make it
Unknown; `A=1 cmd` sets A for that command only; `X+=v` appends), each
assignment resolved once (memo), a cycle reading as Unknown. What the script
does not set is asked of `outside` (the workflow's env chain, or what the
caller knows). `resolve(script, word, known)` reads one script on its own.

>>> from .reader import parse_script
>>> script = parse_script('SHORT_SHA="${GITHUB_SHA::7}"\\n'
...                       'echo "tag=sha-$SHORT_SHA" >> "$GITHUB_OUTPUT"')
>>> [(w.file, w.key, w.value.raw) for w in script.output_writes]
[('GITHUB_OUTPUT', 'tag', 'sha-$SHORT_SHA')]
>>> found = resolve(script, script.output_writes[0].value)
>>> found.choices, found.lines
((('sha-', Commit(length=7)),), (1,))
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..values import (
    MAX_DEPTH,
    Commit,
    Input,
    Resolved,
    Unknown,
    cut,
    join_choices,
    literal,
    resolve_template,
    unknown,
)
from .model import (
    Command,
    CommandSubstitution,
    GitHubExpression,
    Literal,
    OutputWrite,
    Script,
    Variable,
    Word,
)

DEFAULTS = frozenset({"-", ":-", "=", ":="})  # the default's value when nothing sets X
AS_IS = frozenset({"", "?", ":?"})  # X's value (`${X:?}` fails when it is unset)


def resolve_word(word: Word, lookup, depth: int = 0) -> Resolved:
    """The value of a shell word. `lookup(name, depth)` -> Resolved of a variable (None
    when nothing sets it); `lookup.template(text, depth)` resolves a `${{ }}`."""
    return join_choices(resolve_part(part, lookup, depth) for part in word.parts)


def resolve_part(part, lookup, depth: int) -> Resolved:
    if isinstance(part, Literal):
        return literal(part.value)
    if isinstance(part, Variable):
        return expansion(part, lookup, depth)
    if isinstance(part, CommandSubstitution):
        return command_output(part.script.commands, lookup, depth)
    if isinstance(part, GitHubExpression):
        return lookup.template("${{" + part.source + "}}", depth)
    return unknown(part.raw)  # `$((...))`, `<(...)`, `$'...'`


def expansion(part: Variable, lookup, depth: int) -> Resolved:
    name = part.name
    if depth > MAX_DEPTH:
        return unknown(name)
    if not name.isidentifier():
        return unknown("$" + name)  # `$1`, `${2:-x}`, `$@`: what the script was given
    if name == "GITHUB_SHA":
        found = Resolved(((Commit(None),),))
    else:
        found = lookup(name, depth + 1)
    if part.operator in DEFAULTS:
        if found is None:
            return join_choices(resolve_part(p, lookup, depth + 1) for p in part.default)
        return found
    if found is None:
        return unknown(name)
    if part.operator in AS_IS:
        return found
    if part.operator == ":":
        return substring(found, part)
    return unknown(name)  # `${X#v}`, `${X/a/b}`, `${#X}`: computed


def substring(found: Resolved, part: Variable) -> Resolved:
    """`${X:offset:length}` (`${X::7}`: offset 0) of literal text, or the commit cut."""
    offset, _, length = part.argument.partition(":")
    try:
        first = int(offset.strip() or 0)
        count = int(length.strip()) if length.strip() else None
    except ValueError:  # `${X:$N}`, `${X:i}`...
        return unknown(part.name)
    choices = []
    for choice in found.choices:
        if all(isinstance(p, str) for p in choice):
            text = "".join(choice)[first:]
            choices.append((text if count is None else text[:count],))
        elif first == 0 and count is not None:
            choices.append(cut(choice, count))
        else:
            choices.append((Unknown(part.name),))
    return Resolved(tuple(choices), found.lines)


def command_output(commands: tuple[Command, ...], lookup, depth: int) -> Resolved:
    """What `$(...)` prints, when it is the commit: `git rev-parse`, `git log`, or a
    commit-derived value cut by `cut -c1-N`/`head -cN`."""
    if len(commands) == 1:
        length = git_commit_length(commands[0].argv)
        if length is not False:
            return Resolved(((Commit(length),),))
    if len(commands) == 2 and commands[0].name in ("echo", "printf") and len(commands[0].words) > 1:
        length = cut_length(commands[1])
        if length is not None:
            found = resolve_word(commands[0].words[-1], lookup, depth + 1)
            return Resolved(tuple(cut(c, length) for c in found.choices), found.lines)
    return unknown("$(" + "; ".join(" ".join(w.raw for w in c.words) for c in commands) + ")")


def git_commit_length(argv: tuple[str | None, ...]) -> int | None | bool:
    """The commit `git rev-parse [--short[=N]] HEAD` or `git log --format=%H|%h` prints:
    None for the whole SHA, N for a short one; False for any other command.

    >>> git_commit_length(("git", "rev-parse", "--short=8", "HEAD")), git_commit_length(("ls",))
    (8, False)
    """
    if argv[:2] == ("git", "rev-parse") and "HEAD" in argv:
        short = next((arg for arg in argv if arg and arg.startswith("--short")), None)
        return None if short is None else int(short.partition("=")[2] or 7)
    if argv[:2] == ("git", "log"):
        for arg in argv[2:]:
            if arg and ("format" in arg or "pretty" in arg) and arg.endswith(("%H", "%h")):
                return None if arg.endswith("%H") else 7
    return False


CUT = re.compile(r"-c\s*1?-(\d+)$|-c\s*(\d+)$")


def cut_length(command: Command) -> int | None:
    """N of `cut -c1-N`, `cut -c-N`, `head -cN`, `head -c N`."""
    if command.name not in ("cut", "head"):
        return None
    match = CUT.match(" ".join(arg or "" for arg in command.argv[1:]).strip())
    if match is None:
        return None
    digits = match.group(1) if command.name == "cut" else match.group(2)
    return int(digits) if digits else None


# ------------------------------------------------------ inside one script


@dataclass(frozen=True, slots=True)
class Setting:
    """A value a script gives a name from `start` on (until `until`, for `A=1 cmd`);
    `value` None: one the script cannot know (`read X`, a `for` variable)."""

    name: str
    value: Word | None
    start: int
    until: int | None = None
    append: bool = False


def settings(script: Script) -> tuple[Setting, ...]:
    """What the script's assignments and command prefixes set, in order of offset
    (`export NAME` without a value keeps the value set before: not listed)."""
    found = [
        Setting(a.name, a.value, a.start, None, a.append)
        for a in script.assignments
        if a.value is not None or a.kind in ("read", "for")
    ]
    for command in script.commands:
        found += [Setting(a.name, a.value, a.start, command.end) for a in command.env]
    return tuple(sorted(found, key=lambda s: s.start))


class ScriptValues:
    """The data flow of one script: each setting resolved once, at its own offset.

    outside: `(name, depth)` -> Resolved or None for what the script does not set,
    with `.template(text, depth)` for `${{ }}`; line_of: offset -> the line a
    value's provenance names.
    """

    def __init__(self, script: Script, outside, line_of: Callable[[int], int]):
        self.outside, self.line_of = outside, line_of
        self.by_name: dict[str, list[Setting]] = {}
        for setting in settings(script):
            self.by_name.setdefault(setting.name, []).append(setting)
        self.starts = {name: [s.start for s in found] for name, found in self.by_name.items()}
        self.memo: dict[tuple[str, int], Resolved] = {}

    def at(self, before: int | None) -> ScriptScope:
        """Names as read at an offset (None: after the script's end)."""
        return ScriptScope(self, before)

    def last(self, name: str, before: int | None) -> Setting | None:
        """The setting a read of `name` at `before` sees (set strictly before it)."""
        found = self.by_name.get(name)
        if not found:
            return None
        index = len(found) if before is None else bisect_left(self.starts[name], before)
        for setting in reversed(found[:index]):
            if setting.until is None or (before is not None and before <= setting.until):
                return setting
        return None

    def value(self, setting: Setting, depth: int) -> Resolved:
        key = (setting.name, setting.start)
        if key not in self.memo:
            self.memo[key] = unknown(setting.name)  # a cycle reads as Unknown
            found = self.through(setting.value, setting.start, depth)
            if setting.append:
                earlier = self.at(setting.start)(setting.name, depth + 1)
                found = join_choices([earlier or unknown(setting.name), found])
            self.memo[key] = found
        return self.memo[key]

    def written(self, write: OutputWrite, depth: int = 0) -> Resolved:
        """The value of a `$GITHUB_ENV`/`$GITHUB_OUTPUT` line, as the runner reads it back."""
        key = ("=" + write.key, write.start)
        if key not in self.memo:
            self.memo[key] = unknown(write.key)
            self.memo[key] = self.through(write.value, write.start, depth)
        return self.memo[key]

    def through(self, word: Word | None, start: int, depth: int) -> Resolved:
        """A value set at `start`, with that line in its provenance."""
        found = self.resolve(word, start, depth)
        return Resolved(found.choices, tuple(dict.fromkeys((*found.lines, self.line_of(start)))))

    def resolve(self, word: Word | None, before: int | None, depth: int = 0) -> Resolved:
        """A word's value as read at `before` (None: a value read at run time)."""
        if word is None:
            return unknown("a value read at run time")
        return resolve_word(word, self.at(before), depth)


class ScriptScope:
    """The lookup `resolve_word` asks, at one offset of one script."""

    __slots__ = ("before", "values")

    def __init__(self, values: ScriptValues, before: int | None):
        self.values, self.before = values, before

    def __call__(self, name: str, depth: int) -> Resolved | None:
        setting = self.values.last(name, self.before)
        if setting is None:
            return self.values.outside(name, depth)
        return self.values.value(setting, depth)

    def template(self, text: str, depth: int = 0) -> Resolved:
        return self.values.outside.template(text, depth)


class Known:
    """What a caller knows outside one script: name -> Resolved or text; `${{ }}` with
    `github.sha` and dispatch inputs; anything else Unknown."""

    def __init__(self, known: Mapping[str, Resolved | str]):
        self.known = known

    def __call__(self, name: str, depth: int) -> Resolved | None:
        given = self.known.get(name)
        return literal(given) if isinstance(given, str) else given

    def template(self, text: str, depth: int = 0) -> Resolved:
        return resolve_template(text, self, depth)

    def reference(self, parts: tuple[str, ...], depth: int = 0) -> Resolved:
        if parts == ("github", "sha"):
            return Resolved(((Commit(None),),))
        if parts[0] == "inputs" and len(parts) == 2:
            return Resolved(((Input(parts[1]),),))
        return unknown(".".join(parts))


def resolve(script: Script, word: Word, known: Mapping[str, Resolved | str] | None = None):
    """The value of `word` of `script`, following the script's earlier assignments and
    `known` (the lines of its provenance count from the script's first line)."""
    text = script.text

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    return ScriptValues(script, Known(known or {}), line_of).resolve(word, word.start)
