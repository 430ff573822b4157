"""Run the gate's host group (driftgate.checks.suite/test_host.py) in-process, collect outcomes."""

import os

import pytest

from driftgate.checks.suite import SUITE_DIR


class Outcome:
    def __init__(self, report):
        self.outcome = report.outcome
        self.message = str(report.longrepr or "")
        self.properties = dict(report.user_properties)


class Collector:
    """Outcome per test id (`test_container_running[catscan-api]`, ...)."""

    def __init__(self):
        self.outcomes = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            self.outcomes.setdefault(report.nodeid.split("::", 1)[1], Outcome(report))


def run_host_gate(test_host, host_spec, rootdir, *extra):
    """Outcomes of the host group against `test_host` (expected SHA = its deployed commit)."""
    collector = Collector()
    args = [
        str(SUITE_DIR / "test_host.py"),
        "-p",
        "no:cacheprovider",
        "-q",
        "-c",
        os.devnull,  # as `driftgate verify` runs it: no project ini, importlib mode
        "--import-mode=importlib",
        "--rootdir",
        str(rootdir),
        "--dg-pack",
        str(test_host.pack_path),
        "--dg-target",
        "production",
        "--dg-expected-sha",
        test_host.expected_sha,
        "--dg-groups",
        "host",
    ]
    if host_spec:
        args += ["--dg-host", host_spec]
    pytest.main([*args, *extra], plugins=[collector])
    return collector.outcomes


def failed(outcomes):
    """Test id -> failure message, for the failed checks only."""
    return {name: o.message for name, o in outcomes.items() if o.outcome != "passed"}
