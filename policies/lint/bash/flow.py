"""Data flow inside one script: `$GITHUB_OUTPUT`/`$GITHUB_ENV` writes, and values of words.

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
from collections.abc import Mapping
from dataclasses import dataclass

from ..expressions import ExpressionError, parse_expression, references
from .model import (
    Assignment,
    Command,
    CommandSubstitution,
    GitHubExpression,
    Literal,
    OutputWrite,
    Part,
    Script,
    Variable,
    Word,
)

OUTPUT_FILES = frozenset({"GITHUB_OUTPUT", "GITHUB_ENV"})
MAX_HOPS = 32  # assignment chains followed (A=$B, B=$C...)


# ------------------------------------------------------------- writes


def target_file(word: Word | None) -> str | None:
    if word is not None and len(word.parts) == 1:
        part = word.parts[0]
        if isinstance(part, Variable) and part.operator == "" and part.name in OUTPUT_FILES:
            return part.name
    return None


def output_writes(commands: tuple[Command, ...]) -> tuple[OutputWrite, ...]:
    """`key=value` lines written to `$GITHUB_OUTPUT`/`$GITHUB_ENV`, in order.

    Writers: `echo`, `printf` and `cat <<EOF` redirected with `>`/`>>`
    (also through an enclosing `{ ...; } >> "$GITHUB_OUTPUT"`), and
    `echo ... | tee -a "$GITHUB_OUTPUT"`.
    """
    writes: list[OutputWrite] = []
    for index, command in enumerate(commands):
        files = [target_file(r.target) for r in command.redirects if r.operator in (">", ">>")]
        for file in files:
            if file is not None:
                writes += lines_written(command, file)
        if command.name == "tee" and index and command.pipeline[0] > 0:
            writer = commands[index - 1]
            for word in command.words[1:]:
                file = target_file(word)
                if file is not None and writer.pipeline[0] == command.pipeline[0] - 1:
                    writes += lines_written(writer, file)
    return tuple(writes)


PRINTF_ITEM = re.compile(r"%%|%[-+ #0-9.]*[sdiqbu]|\\n|\\t|\\\\")


def lines_written(command: Command, file: str) -> list[OutputWrite]:
    words = command.words
    parts: list[Part] = []
    if command.name == "echo":
        args = list(words[1:])
        while args and args[0].text in ("-n", "-e", "-E", "-ne", "-en"):
            args.pop(0)
        for index, word in enumerate(args):
            if index:
                parts.append(Literal(" ", word.start, word.start))
            parts += word.parts
    elif command.name == "printf" and len(words) > 1:
        parts = printf_parts(words[1], words[2:])
    elif command.name == "cat" or not words:
        for redirect in command.redirects:
            if redirect.heredoc is not None:
                parts = list(redirect.heredoc.parts)
    return [write for line in split_lines(parts) if (write := key_value(line, file))]


def printf_parts(format_word: Word, args: tuple[Word, ...]) -> list[Part]:
    parts: list[Part] = []
    queue = list(args)
    for part in format_word.parts:
        if not isinstance(part, Literal):
            parts.append(part)
            continue
        at = 0
        for match in PRINTF_ITEM.finditer(part.value):
            parts.append(Literal(part.value[at : match.start()], part.start, part.end))
            item = match.group()
            if item.startswith("%") and item != "%%":
                if queue:
                    parts += queue.pop(0).parts
            else:
                parts.append(Literal({"%%": "%", "\\n": "\n", "\\t": "\t"}.get(item, "\\"), 0, 0))
            at = match.end()
        parts.append(Literal(part.value[at:], part.start, part.end))
    return parts


def split_lines(parts: list[Part]) -> list[list[Part]]:
    lines: list[list[Part]] = [[]]
    for part in parts:
        if isinstance(part, Literal) and "\n" in part.value:
            exact = part.end - part.start == len(part.value)  # offsets per character
            at = part.start
            for number, piece in enumerate(part.value.split("\n")):
                if number:
                    lines.append([])
                if piece:
                    end = at + len(piece) if exact else part.end
                    lines[-1].append(Literal(piece, at if exact else part.start, end))
                at += len(piece) + 1
        else:
            lines[-1].append(part)
    return [line for line in lines if line]


def key_value(line: list[Part], file: str) -> OutputWrite | None:
    key = ""
    for index, part in enumerate(line):
        if not isinstance(part, Literal):
            return None  # the key is computed: not followed
        if "=" in part.value:
            before, _, after = part.value.partition("=")
            key += before
            exact = part.end - part.start == len(part.value)
            after_start = part.end - len(after) if exact else part.start
            rest = ([Literal(after, after_start, part.end)] if after else []) + line[index + 1 :]
            if not key.strip() or "<<" in key:
                return None
            value_start = rest[0].start if rest else part.end
            value_end = rest[-1].end if rest else part.end
            raw = "".join(display(p) for p in rest)
            value = Word(raw, tuple(rest), value_start, value_end)
            return OutputWrite(file, key.strip(), value, line[0].start, value_end)
        key += part.value
    return None


def display(part: Part) -> str:
    if isinstance(part, Literal):
        return part.value
    if isinstance(part, Variable):
        return "${" + part.name + (part.operator + part.argument if part.operator else "") + "}"
    if isinstance(part, GitHubExpression):
        return "${{" + part.source + "}}"
    return "$(...)" if isinstance(part, CommandSubstitution) else getattr(part, "raw", "?")


# ------------------------------------------------------------ resolving


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
    def __init__(self, assignments: tuple[Assignment, ...], known: Mapping[str, Value | str]):
        self.assignments = assignments
        self.known = known

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
                out += value.parts
                fallbacks += value.fallbacks
            else:
                out.append(Unknown(getattr(part, "raw", "?"), part.start))
        return Value(join(out), tuple(fallbacks))

    def lookup(self, name: str, before: int, hops: int) -> Value | None:
        if hops > MAX_HOPS:
            return Value((Unknown(name, before),))
        for assignment in reversed(self.assignments):
            if assignment.start >= before or assignment.name != name:
                continue
            if assignment.value is None:
                if assignment.kind in ("read", "for"):
                    return Value((Unknown(name, assignment.start),))
                continue  # `export NAME` exports the value set before
            value = self.parts(assignment.value.parts, assignment.start, hops + 1)
            if assignment.append:
                earlier = self.lookup(name, assignment.start, hops + 1)
                if earlier is not None:
                    value = Value(join([*earlier.parts, *value.parts]), earlier.fallbacks)
            return value
        given = self.known.get(name)
        if isinstance(given, str):
            return Value((Text(given, -1),))
        if given is not None:
            return given
        if name == "GITHUB_SHA":
            return Value((Derived("GITHUB_SHA", "full", before),))
        return None

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
        commands = part.script.commands
        unknown = Unknown(part.script.text.strip() or "$()", part.start)
        if not commands or len(commands) > 2:
            return unknown
        first = commands[0]
        argv = first.argv
        if len(commands) == 1 and argv[:2] == ("git", "rev-parse") and "HEAD" in argv:
            short = next((a for a in argv if a and a.startswith("--short")), None)
            if short is None:
                return Derived("GITHUB_SHA", "full", part.start)
            return Derived("GITHUB_SHA", "short" + (short.partition("=")[2] or "7"), part.start)
        if len(commands) == 1 and argv[:2] == ("git", "log"):
            for arg in argv:
                if arg and arg.endswith(("%H", "%h")) and ("format" in arg or "pretty" in arg):
                    form = "full" if arg.endswith("%H") else "short7"
                    return Derived("GITHUB_SHA", form, part.start)
        if len(commands) == 2 and first.name in ("echo", "printf") and len(first.words) >= 2:
            source = self.parts(first.words[-1].parts, first.words[-1].start, hops + 1)
            length = cut_length(commands[1])
            if length and len(source.parts) == 1 and isinstance(source.parts[0], Derived):
                derived = source.parts[0]
                if derived.form == "full" or int(derived.form[5:] or 0) > int(length):
                    return Derived(derived.source, "short" + length, part.start)
        return unknown


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
