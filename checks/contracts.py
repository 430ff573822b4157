"""Run the pack's data contracts against PostgreSQL, read-only (the gate's group 4).

Every contract runs in its own READ ONLY transaction (`BEGIN READ ONLY`) with
a statement timeout, and is always rolled back: SQL that tries to write,
even through a function, is refused by the server and the contract FAILs.
After the transaction, the session state a rollback keeps is released
(`pg_advisory_unlock_all()`, `RESET ALL`), so no contract's lock or setting
reaches the next one.
The verdicts come from policies/contracts.py. The DSN and its password never
appear in a message.

    run = ContractRun(load_catalogue(load_pack()), dsn, strict=False)
    run.result("C-KEY-001").status        # Status.PASS, Status.FAIL, ...
    run.run_all()                         # the real checker's results
"""

import math

import psycopg
from psycopg import conninfo, errors

from driftgate.policies.contract_messages import jsonable
from driftgate.policies.contracts import (
    Status,
    checker_report,
    checker_results,
    ends_contract,
    failed,
    judge,
    load_catalogue,
    not_evaluated,
    run_results,
)
from driftgate.policies.errors import DriftgateError

from .settings import scrub, secret_values

APPLICATION_NAME = "driftgate-verify"
MAX_ROWS = 10_000  # rows fetched per query: a contract lists violations, not tables


class DatabaseUnavailable(DriftgateError):
    """PostgreSQL cannot be reached or the DSN is unusable (the message holds no secret)."""


def connect(dsn, connect_timeout_s=5.0):
    """A psycopg connection whose every transaction is READ ONLY, or DatabaseUnavailable."""
    secrets = secret_values(dsn)
    try:
        info = conninfo.make_conninfo(
            dsn,
            connect_timeout=max(2, math.ceil(connect_timeout_s)),  # libpq's minimum is 2 s
            application_name=APPLICATION_NAME,
        )
    except psycopg.Error:
        # The parser's message quotes the DSN: say only that it is wrong.
        raise DatabaseUnavailable("the DSN is not a valid PostgreSQL connection string") from None
    connection = None
    try:
        connection = psycopg.connect(info, autocommit=True)
        _read_only_session(connection)
    except psycopg.Error as exc:
        if connection is not None:
            connection.close()
        reason = scrub(_first_line(exc), secrets)
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {reason}") from None
    connection.autocommit = False
    connection.read_only = True  # psycopg opens each transaction with BEGIN READ ONLY
    return connection


class ContractRun:
    """One gate run's contracts over one lazily opened connection.

    Requirements (e.g. active buyers present) run once, first; when one is not
    PASS, every contract is SKIP "not evaluated" and that requirement is the FAIL.
    """

    def __init__(self, catalogue, dsn, strict=False, buyer_filter=None):
        self.catalogue = catalogue
        self.strict = strict
        self.buyer_filter = buyer_filter
        self._dsn = dsn
        self._connection = None
        self._unreachable = None  # the first DatabaseUnavailable: later contracts fail fast
        self._requirements = None
        self.results = {}  # contract id -> ContractResult, in the order run

    def __repr__(self):  # never the DSN
        return f"ContractRun({len(self.catalogue.contracts)} contracts, strict={self.strict})"

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def requirement_results(self):
        if self._requirements is None:
            self._requirements = [self._run(c) for c in self.catalogue.requires]
        return self._requirements

    def requirement(self, contract_id):
        return next(r for r in self.requirement_results() if r.contract_id == contract_id)

    def verdict(self, contract_id):
        """The verdict on a requirement or a contract, by id."""
        if any(c.id == contract_id for c in self.catalogue.requires):
            return self.requirement(contract_id)
        return self.result(contract_id)

    def result(self, contract_id):
        """The verdict on one contract of the catalogue (run once, then remembered)."""
        if contract_id not in self.results:
            contract = next(c for c in self.catalogue.contracts if c.id == contract_id)
            blocking = [r for r in self.requirement_results() if r.status != Status.PASS]
            if blocking:
                self.results[contract_id] = not_evaluated(contract, blocking[0])
            else:
                self.results[contract_id] = self._run(contract)
        return self.results[contract_id]

    def run_all(self):
        """The real checker's results: every contract, or the requirement that failed."""
        contract_results = [self.result(c.id) for c in self.catalogue.contracts]
        return run_results(self.requirement_results(), contract_results)

    def _run(self, contract):
        if self._unreachable is not None:
            raise self._unreachable
        if self._connection is None or self._connection.closed:
            try:
                self._connection = connect(self._dsn, self.catalogue.connect_timeout_s)
            except DatabaseUnavailable as exc:
                self._unreachable = exc
                raise
        return run_contract(
            self._connection,
            contract,
            self.catalogue.params_for(contract, self.buyer_filter),
            self.catalogue.statement_timeout_ms,
            self.strict,
            secret_values(self._dsn),
        )


def checker_artifact(records, settings, timestamp):
    """The real checker's JSON from the contract dicts the gate's tests
    recorded (`record_property("contract", ...)`), for the gate's artifact.

    `settings` is the run's GateSettings; `timestamp` an aware datetime.
    """
    return checker_report(
        checker_results(records),
        days=load_catalogue(settings.pack).days,
        strict=settings.strict,
        buyer_filter=None,
        timestamp=timestamp,
    )


def run_contract(connection, contract, params, statement_timeout_ms, strict=False, secrets=()):
    """Run one contract's queries in a READ ONLY transaction, roll back, judge the rows."""
    answers = []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %(ms)s, true),"
                " set_config('TimeZone', 'UTC', true),"
                " current_setting('transaction_read_only')",
                {"ms": f"{int(statement_timeout_ms)}ms"},
            )
            if cursor.fetchone()[2] != "on":  # fail closed: never run pack SQL writable
                return failed(contract, "the transaction is not READ ONLY; contract not run")
            for query in contract.queries:
                # A prepared statement holds exactly one command: the server refuses
                # "SELECT 1; COMMIT; ..." that would end the READ ONLY transaction.
                # Params always a dict (even empty), so %% always means one %.
                values = {name: params.get(name) for name in query.params}
                cursor.execute(query.sql, values, prepare=True)
                rows = _rows(cursor)
                answers.append(rows)
                if ends_contract(query, rows):
                    break
    except psycopg.Error as exc:
        return failed(contract, scrub(_database_error(exc, statement_timeout_ms), secrets))
    finally:
        _roll_back(connection)
        _release_session_state(connection)
    return judge(contract, answers, params, strict)


def _rows(cursor):
    if cursor.description is None:
        return []
    names = [column.name for column in cursor.description]
    return [
        {name: jsonable(value) for name, value in zip(names, row, strict=True)}
        for row in cursor.fetchmany(MAX_ROWS)
    ]


def _database_error(exc, statement_timeout_ms):
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return (
            "contract SQL tried to write; the READ ONLY transaction refused it and "
            f"nothing was written ({_first_line(exc)})"
        )
    if isinstance(exc, errors.QueryCanceled):
        return f"contract SQL timed out after {statement_timeout_ms} ms (statement_timeout)"
    if isinstance(exc, psycopg.OperationalError):
        return f"lost the database connection: {_first_line(exc)}"
    state = f" [{exc.sqlstate}]" if getattr(exc, "sqlstate", None) else ""
    return f"contract SQL failed{state}: {_first_line(exc)}"


def _roll_back(connection):
    try:
        if not connection.closed:
            connection.rollback()
    except psycopg.Error:
        connection.close()  # a broken connection: the next contract reconnects


def _read_only_session(connection):
    # Belt and braces: even a transaction psycopg did not open is read-only.
    connection.execute("SET SESSION default_transaction_read_only = on")


def _release_session_state(connection):
    """Undo what outlives a rollback: session advisory locks and session settings.

    Runs outside any transaction (autocommit), then makes the session read-only
    again (RESET ALL resets that too). A connection where this fails is closed:
    the next contract gets a fresh session.
    """
    if connection.closed:
        return
    try:
        connection.autocommit = True
        connection.execute("SELECT pg_advisory_unlock_all()")
        connection.execute("RESET ALL")
        _read_only_session(connection)
        connection.autocommit = False
    except psycopg.Error:
        connection.close()


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
