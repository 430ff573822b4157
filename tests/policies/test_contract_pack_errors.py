"""Malformed contract definitions: each is one PackError naming file, line and field.

parse_catalogue is called on the `contracts:` section directly, so these reach
the checks the pack's JSON Schema cannot make (or makes first when a whole
pack loads; see test_contracts.py for those).
"""

import pytest

from driftgate.policies.contract_pack import parse_catalogue
from driftgate.policies.errors import PackError
from driftgate.policies.yamlsource import parse_yaml

# Line 1 is `defaults:`; the one query of C-X-001 starts on line 6.
VALID = """\
defaults: {days: 7}
catalogue:
  - id: C-X-001
    name: runs
    queries:
      - sql: SELECT id FROM runs WHERE age > %(days)s
        fail_if_rows: "{count} old runs, first {row[id]}"
"""


def section_of(text):
    return parse_yaml(text, "pack.yaml")


def error_of(text):
    with pytest.raises(PackError) as caught:
        parse_catalogue(section_of(text), "pack.yaml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_valid_section_loads():
    catalogue = parse_catalogue(section_of(VALID), "pack.yaml")
    [contract] = catalogue.contracts
    assert (contract.id, contract.queries[0].params) == ("C-X-001", ("days",))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "defaults: {days: 7}",
            "defaults: {days: 7}\nsurprise: 1",
            "pack.yaml:2: contracts.surprise: unknown field (one of: catalogue, "
            "connect_timeout_s, defaults, requires, statement_timeout_ms)",
        ),
        (
            "defaults: {days: 7}",
            "defaults: [7]",
            "pack.yaml:1: contracts.defaults: must be a mapping of parameter names to values",
        ),
        (
            "defaults: {days: 7}",
            "defaults: {buyer_filter: b1}",
            "pack.yaml:1: contracts.defaults.buyer_filter: reserved: the run sets it",
        ),
        (
            "defaults: {days: 7}",
            "defaults: {days: true}",
            "pack.yaml:1: contracts.defaults.days: a number or a string",
        ),
        (
            "catalogue:\n",
            "requires: C-X-001\ncatalogue:\n",
            "pack.yaml:2: contracts.requires: must be a list of contracts",
        ),
        (
            "  - id: C-X-001",
            "  - - a list\n  - id: C-X-001",
            "pack.yaml:3: contracts.catalogue.0: must be a mapping",
        ),
        (
            "    name: runs",
            "    title: runs",
            "pack.yaml:4: contracts.catalogue.0.title: unknown field (one of: description, id, "
            "name, pass_message, queries, thresholds)",
        ),
        (
            "    name: runs",
            "    name: ''",
            "pack.yaml:3: contracts.catalogue.0.name: missing or empty",
        ),
        (
            "    queries:\n",
            "    thresholds: {days: [1]}\n    queries:\n",
            "pack.yaml:5: contracts.catalogue.0.thresholds.days: a number or a string",
        ),
        (
            VALID[VALID.index("    queries:") :],
            "    queries: {sql: SELECT 1}\n",
            "pack.yaml:5: contracts.catalogue.0.queries: must be a list",
        ),
        (
            "      - sql: SELECT",
            "      - verdict: x\n        sql: SELECT",
            "pack.yaml:6: contracts.catalogue.0.queries.0.verdict: unknown field (one of: "
            "fail_if_empty, fail_if_rows, show, skip_if_empty, sql, strict_fail, "
            "verdict_column, warn_if_empty, warn_if_rows)",
        ),
        (
            "      - sql: SELECT id FROM runs WHERE age > %(days)s",
            "      - sql: '  '",
            "pack.yaml:6: contracts.catalogue.0.queries.0.sql: missing or empty",
        ),
        (
            "      - sql: SELECT id FROM runs WHERE age > %(days)s",
            "      - sql: UPDATE runs SET age = 0",
            "pack.yaml:6: contracts.catalogue.0.queries.0.sql: UPDATE statement; only SELECT "
            "is allowed",
        ),
        (
            "        fail_if_rows:",
            "        verdict_column: verdict\n        fail_if_empty: none\n        fail_if_rows:",
            "pack.yaml:7: contracts.catalogue.0.queries.0.verdict_column: goes with "
            "fail_if_rows/warn_if_rows only",
        ),
        (
            '        fail_if_rows: "{count} old runs, first {row[id]}"',
            "        show: 5",
            "pack.yaml:6: contracts.catalogue.0.queries.0: exactly one verdict rule "
            "(fail_if_empty, warn_if_empty, skip_if_empty, fail_if_rows, warn_if_rows), "
            "or verdict_column",
        ),
        (
            "        fail_if_rows:",
            "        show: 101\n        fail_if_rows:",
            "pack.yaml:7: contracts.catalogue.0.queries.0.show: an integer from 0 to 100",
        ),
        (
            "        fail_if_rows:",
            "        show: true\n        fail_if_rows:",
            "pack.yaml:7: contracts.catalogue.0.queries.0.show: an integer from 0 to 100",
        ),
        (
            "        fail_if_rows:",
            "        strict_fail: sometimes\n        fail_if_rows:",
            "pack.yaml:7: contracts.catalogue.0.queries.0.strict_fail: true or false",
        ),
        (
            '        fail_if_rows: "{count} old runs, first {row[id]}"',
            "        fail_if_rows: 3",
            "pack.yaml:7: contracts.catalogue.0.queries.0.fail_if_rows: a message template "
            "(string)",
        ),
        (
            '"{count} old runs, first {row[id]}"',
            '"{count old runs"',
            "pack.yaml:7: contracts.catalogue.0.queries.0.fail_if_rows: bad message template: "
            "expected '}' before end of string (write {{ for a literal brace)",
        ),
        (
            '"{count} old runs, first {row[id]}"',
            '"first {row}"',
            "pack.yaml:7: contracts.catalogue.0.queries.0.fail_if_rows: unknown message field "
            "{row} (known: days, buyer_filter, count, rows, row[column])",
        ),
        (
            '"{count} old runs, first {row[id]}"',
            '"{count.real} old runs"',
            "pack.yaml:7: contracts.catalogue.0.queries.0.fail_if_rows: unknown message field "
            "{count.real} (known: days, buyer_filter, count, rows, row[column])",
        ),
        (
            "    queries:\n",
            "    pass_message: '{days} days, {weeks} weeks'\n    queries:\n",
            "pack.yaml:5: contracts.catalogue.0.pass_message: unknown message field {weeks} "
            "(known: days, buyer_filter, count, rows, row[column])",
        ),
    ],
    ids=[
        "unknown-section-field",
        "defaults-not-a-mapping",
        "defaults-reserved-name",
        "defaults-value-not-scalar",
        "requires-not-a-list",
        "contract-not-a-mapping",
        "unknown-contract-field",
        "contract-name-empty",
        "threshold-not-scalar",
        "queries-not-a-list",
        "unknown-query-field",
        "sql-empty",
        "sql-writes",
        "verdict-column-with-an-empty-rule",
        "no-verdict-rule",
        "show-too-large",
        "show-not-an-integer",
        "strict-fail-not-boolean",
        "template-not-a-string",
        "template-unbalanced-brace",
        "row-without-a-column",
        "field-attribute",
        "pass-message-unknown-field",
    ],
)
def test_a_malformed_definition_is_one_error_naming_line_and_field(old, new, expected):
    assert old in VALID, old
    assert error_of(VALID.replace(old, new, 1)) == expected


def test_a_duplicate_id_names_the_first_one():
    second = VALID[VALID.index("  - id:") :].replace("    name: runs", "    name: again")
    message = error_of(VALID + second)
    assert message == (
        "pack.yaml:8: contracts.catalogue.1.id: duplicate id C-X-001 "
        "(first at contracts.catalogue.0)"
    )


def test_an_unknown_parameter_points_at_its_line_inside_a_sql_block():
    text = VALID.replace(
        "      - sql: SELECT id FROM runs WHERE age > %(days)s",
        "      - sql: |\n          SELECT id FROM runs\n          WHERE age > %(weeks)s",
    )
    assert error_of(text) == (
        "pack.yaml:8: contracts.catalogue.0.queries.0.sql: unknown parameter %(weeks)s "
        "(known: days, buyer_filter)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a list\n", "pack.yaml:1: contracts: must be a mapping"),
        ("catalogue: []\n", "pack.yaml:1: contracts.catalogue: at least one contract"),
        ("catalogue: C-X-001\n", "pack.yaml:1: contracts.catalogue: must be a list of contracts"),
    ],
)
def test_a_malformed_section_is_one_error(text, expected):
    assert error_of(text) == expected


def test_a_missing_section_is_an_error_only_where_required():
    assert parse_catalogue(None, "pack.yaml").contracts == ()
    with pytest.raises(PackError) as caught:
        parse_catalogue({}, "pack.yaml", required=True)
    assert str(caught.value) == "pack.yaml: contracts: this pack has no contracts section"
