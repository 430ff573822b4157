"""The data-contract catalogue (Cat-Scan's rules from import to API output) as a model,
and its verdicts: pure.

A pack's `contracts:` section declares each contract as SELECTs that return
rows, each with a rule mapping its rows to PASS, WARN, FAIL or SKIP and a
message (format: docs/contracts.md; loading: contract_pack.py).
checks/contracts.py runs the SQL in a READ ONLY transaction; `judge` here
turns the rows into a ContractResult.

>>> seats = Contract("C-X-001", "seats", (Query("SELECT 1 FROM buyer_seats", (),
...                  if_empty=(Status.FAIL, "no seats")),))
>>> judge(seats, [[]], {}).message, judge(seats, [[{"n": 1}]], {}).status.value
('no seats', 'PASS')
"""

import enum
from dataclasses import dataclass, field
from types import MappingProxyType

from .contract_messages import render

RUN_PARAMS = ("buyer_filter",)  # given by the run, not the pack (None: every buyer)
MESSAGE_FIELDS = ("count", "rows", "row")  # besides the parameters


class Status(enum.StrEnum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


class Outcome(enum.StrEnum):
    """What a verdict does to the gate test."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


def _frozen_map():
    return field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Query:
    """One SELECT and the rule its rows are judged by.

    Either `if_empty` (no rows ends the contract with that verdict and message)
    or `if_rows` (Status -> message: rows give that verdict; with
    `verdict_column`, each row names its own verdict in that column).
    """

    sql: str
    params: tuple[str, ...]  # named parameters, %(name)s, in order of first use
    if_empty: tuple | None = None  # (Status, message template)
    if_rows: MappingProxyType = _frozen_map()
    verdict_column: str | None = None
    show: int = 10  # rows listed in the message and kept in details
    strict_fail: bool = False  # in strict mode this query's WARN is a FAIL


@dataclass(frozen=True)
class Contract:
    id: str
    name: str
    queries: tuple[Query, ...]
    description: str = ""
    thresholds: MappingProxyType = _frozen_map()  # overrides of the catalogue's defaults
    pass_message: str = "ok"

    @property
    def params(self):
        """Every parameter the contract's SQL uses, in order."""
        return tuple(dict.fromkeys(name for q in self.queries for name in q.params))


@dataclass(frozen=True)
class Catalogue:
    contracts: tuple[Contract, ...]
    requires: tuple[Contract, ...] = ()  # run first; one not PASS is the run's only result
    defaults: MappingProxyType = _frozen_map()
    connect_timeout_s: float = 5.0
    statement_timeout_ms: int = 10_000

    @property
    def days(self):
        return self.defaults.get("days")

    def params_for(self, contract, buyer_filter=None):
        """What a contract's SQL and messages see: defaults, its thresholds, the run's."""
        return {**self.defaults, **contract.thresholds, "buyer_filter": buyer_filter}


@dataclass(frozen=True)
class ContractResult:
    contract_id: str
    name: str
    status: Status
    message: str
    details: dict = field(default_factory=dict)  # JSON-serialisable

    def as_dict(self):
        """The real checker's result fields."""
        return {
            "contract_id": self.contract_id,
            "name": self.name,
            "status": self.status.value,
            "message": self.message,
            "details": self.details,
        }


def load_catalogue(pack):
    """The Catalogue of a loaded policies.pack.Pack (PackError when it has none)."""
    from .contract_pack import parse_catalogue  # it imports this module's models

    return parse_catalogue(pack.contracts, pack.source, required=True)


def ends_contract(query, rows):
    """True when `rows` answer `query` so that the contract's later queries are not run."""
    return query.if_empty is not None and not rows


def judge(contract, answers, params, strict=False):
    """The verdict on `contract` from the rows (dicts) each query returned, in order.

    `answers` may stop early, after a query whose empty answer ends the contract.
    """
    findings = []
    for query, rows in zip(contract.queries, answers, strict=False):
        if query.if_empty is not None:
            if not rows:
                status, template = query.if_empty
                return _result(contract, status, render(template, params), params, [])
            continue
        findings.extend(_findings(query, rows, params, strict))
    if len(answers) < len(contract.queries):  # fail closed: an unanswered query is no pass
        message = f"{len(answers)} of {len(contract.queries)} queries answered"
        return _result(contract, Status.FAIL, message, params, [])
    if not findings:
        return _result(contract, Status.PASS, render(contract.pass_message, params), params, [])
    findings.sort(key=lambda finding: finding["status"] != Status.FAIL)
    message = "; ".join(finding.pop("message") for finding in findings)
    return _result(contract, Status(findings[0]["status"]), message, params, findings)


def _findings(query, rows, params, strict):
    """One finding per verdict (FAIL first) among `rows`: status, message, count, rows."""
    groups, findings = {Status.FAIL: [], Status.WARN: []}, []
    rule_status = None if query.verdict_column else next(iter(query.if_rows))
    for row in rows:
        status = rule_status
        if query.verdict_column is not None:
            verdict = str(row.get(query.verdict_column, "")).upper()
            if verdict not in Status.__members__:
                findings.append(_bad_verdict(query, row))
                continue
            status = Status(verdict)
        if status in groups:
            groups[status].append({k: v for k, v in row.items() if k != query.verdict_column})
    for status, group in groups.items():
        if not group:
            continue
        template = query.if_rows.get(status, "{count} row(s): {rows}")
        message = render(template, params, group, query.show)
        if status == Status.WARN and strict and query.strict_fail:
            status, message = Status.FAIL, message + " (FAIL in strict mode)"
        findings.append(
            {
                "status": status.value,
                "message": message,
                "count": len(group),
                "rows": group[: query.show],
            }
        )
    return findings


def _bad_verdict(query, row):
    value = row.get(query.verdict_column)
    message = f"column {query.verdict_column} says {value!r}, not PASS/WARN/FAIL/SKIP"
    return {"status": Status.FAIL.value, "message": message, "count": 1, "rows": [row]}


def failed(contract, reason):
    """A FAIL for a contract that could not be judged (database error, timeout)."""
    return ContractResult(contract.id, contract.name, Status.FAIL, reason, {"error": reason})


def not_evaluated(contract, requirement):
    """SKIP for a contract not run because a requirement failed (that one is the FAIL)."""
    message = f"not evaluated: {requirement.contract_id} is {requirement.status.value}"
    return ContractResult(
        contract.id, contract.name, Status.SKIP, f"{message}: {requirement.message}"
    )


def outcome(result, strict=False):
    """What a verdict does to the gate: FAIL fails, WARN warns (fails when strict)."""
    if result.status == Status.FAIL or (result.status == Status.WARN and strict):
        return Outcome.FAIL
    return Outcome.WARN if result.status == Status.WARN else Outcome.PASS


def run_results(requirement_results, contract_results):
    """The run's results as the real checker reports them: a requirement that is not
    PASS (no active buyers) is the run's one result, never a silent pass."""
    for result in requirement_results:
        if result.status != Status.PASS:
            return [result]
    return list(contract_results)


def summarise(results):
    """{pass, warn, fail}: the real checker's summary (a SKIP counts in none)."""
    counts = {"pass": 0, "warn": 0, "fail": 0}
    for result in results:
        if result.status != Status.SKIP:
            counts[result.status.value.lower()] += 1
    return counts


def result_from_record(record):
    """A ContractResult from the dict a gate test recorded ("contract", {...})."""
    return ContractResult(
        contract_id=str(record["contract_id"]),
        name=str(record.get("name", "")),
        status=Status(record["status"]),
        message=str(record.get("message", "")),
        details=dict(record.get("details") or {}),
    )


def checker_results(records):
    """The real checker's results from the gate's recorded contract dicts, in order.

    Requirements (recorded with "requirement": true) appear only when not PASS,
    and then alone: no active buyers is the run's one FAIL.
    """
    requirements = [result_from_record(r) for r in records if r.get("requirement")]
    contracts = [result_from_record(r) for r in records if not r.get("requirement")]
    return run_results(requirements, contracts)


def checker_report(results, *, days, strict, buyer_filter=None, timestamp):
    """The JSON artifact of Cat-Scan's own contract checker, from the run's results.

    `timestamp` is an aware datetime from the caller: this module reads no clock.
    """
    return {
        "timestamp": timestamp.isoformat(),
        "days": days,
        "strict": bool(strict),
        "buyer_filter": buyer_filter,
        "results": [result.as_dict() for result in results],
        "summary": summarise(results),
    }


def _result(contract, status, message, params, findings):
    details = {"thresholds": {n: params[n] for n in contract.params if params.get(n) is not None}}
    if findings:
        details["findings"] = findings
    return ContractResult(contract.id, contract.name, status, message, details)
