"""The contract run never writes, never hangs, never leaks the DSN: real PostgreSQL.

Pack SQL that writes is refused twice: at pack load (a parser) and, for
what a parser cannot see, by the READ ONLY transaction. Each test proves the
tables did not change.
"""

import socket
import threading
import time
from types import MappingProxyType

import pytest
from contracts_seeding import TABLES, server_dsn, with_search_path
from ports import free_port
from psycopg import sql

from driftgate.checks.contracts import ContractRun, DatabaseUnavailable, connect
from driftgate.policies.contract_pack import parse_catalogue
from driftgate.policies.contracts import Catalogue, Contract, Query, Status, load_catalogue
from driftgate.policies.errors import PackError
from driftgate.policies.pack import load_pack

CATALOGUE = load_catalogue(load_pack())


def table_checksums(connection):
    """Row count and an md5 of every row of every SPEC table, plus the serial sequences."""
    sums = {}
    for table in TABLES:
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            " FROM {} t"
        ).format(sql.Identifier(table))
        sums[table] = connection.execute(query).fetchone()
    sums["sequences"] = connection.execute(
        "SELECT string_agg(sequencename || '=' || coalesce(last_value, 0), ','"
        " ORDER BY sequencename) FROM pg_sequences WHERE schemaname = current_schema()"
    ).fetchone()
    sums["relations"] = connection.execute(
        "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
    ).fetchone()
    return sums


def hostile(sql_text, contract_id="C-EVIL-001"):
    """A contract built without the pack loader, so only the database stands guard."""
    query = Query(sql_text, (), if_rows=MappingProxyType({Status.FAIL: "{count} row(s)"}))
    return Catalogue(contracts=(Contract(contract_id, "hostile", (query,)),))


def run_one(catalogue, dsn, contract_id="C-EVIL-001"):
    run = ContractRun(catalogue, dsn)
    try:
        return run.result(contract_id)
    finally:
        run.close()


def test_a_full_run_writes_nothing(seed, gate_dsn, pg_admin):
    # Stale runs and a late refresh: the real checker marked the runs failed and
    # refreshed home_summaries itself. driftgate only reports them.
    seed.healthy().run(started_hours_ago=5, finished=False)
    seed.config(config_id="cfg2", billing_id="bill2", synced_hours_ago=48)
    before = table_checksums(pg_admin)
    for strict in (False, True):
        run = ContractRun(CATALOGUE, gate_dsn, strict=strict)
        statuses = {r.contract_id: r.status for r in run.run_all()}
        run.close()
        assert statuses["C-ING-001"] == "WARN" and statuses["C-PRE-002"] == "FAIL"
    assert table_checksums(pg_admin) == before


def test_every_transaction_is_read_only(gate_dsn):
    connection = connect(gate_dsn)
    try:
        state = connection.execute("SELECT current_setting('transaction_read_only')").fetchone()
        assert state == ("on",)
        connection.rollback()
        connection.read_only = None  # a plain BEGIN, as if the flag were forgotten
        state = connection.execute("SELECT current_setting('transaction_read_only')").fetchone()
        assert state == ("on",)  # is read-only: the session default says so
    finally:
        connection.close()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO buyer_seats VALUES ('evil', 'evil', true) RETURNING buyer_id",
        "UPDATE ingestion_runs SET status = 'failed' RETURNING run_id",
        "SELECT buyer_id FROM buyer_seats FOR UPDATE",
        "WITH gone AS (DELETE FROM buyer_seats RETURNING buyer_id) SELECT * FROM gone",
        "SELECT 1 AS one; DELETE FROM buyer_seats",
        "SELECT 1 AS one; COMMIT; SET default_transaction_read_only = off; DELETE FROM buyer_seats",
        "SELECT nextval('rtb_daily_id_seq') AS id",
    ],
    ids=[
        "insert",
        "update",
        "select-for-update",
        "cte-delete",
        "two-statements",
        "commit-then-write",
        "nextval",
    ],
)
def test_sql_that_writes_fails_clearly_and_writes_nothing(seed, gate_dsn, pg_admin, statement):
    seed.healthy()
    before = table_checksums(pg_admin)
    result = run_one(hostile(statement), gate_dsn)
    assert result.status == "FAIL"
    assert "refused" in result.message or "multiple commands" in result.message, result.message
    assert table_checksums(pg_admin) == before


def test_a_function_that_writes_passes_the_parser_but_not_the_database(seed, gate_dsn, pg_admin):
    seed.healthy()
    seed.execute(
        "CREATE OR REPLACE FUNCTION mark_runs_failed() RETURNS bigint LANGUAGE sql AS"
        " $$ UPDATE ingestion_runs SET status = 'failed' WHERE finished_at IS NULL;"
        " SELECT count(*) FROM ingestion_runs $$"
    )
    catalogue = parse_catalogue(
        {
            "catalogue": [
                {
                    "id": "C-EVIL-002",
                    "name": "sneaky",
                    "queries": [{"sql": "SELECT mark_runs_failed() AS n", "fail_if_empty": "none"}],
                }
            ]
        }
    )
    before = table_checksums(pg_admin)
    try:
        result = run_one(catalogue, gate_dsn, "C-EVIL-002")
    finally:
        seed.execute("DROP FUNCTION mark_runs_failed()")
    assert result.status == "FAIL"
    assert result.message.startswith("contract SQL tried to write; the READ ONLY transaction")
    assert "nothing was written" in result.message
    assert table_checksums(pg_admin) == before


def test_a_pack_whose_sql_inserts_is_refused_at_load_with_its_line(tmp_path):
    pack = load_pack().source
    text = open(pack, encoding="utf-8").read()
    hostile_text = text.replace(
        "SELECT 1 AS logged FROM ingestion_runs LIMIT 1",
        "INSERT INTO ingestion_runs (run_id, started_at) VALUES (gen_random_uuid(), now())",
    )
    assert hostile_text != text
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile_text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    line = next(i for i, row in enumerate(hostile_text.splitlines(), 1) if "INSERT INTO" in row)
    assert caught.value.line == line
    assert "contracts.catalogue.0.queries.0.sql: INSERT statement; only SELECT" in str(caught.value)


def test_a_pack_calling_a_side_effect_function_is_refused_at_load_with_its_line(tmp_path):
    text = open(load_pack().source, encoding="utf-8").read()
    hostile_text = text.replace(
        "sql: SELECT 1 AS logged FROM ingestion_runs LIMIT 1",
        "sql: |\n            SELECT 1 AS logged FROM ingestion_runs\n"
        "            WHERE pg_advisory_lock(7) IS NOT NULL",
    )
    assert hostile_text != text
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile_text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    line = next(i for i, row in enumerate(hostile_text.splitlines(), 1) if "pg_advisory" in row)
    assert caught.value.line == line
    assert str(path) in str(caught.value)
    assert "contracts.catalogue.0.queries.0.sql: calls pg_advisory_lock()" in str(caught.value)


ADVISORY_KEY = 74_211


def advisory_locks_held(admin):
    return admin.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
        (ADVISORY_KEY,),
    ).fetchone()[0]


def test_no_lock_or_setting_of_a_contract_survives_it(gate_dsn, pg_admin):
    # Built without the pack loader (which refuses these calls): the run itself must
    # release what a rollback keeps, while its connection stays open for the next contract.
    take_lock = Query(
        f"SELECT pg_advisory_lock({ADVISORY_KEY}), set_config('work_mem', '7MB', false)",
        (),
        if_rows=MappingProxyType({Status.WARN: "{count} row(s)"}),
    )
    look = Query(
        "SELECT current_setting('work_mem') AS work_mem,"
        " current_setting('default_transaction_read_only') AS read_only",
        (),
        if_rows=MappingProxyType({Status.WARN: "{rows}"}),
    )
    catalogue = Catalogue(
        contracts=(
            Contract("C-LOCK-001", "lock", (take_lock,)),
            Contract("C-LOOK-001", "look", (look,)),
        )
    )
    pg_admin.rollback()
    run = ContractRun(catalogue, gate_dsn)
    try:
        assert run.result("C-LOCK-001").status == Status.WARN  # the lock was really taken
        assert advisory_locks_held(pg_admin) == 0
        pg_admin.rollback()
        seen = run.result("C-LOOK-001").details["findings"][0]["rows"][0]
        assert seen["work_mem"] != "7MB" and seen["read_only"] == "on"
    finally:
        run.close()


def test_statement_timeout_fails_cleanly_and_the_run_goes_on(seed, gate_dsn):
    seed.healthy()
    sleepy = hostile("SELECT pg_sleep(5) AS slept")
    catalogue = Catalogue(
        contracts=sleepy.contracts + CATALOGUE.contracts,
        defaults=CATALOGUE.defaults,
        statement_timeout_ms=200,
    )
    run = ContractRun(catalogue, gate_dsn)
    started = time.monotonic()
    result = run.result("C-EVIL-001")
    elapsed = time.monotonic() - started
    assert (result.status, result.message) == (
        "FAIL",
        "contract SQL timed out after 200 ms (statement_timeout)",
    )
    assert elapsed < 4.0  # the 200 ms statement_timeout, not the 5 s pg_sleep
    assert run.result("C-KEY-001").status == "PASS"  # same connection, still usable
    run.close()


def test_a_refused_connection_is_a_clear_failure_without_the_password():
    dsn = f"postgresql://gate:hunter2-secret@127.0.0.1:{free_port()}/catscan"
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as caught:
        ContractRun(CATALOGUE, dsn).result("C-KEY-001")
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message.startswith("cannot connect to PostgreSQL: ")
    assert "hunter2-secret" not in message and "hunter2-secret" not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_server_that_never_answers_times_out(monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    accepted = []
    stop = threading.Event()

    def accept_and_stay_silent():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    catalogue = Catalogue(contracts=CATALOGUE.contracts, connect_timeout_s=2)
    run = ContractRun(catalogue, f"postgresql://gate:pw-canary@127.0.0.1:{port}/x")
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailable, match="cannot connect to PostgreSQL"):
            run.result("C-KEY-001")
        first = time.monotonic() - started
        connections = len(accepted)
        for contract in CATALOGUE.contracts[1:]:  # the others fail at once, no wait each
            with pytest.raises(DatabaseUnavailable, match="cannot connect to PostgreSQL"):
                run.result(contract.id)
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()
    assert 1.5 < first < 8  # libpq's connect_timeout (2 s): a clear failure, not a hang
    assert len(accepted) == connections  # the others fail without connecting again


@pytest.mark.parametrize(
    "dsn",
    ["host=127.0.0.1 password=hunter2-secret junk", "postgresql://u:hunter2-secret@h:port/x y"],
)
def test_a_malformed_dsn_is_named_not_quoted(dsn):
    with pytest.raises(DatabaseUnavailable) as caught:
        connect(dsn)
    assert str(caught.value) == "the DSN is not a valid PostgreSQL connection string"


def test_wrong_password_message_keeps_the_password_out(pg_schema):
    # Trust auth ignores passwords, so name a database that does not exist instead:
    # the server's error must still come back without the DSN's secret.
    dsn = with_search_path(server_dsn(), pg_schema).replace(
        "dbname=", "password=pw-canary-77 dbname=no_such_db_"
    )
    with pytest.raises(DatabaseUnavailable) as caught:
        connect(dsn)
    assert "no_such_db_" in str(caught.value) and "pw-canary-77" not in str(caught.value)
