"""The gate's verdict and report: registered by the plugin only when the gate runs.

It collects one CheckResult per test (its outcome, message and recorded
properties), decides the verdict (`decide`: the contract bypass lives here
and nowhere else), sets pytest's exit status, and writes the outputs: the
console table, the JSON artifact, the GitHub step summary and annotations,
the Pushgateway push. Every output is scrubbed of the run's secrets.
"""

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import artifact, github, rollback
from .pushgateway import push_verdict
from .secrets import scrub

# not_checked: a check that could not be judged because another failed (its root
# cause); it fails the gate like any failure, reports just do not repeat the reason.
FAILED_OUTCOMES = ("failed", "error", "not_checked")
BYPASS_ARMED = (
    "ALLOW_CONTRACT_FAILURE=true is armed: a failing data contract would not fail this deploy."
    " Remove it when it is not needed."
)
BYPASSABLE_GROUP = "contracts"  # only failures of test_contracts.py; never health/SHA/host/API
# Recorded by a contract test that gave no verdict (no DSN, database unreachable):
# the bypass lets a failing contract through, never a contract that did not run.
NOT_EVALUATED = "contract_not_evaluated"


@dataclass(frozen=True)
class CheckResult:
    """One check of the gate, as reports name it."""

    id: str  # pytest node id, e.g. test_health.py::test_answers_expected_sha
    group: str  # health, promotion, host, contracts, api (from test_<group>.py)
    outcome: str  # passed | failed | error | skipped
    message: str = ""
    seconds: float = 0.0
    properties: tuple = ()  # (name, value) pairs the test recorded

    @property
    def failed(self):
        return self.outcome in FAILED_OUTCOMES


@dataclass(frozen=True)
class Verdict:
    passed: bool  # the deploy may succeed (possibly through the bypass)
    bypassed: bool  # contract failures were let through by ALLOW_CONTRACT_FAILURE
    failures: tuple = ()  # failed checks that decide the verdict
    bypassed_failures: tuple = field(default=())  # failed contract checks let through


def decide(results, allow_contract_failure):
    """The gate's verdict from its check results.

    Nothing run is no pass. With the bypass, failures of contract checks are
    let through, and only when every other check passed.

    >>> ok = CheckResult("test_health.py::test_reachable", "health", "passed")
    >>> fail = (("contract", {"contract_id": "C-ING-001", "status": "FAIL"}),)
    >>> bad = CheckResult("test_contracts.py::test_contract[C-ING-001]", "contracts", "failed",
    ...                   properties=fail)
    >>> decide([ok, bad], allow_contract_failure=True).bypassed
    True
    """
    results = tuple(results)
    failures = tuple(r for r in results if r.failed)
    if not results:
        return Verdict(passed=False, bypassed=False)
    if not failures:
        return Verdict(passed=True, bypassed=False)
    bypassable = tuple(r for r in failures if _bypassable(r))
    if allow_contract_failure and len(bypassable) == len(failures):
        return Verdict(passed=True, bypassed=True, bypassed_failures=bypassable)
    return Verdict(passed=False, bypassed=False, failures=failures)


def _bypassable(result):
    """A contract's own failing verdict; not a broken module (its collection error has
    no "::" test part), not a contract that could not be evaluated, no other group."""
    if result.group != BYPASSABLE_GROUP or "::" not in result.id:
        return False
    recorded = {name for name, _ in result.properties}
    return "contract" in recorded and NOT_EVALUATED not in recorded


class GateReport:
    """The pytest plugin object of one gate run (see plugin.pytest_configure)."""

    def __init__(self, config, settings):
        self.config, self.settings = config, settings
        self.secrets = settings.secrets()
        self.started = time.time()
        self.results = {}  # node id -> CheckResult, in run order
        self.verdict = None
        self.push_warning = None
        self.output_errors = []  # outputs that could not be written (stderr at the end)
        adoption = settings.adoption
        if adoption is not None and adoption.sha is None:  # --adopt found nothing to adopt
            from .adopt import ADOPTION_CHECK

            record = (("adoption", adoption.record()),)
            self._add(ADOPTION_CHECK, "failed", adoption.problem, adoption.seconds, record)

    # -- collecting ------------------------------------------------------
    def pytest_collectreport(self, report):
        if report.failed:
            self._add(report.nodeid, "error", _message(report), 0.0, ())

    def pytest_runtest_logreport(self, report):
        previous = self.results.get(report.nodeid)
        if report.when == "call" or report.outcome != "passed" or previous is None:
            outcome = report.outcome
            if report.when != "call" and report.failed:
                outcome = "error"  # a fixture (setup) or teardown broke
            if previous is not None and previous.failed and outcome in ("passed", "skipped"):
                return  # teardown passing does not undo a failure
            seconds = (previous.seconds if previous else 0.0) + report.duration
            props = tuple(report.user_properties) or (previous.properties if previous else ())
            self._add(report.nodeid, outcome, _message(report), seconds, props)

    def _add(self, nodeid, outcome, message, seconds, properties):
        group = Path(nodeid.split("::", 1)[0]).stem.removeprefix("test_")
        message = message or _contract_status(properties) or _success_unchecked(properties)
        if outcome == "failed" and any(name == "not_checked" for name, _ in properties):
            outcome = "not_checked"
        self.results[nodeid] = CheckResult(
            nodeid, group, outcome, self._clean(message), round(seconds, 3), tuple(properties)
        )

    def _clean(self, text):
        return scrub(text or "", self.secrets)

    # -- deciding and writing ---------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        results = list(self.results.values())
        self.verdict = decide(results, self.settings.allow_contract_failure)
        if int(exitstatus) in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR):
            return  # ^C or a config error: no verdict to report, pytest's exit code stands
        passed = self.verdict.passed
        session.exitstatus = pytest.ExitCode.OK if passed else pytest.ExitCode.TESTS_FAILED
        finished = time.time()
        document = artifact.build(self.settings, results, self.verdict, self.started, finished)
        document.update(rollback.fields(self.settings, artifact.health_record(results)))
        document = artifact.scrubbed(document, self.secrets)
        if self.settings.json_out:
            try:
                artifact.write_json(self.settings.json_out, document)
            except OSError as exc:
                # An artifact the workflow asked for and cannot get: fail closed.
                self.output_errors.append(f"cannot write --json-out: {_one_line(exc)}")
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_path:
            try:
                with open(summary_path, "a", encoding="utf-8") as out:
                    out.write(self._clean(github.markdown(document)))
            except OSError as exc:
                self.output_errors.append(f"cannot write GITHUB_STEP_SUMMARY: {_one_line(exc)}")
        output_path = os.environ.get("GITHUB_OUTPUT")
        if output_path:  # previous_sha and verdict, for a later step (the rollback)
            try:
                with open(output_path, "a", encoding="utf-8") as out:
                    out.write(rollback.github_output_lines(document))
            except OSError as exc:
                self.output_errors.append(f"cannot write GITHUB_OUTPUT: {_one_line(exc)}")
        if self.settings.pushgateway and self.settings.expected_sha is None:
            # A verdict is keyed by its SHA; a failed adoption read has none to stand behind.
            self.push_warning = "no verdict pushed: the adoption found no SHA to adopt"
        elif self.settings.pushgateway:
            self._push()

    def _push(self):
        settings, verdict = self.settings, self.verdict
        try:
            push_verdict(
                settings.pushgateway,
                settings.target.name,
                settings.expected_sha,
                verdict.passed,
                verdict.bypassed,
                kind=settings.kind,
                bypass_armed=settings.allow_contract_failure,
            )
        except Exception as exc:  # noqa: BLE001 - a failed push never changes the verdict
            self.push_warning = self._clean(f"push to Pushgateway failed: {_one_line(exc)}")

    def pytest_terminal_summary(self, terminalreporter):
        if self.verdict is None:
            return
        write = terminalreporter
        rows = list(self.results.values())
        write.write_sep("=", f"driftgate verify: {self._title()}", bold=True)
        for line in artifact.table(rows, width=160):
            write.write_line(self._clean(line))
        timing = artifact.time_to_verdict(artifact.poll_timings(rows))
        write.write_line(f"{timing}; total {time.time() - self.started:.2f} s")
        if self.settings.allow_contract_failure and not self.verdict.bypassed:
            write.write_line(BYPASS_ARMED, yellow=True)
        if self.verdict.bypassed:
            write.write_sep(
                "!", "CONTRACT FAILURES BYPASSED (ALLOW_CONTRACT_FAILURE=true)", red=True
            )
            for result in self.verdict.bypassed_failures:
                write.write_line(self._clean(f"  bypassed: {result.id}: {result.message}"))
            write.write_line("  The deploy passes with failing data contracts. Remove the bypass")
            write.write_line("  as soon as the failure is investigated.", yellow=True)
        if self.push_warning:
            sys.stderr.write(f"driftgate: warning: {self.push_warning}\n")
        for error in self.output_errors:
            sys.stderr.write(self._clean(f"driftgate: error: {error}\n"))
        if _in_github_actions():
            annotations = github.annotations(rows, self.verdict, self.push_warning, self._clean)
            for line in annotations:
                write.write_line(line)  # scrubbed before escaping, inside annotations()
        word = "PASSED" if self.verdict.passed else "FAILED"
        word += " (contract failures bypassed)" if self.verdict.bypassed else ""
        write.write_sep("=", f"gate {word}", green=self.verdict.passed, red=not self.verdict.passed)

    def _title(self):
        settings = self.settings
        if not settings.adopt:
            return settings.target.name
        sha = settings.expected_sha
        return f"{settings.target.name}, adoption of {sha[:12] if sha else 'nothing'}"

    def pytest_unconfigure(self, config):
        # pytest's own JUnit XML is written by now; scrub it as the second line of defence.
        xmlpath = getattr(config.option, "xmlpath", None)
        if xmlpath and Path(xmlpath).is_file() and self.secrets:
            path = Path(xmlpath)
            path.write_text(artifact.scrub_xml(path.read_text("utf-8"), self.secrets), "utf-8")


def _contract_status(properties):
    """A passing contract check that WARNed or was SKIPped says so: it is not a plain PASS."""
    record = dict(properties).get("contract")
    if isinstance(record, dict) and record.get("status") in ("WARN", "SKIP"):
        return f"{record['status']}: {record.get('message', '')}"
    return ""


def _success_unchecked(properties):
    """A passing API operation whose success response was never checked says so."""
    return str(dict(properties).get("success_response") or "")


def _in_github_actions():
    return os.environ.get("GITHUB_ACTIONS") == "true" or bool(os.environ.get("GITHUB_STEP_SUMMARY"))


def _message(report):
    """The one line a failure says: the assertion/fail message, never a traceback."""
    if report.passed:
        return ""
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr or "")
    return text.strip().removeprefix("Failed: ")


def _one_line(exc):
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text}"[:200]
