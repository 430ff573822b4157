"""GitHub Actions expressions: find every `${{ }}` in a string and parse it.

Finding (`find_expressions`) is one left-to-right pass, as the runner does
it: after `${{`, a `'` toggles a string literal and the first `}}` outside
one closes the expression, so `${{ format('}}') }}` is one expression. An
`${{` that is never closed is an error for GitHub (the workflow is
refused); it is returned once, as a span with `closed=False` that runs to
the end of the text, and scanning stops there. Linear in the text.

>>> [(e.start, e.end, e.source) for e in find_expressions("a ${{ x }}${{ format('}}') }}")]
[(2, 10, ' x '), (10, 29, " format('}}') ")]
>>> find_expressions("${{ x }} ${{ y")[1].closed
False

Parsing (`parse_expression`) is recursive descent over GitHub's grammar:
`null true false`, numbers (`-1.5`, `0xff`, `2e3`), `'strings'` (`''` is a
quote), contexts with `.name`, `['name']`, `.*` and `[*]`, function calls
(names are case-insensitive), `!`, `< <= > >=`, `== !=`, `&&`, `||` (that
order, tightest first) and parentheses. Every node has absolute `start` and
`end` offsets; a syntax error raises one `ExpressionError` with its offset.
Nesting is capped at MAX_DEPTH, so hostile input gives an error, not a crash.

>>> node = parse_expression("inputs.tag || format('sha-{0}', github.sha)")
>>> [(r.parts, r.start) for r in references(node)]
[(('inputs', 'tag'), 0), (('github', 'sha'), 32)]
>>> value_parts(parse_expression("format('{0}/{1}:{2}', 'a', 'b', 'c')"))
('a/b:c',)

Queries for rules: `references` (context paths read), `value_parts` (what
the value is made of: literal text, references, alternatives), `exposes`
(may the value carry data from a context path), `status_functions` and
`status_checks` (what an `if:` waits for), `parse_condition` (an `if:` with
or without `${{ }}`), `template_parts` (a whole string with expressions in
it) and `unknown_functions`.
"""

from .queries import (
    Computed,
    Either,
    Part,
    Reference,
    exposes,
    join_text,
    parse_condition,
    references,
    status_checks,
    status_functions,
    template_parts,
    unknown_functions,
    value_parts,
    walk,
)
from .syntax import (
    FUNCTIONS,
    MAX_DEPTH,
    STATUS_FUNCTIONS,
    Binary,
    Call,
    Context,
    Embedded,
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

__all__ = [
    "Binary",
    "Call",
    "Computed",
    "Context",
    "Either",
    "Embedded",
    "ExpressionError",
    "FUNCTIONS",
    "Index",
    "Literal",
    "Logical",
    "MAX_DEPTH",
    "Node",
    "Not",
    "Part",
    "Property",
    "Reference",
    "STATUS_FUNCTIONS",
    "Star",
    "exposes",
    "find_expressions",
    "join_text",
    "parse_condition",
    "parse_expression",
    "references",
    "status_checks",
    "status_functions",
    "template_parts",
    "unknown_functions",
    "value_parts",
    "walk",
]
