"""The text of one script as tree-sitter sees it, and its words as the model sees them.

`${{ }}` spans are masked with same-length `_` runs before parsing (the
runner substitutes them before the shell sees the script) and come back as
GitHubExpression parts. Offsets: tree-sitter counts UTF-8 bytes, the model
counts str characters in the top script (`outer` maps a nested script's
offsets there).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import NamedTuple

from tree_sitter import Node

from ..expressions import find_expressions
from .model import (
    Assignment,
    Command,
    CommandSubstitution,
    GitHubExpression,
    Literal,
    Other,
    Part,
    Redirect,
    Script,
    Variable,
    Word,
    Wrapper,
)

MAX_TREE_DEPTH = 150  # syntax nesting followed; deeper is reported as an error
MAX_NODES = 50_000  # syntax nodes read per script, nested ones included (~0.5 s)
EXPANSION = re.compile(r"(?P<prefix>[#!]?)(?P<name>[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])")
OPERATORS = (":-", ":=", ":?", ":+", "##", "%%", "//", "/#", "/%", "^^", ",,")
OPERATORS_1 = ("-", "=", "?", "+", "#", "%", "/", "^", ",", ":", "@")
UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
UNESCAPE_DQ = re.compile(r"\\([\"\\$`\n])")


def identity(offset: int) -> int:
    return offset


class Context(NamedTuple):
    """What the syntax around a command says about it (a NamedTuple: it is
    copied with one field changed at every pipeline, test and group)."""

    masked: bool = False
    condition: bool = False
    function: str | None = None
    pipeline: tuple[int, int] = (0, 1)
    redirects: tuple[Redirect, ...] = ()
    wrappers: tuple[Wrapper, ...] = ()
    assigning: bool = False  # in `X=$(...)`, whose failure fails the script
    substituted: bool = False


class ScriptSource:
    """Offsets and words of one text; the Reader subclass reads its statements."""

    commands: list[Command]

    def visit(self, node: Node, context: Context) -> None:
        raise NotImplementedError

    def script(self, first: int = 0, span: tuple[int, int] | None = None) -> Script:
        raise NotImplementedError

    def __init__(self, text: str, outer: Callable[[int], int] = identity, nesting: int = 0,
                 top: str | None = None, budget: list[int] | None = None):  # fmt: skip
        self.text = text
        self.budget = [MAX_NODES] if budget is None else budget  # shared with nested readers
        self.complete = True
        self.top = text if top is None else top
        self.outer = outer
        self.nesting = nesting
        self.expressions = [e for e in find_expressions(text) if e.closed]
        self.expression_starts = [e.start for e in self.expressions]
        masked = text
        if self.expressions:
            pieces, at = [], 0
            for e in self.expressions:
                pieces += [text[at : e.start], "_" * (e.end - e.start)]
                at = e.end
            masked = "".join(pieces) + text[at:]
        data = masked.encode("utf-8", "surrogatepass")
        self.data = data
        # byte offset -> char offset: only non-ASCII characters shift them
        self.wide_bytes: list[int] = []  # byte offset after each wide character
        self.wide_extra: list[int] = []  # extra bytes up to and including it
        if len(data) != len(text):
            extra = 0
            for index, char in enumerate(masked):
                width = len(char.encode("utf-8", "surrogatepass"))
                if width > 1:
                    extra += width - 1
                    self.wide_bytes.append(index + extra + 1)
                    self.wide_extra.append(extra)
        if not self.wide_bytes:  # ASCII: bytes are characters
            self.char = identity
            if outer is identity:
                self.pos = identity
        self.commands: list[Command] = []
        self.assignments: list[Assignment] = []
        self.errors: list[int] = []
        self.depth = 0
        self.errexit_off = False

    def char(self, byte: int) -> int:
        found = bisect_right(self.wide_bytes, byte)
        return byte - (self.wide_extra[found - 1] if found else 0)

    def pos(self, byte: int) -> int:
        return self.outer(self.char(byte))

    def source(self, node: Node) -> str:
        return self.text[self.char(node.start_byte) : self.char(node.end_byte)]

    def exhausted(self, node: Node) -> bool:
        """Past the depth or size this reader follows: note where, once."""
        self.budget[0] -= 1
        if self.depth < MAX_TREE_DEPTH and self.budget[0] >= 0:
            return False
        if self.complete:
            self.errors.append(self.pos(node.start_byte))
            self.complete = False
        return True

    def word(self, node: Node, context: Context) -> Word:
        start, end = self.char(node.start_byte), self.char(node.end_byte)
        raw = self.text[start:end]
        if node.type == "word" and "\\" not in raw and "${{" not in raw:  # most words
            begin, stop = self.outer(start), self.outer(end)
            return Word(raw, (Literal(raw, begin, stop),), begin, stop)
        parts = merge(self.parts(node, context))
        return Word(raw, parts, self.outer(start), self.outer(end))

    def literal(self, start: int, end: int, unescape: re.Pattern[str] | None) -> list[Part]:
        """Literal text from char offsets [start, end), `${{ }}` split out."""
        if not self.expressions:  # most scripts
            return self.plain(start, end, unescape)
        parts: list[Part] = []
        found = bisect_right(self.expression_starts, start)
        if found and self.expressions[found - 1].end > start:
            found -= 1
        at = start
        for e in self.expressions[found:]:
            if e.start >= end:
                break
            parts += self.plain(at, e.start, unescape)
            ends = self.outer(e.start), self.outer(e.end)
            parts.append(GitHubExpression(e.source, *ends))
            at = e.end
        return parts + self.plain(at, end, unescape)

    def plain(self, start: int, end: int, unescape: re.Pattern[str] | None) -> list[Part]:
        if start >= end:
            return []
        raw = self.text[start:end]
        value = unescape.sub(r"\1", raw) if unescape and "\\" in raw else raw
        if unescape is UNESCAPE_DQ:
            value = value.replace("\\\n", "")
        return [Literal(value, self.outer(start), self.outer(end))]

    def parts(self, node: Node, context: Context) -> list[Part]:
        if self.exhausted(node):
            return [Other(self.source(node), self.pos(node.start_byte), self.pos(node.end_byte))]
        self.depth += 1
        try:
            return self.node_parts(node, context)
        finally:
            self.depth -= 1

    def node_parts(self, node: Node, context: Context) -> list[Part]:
        kind = node.type
        start, end = self.char(node.start_byte), self.char(node.end_byte)
        if kind in ("word", "number", "test_operator", "special_variable_name", "variable_name",
                    "extglob_pattern", "regex"):  # fmt: skip
            return self.literal(start, end, UNESCAPE if kind == "word" else None)
        if kind == "raw_string":
            return self.literal(start + 1, end - 1, None)
        if kind in ("string", "concatenation", "heredoc_body"):
            parts: list[Part] = []
            at = start + (1 if kind == "string" else 0)
            stop = end - (1 if kind == "string" else 0)
            for child in node.named_children:
                child_start = self.char(child.start_byte)
                if child.type in ("string_content", "heredoc_content", "heredoc_end"):
                    continue
                unescape = UNESCAPE if kind == "concatenation" else UNESCAPE_DQ
                if kind == "heredoc_body":
                    unescape = None
                parts += self.literal(at, child_start, unescape)
                parts += self.parts(child, context)
                at = self.char(child.end_byte)
            unescape = UNESCAPE if kind == "concatenation" else UNESCAPE_DQ
            return parts + self.literal(at, stop, None if kind == "heredoc_body" else unescape)
        if kind == "simple_expansion":
            name = self.text[start + 1 : end]
            raw = self.text[start:end]
            return [Variable(name, "", "", self.outer(start), self.outer(end), raw=raw)]
        if kind == "expansion":
            return [self.expansion(node, start, end, context)]
        if kind == "command_substitution":
            first = len(self.commands)
            masked = context.masked or not context.assigning
            inner = context._replace(masked=masked, substituted=True, redirects=())
            for child in node.named_children:
                self.visit(child, inner)
            opening = 1 if self.text.startswith("`", start) else 2  # `...` or $(...)
            script = self.script(first, (start + opening, end - 1))
            return [CommandSubstitution(script, self.outer(start), self.outer(end))]
        if kind == "process_substitution":
            for child in node.named_children:
                self.visit(child, context._replace(masked=True, substituted=True, redirects=()))
        else:
            self.substitutions(node, context)
        return [Other(self.text[start:end], self.outer(start), self.outer(end))]

    def expansion(self, node: Node, start: int, end: int, context: Context) -> Part:
        inner = self.text[start + 2 : end - 1]
        match = EXPANSION.match(inner)
        if match is None:
            self.substitutions(node, context)
            return Other(self.text[start:end], self.outer(start), self.outer(end))
        rest = inner[match.end() :]
        operator = next((op for op in OPERATORS if rest.startswith(op)), "")
        operator = operator or next((op for op in OPERATORS_1 if rest.startswith(op)), "")
        if match.group("prefix") == "#":
            operator = "length"
        argument = rest[len(operator) :] if operator != "length" else ""
        default: list[Part] = []
        argument_start = start + 2 + match.end() + len(operator)
        for child in node.named_children:
            if self.char(child.start_byte) >= argument_start and child.type != "variable_name":
                if operator in ("-", ":-", "=", ":=", "+", ":+"):
                    default += self.parts(child, context)
                else:
                    self.substitutions(child, context)
        span = self.outer(start), self.outer(end)
        raw = self.text[start:end]
        name = match.group("name")
        return Variable(name, operator, argument, *span, tuple(merge(default)), raw)

    def substitutions(self, node: Node, context: Context) -> None:
        """Visit the commands of `$(...)` anywhere under a node that is not a command."""
        for child in node.named_children:
            if child.type == "command_substitution":
                self.parts(child, context)
            elif child.type == "process_substitution":
                self.parts(child, context)
            elif child.named_child_count:
                if not self.exhausted(child):
                    self.depth += 1
                    self.substitutions(child, context)
                    self.depth -= 1


def merge(parts: list[Part]) -> tuple[Part, ...]:
    """Neighbouring literals joined into one."""
    merged: list[Part] = []
    for part in parts:
        last = merged[-1] if merged else None
        if isinstance(part, Literal) and isinstance(last, Literal) and last.end == part.start:
            merged[-1] = Literal(last.value + part.value, last.start, part.end)
        elif not (isinstance(part, Literal) and part.value == ""):
            merged.append(part)
    return tuple(merged)
