"""Finding `${{ }}` in a string, and the expression grammar: tokens, nodes, parser."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 50  # nesting of (), [], calls, `!` and chained comparisons
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")
# canonical name -> (fewest, most) arguments; None: no upper bound
FUNCTIONS = {
    "contains": (2, 2),
    "startsWith": (2, 2),
    "endsWith": (2, 2),
    "format": (1, None),
    "join": (1, 2),
    "toJSON": (1, 1),
    "fromJSON": (1, 1),
    "hashFiles": (1, None),
    "case": (3, None),  # case(test, value, ..., default)
    **{name: (0, 0) for name in STATUS_FUNCTIONS},
}
CANONICAL = {name.lower(): name for name in FUNCTIONS}
# functions whose result carries their arguments' data
PASSES_DATA = frozenset({"format", "join", "toJSON", "fromJSON", "case"})


class ExpressionError(ValueError):
    """A syntax error in an expression, at `offset` (absolute)."""

    def __init__(self, message: str, offset: int):
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Embedded:
    """One `${{ ... }}` in a string: `source` is the text between the braces."""

    start: int  # offset of `${{`
    end: int  # offset after `}}` (end of the text when not closed)
    source: str
    closed: bool = True

    @property
    def source_start(self) -> int:
        return self.start + 3


def find_expressions(text: str) -> tuple[Embedded, ...]:
    """Every `${{ }}` of `text` in order; an unclosed one last, once."""
    found = []
    at = text.find("${{")
    quote = close = -1  # the next `'` and `}}` at or after the scan point, kept across loops
    while at >= 0:
        scan = at + 3
        while True:  # linear: `quote` and `close` only move forward
            if close < scan:
                close = text.find("}}", scan)
            if close < 0:
                found.append(Embedded(at, len(text), text[at + 3 :], closed=False))
                return tuple(found)
            if quote < scan:
                quote = text.find("'", scan)
            if quote < 0 or quote > close:
                break
            end_quote = text.find("'", quote + 1)
            if end_quote < 0:
                found.append(Embedded(at, len(text), text[at + 3 :], closed=False))
                return tuple(found)
            scan = end_quote + 1
        found.append(Embedded(at, close + 2, text[at + 3 : close]))
        at = text.find("${{", close + 2)
    return tuple(found)


# ----------------------------------------------------------------- nodes


@dataclass(frozen=True, slots=True)
class Literal:
    """`null`, `true`, a number or a 'string'."""

    value: None | bool | int | float | str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Context:
    """A named value at the top: `github`, `inputs`, `steps`..."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Property:
    """`target.name`, or `target['name']` (a literal string index)."""

    target: Node
    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Index:
    """`target[expression]` with a computed index."""

    target: Node
    index: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Star:
    """`target.*` or `target[*]`: the property of every element."""

    target: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Call:
    """A function call: `format('{0}', x)`, `contains(a, b)`, `success()`..."""

    name: str  # as written
    args: tuple[Node, ...]
    start: int
    end: int

    @property
    def function(self) -> str:
        """The canonical name (`startsWith`), or the name lowercased if unknown."""
        return CANONICAL.get(self.name.lower(), self.name.lower())

    @property
    def known(self) -> bool:
        return self.name.lower() in CANONICAL


@dataclass(frozen=True, slots=True)
class Not:
    """`!operand`."""

    operand: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Binary:
    """A comparison: `< <= > >= == !=`."""

    op: str
    left: Node
    right: Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Logical:
    """`a && b && c` or `a || b || c`, flat."""

    op: str
    operands: tuple[Node, ...]
    start: int
    end: int


Node = Literal | Context | Property | Index | Star | Call | Not | Binary | Logical

# ---------------------------------------------------------------- lexer

TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
    |(?P<string>'(?:[^']|'')*')
    |(?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    |(?P<op><=|>=|==|!=|&&|\|\||[!<>()\[\].,*])""",
    re.VERBOSE,
)


def tokenize(source: str, offset: int) -> list[tuple[str, str, int, int]]:
    """(kind, text, start, end) tokens with absolute offsets, ending with ("end", ...)."""
    tokens, at = [], 0
    while at < len(source):
        match = TOKEN.match(source, at)
        if match is None:
            what = "unterminated string" if source[at] == "'" else f"unexpected {source[at]!r}"
            raise ExpressionError(what, offset + at)
        kind = match.lastgroup
        if kind != "space":
            tokens.append((kind, match.group(), offset + at, offset + match.end()))
        at = match.end()
    tokens.append(("end", "", offset + len(source), offset + len(source)))
    return tokens


def number(text: str, start: int) -> int | float:
    body = text.lstrip("-")
    sign = -1 if text.startswith("-") else 1
    try:
        if body[:2].lower() == "0x":
            return sign * int(body[2:], 16)
        value = float(body)
    except ValueError:  # `1.2.3` and friends never reach here; be safe anyway
        raise ExpressionError(f"bad number {text!r}", start) from None
    return sign * (int(value) if value.is_integer() and "e" not in body.lower() else value)


# --------------------------------------------------------------- parser

COMPARISONS = {"==": 1, "!=": 1, "<": 2, "<=": 2, ">": 2, ">=": 2}  # higher binds tighter


class Parser:
    def __init__(self, source: str, offset: int):
        self.tokens = tokenize(source, offset)
        self.at = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int, int]:
        return self.tokens[self.at]

    def take(self) -> tuple[str, str, int, int]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> tuple[str, str, int, int]:
        token = self.take()
        if token[1] != text or token[0] in ("string", "end"):
            raise ExpressionError(f"expected {text!r}, found {describe(token)}", token[2])
        return token

    def nest(self, at: int, more: int = 1) -> None:
        if self.depth + more > MAX_DEPTH:
            raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels", at)

    def whole(self) -> Node:
        node = self.logical("||")
        token = self.peek()
        if token[0] != "end":
            raise ExpressionError(f"unexpected {describe(token)}", token[2])
        return node

    def logical(self, op: str) -> Node:
        parse = (lambda: self.logical("&&")) if op == "||" else (lambda: self.comparison(1))
        operands = [parse()]
        while self.peek()[1] == op and self.peek()[0] == "op":
            self.take()
            operands.append(parse())
        if len(operands) == 1:
            return operands[0]
        return Logical(op, tuple(operands), operands[0].start, operands[-1].end)

    def comparison(self, level: int) -> Node:
        parse = (lambda: self.comparison(2)) if level == 1 else self.unary
        left, chained = parse(), 0
        while self.peek()[0] == "op" and COMPARISONS.get(self.peek()[1]) == level:
            op = self.take()
            chained += 1
            self.nest(op[2], chained)  # `a == b == c ...` nests to the left
            right = parse()
            left = Binary(op[1], left, right, left.start, right.end)
        return left

    def unary(self) -> Node:
        token = self.peek()
        if token[:2] == ("op", "!"):
            self.take()
            self.nest(token[2])
            self.depth += 1
            operand = self.unary()
            self.depth -= 1
            return Not(operand, token[2], operand.end)
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            token = self.peek()
            if token[:2] == ("op", "."):
                self.take()
                name = self.take()
                if name[:2] == ("op", "*"):
                    node = Star(node, node.start, name[3])
                elif name[0] == "name":
                    node = Property(node, name[1], node.start, name[3])
                else:
                    found = describe(name)
                    raise ExpressionError(f"expected a property name, found {found}", name[2])
            elif token[:2] == ("op", "["):
                self.take()
                if self.peek()[:2] == ("op", "*"):
                    self.take()
                    node = Star(node, node.start, self.expect("]")[3])
                    continue
                self.nest(token[2])
                self.depth += 1
                index = self.logical("||")
                self.depth -= 1
                end = self.expect("]")[3]
                if isinstance(index, Literal) and isinstance(index.value, str):
                    node = Property(node, index.value, node.start, end)
                else:
                    node = Index(node, index, node.start, end)
            else:
                return node

    def primary(self) -> Node:
        kind, text, start, end = self.take()
        if kind == "number":
            return Literal(number(text, start), start, end)
        if kind == "string":
            return Literal(text[1:-1].replace("''", "'"), start, end)
        if kind == "name":
            if text in ("true", "false", "null"):
                return Literal({"true": True, "false": False, "null": None}[text], start, end)
            if self.peek()[:2] == ("op", "("):
                return self.call(text, start)
            return Context(text, start, end)
        if (kind, text) == ("op", "("):
            self.nest(start)
            self.depth += 1
            node = self.logical("||")
            self.depth -= 1
            self.expect(")")
            return node
        found = describe((kind, text, start, end))
        raise ExpressionError(f"expected a value, found {found}", start)

    def call(self, name: str, start: int) -> Call:
        self.take()  # (
        self.nest(start)
        self.depth += 1
        args = []
        if self.peek()[:2] != ("op", ")"):
            args.append(self.logical("||"))
            while self.peek()[:2] == ("op", ","):
                self.take()
                args.append(self.logical("||"))
        self.depth -= 1
        call = Call(name, tuple(args), start, self.expect(")")[3])
        if call.known:
            fewest, most = FUNCTIONS[call.function]
            if len(args) < fewest or (most is not None and len(args) > most):
                wanted = f"{fewest}" if fewest == most else f"{fewest} or more"
                if most is not None and most != fewest:
                    wanted = f"{fewest} to {most}"
                raise ExpressionError(
                    f"{call.function}() takes {wanted} arguments, not {len(args)}", start
                )
        return call


def describe(token: tuple[str, str, int, int]) -> str:
    return "the end" if token[0] == "end" else repr(token[1])


def parse_expression(source: str, offset: int = 0) -> Node:
    """The tree of one expression (the text between `${{` and `}}`).

    `offset` is where `source` starts in the file or string, so node
    positions and error offsets are absolute.

    >>> parse_expression("!cancelled()")
    Not(operand=Call(name='cancelled', args=(), start=1, end=12), start=0, end=12)
    >>> try:
    ...     parse_expression("a ==", offset=10)
    ... except ExpressionError as error:
    ...     print(error.offset, error.message)
    14 expected a value, found the end
    """
    parser = Parser(source, offset)
    if parser.peek()[0] == "end":
        raise ExpressionError("empty expression", offset)
    return parser.whole()
