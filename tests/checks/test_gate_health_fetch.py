"""The one bounded health fetch, through both rooms, against a real compressing server.

The gate (checks.health) and the exporter (monitor.probe) feed their sockets to
policies.health_fetch; each case here runs through both, so they cannot differ.
"""

import gzip
import http.server
import json
import threading
import time
import zlib

import pytest
from gate_helpers import NEW_SHA, OLD_SHA

from driftgate.checks import health as gate_health
from driftgate.monitor import probe as monitor_probe
from driftgate.policies.health import ProbeFailure
from driftgate.policies.pack import load_pack

SCHEMA = dict(load_pack().health_schema)


def healthy_body(sha=NEW_SHA):
    payload = {"status": "healthy", "git_sha": sha, "version": sha, "database_exists": True}
    return json.dumps(payload).encode()


class CompressingServer:
    """A real HTTP/1.1 server on loopback that compresses as nginx's `gzip on` does.

    `answer(handler)` returns (body, content_encoding) for each request; a None
    body holds the connection open without answering.
    """

    def __init__(self, answer):
        self.answer = answer
        self.release = threading.Event()
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server's name
                owner.requests.append((self.command, dict(self.headers)))
                body, encoding = owner.answer(self)
                if body is None:  # a server restarting: the connection stays open, unanswered
                    owner.release.wait(60)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if encoding:
                    self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/health"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def gzip_when_asked(body):
    """The answer of a gzip middleware: compressed when the client accepts gzip."""

    def answer(handler):
        if "gzip" in handler.headers.get("Accept-Encoding", ""):
            return gzip.compress(body), "gzip"
        return body, None

    return answer


def gate_probe(url):
    probe = gate_health.probe_health(url, NEW_SHA, SCHEMA, timeout=3)
    reason = probe.failure.reason if probe.failure else None
    return reason, probe.verdict, probe.failure.detail if probe.failure else ""


def monitor_probe_(url):
    result = monitor_probe.probe_health(url, 3, SCHEMA)
    return result.failure, result.verdict, result.detail


ROOMS = pytest.mark.parametrize("fetch", [gate_probe, monitor_probe_], ids=["gate", "exporter"])


@ROOMS
def test_gzip_compressed_healthy_answer_is_decoded(fetch):
    with CompressingServer(gzip_when_asked(healthy_body())) as server:
        failure, verdict, detail = fetch(server.url)
        sent = server.requests
    assert failure is None, detail
    assert verdict.healthy and verdict.deployed_sha == NEW_SHA
    assert sent[0][1]["Accept-Encoding"] == "gzip, deflate"  # and the server did compress


@ROOMS
@pytest.mark.parametrize("wrapped", [True, False], ids=["zlib", "raw"])
def test_deflate_compressed_answer_is_decoded(fetch, wrapped):
    compressor = zlib.compressobj(wbits=zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
    body = compressor.compress(healthy_body()) + compressor.flush()
    with CompressingServer(lambda handler: (body, "deflate")) as server:
        failure, verdict, detail = fetch(server.url)
    assert failure is None, detail
    assert verdict.healthy


@ROOMS
def test_gzip_bomb_is_too_large_after_decompression(fetch):
    # 20 MiB of JSON whitespace compresses to ~20 KiB: small on the wire, hostile decoded.
    bomb = gzip.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}", compresslevel=9)
    assert len(bomb) < 1024 * 1024
    with CompressingServer(lambda handler: (bomb, "gzip")) as server:
        failure, verdict, detail = fetch(server.url)
    assert failure == ProbeFailure.TOO_LARGE
    assert "decompressed body over 1048576 bytes" in detail
    assert verdict is None


@ROOMS
def test_corrupt_gzip_is_not_json(fetch):
    body = gzip.compress(healthy_body())[:-12]  # cut short: no end of stream
    with CompressingServer(lambda handler: (body, "gzip")) as server:
        failure, _, detail = fetch(server.url)
    assert failure == ProbeFailure.NOT_JSON, detail


@ROOMS
def test_number_past_the_integer_digit_limit_is_not_json(fetch):
    body = b'{"status": "healthy", "build": ' + b"9" * 5000 + b"}"
    with CompressingServer(lambda handler: (body, None)) as server:
        failure, verdict, detail = fetch(server.url)
    assert failure == ProbeFailure.NOT_JSON, detail
    assert verdict is None


def test_poll_goes_on_after_an_undecodable_number():
    started = time.monotonic()

    def answer(handler):
        if time.monotonic() - started < 0.5:
            return b'{"git_sha": ' + b"1" * 5000 + b"}", None
        return healthy_body(), None

    with CompressingServer(answer) as server:
        poll = gate_health.poll_health(server.url, NEW_SHA, SCHEMA, deadline=10, poll_interval=0.1)
    assert poll.passed, poll.last.summary
    assert poll.transitions[0][1].startswith("not_json: body is not JSON (ValueError)")
    assert poll.attempts >= 2


def test_a_connection_held_through_a_restart_costs_one_attempt_not_the_deadline():
    # Connections accepted in the first 2 s (the old process going down) are held open
    # and never answered; afterwards the new SHA answers. A 30 s gate must pass.
    started = time.monotonic()

    def answer(handler):
        if time.monotonic() - started < 2.0:
            return None, None
        return healthy_body(), None

    with CompressingServer(answer) as server:
        poll = gate_health.poll_health(
            server.url, NEW_SHA, SCHEMA, deadline=30, poll_interval=0.2, probe_timeout=1.0
        )
    assert poll.passed, poll.last.summary
    assert poll.transitions[0][1] == "timeout: no answer before the deadline"
    # The deadline is the behaviour here: well inside 30 s (attempts of 1 s each).
    assert poll.seconds_to_verdict < 15


def test_the_old_sha_before_the_new_one_is_seen_attempt_by_attempt():
    started = time.monotonic()

    def answer(handler):
        return healthy_body(OLD_SHA if time.monotonic() - started < 0.4 else NEW_SHA), None

    with CompressingServer(answer) as server:
        probes = list(gate_health.poll_attempts(server.url, NEW_SHA, SCHEMA, 10, 0.1, 2.0))
    assert probes[0].verdict.deployed_sha == OLD_SHA and probes[0].verdict.healthy
    assert probes[-1].verdict.passed and len(probes) >= 2
