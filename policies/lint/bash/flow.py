"""Data flow inside one script: the value of a word.

`resolve(script, word, known)` follows assignments made earlier in the
script (and values the caller knows, such as the workflow's `env:`) into a
`Value`: Text, Derived (a value computed from the commit SHA), Unknown or
Expression (a `${{ }}` left for the workflow model) parts, each with the
offset it was written at.

>>> from .reader import parse_script
>>> script = parse_script('SHORT_SHA="${GITHUB_SHA::7}"\\n'
...                       'echo "tag=sha-$SHORT_SHA" >> "$GITHUB_OUTPUT"')
>>> [(w.file, w.key, w.value.raw) for w in script.output_writes]
[('GITHUB_OUTPUT', 'tag', 'sha-${SHORT_SHA}')]
>>> resolve(script, script.output_writes[0].value).parts
(Text(value='sha-', origin=39), Derived(source='GITHUB_SHA', form='short7', origin=11))
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass

from ..expressions import ExpressionError, parse_expression, references
from .model import (
    Assignment,
    Command,
    CommandSubstitution,
    GitHubExpression,
    Literal,
    Part,
    Script,
    Variable,
    Word,
)

MAX_HOPS = 32  # assignment chains followed (A=$B, B=$C...)
MAX_PARTS = 256  # a longer value (A=$B$B, B=$C$C...) is Unknown(TOO_LONG)
TOO_LONG = "(value too long)"


@dataclass(frozen=True, slots=True)
class Text:
    value: str
    origin: int  # offset where it was written; -1: given by the caller


@dataclass(frozen=True, slots=True)
class Derived:
    """A value computed from a known source: `source='GITHUB_SHA'`, `form='short7'`."""

    source: str
    form: str  # full, short7, short<N>
    origin: int


@dataclass(frozen=True, slots=True)
class Unknown:
    name: str  # the variable, or the command substitution's text
    origin: int


@dataclass(frozen=True, slots=True)
class Expression:
    """A `${{ }}` whose value the workflow model knows (or not)."""

    source: str
    origin: int


ValuePart = Text | Derived | Unknown | Expression


@dataclass(frozen=True, slots=True)
class Value:
    parts: tuple[ValuePart, ...]
    fallbacks: tuple[str, ...] = ()  # variables whose `${X:-default}` default was taken

    @property
    def text(self) -> str | None:
        if all(isinstance(part, Text) for part in self.parts):
            return "".join(part.value for part in self.parts)
        return None


def resolve(script: Script, word: Word, known: Mapping[str, Value | str] | None = None) -> Value:
    """The value of `word`, following the script's earlier assignments and `known`."""
    return Resolver(script.assignments, known or {}).parts(word.parts, word.start, 0)


class Resolver:
    """Resolves words of one script. Each assignment's value is computed once
    (memo), so `A=$B$B; B=$C$C; ...` stays linear; a cycle reads as Unknown."""

    def __init__(self, assignments: tuple[Assignment, ...], known: Mapping[str, Value | str]):
        self.by_name: dict[str, list[Assignment]] = {}
        for assignment in assignments:  # already in order of offset
            self.by_name.setdefault(assignment.name, []).append(assignment)
        self.starts = {name: [a.start for a in found] for name, found in self.by_name.items()}
        self.known = known
        self.memo: dict[tuple[str, int], Value] = {}

    def parts(self, parts: tuple[Part, ...], before: int, hops: int) -> Value:
        out: list[ValuePart] = []
        fallbacks: list[str] = []
        for part in parts:
            if isinstance(part, Literal):
                out.append(Text(part.value, part.start))
            elif isinstance(part, GitHubExpression):
                out.append(expression_part(part))
            elif isinstance(part, CommandSubstitution):
                out.append(self.substitution(part, hops))
            elif isinstance(part, Variable):
                value = self.variable(part, min(part.start, before), hops)
                if value.parts and getattr(value.parts[0], "name", None) == TOO_LONG:
                    return value
                out += value.parts
                fallbacks += value.fallbacks
            else:
                out.append(Unknown(getattr(part, "raw", "?"), part.start))
            if len(out) > MAX_PARTS:
                return Value((Unknown(TOO_LONG, parts[0].start),))
        return Value(join(out), tuple(fallbacks))

    def lookup(self, name: str, before: int, hops: int) -> Value | None:
        """The value of `name` at offset `before`: the last assignment before it."""
        if hops > MAX_HOPS:
            return Value((Unknown(name, before),))
        found = self.by_name.get(name, [])
        for index in range(bisect_left(self.starts.get(name, []), before) - 1, -1, -1):
            assignment = found[index]
            if assignment.value is not None:
                return self.assigned(assignment, hops)
            if assignment.kind in ("read", "for"):
                return Value((Unknown(name, assignment.start),))
            # `export NAME` exports the value set before
        given = self.known.get(name)
        if isinstance(given, str):
            return Value((Text(given, -1),))
        if given is not None:
            return given
        if name == "GITHUB_SHA":
            return Value((Derived("GITHUB_SHA", "full", before),))
        return None

    def assigned(self, assignment: Assignment, hops: int) -> Value:
        key = (assignment.name, assignment.start)
        if key not in self.memo:
            self.memo[key] = Value((Unknown(assignment.name, assignment.start),))  # cycles
            value = self.parts(assignment.value.parts, assignment.start, hops + 1)
            if assignment.append:
                earlier = self.lookup(assignment.name, assignment.start, hops + 1)
                if earlier is not None:
                    value = Value(join([*earlier.parts, *value.parts]), earlier.fallbacks)
            self.memo[key] = value
        return self.memo[key]

    def variable(self, part: Variable, before: int, hops: int) -> Value:
        value = self.lookup(part.name, before, hops)
        if part.operator in ("-", ":-"):
            if value is not None:
                return value
            default = self.parts(part.default, part.start, hops + 1)
            return Value(default.parts, (*default.fallbacks, part.name))
        if value is None:
            return Value((Unknown(part.name, part.start),))
        if part.operator == "":
            return value
        if part.operator == ":":
            return substring(value, part)
        return Value((Unknown(part.name, part.start),))

    def substitution(self, part: CommandSubstitution, hops: int) -> ValuePart:
        """`$(git rev-parse --short HEAD)`, `$(echo $GITHUB_SHA | cut -c1-7)`..."""
        commands = part.script.commands
        form = git_commit_form(commands[0].argv) if len(commands) == 1 else None
        if form is not None:
            return Derived("GITHUB_SHA", form, part.start)
        if len(commands) == 2:
            shortened = self.shortened(commands[0], commands[1], hops)
            if shortened is not None:
                return Derived(shortened.source, shortened.form, part.start)
        return Unknown(part.script.text.strip() or "$()", part.start)

    def shortened(self, echo: Command, cut: Command, hops: int) -> Derived | None:
        """`echo $X | cut -c1-N` (or `head -cN`) of a commit-derived X."""
        length = cut_length(cut)
        if echo.name not in ("echo", "printf") or len(echo.words) < 2 or length is None:
            return None
        source = self.parts(echo.words[-1].parts, echo.words[-1].start, hops + 1).parts
        if len(source) != 1 or not isinstance(source[0], Derived):
            return None
        if source[0].form == "full" or int(source[0].form[5:] or 0) > int(length):
            return Derived(source[0].source, "short" + length, source[0].origin)
        return None


def git_commit_form(argv: tuple[str | None, ...]) -> str | None:
    """full/shortN for `git rev-parse [--short[=N]] HEAD` and `git log -1 --format=%H|%h`."""
    if argv[:2] == ("git", "rev-parse") and "HEAD" in argv:
        short = next((arg for arg in argv if arg and arg.startswith("--short")), None)
        return "full" if short is None else "short" + (short.partition("=")[2] or "7")
    if argv[:2] == ("git", "log"):
        for arg in argv[2:]:
            if arg and ("format" in arg or "pretty" in arg) and arg.endswith(("%H", "%h")):
                return "full" if arg.endswith("%H") else "short7"
    return None


CUT = re.compile(r"-c\s*1?-(\d+)$|-c\s*(\d+)$")


def cut_length(command: Command) -> str | None:
    """N of `cut -c1-N`, `cut -c-N`, `head -cN`, `head -c N`."""
    if command.name not in ("cut", "head"):
        return None
    flags = " ".join(a or "" for a in command.argv[1:])
    match = CUT.match(flags.strip())
    if match is None:
        return None
    if command.name == "cut" and match.group(1):
        return match.group(1)
    return match.group(2) if command.name == "head" else None


def substring(value: Value, part: Variable) -> Value:
    """`${X:offset:length}` and `${X::length}` of a text or a commit SHA."""
    offset, _, length = part.argument.partition(":")
    try:
        first = int(offset.strip() or 0)
        count = int(length.strip()) if length.strip() else None
    except ValueError:
        return Value((Unknown(part.name, part.start),))
    if value.text is not None:
        text = value.text[first:] if count is None else value.text[first : first + count]
        return Value((Text(text, part.start),))
    only = value.parts[0] if len(value.parts) == 1 else None
    if isinstance(only, Derived) and first == 0 and count is not None:
        return Value((Derived(only.source, f"short{count}", part.start),))
    return Value((Unknown(part.name, part.start),))


def expression_part(part: GitHubExpression) -> ValuePart:
    try:
        node = parse_expression(part.source)
    except ExpressionError:
        return Expression(part.source.strip(), part.start)
    found = references(node)
    if len(found) == 1 and found[0].parts == ("github", "sha") and found[0].end == node.end:
        if found[0].start == node.start:
            return Derived("GITHUB_SHA", "full", part.start)
    return Expression(part.source.strip(), part.start)


def join(parts: list[ValuePart]) -> tuple[ValuePart, ...]:
    merged: list[ValuePart] = []
    for part in parts:
        last = merged[-1] if merged else None
        if (
            isinstance(part, Text)
            and isinstance(last, Text)
            and (
                part.origin == last.origin + len(last.value)  # written side by side
            )
        ):
            merged[-1] = Text(last.value + part.value, last.origin)
        elif not (isinstance(part, Text) and part.value == ""):
            merged.append(part)
    return tuple(merged)
