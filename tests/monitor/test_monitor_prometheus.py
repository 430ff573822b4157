"""End to end: a real Prometheus and Pushgateway join what runs with what the gate verified.

The exporter probes two reference targets on loopback; Prometheus scrapes it and a
Pushgateway; the shipped rules run with every `for:` shortened to a few seconds (their
real durations are proven by promtool). A verified deploy stays quiet, an out-of-band
SHA change raises DriftgateOutOfBandDeploy for that target only, and a failed gate for a
SHA that never got deployed does not erase the passing verdict of the SHA that runs
(verdicts are grouped by target and sha).
"""

import json
import re
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest
from monitor_helpers import PROMETHEUS, PUSHGATEWAY, SHA_A, SHA_B, require_binary
from ports import free_port

from driftgate.checks.pushgateway import push_verdict
from driftgate.monitor.config import build_config
from driftgate.monitor.rules import RULES_FILE
from driftgate.monitor.server import Exporter, serve

SHA_C = "ccccccc1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7"
SHA_D = "ddddddd1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7"
FOR = "4s"  # every rule's `for:`, shortened for the test


def wait_http(url, deadline):
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return response.read()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def daemons(tmp_path):
    """start(name, argv) -> Popen; every process is terminated (then killed) at teardown."""
    processes = []

    def start(argv):
        log = open(tmp_path / f"{len(processes)}.log", "w")  # noqa: SIM115 - closed at teardown
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        processes.append((process, log))
        return process

    yield start
    for process, log in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def exporter_url(reference_targets):
    staging, production = reference_targets(SHA_A), reference_targets(SHA_A)
    config = build_config(
        overrides={"staging": staging.url, "production": production.url}, interval=0.5, timeout=1
    )
    exporter = Exporter(config).start()
    server = serve(exporter, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", staging, production
    server.shutdown()
    server.server_close()
    exporter.stop()


def alerts(prometheus_port, name):
    url = f"http://127.0.0.1:{prometheus_port}/api/v1/alerts"
    with urllib.request.urlopen(url, timeout=5) as response:
        data = json.load(response)["data"]["alerts"]
    return [alert for alert in data if alert["labels"]["alertname"] == name]


def query(prometheus_port, expr):
    url = f"http://127.0.0.1:{prometheus_port}/api/v1/query?" + urllib.parse.urlencode(
        {"query": expr}
    )
    with urllib.request.urlopen(url, timeout=5) as response:
        return [item["metric"] for item in json.load(response)["data"]["result"]]


def test_out_of_band_deploy_alerts_and_verified_deploy_does_not(tmp_path, daemons, exporter_url):
    require_binary(PROMETHEUS, "prometheus")
    require_binary(PUSHGATEWAY, "prometheus-pushgateway")
    started = time.monotonic()
    exporter, staging, production = exporter_url
    gateway_port, prometheus_port = free_port(), free_port()
    gateway = f"http://127.0.0.1:{gateway_port}"
    daemons(
        [
            PUSHGATEWAY,
            f"--web.listen-address=127.0.0.1:{gateway_port}",
            # Its own state: Debian's build persists to /var/lib/prometheus by default.
            f"--persistence.file={tmp_path / 'pushgateway.data'}",
        ]
    )
    wait_http(gateway + "/-/ready", started + 15)

    # Both targets run SHA_A, verified by the gate.
    push_verdict(gateway, "staging", SHA_A, passed=True, bypassed=False)
    push_verdict(gateway, "production", SHA_A, passed=True, bypassed=False)

    rules = re.sub(r"for: \w+", f"for: {FOR}", RULES_FILE.read_text())
    (tmp_path / "driftgate.rules.yml").write_text(rules)
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "rule_files: [driftgate.rules.yml]\n"
        "scrape_configs:\n"
        f"  - job_name: driftgate\n    static_configs: [{{targets: ['{exporter}']}}]\n"
        "  - job_name: pushgateway\n    honor_labels: true\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{gateway_port}']}}]\n"
    )
    daemons(
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
        ]
    )
    wait_http(f"http://127.0.0.1:{prometheus_port}/-/ready", started + 20)

    # A verified deploy (staging -> SHA_B, the gate pushes its verdict) and an
    # out-of-band one (production -> SHA_C, nobody verifies it).
    staging.deploy(SHA_B)
    push_verdict(gateway, "staging", SHA_B, passed=True, bypassed=False)
    production.deploy(SHA_C)
    # A gate for SHA_D on staging fails and that deploy never happens: staging still runs
    # the verified SHA_B, whose verdict lives on in its own (target, sha) group.
    push_verdict(gateway, "staging", SHA_D, passed=False, bypassed=False)

    deadline = started + 45
    while time.monotonic() < deadline:
        firing = [
            a for a in alerts(prometheus_port, "DriftgateOutOfBandDeploy") if a["state"] == "firing"
        ]
        if firing:
            break
        time.sleep(0.5)
    else:
        pytest.fail("DriftgateOutOfBandDeploy never fired for the out-of-band deploy")
    assert [(a["labels"]["target"], a["labels"]["sha"]) for a in firing] == [
        ("production", SHA_C[:7])
    ]
    out_of_band = alerts(prometheus_port, "DriftgateOutOfBandDeploy")
    assert all(a["labels"]["target"] != "staging" for a in out_of_band)  # not even pending
    # ... and that is not for lack of data: Prometheus sees staging's verified SHA_B.
    running = query(prometheus_port, 'target_sha:driftgate_deployed_info:max{target="staging"}')
    assert [m["sha"] for m in running] == [SHA_B[:7]]
    verified = query(prometheus_port, 'driftgate_verify_passed{target="staging"} == 1')
    assert sorted(m["sha"] for m in verified) == [SHA_A[:7], SHA_B[:7]]  # every verified SHA
    failed = query(prometheus_port, 'driftgate_verify_passed{target="staging"} == 0')
    assert [m["sha"] for m in failed] == [SHA_D[:7]]
    # The same SHA_C never ran on staging: the promotion alert sees it too, for production only.
    unpromoted = alerts(prometheus_port, "DriftgateUnpromotedSha")
    assert [(a["labels"]["target"], a["labels"]["sha"]) for a in unpromoted] == [
        ("production", SHA_C[:7])
    ]

    # The way back: production is rolled back to SHA_A and the rollback's gate pushes its
    # verdict with kind="rollback". It is visible in Prometheus, DriftgateRolledBack
    # fires, and nothing is out of band any more.
    production.deploy(SHA_A)
    push_verdict(gateway, "production", SHA_A, True, False, kind="rollback")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rolled_back = [a for a in alerts(prometheus_port, "DriftgateRolledBack")]
        out_of_band = alerts(prometheus_port, "DriftgateOutOfBandDeploy")
        if rolled_back and not out_of_band:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"after the rollback: {rolled_back=} {out_of_band=}")
    assert [(a["labels"]["target"], a["labels"]["sha"], a["state"]) for a in rolled_back] == [
        ("production", SHA_A[:7], "firing")
    ]
    rollbacks = query(prometheus_port, 'driftgate_verify_passed{kind="rollback"} == 1')
    assert [(m["target"], m["sha"]) for m in rollbacks] == [("production", SHA_A[:7])]
