"""The contracts group of the gate suite end to end: pytest with the plugin, real PostgreSQL.

Each run is a separate pytest process (as `driftgate verify` runs it), reading
its DSN from the environment; the JUnit file says what each test did.
"""

import ast
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from ports import free_port

from driftgate.checks.contracts import checker_artifact
from driftgate.checks.settings import resolve_settings
from driftgate.checks.suite import SUITE_DIR
from driftgate.policies.contracts import checker_results

SHA = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
CANARY = "canary-pw-5150"


def gate(tmp_path, dsn, *options, dsn_env="DRIFTGATE_DSN"):
    """Run the contracts group; (exit code, output, {test id: (outcome, recorded contract)})."""
    junit = tmp_path / "junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTGATE_", "GITHUB_"))}
    env.pop("ALLOW_CONTRACT_FAILURE", None)
    if dsn is not None:
        env[dsn_env] = dsn
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        str(SUITE_DIR / "test_contracts.py"),
        "--dg-target",
        "production",
        "--dg-expected-sha",
        SHA,
        f"--junitxml={junit}",
        "-rA",
        *options,
    ]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    output = done.stdout + done.stderr
    cases = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome = "failed" if case.find("failure") is not None else "passed"
        if case.find("error") is not None:
            outcome = "error"
        recorded = {p.get("name"): p.get("value") for p in case.iter("property")}
        contract = ast.literal_eval(recorded["contract"]) if "contract" in recorded else None
        test_id = case.get("name").removeprefix("test_contract[").removesuffix("]")
        cases[test_id] = (outcome, contract)
    return done.returncode, output + junit.read_text(), cases


def with_canary(dsn):
    return f"{dsn} password={CANARY}"  # trust auth ignores it; no output may show it


def test_a_healthy_database_passes_with_one_test_per_contract(seed, gate_dsn, tmp_path):
    seed.healthy()
    code, output, cases = gate(tmp_path, with_canary(gate_dsn))
    assert code == 0, output
    assert list(cases) == [
        "active-buyers",
        "C-ING-001",
        "C-ING-002",
        "C-EPT-001",
        "C-PRE-002",
        "C-PRE-003",
        "C-DAT-001",
        "C-DAT-002",
        "C-KEY-001",
        "C-KEY-002",
        "C-KEY-003",
    ]
    assert {outcome for outcome, _ in cases.values()} == {"passed"}
    assert {c["status"] for _, c in cases.values()} == {"PASS"}
    assert CANARY not in output


def test_warn_passes_with_a_warning_and_fails_when_strict(seed, gate_dsn, tmp_path):
    seed.healthy().run(started_hours_ago=3, finished=False)
    code, output, cases = gate(tmp_path, gate_dsn)
    assert code == 0, output
    assert cases["C-ING-001"][0] == "passed" and cases["C-ING-001"][1]["status"] == "WARN"
    assert "ContractWarning: C-ING-001 ingestion runs logged: WARN: 1 run(s)" in output
    # The summary table says WARN, not a bare PASSED.
    (row,) = [
        line
        for line in output.splitlines()
        if "test_contracts.py::" in line and "[C-ING-001]" in line and "WARN:" in line
    ]
    assert "PASSED   WARN: 1 run(s)" in row
    assert "health not polled; total" in output  # only the contracts group ran
    code, output, cases = gate(tmp_path, gate_dsn, "--dg-strict")
    assert code == 1
    failed = [test_id for test_id, (outcome, _) in cases.items() if outcome != "passed"]
    assert failed == ["C-ING-001"]
    assert "(strict mode: WARN fails)" in output


def test_a_failing_contract_fails_its_test_only(seed, gate_dsn, tmp_path):
    seed.healthy().seat("b2", bidder_id="b9").imported(buyer_id="b2").rtb(buyer="b9")
    code, output, cases = gate(tmp_path, gate_dsn)
    assert code == 1
    failed = {
        test_id: c["message"] for test_id, (outcome, c) in cases.items() if outcome != "passed"
    }
    assert failed == {
        "C-KEY-001": "1 active seat(s) whose buyer_id is not the bidder_id: b2 (bidder_id=b9)"
    }


def test_no_active_buyers_is_one_failure_and_the_artifact_says_so(seed, gate_dsn, tmp_path):
    seed.healthy().execute("UPDATE buyer_seats SET active = false")
    code, output, cases = gate(tmp_path, gate_dsn)
    assert code == 1
    failed = [test_id for test_id, (outcome, _) in cases.items() if outcome != "passed"]
    assert failed == ["active-buyers"]
    statuses = {c["status"] for test_id, (_, c) in cases.items() if test_id != "active-buyers"}
    assert statuses == {"SKIP"}
    results = checker_results([contract for _, contract in cases.values()])
    assert [(r.contract_id, r.status.value, r.message) for r in results] == [
        ("active-buyers", "FAIL", "no active buyers")
    ]


def test_the_real_checkers_artifact_from_recorded_contracts(seed, gate_dsn, tmp_path):
    import datetime

    seed.healthy().execute("DELETE FROM rtb_endpoints")
    _, _, cases = gate(tmp_path, gate_dsn)
    records = [contract for _, contract in cases.values()]
    moment = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)
    settings = resolve_settings({"target": "production", "expected-sha": SHA}, environ={})
    report = checker_artifact(records, settings, moment)
    assert report["timestamp"] == "2026-11-28T12:00:00+00:00"
    assert (report["days"], report["strict"], report["buyer_filter"]) == (7, False, None)
    assert set(report) == {"timestamp", "days", "strict", "buyer_filter", "results", "summary"}
    assert report["summary"] == {"pass": 9, "warn": 1, "fail": 0}
    assert [r["contract_id"] for r in report["results"]][:2] == ["C-ING-001", "C-ING-002"]
    assert set(report["results"][0]) == {"contract_id", "name", "status", "message", "details"}


@pytest.mark.parametrize("dsn_env", ["DRIFTGATE_DSN", "CATSCAN_DB_DSN"])
def test_no_dsn_fails_every_contract_naming_the_option(tmp_path, dsn_env):
    options = ["--dg-dsn-env", dsn_env] if dsn_env != "DRIFTGATE_DSN" else []
    code, output, cases = gate(tmp_path, None, *options)
    assert code == 1
    assert len(cases) == 11 and {o for o, _ in cases.values()} == {"failed"}
    message = cases["C-KEY-001"][1]["message"]
    assert message.startswith(f"no database DSN: set {dsn_env} (the variable named by --dsn-env")
    assert "DRIFTGATE_DSN" in message


def test_an_unreachable_database_fails_fast_and_keeps_the_password_out(tmp_path):
    dsn = f"postgresql://gate:{CANARY}@127.0.0.1:{free_port()}/catscan"
    code, output, cases = gate(tmp_path, dsn)
    assert code == 1
    assert {o for o, _ in cases.values()} == {"failed"}
    assert cases["C-ING-001"][1]["message"].startswith("cannot connect to PostgreSQL")
    assert CANARY not in output
