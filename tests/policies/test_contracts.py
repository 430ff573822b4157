"""The contract catalogue, pure: verdict rules, messages, the checker's report, pack errors."""

import datetime
import json
from pathlib import Path
from types import MappingProxyType

import pytest

from driftgate.policies.contract_docs import refreshed
from driftgate.policies.contract_messages import jsonable, listed, render
from driftgate.policies.contract_pack import parse_catalogue
from driftgate.policies.contract_sql import UnsafeSql, read_only_select
from driftgate.policies.contracts import (
    Contract,
    ContractResult,
    Outcome,
    Query,
    Status,
    checker_report,
    checker_results,
    ends_contract,
    judge,
    load_catalogue,
    not_evaluated,
    outcome,
    run_results,
    summarise,
)
from driftgate.policies.errors import PackError
from driftgate.policies.pack import DEFAULT_PACK, load_pack


def rows_rule(status, message="{count}: {rows}", **options):
    return Query("SELECT 1", (), if_rows=MappingProxyType({status: message}), **options)


def contract(*queries, pass_message="all good"):
    return Contract("C-T-001", "test", tuple(queries), pass_message=pass_message)


# Verdict rules


def test_fail_if_empty_ends_the_contract():
    gate_query = Query("SELECT 1", (), if_empty=(Status.FAIL, "table is empty"))
    c = contract(gate_query, rows_rule(Status.WARN))
    assert ends_contract(gate_query, []) and not ends_contract(gate_query, [{"x": 1}])
    result = judge(c, [[]], {})
    assert (result.status, result.message) == (Status.FAIL, "table is empty")


@pytest.mark.parametrize("status", [Status.WARN, Status.SKIP])
def test_other_empty_rules(status):
    c = contract(Query("SELECT 1", (), if_empty=(status, "nothing to check in {days} days")))
    result = judge(c, [[]], {"days": 7})
    assert (result.status, result.message) == (status, "nothing to check in 7 days")


def test_an_unanswered_query_is_no_pass():
    c = contract(rows_rule(Status.FAIL), rows_rule(Status.WARN))
    result = judge(c, [[]], {})
    assert (result.status, result.message) == (Status.FAIL, "1 of 2 queries answered")


def test_no_rule_fired_is_pass_with_the_pass_message():
    c = contract(Query("SELECT 1", (), if_empty=(Status.FAIL, "empty")), rows_rule(Status.FAIL))
    result = judge(c, [[{"one": 1}], []], {})
    assert (result.status, result.message) == (Status.PASS, "all good")


def test_rows_give_their_rules_verdict_and_the_worst_wins():
    c = contract(rows_rule(Status.WARN, "{count} late"), rows_rule(Status.FAIL, "{count} broken"))
    result = judge(c, [[{"a": 1}, {"a": 2}], [{"b": 1}]], {})
    assert (result.status, result.message) == (Status.FAIL, "1 broken; 2 late")
    assert [f["status"] for f in result.details["findings"]] == ["FAIL", "WARN"]


def test_verdict_column_splits_rows_and_is_dropped_from_details():
    q = Query(
        "SELECT 1",
        (),
        if_rows=MappingProxyType(
            {Status.FAIL: "F {count}: {rows}", Status.WARN: "W {count}: {rows}"}
        ),
        verdict_column="verdict",
    )
    rows = [
        {"seat": "b1", "verdict": "WARN"},
        {"seat": "b2", "verdict": "fail"},
        {"seat": "b3", "verdict": "PASS"},
    ]
    result = judge(contract(q), [rows], {})
    assert (result.status, result.message) == (Status.FAIL, "F 1: b2; W 1: b1")
    assert result.details["findings"][0]["rows"] == [{"seat": "b2"}]


def test_an_unknown_verdict_in_the_column_fails_closed():
    q = rows_rule(Status.WARN, verdict_column="verdict")
    result = judge(contract(q), [[{"seat": "b1", "verdict": "MAYBE"}]], {})
    assert result.status == Status.FAIL
    assert "column verdict says 'MAYBE'" in result.message


def test_strict_fail_turns_that_querys_warn_into_fail_only_when_strict():
    c = contract(rows_rule(Status.WARN, "{count} without publishers", strict_fail=True))
    assert judge(c, [[{"b": 1}]], {}).status == Status.WARN
    strict = judge(c, [[{"b": 1}]], {}, strict=True)
    assert (strict.status, strict.message) == (
        Status.FAIL,
        "1 without publishers (FAIL in strict mode)",
    )
    other = contract(rows_rule(Status.WARN))
    assert judge(other, [[{"b": 1}]], {}, strict=True).status == Status.WARN


def test_show_limits_listed_rows_but_not_the_count():
    c = contract(rows_rule(Status.WARN, "{count}: {rows}", show=2))
    result = judge(c, [[{"run": n} for n in range(5)]], {})
    assert result.message == "5: 0, 1 and 3 more"
    assert result.details["findings"][0]["count"] == 5
    assert len(result.details["findings"][0]["rows"]) == 2


def test_details_carry_the_thresholds_used():
    q = Query("SELECT %(days)s", ("days",), if_rows=MappingProxyType({Status.FAIL: "x"}))
    result = judge(contract(q), [[]], {"days": 7, "unused": 3, "buyer_filter": None})
    assert result.details == {"thresholds": {"days": 7}}


# Messages


def test_render_fields():
    rows = [{"share": 25.0, "of": 4}]
    assert (
        render("{row[share]}% of {row[of]} > {limit}%", {"limit": 20}, rows) == "25.0% of 4 > 20%"
    )
    assert render("{row[missing]}", {}, rows) == "?"
    assert render("{nope}", {}, rows) == "?"
    assert render("{row.__class__}", {}, rows) == "{row.__class__}"  # no attribute access


def test_listed_skips_nulls_and_names_the_other_columns():
    rows = [{"buyer_id": "b1", "bidder_id": "b9", "newest": None}, {"buyer_id": None}]
    assert listed(rows) == "b1 (bidder_id=b9), (no values)"
    assert listed([{"a": 1}] * 3, show=0) == "3 row(s)"


def test_jsonable_values():
    moment = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)
    import decimal
    import uuid

    values = [
        moment,
        decimal.Decimal("20.5"),
        decimal.Decimal("NaN"),
        uuid.UUID(int=1),
        float("inf"),
    ]
    assert [jsonable(v) for v in values] == [
        "2026-11-28T12:00:00+00:00",
        20.5,
        "NaN",
        "00000000-0000-0000-0000-000000000001",
        "inf",
    ]
    json.dumps([jsonable(v) for v in values], allow_nan=False)


# Gate outcome, run results, the real checker's report


@pytest.mark.parametrize(
    ("status", "strict", "expected"),
    [
        (Status.PASS, False, Outcome.PASS),
        (Status.SKIP, True, Outcome.PASS),
        (Status.WARN, False, Outcome.WARN),
        (Status.WARN, True, Outcome.FAIL),
        (Status.FAIL, False, Outcome.FAIL),
    ],
)
def test_outcome(status, strict, expected):
    assert outcome(ContractResult("C", "n", status, "m"), strict) == expected


def result(contract_id, status):
    return ContractResult(contract_id, contract_id.lower(), Status(status), f"{status} message")


def test_a_failed_requirement_is_the_runs_only_result():
    requirement = result("active-buyers", "FAIL")
    contracts = [result("C-A", "PASS"), result("C-B", "WARN")]
    assert run_results([requirement], contracts) == [requirement]
    assert run_results([result("active-buyers", "PASS")], contracts) == contracts
    skipped = not_evaluated(contract(rows_rule(Status.FAIL)), requirement)
    assert skipped.status == Status.SKIP
    assert skipped.message == "not evaluated: active-buyers is FAIL: FAIL message"


def test_summary_counts_pass_warn_fail_only():
    results = [result("A", "PASS"), result("B", "WARN"), result("C", "FAIL"), result("D", "SKIP")]
    assert summarise(results) == {"pass": 1, "warn": 1, "fail": 1}


def test_checker_report_has_the_real_checkers_fields():
    moment = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)
    results = [result("C-ING-001", "PASS"), result("C-KEY-001", "FAIL")]
    report = checker_report(results, days=7, strict=True, buyer_filter="b1", timestamp=moment)
    assert report == {
        "timestamp": "2026-11-28T12:00:00+00:00",
        "days": 7,
        "strict": True,
        "buyer_filter": "b1",
        "results": [
            {
                "contract_id": "C-ING-001",
                "name": "c-ing-001",
                "status": "PASS",
                "message": "PASS message",
                "details": {},
            },
            {
                "contract_id": "C-KEY-001",
                "name": "c-key-001",
                "status": "FAIL",
                "message": "FAIL message",
                "details": {},
            },
        ],
        "summary": {"pass": 1, "warn": 0, "fail": 1},
    }


def test_checker_results_from_recorded_dicts():
    records = [
        {
            "contract_id": "active-buyers",
            "name": "a",
            "status": "PASS",
            "message": "",
            "requirement": True,
        },
        {
            "contract_id": "C-A",
            "name": "a",
            "status": "WARN",
            "message": "w",
            "details": {"x": 1},
            "seconds": 0.1,
        },
    ]
    assert checker_results(records) == [ContractResult("C-A", "a", Status.WARN, "w", {"x": 1})]
    records[0]["status"] = "FAIL"
    assert [r.contract_id for r in checker_results(records)] == ["active-buyers"]


# The Cat-Scan catalogue


def test_the_bundled_catalogue():
    catalogue = load_catalogue(load_pack())
    assert [c.id for c in catalogue.requires] == ["active-buyers"]
    assert len(catalogue.contracts) == 10
    assert dict(catalogue.defaults) == {
        "days": 7,
        "freshness_warn_days": 3,
        "freshness_fail_days": 5,
        "stale_run_hours": 1,
        "import_coverage_hours": 48,
        "endpoint_observation_hours": 24,
        "unknown_billing_max_pct": 20,
    }
    assert (catalogue.connect_timeout_s, catalogue.statement_timeout_ms) == (5.0, 10000)
    pre_003 = next(c for c in catalogue.contracts if c.id == "C-PRE-003")
    assert pre_003.queries[-1].strict_fail and pre_003.queries[-1].verdict_column == "verdict"


def test_thresholds_override_the_defaults():
    section = {
        "defaults": {"days": 7},
        "catalogue": [
            {
                "id": "C-T-001",
                "name": "t",
                "thresholds": {"days": 14},
                "queries": [{"sql": "SELECT %(days)s AS d", "fail_if_rows": "x"}],
            }
        ],
    }
    catalogue = parse_catalogue(section)
    assert catalogue.params_for(catalogue.contracts[0]) == {"days": 14, "buyer_filter": None}


# The SQL guard


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("INSERT INTO t VALUES (1)", "INSERT statement; only SELECT"),
        ("DELETE FROM t", "DELETE statement; only SELECT"),
        ("SELECT 1; SELECT 2", "2 statements"),
        ("SELECT * FROM t FOR UPDATE", "row lock"),
        ("SELECT * FROM (SELECT * FROM t FOR SHARE) s", "row lock"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "DELETE (data-modifying"),
        ("WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT 1", "UPDATE (data-modifying"),
        ("SELECT * INTO copy FROM t", "SELECT ... INTO"),
        ("CREATE TABLE x (a int)", "CREATE statement"),
        ("EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN statement"),
        ("REFRESH MATERIALIZED VIEW home_summaries", "REFRESH statement"),
        ("SELEC 1", "not valid SQL"),
        ("SELECT * FROM t WHERE a LIKE 'x%'", "stray"),
        ("SELECT %s", "stray"),
        ("SELECT %(days)d", "bad placeholder"),
    ],
)
def test_unsafe_sql_is_refused(sql, reason):
    with pytest.raises(UnsafeSql, match=reason.replace("(", r"\(").replace(".", r"\.")):
        read_only_select(sql)


@pytest.mark.parametrize(
    "call",
    [
        "pg_terminate_backend(pid) FROM pg_stat_activity",
        "pg_cancel_backend(1)",
        "pg_advisory_lock(1)",
        "pg_advisory_lock_shared(1)",
        "pg_advisory_xact_lock(1)",
        "pg_advisory_xact_lock_shared(1)",
        "pg_try_advisory_lock(1)",
        "pg_try_advisory_lock_shared(1)",
        "pg_try_advisory_xact_lock(1)",
        "pg_try_advisory_xact_lock_shared(1)",
        "pg_advisory_unlock_all()",
        "lo_import('/etc/hostname')",
        "lo_export(1, '/tmp/x')",
        "lo_unlink(1)",
        "lowrite(0, 'x')",
        "pg_notify('deploys', 'x')",
        "set_config('work_mem', '1GB', false)",
        "dblink('dbname=other', 'SELECT 1')",
        "dblink_exec('dbname=other', 'DELETE FROM t')",
        "pg_reload_conf()",
        "pg_rotate_logfile()",
        "pg_catalog.PG_ADVISORY_LOCK(1)",
        "\"pg_notify\"('a', 'b')",
    ],
)
def test_functions_with_effects_outside_the_data_are_refused(call):
    sql = f"SELECT count(*) FROM t WHERE EXISTS (SELECT {call})"
    with pytest.raises(UnsafeSql, match=r"calls \w+\(\): ") as caught:
        read_only_select(sql)
    name = call.split("(")[0].split(".")[-1].strip('"').lower()
    assert f"calls {name}()" in str(caught.value)
    assert sql.lower()[caught.value.offset :].lstrip('"').startswith(name)


def test_safe_sql_and_its_parameters():
    assert read_only_select("SELECT %(a)s, %(b)s, %(a)s, '100%%' FROM t") == ("a", "b")
    assert read_only_select("VALUES (1)") == ()
    assert read_only_select("SELECT 1 UNION ALL SELECT 2") == ()


# Pack loading errors: one PackError naming the file, field and line


def broken(tmp_path, old, new):
    text = DEFAULT_PACK.read_text()
    assert old in text, old
    path = tmp_path / "pack.yaml"
    path.write_text(text.replace(old, new, 1))
    return path, text.replace(old, new, 1)


def line_of(text, fragment):
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize(
    ("old", "new", "message", "at"),
    [
        (
            "SELECT 1 AS logged FROM ingestion_runs LIMIT 1",
            "DELETE FROM ingestion_runs",
            "contracts.catalogue.0.queries.0.sql: DELETE statement; only SELECT is allowed",
            "DELETE FROM ingestion_runs",
        ),
        (
            "%(stale_run_hours)s * interval",
            "%(stale_hours)s * interval",
            "contracts.catalogue.0.queries.1.sql: unknown parameter %(stale_hours)s",
            "%(stale_hours)s * interval",
        ),
        (
            "fail_if_empty: ingestion_runs is empty",
            "fail_if_empty: ingestion_runs is empty\n          warn_if_rows: also",
            "contracts.catalogue.0.queries.0: exactly one verdict rule",
            "- sql: SELECT 1 AS logged",
        ),
        (
            "pass_message: every active seat has buyer_id = bidder_id",
            "pass_message: every seat in {window} days",
            "contracts.catalogue.7.pass_message: unknown message field {window}",
            "every seat in {window} days",
        ),
        (
            "    - id: C-KEY-002",
            "    - id: C-KEY-001",
            "contracts.catalogue.8.id: duplicate id C-KEY-001",
            "    - id: C-KEY-001\n      name: billing",
        ),
        (
            "          verdict_column: verdict\n          strict_fail: true",
            "          verdict_column: verdict\n          strict_fail: yes",
            "strict_fail",
            "strict_fail: yes",
        ),
        (
            "    stale_run_hours: 1",
            "    stale_run_hours: [1]",
            "contracts.defaults.stale_run_hours",
            "stale_run_hours: [1]",
        ),
        (
            "  statement_timeout_ms: 10000",
            "  statement_timeout_ms: 0",
            "contracts.statement_timeout_ms",
            "statement_timeout_ms: 0",
        ),
        (
            "          show: 10",
            "          shown: 10",
            "contracts.catalogue.0.queries.1.shown: unknown field (did you mean 'show'?)",
            "shown: 10",
        ),
    ],
    ids=[
        "writing-sql",
        "unknown-parameter",
        "two-rules",
        "unknown-message-field",
        "duplicate-id",
        "strict-fail-not-boolean",
        "threshold-not-scalar",
        "zero-timeout",
        "unknown-query-field",
    ],
)
def test_pack_errors_name_the_field_and_line(tmp_path, old, new, message, at):
    path, text = broken(tmp_path, old, new)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))
    if "\n" in at:
        lines = text.splitlines()
        first, second = at.split("\n")
        expected = next(
            n for n in range(1, len(lines)) if first in lines[n - 1] and second in lines[n]
        )
    else:
        expected = line_of(text, at)
    assert caught.value.line == expected


def test_a_pack_without_contracts_loads_but_has_no_catalogue(tmp_path):
    text = DEFAULT_PACK.read_text()
    path = tmp_path / "pack.yaml"
    path.write_text(text[: text.index("\ncontracts:")] + "\n")
    pack = load_pack(path)
    with pytest.raises(PackError, match="this pack has no contracts section"):
        load_catalogue(pack)


def test_the_run_sets_buyer_filter_not_the_pack(tmp_path):
    path, _ = broken(tmp_path, "    days: 7 ", "    buyer_filter: b1\n    days: 7 ")
    with pytest.raises(PackError, match="buyer_filter"):
        load_pack(path)


def test_docs_catalogue_is_generated_from_the_pack_and_fresh():
    docs = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"
    text = docs.read_text(encoding="utf-8")
    catalogue = load_catalogue(load_pack())
    assert refreshed(text, catalogue) == text, (
        "docs/contracts.md is stale: python -m driftgate.policies.contract_docs docs/contracts.md"
    )
    for contract in catalogue.contracts:
        assert f"### {contract.id}: {contract.name}" in text
        assert all(query.sql.strip() in text for query in contract.queries)
