"""Contracts group: each data contract of the pack is one test.

The contracts run read-only (driftgate.checks.contracts) against the database
whose DSN is in the env var named by --dg-dsn-env (default DRIFTGATE_DSN);
the verdicts come from driftgate.policies.contracts. FAIL fails; WARN passes
with a warning, or fails in strict mode; SKIP passes and is recorded as SKIP.
The pack's requirements (e.g. active-buyers) come first, as tests of their own.
Each test records ("contract", {contract_id, name, status, message, details,
seconds, requirement}) for the report and the JSON artifact.
"""

import time
import warnings

import pytest

from driftgate.checks.contracts import ContractRun, DatabaseUnavailable
from driftgate.checks.plugin import SETTINGS_KEY
from driftgate.checks.report import NOT_EVALUATED
from driftgate.policies.contracts import Outcome, load_catalogue, outcome
from driftgate.policies.errors import DriftgateError

NO_DSN = (
    "no database DSN: set {env} (the variable named by --dsn-env, pytest: --dg-dsn-env; "
    "default DRIFTGATE_DSN) to the PostgreSQL DSN; unchecked contracts are no pass"
)


class ContractWarning(UserWarning):
    """A contract that WARNs: the gate passes unless strict."""


def pytest_generate_tests(metafunc):
    # One test per requirement and contract of the pack, so each has its own stable id.
    if "contract_id" not in metafunc.fixturenames:
        return
    settings = metafunc.config.stash.get(SETTINGS_KEY, None)
    ids = []
    if settings is not None:
        try:
            catalogue = load_catalogue(settings.pack)
            ids = [c.id for c in (*catalogue.requires, *catalogue.contracts)]
        except DriftgateError:
            pass  # the `contracts` fixture fails the one test with the reason
    metafunc.parametrize("contract_id", ids or [None], ids=ids or ["none"])


class Contracts:
    """The gate run's contracts, or why they cannot run (each test then fails with it)."""

    def __init__(self, run=None, error=None):
        self.run, self.error = run, error

    def name_of(self, contract_id):
        catalogue = self.run.catalogue if self.run else None
        everything = (*catalogue.requires, *catalogue.contracts) if catalogue else ()
        return next((c.name for c in everything if c.id == contract_id), "")

    def is_requirement(self, contract_id):
        return bool(self.run) and any(c.id == contract_id for c in self.run.catalogue.requires)


@pytest.fixture(scope="session")
def contracts(gate):
    """The contract run over gate.dsn (opened at the first contract), or the reason it cannot."""
    try:
        catalogue = load_catalogue(gate.pack)
    except DriftgateError as exc:
        yield Contracts(error=str(exc))
        return
    if not gate.dsn:
        yield Contracts(ContractRun(catalogue, None), error=NO_DSN.format(env=gate.dsn_env))
        return
    run = ContractRun(catalogue, gate.dsn, strict=gate.strict)
    yield Contracts(run)
    run.close()


def test_contract(contracts, contract_id, gate, record_property):
    """One contract (or requirement) of the pack: PASS/SKIP pass, WARN warns, FAIL fails."""
    record = {"contract_id": contract_id, "name": contracts.name_of(contract_id)}
    record["requirement"] = contracts.is_requirement(contract_id)
    started = time.perf_counter()
    error = contracts.error
    if error is None:
        try:
            result = contracts.run.verdict(contract_id)
        except DatabaseUnavailable as exc:
            error = str(exc)
    if error is not None:
        record.update(status="FAIL", message=error, details={"error": error})
        record_property("contract", record)
        record_property(NOT_EVALUATED, True)  # ALLOW_CONTRACT_FAILURE never covers this
        pytest.fail(f"{contract_id}: {error}", pytrace=False)
    record.update(result.as_dict(), seconds=round(time.perf_counter() - started, 3))
    record_property("contract", record)
    verdict = outcome(result, gate.strict)
    line = f"{result.contract_id} {result.name}: {result.status.value}: {result.message}"
    if verdict == Outcome.FAIL:
        strict = " (strict mode: WARN fails)" if result.status == "WARN" else ""
        pytest.fail(line + strict, pytrace=False)
    if verdict == Outcome.WARN:
        warnings.warn(ContractWarning(line), stacklevel=1)
