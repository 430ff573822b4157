"""What rules ask of an expression: the contexts it reads, what its value is made of."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .syntax import (
    PASSES_DATA,
    STATUS_FUNCTIONS,
    Binary,
    Call,
    Context,
    ExpressionError,
    Index,
    Literal,
    Logical,
    Node,
    Not,
    Property,
    Star,
    find_expressions,
    parse_expression,
)


@dataclass(frozen=True, slots=True)
class Reference:
    """A context path read by an expression: `('steps', 'vars', 'outputs', 'sha')`.

    The first part is the context name in lower case (GitHub ignores its
    case); `.*`/`[*]` give `'*'`, and a computed index gives `'?'`.
    `start`/`end` cover the whole access.
    """

    parts: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Either:
    """`a || b`: the value is one of `choices` (each a tuple of parts)."""

    choices: tuple[tuple[Part, ...], ...]


@dataclass(frozen=True, slots=True)
class Computed:
    """A value that depends on evaluation (a comparison, `toJSON(...)`...)."""

    node: Node


Part = str | Reference | Either | Computed


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Property | Star):
        return (node.target,)
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    return ()


def walk(node: Node):
    """Every node, parents before children, in source order (no recursion)."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def as_reference(node: Node) -> Reference | None:
    """The context path of an access chain (`github.event.inputs`), else None."""
    parts, end = [], node.end
    while not isinstance(node, Context):
        if isinstance(node, Property):
            parts.append(node.name)
        elif isinstance(node, Star):
            parts.append("*")
        elif isinstance(node, Index):
            parts.append("?")  # a computed index: any key
        else:
            return None
        node = node.target
    parts.append(node.name.lower())
    return Reference(tuple(reversed(parts)), node.start, end)


def references(node: Node) -> tuple[Reference, ...]:
    """Every context path the expression reads, outermost chains only, in order.

    >>> node = parse_expression("toJSON(inputs) && github.event.inputs['reason']")
    >>> [r.parts for r in references(node)]
    [('inputs',), ('github', 'event', 'inputs', 'reason')]
    >>> [r.parts for r in references(parse_expression("steps.*.outputs[matrix.k]"))]
    [('steps', '*', 'outputs', '?'), ('matrix', 'k')]
    """
    found, stack = [], [node]
    while stack:
        node = stack.pop()
        reference = as_reference(node)
        if reference is not None:
            found.append(reference)
            # a computed index still reads its own references
            stack.extend(reversed([n.index for n in walk(node) if isinstance(n, Index)]))
        else:
            stack.extend(reversed(children(node)))
    return tuple(sorted(found, key=lambda r: r.start))


def text_of(value: None | bool | int | float | str) -> str:
    """A literal as GitHub turns it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def value_parts(node: Node) -> tuple[Part, ...]:
    """What the value of an expression is made of, folding what is literal.

    Literal text is a `str`, a context read is a `Reference`, `a || b` is an
    `Either` (folded when `a` is a literal), `format()` with a literal
    format string interleaves its arguments' parts; anything else is
    `Computed`.

    >>> node = parse_expression("format('{0}/{1}:{2}', env.REGISTRY, 'app', steps.v.outputs.sha)")
    >>> value_parts(node)[1:]
    ('/app:', Reference(parts=('steps', 'v', 'outputs', 'sha'), start=43, end=62))
    >>> value_parts(parse_expression("inputs.tag || 'latest'"))[0].choices[1]
    ('latest',)
    """
    if isinstance(node, Literal):
        return (text_of(node.value),) if node.value not in (None, "") else ()
    reference = as_reference(node)
    if reference is not None:
        return (reference,)
    if isinstance(node, Logical) and node.op == "||":
        choices = []
        for operand in node.operands:
            if isinstance(operand, Literal):
                if operand.value:  # a truthy literal ends the chain
                    choices.append(value_parts(operand))
                    break
                continue  # a falsy literal is never the value
            choices.append(value_parts(operand))
        if len(choices) == 1:
            return choices[0]
        return (Either(tuple(choices)),) if choices else ()
    if isinstance(node, Call) and node.function == "format" and isinstance(node.args[0], Literal):
        return format_parts(str(text_of(node.args[0].value)), node.args[1:])
    if isinstance(node, Call) and node.function == "case":  # the values, then the default
        values = (*node.args[1:-1:2], node.args[-1])
        return (Either(tuple(value_parts(value) for value in values)),)
    return (Computed(node),)


FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)\}")


def format_parts(template: str, args: tuple[Node, ...]) -> tuple[Part, ...]:
    parts, at = [], 0
    for match in FORMAT_ITEM.finditer(template):
        parts.append(template[at : match.start()])
        if match.group(1) is None:
            parts.append(match.group()[0])  # `{{` -> `{`, `}}` -> `}`
        elif int(match.group(1)) < len(args):
            parts.extend(value_parts(args[int(match.group(1))]))
        at = match.end()
    parts.append(template[at:])
    return join_text(parts)


def join_text(parts: list[Part]) -> tuple[Part, ...]:
    """Merge neighbouring strings, drop empty ones."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return tuple(merged)


def template_parts(text: str, offset: int = 0) -> tuple[Part, ...]:
    """The parts of a whole string value with `${{ }}` in it (a `tags:`, an `env:` value).

    Raises ExpressionError for an unclosed `${{` or a bad expression.

    >>> template_parts("ghcr.io/x:${{ steps.vars.outputs.short_sha }}")
    ('ghcr.io/x:', Reference(parts=('steps', 'vars', 'outputs', 'short_sha'), start=14, end=42))
    """
    parts: list[Part] = []
    at = 0
    for found in find_expressions(text):
        if not found.closed:
            raise ExpressionError("`${{` is never closed by `}}`", offset + found.start)
        parts.append(text[at : found.start])
        parts.extend(value_parts(parse_expression(found.source, offset + found.source_start)))
        at = found.end
    parts.append(text[at:])
    return join_text(parts)


def flowing(node: Node) -> list[Reference]:
    """References whose data can end up in the value (not only tested)."""
    found, stack = [], [node]
    while stack:
        node = stack.pop()
        reference = as_reference(node)
        if reference is not None:
            found.append(reference)
        elif isinstance(node, Logical):  # `a || b` is a or b, `a && b` is b or a falsy a
            stack.extend(node.operands)
        elif isinstance(node, Call) and node.function in PASSES_DATA:
            stack.extend(node.args)
        elif isinstance(node, Index | Property | Star):  # fromJSON(x).y carries x's data
            stack.append(node.target)
    return found


def exposes(node: Node, path: tuple[str, ...]) -> bool:
    """Whether the value may carry data read from `path` (or from inside it).

    A reference to `path`, to something inside it, or to a whole object that
    holds it (`toJSON(github.event)` holds `github.event.inputs`) counts;
    a reference only compared or tested (`inputs.x == 'a'`,
    `contains(inputs.x, 'y')`) does not.

    >>> exposes(parse_expression("toJSON(github.event)"), ("github", "event", "inputs"))
    True
    >>> exposes(parse_expression("format('{0}', inputs.x)"), ("inputs",))
    True
    >>> exposes(parse_expression("inputs.target == 'production'"), ("inputs",))
    False
    """
    for reference in flowing(node):
        shared = min(len(reference.parts), len(path))
        pairs = zip(reference.parts[:shared], path[:shared], strict=True)
        if all(a in ("*", "?") or a == b for a, b in pairs):
            return True
    return False


def status_functions(node: Node) -> frozenset[str]:
    """The status functions (`success failure always cancelled`) a condition calls."""
    return frozenset(
        n.function for n in walk(node) if isinstance(n, Call) and n.function in STATUS_FUNCTIONS
    )


def status_checks(node: Node) -> frozenset[str]:
    """What the condition waits for: GitHub adds `success() &&` when it calls none.

    >>> sorted(status_checks(parse_condition("${{ failure() && inputs.target == 'production' }}")))
    ['failure']
    >>> sorted(status_checks(parse_condition("github.ref == 'refs/heads/main'")))
    ['success']
    """
    return status_functions(node) or frozenset({"success"})


def parse_condition(text: str, offset: int = 0) -> Node:
    """An `if:` value: a bare expression, or one wrapped whole in `${{ }}`.

    Text around a `${{ }}` makes the condition a non-empty string, which
    GitHub treats as always true: that raises ExpressionError, so a rule can
    report it.
    """
    stripped = text.strip()
    lead = offset + len(text) - len(text.lstrip())
    found = find_expressions(stripped)
    if not found:
        return parse_expression(stripped, lead)
    first = found[0]
    if len(found) == 1 and first.closed and first.start == 0 and first.end == len(stripped):
        return parse_expression(first.source, lead + first.source_start)
    if not found[-1].closed:
        raise ExpressionError("`${{` is never closed by `}}`", lead + found[-1].start)
    raise ExpressionError("text around `${{ }}` makes this condition always true", lead)


def unknown_functions(node: Node) -> tuple[Call, ...]:
    """Calls of functions GitHub does not have (they parse; GitHub refuses them)."""
    return tuple(n for n in walk(node) if isinstance(n, Call) and not n.known)
