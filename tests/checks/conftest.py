"""Shared parts of the gate tests: reference targets on loopback and an in-process verify.

`driftgate verify` runs in this process (cli.main): pytest's own startup with
every plugin of the venv costs seconds per subprocess; the few tests that need
a real process (the console canary) start one.
"""

import pytest
from gate_helpers import NEW_SHA

from driftgate.cli import main as cli_main
from driftgate.reference_target import ReferenceTarget

# Environment a CI runner might set that would change a gate run under test.
GATE_ENV = (
    "DRIFTGATE_PACK",
    "DRIFTGATE_TARGET",
    "DRIFTGATE_EXPECTED_SHA",
    "GITHUB_SHA",
    "DRIFTGATE_BASE_URL",
    "DRIFTGATE_DEADLINE",
    "DRIFTGATE_POLL_INTERVAL",
    "DRIFTGATE_HOST",
    "DRIFTGATE_SSH_CONFIG",
    "DRIFTGATE_SSH_IDENTITY",
    "DRIFTGATE_DSN",
    "DRIFTGATE_API_TOKEN",
    "DRIFTGATE_STRICT",
    "ALLOW_CONTRACT_FAILURE",
    "DRIFTGATE_GROUPS",
    "DRIFTGATE_PUSHGATEWAY",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
)


@pytest.fixture
def clean_gate_env(monkeypatch):
    """No gate setting from the runner's environment (not autouse: host/ and contracts/
    tests below this directory are others' and keep their environment)."""
    for name in GATE_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def production():
    """The production target, already answering the new SHA."""
    with ReferenceTarget(sha=NEW_SHA, slow_seconds=5.0) as target:
        yield target


@pytest.fixture
def staging():
    """The staging target (production's promotion source), answering the new SHA."""
    with ReferenceTarget(sha=NEW_SHA) as target:
        yield target


@pytest.fixture
def verify(capsys, clean_gate_env):
    """Run `driftgate verify ARGS` in this process: (exit code, stdout, stderr)."""

    def run(*args):
        code = cli_main(["verify", *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def contract_schema():
    """A fresh PostgreSQL schema with the SPEC tables, empty: the contracts FAIL on it.

    The tables come from the contract tests' own builder (tests/checks/contracts).
    """
    import os
    import sys
    import uuid
    from pathlib import Path

    import psycopg
    from psycopg import sql

    sys.path.insert(0, str(Path(__file__).parent / "contracts"))
    from contracts_seeding import SCHEMA_DDL

    dsn = os.environ.get("DRIFTGATE_TEST_DSN") or "postgresql://postgres@127.0.0.1:5432/test"
    try:
        admin = psycopg.connect(dsn, connect_timeout=3, autocommit=True)
    except psycopg.Error as exc:
        pytest.fail(
            f"PostgreSQL is unreachable ({str(exc).strip()[:120]}); start it or set "
            "DRIFTGATE_TEST_DSN (default postgresql://postgres@127.0.0.1:5432/test)",
            pytrace=False,
        )
    name = f"dg_gate_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(name)))
        admin.execute(SCHEMA_DDL)
        yield dsn, name
    finally:
        admin.execute("RESET search_path")
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
        admin.close()
