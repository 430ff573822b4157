"""The probe against hostile targets on loopback: bounded time and memory, failures as data."""

import socket
import threading
import time
import tracemalloc

import pytest
from monitor_helpers import SHA_A

from driftgate.monitor.probe import probe_health
from driftgate.policies.health import ProbeFailure
from driftgate.policies.pack import load_pack

TIMEOUT = 0.6
SCHEMA = load_pack().health_schema


@pytest.fixture
def canned_server():
    """A loopback server answering one connection with fixed bytes (no copy while sending)."""
    listeners = []

    def start(head, body, read_request=True):
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def answer():
            conn, _ = listener.accept()
            with conn:
                try:
                    # Read the request first: closing with it unread would reset the connection.
                    request = b"" if read_request else b"\r\n\r\n"
                    while b"\r\n\r\n" not in request:
                        request += conn.recv(4096) or b"\r\n\r\n"
                    conn.sendall(head)
                    conn.sendall(memoryview(body))
                except OSError:
                    pass  # the probe hung up at its cap, as it should

        threading.Thread(target=answer, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/health"

    yield start
    for listener in listeners:
        listener.close()


@pytest.mark.parametrize(
    ("mode", "failure"),
    [
        ("garbage", ProbeFailure.NOT_JSON),
        ("endless", ProbeFailure.TOO_LARGE),
        ("slow", ProbeFailure.TIMEOUT),
        ("slow-body", ProbeFailure.TIMEOUT),
        ("refused", ProbeFailure.REFUSED),
        ("redirect", ProbeFailure.REDIRECT),
        ("http-500", ProbeFailure.HTTP_STATUS),
        ("not-object", ProbeFailure.BAD_SHAPE),
    ],
)
def test_hostile_target_fails_in_bounded_time_and_memory(reference_targets, mode, failure):
    target = reference_targets(slow_seconds=3.0)
    target.set_mode(mode)
    tracemalloc.start()
    started = time.monotonic()
    result = probe_health(target.url + "/health", TIMEOUT, SCHEMA)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (result.success, result.failure, result.verdict) == (False, failure, None)
    assert elapsed < TIMEOUT * 4  # the deadline, not the 3 s answer (with room for load)
    assert peak < 4 * 1024 * 1024  # the 2 MiB and endless bodies are never held whole
    assert "\n" not in result.detail


def test_huge_body_is_abandoned_at_the_cap(canned_server):
    # The body is built before tracing starts, so the peak is the probe's own memory.
    body = b'{"pad": "' + b"x" * (64 * 1024 * 1024) + b'"}'
    url = canned_server(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body), body)
    tracemalloc.start()
    result = probe_health(url, 5.0, SCHEMA)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.failure == ProbeFailure.TOO_LARGE
    assert peak < 3 * 1024 * 1024  # MAX_BODY_BYTES + one read, never the 64 MiB


@pytest.mark.parametrize("framing", ["content-length", "until-close"])
def test_http_1_0_server_that_closes(canned_server, framing):
    body = b'{"status": "healthy", "git_sha": "94e9cbb0", "version": "sha-94e9cbb", '
    body += b'"database_exists": true}'
    head = b"HTTP/1.0 200 OK\r\nConnection: close\r\n"
    if framing == "content-length":
        head += b"Content-Length: %d\r\n" % len(body)
    url = canned_server(head + b"\r\n", body)
    result = probe_health(url, 2.0, SCHEMA)
    assert (result.success, result.detail) == (True, "")
    assert result.verdict.passed


def test_https_to_a_plain_http_server_is_a_tls_failure(canned_server):
    # The server answers plain HTTP to the TLS client hello (it never sends "\r\n\r\n").
    url = canned_server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", b"{}", False)
    result = probe_health(url.replace("http://", "https://"), 2.0, SCHEMA)
    assert (result.success, result.failure) == (False, ProbeFailure.TLS)


def test_redirect_is_not_followed(reference_targets):
    target = reference_targets()
    target.set_mode("redirect")
    result = probe_health(target.url + "/health", TIMEOUT, SCHEMA)
    assert result.failure == ProbeFailure.REDIRECT
    assert target.requests == [("GET", "/health")]  # one request, nothing sent to 203.0.113.7


def test_closed_port_is_refused(closed_port):
    result = probe_health(f"http://127.0.0.1:{closed_port}/health", TIMEOUT, SCHEMA)
    assert (result.success, result.failure) == (False, ProbeFailure.REFUSED)


def test_hanging_resolver_is_cut_off_at_the_deadline_without_piling_up_threads(monkeypatch):
    from driftgate.monitor import probe

    release = threading.Event()
    calls = []

    def hanging_dns(*args, **kwargs):
        calls.append(args[0])
        release.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "resolver gave up")

    monkeypatch.setattr("socket.getaddrinfo", hanging_dns)
    before = threading.active_count()
    try:
        started = time.monotonic()
        results = [
            probe_health("http://hangs.example/health", 0.2, SCHEMA)
            for _ in range(probe.MAX_RESOLVERS + 5)
        ]
        elapsed = time.monotonic() - started
        # Each probe ends at its own deadline (or at once when every resolver slot is
        # taken): the timeout covers name resolution, reported as `timeout`.
        assert all(r.failure == ProbeFailure.TIMEOUT for r in results)
        assert all(r.duration_seconds < 0.2 * 5 for r in results)  # not the 30 s hang
        assert elapsed < (probe.MAX_RESOLVERS + 5) * 0.2 * 5
        # Abandoned resolutions are bounded: never more than MAX_RESOLVERS threads.
        assert len(calls) == probe.MAX_RESOLVERS
        assert threading.active_count() - before <= probe.MAX_RESOLVERS
    finally:
        release.set()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    # The slots come back once the resolver answers: the next probe asks again.
    monkeypatch.setattr(
        "socket.getaddrinfo",
        lambda *a, **k: (_ for _ in ()).throw(socket.gaierror(socket.EAI_NONAME, "no such name")),
    )
    result = probe_health("http://gone.example/health", 0.5, SCHEMA)
    assert (result.failure, result.detail) == (ProbeFailure.REFUSED, "host name does not resolve")


def test_name_under_invalid_fails_without_asking_a_resolver(monkeypatch):
    def no_dns(*args, **kwargs):
        raise AssertionError("the probe asked a resolver about a .invalid name")

    monkeypatch.setattr("socket.getaddrinfo", no_dns)
    result = probe_health("http://nothing.invalid/health", TIMEOUT, SCHEMA)
    assert (result.failure, result.detail) == (ProbeFailure.REFUSED, "host name does not resolve")


@pytest.mark.parametrize(
    ("mode", "healthy", "sha_valid", "agrees"),
    [
        ("healthy", True, True, True),
        ("manual", False, True, True),  # the manual's two fields break the pack's schema
        ("db-down", False, True, True),
        ("unknown", True, False, False),
        ("ref-ref", True, False, False),
        ("disagree", True, True, False),
        ("semver-version", True, True, True),
    ],
)
def test_payload_is_judged_by_policies(reference_targets, mode, healthy, sha_valid, agrees):
    target = reference_targets()
    target.set_mode(mode)
    result = probe_health(target.url + "/health", TIMEOUT, SCHEMA)
    verdict = result.verdict
    assert result.success
    assert (verdict.healthy, verdict.sha_valid, verdict.versions_agree) == (
        healthy,
        sha_valid,
        agrees,
    )


def test_probe_is_read_only(reference_targets):
    target = reference_targets()
    for mode in ("healthy", "garbage", "http-500", "redirect", "db-down"):
        target.set_mode(mode)
        probe_health(target.url + "/health", TIMEOUT, SCHEMA)
    assert target.methods_seen() == {"GET"}


def test_healthy_probe_reports_the_deployed_sha(reference_targets):
    target = reference_targets(sha=SHA_A)
    result = probe_health(target.url + "/health", TIMEOUT, SCHEMA)
    assert result.success and result.failure is None
    assert result.verdict.deployed_sha == SHA_A[:8]
    assert 0 < result.duration_seconds < TIMEOUT * 5  # seconds, not milliseconds
