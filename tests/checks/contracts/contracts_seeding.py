"""Data builders for the contract tests: times relative to the server's clock.

`Seed.healthy()` makes every contract PASS for one seat (b1); each test then
breaks exactly what its contract guards.
"""

import os
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import conninfo, sql

DEFAULT_TEST_DSN = "postgresql://postgres@127.0.0.1:5432/test"

# SPEC section 5, the columns that matter (PostgreSQL 15).
SCHEMA_DDL = """
CREATE TABLE buyer_seats (buyer_id text PRIMARY KEY, bidder_id text NOT NULL, active bool);
CREATE TABLE ingestion_runs (
  run_id uuid PRIMARY KEY, source_type text, buyer_id text,
  started_at timestamptz NOT NULL, finished_at timestamptz, status text, row_count bigint);
CREATE TABLE import_history (
  id serial PRIMARY KEY, batch_id text, filename text, imported_at timestamptz, buyer_id text);
CREATE TABLE rtb_endpoints (
  id serial PRIMARY KEY, bidder_id text, endpoint_id text, UNIQUE (bidder_id, endpoint_id));
CREATE TABLE rtb_endpoints_current (
  id serial PRIMARY KEY, bidder_id text, endpoint_id text, observed_at timestamp,
  UNIQUE (bidder_id, endpoint_id));
CREATE TABLE pretargeting_configs (
  id serial PRIMARY KEY, bidder_id text, config_id text, billing_id text, state text,
  synced_at timestamptz);
CREATE TABLE pretarg_daily (metric_date date, buyer_account_id text, billing_id text);
CREATE TABLE pretarg_publisher_daily (
  metric_date date, buyer_account_id text, billing_id text, publisher_id text);
CREATE TABLE rtb_daily (
  id serial PRIMARY KEY, metric_date date, buyer_account_id text, app_name text, app_id text,
  publisher_id text, creative_id text, country text, spend_micros bigint, source_report text,
  row_hash text UNIQUE);
CREATE TABLE precompute_refresh_log (cache_name text, refreshed_at timestamp);
"""
TABLES = (
    "buyer_seats",
    "ingestion_runs",
    "import_history",
    "rtb_endpoints",
    "rtb_endpoints_current",
    "pretargeting_configs",
    "pretarg_daily",
    "pretarg_publisher_daily",
    "rtb_daily",
    "precompute_refresh_log",
)


def server_dsn():
    return os.environ.get("DRIFTGATE_TEST_DSN") or DEFAULT_TEST_DSN


def connect_admin():
    """An autocommit connection to the test server, or a test FAIL that says how to get one.

    Never a skip (CI needs the database) and never a hang (3 s connect timeout).
    """
    try:
        return psycopg.connect(server_dsn(), connect_timeout=3, autocommit=True)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.fail(
            f"PostgreSQL for the tests is unreachable ({reason}); start it or set "
            f"DRIFTGATE_TEST_DSN (default {DEFAULT_TEST_DSN})",
            pytrace=False,
        )


@contextmanager
def spec_schema(admin, prefix):
    """A fresh schema with the SPEC tables, on `admin`'s search_path, dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(name)))
        admin.execute(SCHEMA_DDL)
        yield name
    finally:
        admin.execute("RESET search_path")
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def with_search_path(dsn, schema):
    """The DSN whose sessions see `schema` first (libpq `options=-csearch_path=...`)."""
    return conninfo.make_conninfo(dsn, options=f"-csearch_path={schema}")


class Seed:
    def __init__(self, connection):
        self.db = connection

    def _insert(self, statement, *params):
        self.db.execute(statement, params)
        return self

    def seat(self, buyer_id, bidder_id=None, active=True):
        return self._insert(
            "INSERT INTO buyer_seats VALUES (%s, %s, %s)", buyer_id, bidder_id or buyer_id, active
        )

    def run(self, started_hours_ago=2.0, finished=True, buyer_id="b1"):
        return self._insert(
            "INSERT INTO ingestion_runs (run_id, source_type, buyer_id, started_at, finished_at,"
            " status, row_count) VALUES (%s, 'csv', %s, now() - %s * interval '1 hour',"
            " CASE WHEN %s THEN now() - %s * interval '1 hour' + interval '5 minutes' END,"
            " CASE WHEN %s THEN 'success' ELSE 'running' END, 10)",
            uuid.uuid4(),
            buyer_id,
            started_hours_ago,
            finished,
            started_hours_ago,
            finished,
        )

    def imported(self, hours_ago=1.0, buyer_id="b1", filename="report.csv"):
        return self._insert(
            "INSERT INTO import_history (batch_id, filename, imported_at, buyer_id)"
            " VALUES ('batch', %s, now() - %s * interval '1 hour', %s)",
            filename,
            hours_ago,
            buyer_id,
        )

    def endpoint(self, bidder_id="b1", endpoint_id="e1", observed_hours_ago=1.0):
        """An endpoint and, unless observed_hours_ago is None, its current observation (UTC)."""
        self._insert(
            "INSERT INTO rtb_endpoints (bidder_id, endpoint_id) VALUES (%s, %s)",
            bidder_id,
            endpoint_id,
        )
        if observed_hours_ago is not None:
            self._insert(
                "INSERT INTO rtb_endpoints_current (bidder_id, endpoint_id, observed_at)"
                " VALUES (%s, %s, (now() AT TIME ZONE 'UTC') - %s * interval '1 hour')",
                bidder_id,
                endpoint_id,
                observed_hours_ago,
            )
        return self

    def config(
        self,
        config_id="cfg1",
        billing_id="bill1",
        bidder_id="b1",
        state="ACTIVE",
        synced_hours_ago=240.0,
    ):
        return self._insert(
            "INSERT INTO pretargeting_configs (bidder_id, config_id, billing_id, state, synced_at)"
            " VALUES (%s, %s, %s, %s, now() - %s * interval '1 hour')",
            bidder_id,
            config_id,
            billing_id,
            state,
            synced_hours_ago,
        )

    def refreshed(self, hours_ago=1.0, cache_name="home_summaries"):
        return self._insert(
            "INSERT INTO precompute_refresh_log"
            " VALUES (%s, (now() AT TIME ZONE 'UTC') - %s * interval '1 hour')",
            cache_name,
            hours_ago,
        )

    def pretarg(self, days_ago=1, billing_id="bill1", buyer="b1", rows=1):
        for _ in range(rows):
            self._insert(
                "INSERT INTO pretarg_daily VALUES (current_date - %s, %s, %s)",
                days_ago,
                buyer,
                billing_id,
            )
        return self

    def publisher(self, days_ago=1, billing_id="bill1", buyer="b1", publisher_id="pub1"):
        return self._insert(
            "INSERT INTO pretarg_publisher_daily VALUES (current_date - %s, %s, %s, %s)",
            days_ago,
            buyer,
            billing_id,
            publisher_id,
        )

    def rtb(self, days_ago=1, buyer="b1", report="r1", **columns):
        values = {
            "app_name": "app",
            "app_id": "com.app",
            "publisher_id": "pub1",
            "creative_id": "cr1",
            "country": "SG",
            "spend_micros": 1000,
        }
        values.update(columns)
        return self._insert(
            "INSERT INTO rtb_daily (metric_date, buyer_account_id, app_name, app_id, publisher_id,"
            " creative_id, country, spend_micros, source_report, row_hash)"
            " VALUES (current_date - %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            days_ago,
            buyer,
            *values.values(),
            report,
            uuid.uuid4().hex,
        )

    def healthy(self, buyer="b1"):
        """One active seat for which every contract of the Cat-Scan pack PASSes."""
        self.seat(buyer).run(buyer_id=buyer).imported(buyer_id=buyer)
        self.endpoint(bidder_id=buyer)
        self.config(bidder_id=buyer).refreshed().pretarg(buyer=buyer).publisher(buyer=buyer)
        self.rtb(days_ago=1, buyer=buyer).rtb(days_ago=8, buyer=buyer)
        return self

    def execute(self, statement, *params):
        """Anything else a test needs (deletes, updates) on the test schema."""
        return self._insert(statement, *params)
