"""The shipped Prometheus rules: promtool check (with lint) and promtool unit tests, for real."""

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from driftgate.monitor.rules import RULES_FILE, RULES_TEST_FILE

DOCS = Path(__file__).parents[2] / "docs" / "monitor.md"
EXPECTED_ALERTS = {
    "DriftgateTargetDown",
    "DriftgateTargetUnhealthy",
    "DriftgatePayloadInvalid",
    "DriftgateUnpromotedSha",
    "DriftgatePromotionStalled",
    "DriftgateOutOfBandDeploy",
    "DriftgateDeployFlapping",
    "DriftgateContractBypassInUse",
    "DriftgateRolledBack",
    "DriftgateExporterDown",
    "DriftgateDataAbsent",
    "DriftgateTargetNotProbed",
    "DriftgateTargetStale",
}


def run(promtool, *args, cwd=None):
    done = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=120, cwd=cwd)
    return done.returncode, done.stdout + done.stderr


def alerts():
    rules = yaml.safe_load(RULES_FILE.read_text())
    return [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]


def test_promtool_check_rules_with_lint(promtool):
    code, output = run(promtool, "check", "rules", "--lint=all", "--lint-fatal", str(RULES_FILE))
    assert code == 0, output
    assert "SUCCESS: 17 rules found" in output


def test_promtool_unit_tests_pass(promtool):
    code, output = run(promtool, "test", "rules", str(RULES_TEST_FILE))
    assert code == 0, output
    assert "SUCCESS" in output


def test_unit_tests_catch_wrong_durations(promtool, tmp_path):
    # The unit tests must pin the timing: with every `for:` shortened they fail.
    shutil.copy(RULES_TEST_FILE, tmp_path)
    mutated = re.sub(r"for: \w+", "for: 1m", RULES_FILE.read_text())
    (tmp_path / RULES_FILE.name).write_text(mutated)
    code, output = run(promtool, "test", "rules", RULES_TEST_FILE.name, cwd=tmp_path)
    assert code != 0
    for alert in ("DriftgateTargetDown", "DriftgateOutOfBandDeploy", "DriftgatePromotionStalled"):
        assert f"alertname: {alert}" in output


def test_every_alert_is_documented_and_tested_both_ways():
    tests = yaml.safe_load(RULES_TEST_FILE.read_text())["tests"]
    cases = [case for test in tests for case in test.get("alert_rule_test", [])]
    docs = DOCS.read_text()
    assert {rule["alert"] for rule in alerts()} == EXPECTED_ALERTS
    for rule in alerts():
        name = rule["alert"]
        annotations = rule["annotations"]
        assert {"summary", "description", "runbook_url"} <= set(annotations), name
        anchor = annotations["runbook_url"].rpartition("#")[2]
        assert anchor == name.lower()
        assert f"### {name}\n" in docs, f"docs/monitor.md has no runbook section for {name}"
        mine = [case for case in cases if case["alertname"] == name]
        assert any(case["exp_alerts"] for case in mine), f"no scenario where {name} fires"
        assert any(not case["exp_alerts"] for case in mine), f"no scenario where {name} is quiet"
