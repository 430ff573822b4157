"""Real PostgreSQL for the contract tests: the SPEC tables in a fresh schema per session.

The server comes from DRIFTGATE_TEST_DSN (default postgresql://postgres@127.0.0.1:5432/test).
When it cannot be reached the tests FAIL with a clear message (never skip, never hang).
The gate's connections get `search_path` through the DSN's `options`, as a
deploy would point them at its schema.
"""

import pytest
from contracts_seeding import (
    TABLES,
    Seed,
    connect_admin,
    server_dsn,
    spec_schema,
    with_search_path,
)
from psycopg import sql


@pytest.fixture(scope="session")
def pg_admin():
    """An autocommit connection to the test server, or a FAIL that says how to get one."""
    connection = connect_admin()
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def pg_schema(pg_admin):
    """A fresh schema with the SPEC tables, dropped at the end of the session."""
    with spec_schema(pg_admin, "dg_contracts") as name:
        yield name


@pytest.fixture(scope="session")
def gate_dsn(pg_schema):
    """What the gate is given: the test server, with the schema on its search_path."""
    return with_search_path(server_dsn(), pg_schema)


@pytest.fixture
def seed(pg_admin, pg_schema):
    """Empty SPEC tables and a builder for this test's data (see contracts_seeding.py)."""
    pg_admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_schema)))
    pg_admin.execute(
        sql.SQL("TRUNCATE {} RESTART IDENTITY").format(
            sql.SQL(", ").join(sql.Identifier(t) for t in TABLES)
        )
    )
    return Seed(pg_admin)
