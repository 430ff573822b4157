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
    "DRIFTGATE_PROBE_TIMEOUT",
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
    "GITHUB_OUTPUT",
    "DRIFTGATE_PROMETHEUS",
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
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent / "contracts"))
    from contracts_seeding import connect_admin, server_dsn, spec_schema

    admin = connect_admin()
    try:
        with spec_schema(admin, "dg_gate") as name:
            yield server_dsn(), name
    finally:
        admin.close()


@pytest.fixture
def runner(tmp_path, monkeypatch):
    """GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, as a runner gives them."""
    output, summary = tmp_path / "github-output", tmp_path / "step-summary.md"
    output.touch()
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return output, summary


@pytest.fixture
def gateway(tmp_path):
    """A real Pushgateway on loopback (records_helpers.Daemons), stopped afterwards."""
    from records_helpers import Daemons

    daemons = Daemons(tmp_path)
    try:
        yield daemons.pushgateway()
    finally:
        daemons.stop()
