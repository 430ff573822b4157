"""The GitHub expression finder and parser: grammar, positions, errors, hostile input."""

import time

import pytest

from driftgate.policies.lint.expressions import (
    MAX_DEPTH,
    Binary,
    Call,
    Computed,
    Context,
    Either,
    ExpressionError,
    Index,
    Literal,
    Logical,
    Not,
    Property,
    Reference,
    Star,
    exposes,
    find_expressions,
    parse_condition,
    parse_expression,
    references,
    status_checks,
    status_functions,
    template_parts,
    unknown_functions,
    value_parts,
)

# ------------------------------------------------------------ finding


@pytest.mark.parametrize(
    "text, spans",
    [
        ("no expressions", []),
        ("${{ a }}", [(0, 8, " a ", True)]),
        ("x ${{a}} y ${{ b }}", [(2, 8, "a", True), (11, 19, " b ", True)]),
        ("${{ format('}}') }}", [(0, 19, " format('}}') ", True)]),
        ("${{ 'it''s }}' }}", [(0, 17, " 'it''s }}' ", True)]),
        ("${{ a }}}", [(0, 8, " a ", True)]),
        ("$${{ a }}", [(1, 9, " a ", True)]),
        ("${{ a ", [(0, 6, " a ", False)]),
        ("${{ a }} ${{ 'open }}", [(0, 8, " a ", True), (9, 21, " 'open }}", False)]),
        ("${{ a ${{ b }}", [(0, 14, " a ${{ b ", True)]),
        ("é${{ a }}", [(1, 9, " a ", True)]),
    ],
)
def test_find_expressions(text, spans):
    found = find_expressions(text)
    assert [(e.start, e.end, e.source, e.closed) for e in found] == spans
    for e in found:
        assert text[e.source_start : e.source_start + len(e.source)] == e.source


def test_unclosed_reported_once_and_linear():
    text = "${{ " * 90_000 + "x" * 1_200_000  # 1.56 MB
    started = time.perf_counter()
    found = find_expressions(text)
    assert time.perf_counter() - started < 2  # a deadline: the old scan never finished
    assert [(e.start, e.closed) for e in found] == [(0, False)]


def test_many_quotes_before_a_far_close_are_linear():
    text = "${{ " + "'' " * 400_000 + "}}" + " ${{ x }}" * 50_000
    started = time.perf_counter()
    found = find_expressions(text)
    assert time.perf_counter() - started < 2
    assert len(found) == 50_001 and all(e.closed for e in found)


# ------------------------------------------------------------ grammar


def lit(value, start, end):
    return Literal(value, start, end)


@pytest.mark.parametrize(
    "source, tree",
    [
        ("null", lit(None, 0, 4)),
        ("true", lit(True, 0, 4)),
        ("false", lit(False, 0, 5)),
        ("42", lit(42, 0, 2)),
        ("-9.5", lit(-9.5, 0, 4)),
        ("0xff", lit(255, 0, 4)),
        ("-0x10", lit(-16, 0, 5)),
        ("2e3", lit(2000.0, 0, 3)),
        ("1.5E-2", lit(0.015, 0, 6)),
        ("'it''s'", lit("it's", 0, 7)),
        ("''", lit("", 0, 2)),
        ("github", Context("github", 0, 6)),
        ("GitHub.SHA", Property(Context("GitHub", 0, 6), "SHA", 0, 10)),
        ("steps.my-step.outputs", None),
        ("a['b c']", Property(Context("a", 0, 1), "b c", 0, 8)),
        ("a.*", Star(Context("a", 0, 1), 0, 3)),
        ("a[*]", Star(Context("a", 0, 1), 0, 4)),
        ("a[0]", Index(Context("a", 0, 1), lit(0, 2, 3), 0, 4)),
        ("!a", Not(Context("a", 1, 2), 0, 2)),
        ("!!a", Not(Not(Context("a", 2, 3), 1, 3), 0, 3)),
        ("a == 'x'", Binary("==", Context("a", 0, 1), lit("x", 5, 8), 0, 8)),
        ("a<=1", Binary("<=", Context("a", 0, 1), lit(1, 3, 4), 0, 4)),
        ("always()", Call("always", (), 0, 8)),
        ("fromJSON(x).y", Property(Call("fromJSON", (Context("x", 9, 10),), 0, 11), "y", 0, 13)),
        ("(a)", Context("a", 1, 2)),
        (" a ", Context("a", 1, 2)),
    ],
)
def test_grammar(source, tree):
    node = parse_expression(source)
    if tree is not None:
        assert node == tree
    else:
        assert references(node)[0].parts == ("steps", "my-step", "outputs")


@pytest.mark.parametrize(
    "source, shape",
    [
        # `!` binds tighter than comparisons, comparisons tighter than && and ||
        ("!a == b", "(== (! a) b)"),
        ("a == b && c", "(&& (== a b) c)"),
        ("a || b && c", "(|| a (&& b c))"),
        ("a && b || c && d", "(|| (&& a b) (&& c d))"),
        ("a < b == c > d", "(== (< a b) (> c d))"),
        ("a == b != c", "(!= (== a b) c)"),
        ("(a || b) && c", "(&& (|| a b) c)"),
        ("a || b || c", "(|| a b c)"),
        ("!(a && b)", "(! (&& a b))"),
    ],
)
def test_precedence(source, shape):
    def show(node):
        if isinstance(node, Context):
            return node.name
        if isinstance(node, Not):
            return f"(! {show(node.operand)})"
        if isinstance(node, Binary):
            return f"({node.op} {show(node.left)} {show(node.right)})"
        if isinstance(node, Logical):
            return f"({node.op} {' '.join(show(o) for o in node.operands)})"
        raise AssertionError(node)

    assert show(parse_expression(source)) == shape


def test_format_with_commas_is_one_call_with_four_arguments():
    text = "${{ format('{0}/{1}:{2}', a, b, c) }}"
    [found] = find_expressions(text)
    node = parse_expression(found.source, found.source_start)
    assert isinstance(node, Call) and node.function == "format"
    assert len(node.args) == 4
    assert (node.start, node.end) == (4, 34)
    assert [(a.start, a.end) for a in node.args] == [(11, 24), (26, 27), (29, 30), (32, 33)]
    assert [text[a.start : a.end] for a in node.args[1:]] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "name, canonical, known",
    [
        ("toJson", "toJSON", True),
        ("STARTSWITH", "startsWith", True),
        ("hashFiles", "hashFiles", True),
        ("Success", "success", True),
        ("explode", "explode", False),
    ],
)
def test_function_names_ignore_case(name, canonical, known):
    args = {"toJson": "(a)", "STARTSWITH": "(a, 'b')", "hashFiles": "('x')"}.get(name, "()")
    node = parse_expression(name + args)
    assert (node.function, node.known) == (canonical, known)
    assert unknown_functions(node) == (() if known else (node,))


def test_positions_are_absolute_with_offset():
    node = parse_expression("inputs.tag || 'x'", offset=100)
    assert (node.start, node.end) == (100, 117)
    assert [(r.parts, r.start, r.end) for r in references(node)] == [(("inputs", "tag"), 100, 110)]


# ------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "source, offset, message",
    [
        ("", 0, "empty expression"),
        ("   ", 0, "empty expression"),
        ("a ==", 4, "expected a value, found the end"),
        ("a b", 2, "unexpected 'b'"),
        ("'open", 0, "unterminated string"),
        ('a == "x"', 5, "unexpected '\"'"),
        ("a.", 2, "expected a property name, found the end"),
        ("a.1", 1, "unexpected '.1'"),
        ("a.'b'", 2, "expected a property name, found \"'b'\""),
        ("(a", 2, "expected ')', found the end"),
        ("a[1", 3, "expected ']', found the end"),
        ("f(a,", 4, "expected a value, found the end"),
        ("a & b", 2, "unexpected '&'"),
        ("a = b", 2, "unexpected '='"),
        ("contains(a)", 0, "contains() takes 2 arguments, not 1"),
        ("join(a, b, c)", 0, "join() takes 1 to 2 arguments, not 3"),
        ("format()", 0, "format() takes 1 or more arguments, not 0"),
        ("success(1)", 0, "success() takes 0 arguments, not 1"),
        ("a.b(1)", 3, "unexpected '('"),
    ],
)
def test_errors_have_offset_and_one_line(source, offset, message):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(source, offset=0)
    assert (caught.value.offset, caught.value.message) == (offset, message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "source",
    [
        "(" * 10_000 + "a" + ")" * 10_000,
        "!" * 10_000 + "a",
        "f(" * 10_000 + ")" * 10_000,
        "a" + "[a" * 10_000 + "]" * 10_000,
        " == ".join(["a"] * 10_000),
    ],
)
def test_deep_nesting_is_an_error_not_a_crash(source):
    with pytest.raises(ExpressionError, match="nests deeper than"):
        parse_expression(source)


def test_nesting_up_to_the_cap_parses():
    node = parse_expression("(" * (MAX_DEPTH - 1) + "a" + ")" * (MAX_DEPTH - 1))
    assert node == Context("a", MAX_DEPTH - 1, MAX_DEPTH)


def test_long_flat_chains_parse_and_walk():
    source = " || ".join(f"inputs.a{i}" for i in range(20_000))
    node = parse_expression(source)
    assert len(node.operands) == 20_000
    assert len(references(node)) == 20_000
    assert exposes(node, ("inputs", "a19999"))
    repr(node)  # a flat tree: no recursion limit anywhere


def test_huge_string_literal():
    source = "'" + "x''" * 300_000 + "'"
    assert parse_expression(source).value == "x'" * 300_000


# ------------------------------------------------------------ queries

REFERENCES = [
    ("github.event.inputs.reason", [("github", "event", "inputs", "reason")]),
    ("inputs.*", [("inputs", "*")]),
    ("steps.vars.outputs.short_sha", [("steps", "vars", "outputs", "short_sha")]),
    ("matrix.image", [("matrix", "image")]),
    ("needs.build.outputs['tag']", [("needs", "build", "outputs", "tag")]),
    ("GITHUB.sha", [("github", "sha")]),
    ("a[b.c].d", [("a", "?", "d"), ("b", "c")]),
    ("fromJSON(env.X).y", [("env", "X")]),
    ("contains(github.event.pull_request.labels.*.name, 'ok')", None),
    ("1 == 2", []),
]


@pytest.mark.parametrize("source, paths", REFERENCES)
def test_references(source, paths):
    found = [r.parts for r in references(parse_expression(source))]
    if paths is None:
        paths = [("github", "event", "pull_request", "labels", "*", "name")]
    assert found == paths


@pytest.mark.parametrize(
    "source, path, flows",
    [
        ("toJSON(inputs)", ("inputs",), True),
        ("toJSON(github.event.inputs)", ("inputs",), False),
        ("toJSON(github.event.inputs)", ("github", "event", "inputs"), True),
        ("toJSON(github)", ("github", "event", "inputs", "x"), True),
        ("format('{0}', inputs.x)", ("inputs",), True),
        ("join(inputs.list, ',')", ("inputs", "list"), True),
        ("inputs.a || 'b'", ("inputs", "a"), True),
        ("inputs.a && 'b'", ("inputs", "a"), True),
        ("inputs.a == 'b'", ("inputs",), False),
        ("!inputs.a", ("inputs",), False),
        ("contains(inputs.a, 'b')", ("inputs",), False),
        ("hashFiles(inputs.a)", ("inputs",), False),
        ("fromJSON(inputs.a).b", ("inputs", "a"), True),
        ("github.event.inputs.*", ("github", "event", "inputs", "reason"), True),
        ("inputs.a", ("inputs", "b"), False),
    ],
)
def test_exposes(source, path, flows):
    assert exposes(parse_expression(source), path) is flows


@pytest.mark.parametrize(
    "condition, called, checks",
    [
        ("failure()", {"failure"}, {"failure"}),
        ("${{ failure() && inputs.target == 'production' }}", {"failure"}, {"failure"}),
        ("always() || cancelled()", {"always", "cancelled"}, {"always", "cancelled"}),
        ("!Cancelled()", {"cancelled"}, {"cancelled"}),
        ("github.ref == 'refs/heads/main'", set(), {"success"}),
        ("  ${{ success() }}  ", {"success"}, {"success"}),
    ],
)
def test_conditions(condition, called, checks):
    node = parse_condition(condition)
    assert status_functions(node) == called
    assert status_checks(node) == checks


def test_condition_positions_with_and_without_braces():
    assert parse_condition("  a", offset=10) == Context("a", 12, 13)
    assert parse_condition(" ${{ a }}", offset=10) == Context("a", 15, 16)


@pytest.mark.parametrize(
    "condition, offset, message",
    [
        ("a == 'b' && ${{ c }}", 0, "text around `${{ }}` makes this condition always true"),
        ("${{ a }} && ${{ b }}", 0, "text around `${{ }}` makes this condition always true"),
        (" ${{ a ", 1, "`${{` is never closed by `}}`"),
    ],
)
def test_condition_errors(condition, offset, message):
    with pytest.raises(ExpressionError) as caught:
        parse_condition(condition)
    assert (caught.value.offset, caught.value.message) == (offset, message)


def ref(parts, start, end):
    return Reference(tuple(parts), start, end)


@pytest.mark.parametrize(
    "source, parts",
    [
        ("format('{0}/{1}:{2}', 'a', 'b', 'c')", ("a/b:c",)),
        ("format('{{{0}}}', 'x')", ("{x}",)),
        ("format('v{0}', 1.0)", ("v1",)),
        ("format('{0}-{0}', true)", ("true-true",)),
        ("format('{0}', null)", ()),
        (
            "format('{0}/{1}:{2}', env.R, 'img', steps.v.outputs.sha)",
            (ref(["env", "R"], 22, 27), "/img:", ref(["steps", "v", "outputs", "sha"], 36, 55)),
        ),
        ("'' || 'x'", ("x",)),
        ("'y' || inputs.t", ("y",)),
        ("inputs.t || 'latest'", (Either(((ref(["inputs", "t"], 0, 8),), ("latest",))),)),
        (
            "case(a == 1, 'one', 'other')",
            (Either((("one",), ("other",))),),
        ),
    ],
)
def test_value_parts(source, parts):
    assert value_parts(parse_expression(source)) == parts


def test_value_parts_computed():
    node = parse_expression("toJSON(inputs)")
    assert value_parts(node) == (Computed(node),)
    node = parse_expression("format(inputs.f, 'x')")
    assert value_parts(node) == (Computed(node),)


def test_template_parts_keep_absolute_positions():
    text = "${{ env.REGISTRY }}/app:${{ steps.vars.outputs.short_sha }}"
    parts = template_parts(text, offset=1000)
    assert parts == (
        ref(["env", "REGISTRY"], 1004, 1016),
        "/app:",
        ref(["steps", "vars", "outputs", "short_sha"], 1028, 1056),
    )
    assert text[28:56] == "steps.vars.outputs.short_sha"


def test_template_parts_errors():
    with pytest.raises(ExpressionError) as caught:
        template_parts("x ${{ a ==  }}", offset=5)
    assert caught.value.offset == 5 + 12
    with pytest.raises(ExpressionError, match="never closed"):
        template_parts("x ${{ a")
