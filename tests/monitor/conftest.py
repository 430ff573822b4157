"""Fixtures for the exporter tests: reference targets and the Prometheus binaries on loopback."""

import threading

import pytest
from monitor_helpers import PROMTOOL, SHA_A, require_binary
from ports import free_port

from driftgate.monitor.server import Exporter, serve
from driftgate.reference_target import ReferenceTarget


@pytest.fixture
def promtool():
    return require_binary(PROMTOOL, "prometheus")


@pytest.fixture
def reference_targets():
    """A factory of started ReferenceTargets, all stopped at teardown."""
    started = []

    def start(sha=SHA_A, **kwargs):
        target = ReferenceTarget(sha=sha, **kwargs).start()
        started.append(target)
        return target

    yield start
    for target in started:
        target.stop()


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    return free_port()


@pytest.fixture
def running_exporter():
    """start(config, mode) -> (exporter, base URL) on a free loopback port; stopped at teardown."""
    running = []

    def start(config, mode="poll"):
        exporter = Exporter(config, mode=mode).start()
        server = serve(exporter, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        running.append((exporter, server))
        return exporter, f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for exporter, server in running:
        try:
            server.shutdown()
            server.server_close()
        finally:  # a failed shutdown must not leave the poller probing past the test
            exporter.stop()
