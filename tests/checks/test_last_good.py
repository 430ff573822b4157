"""`driftgate last-good` against a real Pushgateway on loopback.

Verdicts are pushed as the gate pushes them (its own registry), with set
timestamps. A bypassed or failed verdict is never known good; `--before`
goes back past a SHA; exit 0 answer, 1 none, 2 usage or connection error;
the reader only GETs, and credentials in the URL are sent, never printed.
(Prometheus as the source: tests/checks/test_rollback_e2e.py.)
"""

import http.server
import json
import threading
import time

import pytest
from ports import free_port
from prometheus_client import push_to_gateway
from records_helpers import RecordingProxy, basic

from driftgate.checks.pushgateway import JOB, grouping_key, verdict_registry
from driftgate.cli import main as cli_main
from driftgate.reference_target import ReferenceTarget

SHA_A = "aaaaaaa1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7"
SHA_B = "bbbbbbb1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7"
SHA_C = "ccccccc1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7"
SHA_D = "ddddddd1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7"
T0 = 1_790_000_000.0  # 2026-09-21T14:13:20Z


def push(gateway, target, sha, passed, bypassed=False, at=T0, kind="deploy"):
    registry = verdict_registry(target, sha, passed, bypassed, timestamp=at, kind=kind)
    push_to_gateway(gateway, job=JOB, registry=registry, grouping_key=grouping_key(target, sha))


@pytest.fixture
def last_good(capsys):
    def run(*args):
        code = cli_main(["last-good", *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_newest_known_good_skips_bypassed_failed_and_other_targets(gateway, last_good):
    push(gateway, "production", SHA_A, passed=True, at=T0)
    push(gateway, "production", SHA_B, passed=True, bypassed=True, at=T0 + 100)
    push(gateway, "production", SHA_C, passed=False, at=T0 + 200)
    push(gateway, "staging", SHA_D, passed=True, at=T0 + 300)
    code, out, err = last_good("--target", "production", "--pushgateway", gateway)
    assert (code, out, err) == (0, "aaaaaaa 2026-09-21T14:13:20Z deploy\n", "")
    code, out, _ = last_good("--target", "staging", "--pushgateway", gateway, "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "target": "staging",
        "before": None,
        "sha": "ddddddd",
        "passed_at": "2026-09-21T14:18:20Z",
        "timestamp": T0 + 300,
        "kind": "deploy",
        "source": {"kind": "pushgateway", "url": gateway},
    }


def test_a_bypassed_verdict_is_never_known_good(gateway, last_good):
    push(gateway, "production", SHA_A, passed=True, bypassed=True, at=T0)
    code, out, err = last_good("--target", "production", "--pushgateway", gateway)
    assert code == 1 and out == ""
    assert err == f"driftgate: no SHA passed the gate on production in {gateway} (pushgateway)\n"
    code, out, _ = last_good("--target", "production", "--pushgateway", gateway, "--format", "json")
    assert code == 1 and json.loads(out)["sha"] is None


def test_before_goes_back_past_a_sha(gateway, last_good):
    push(gateway, "production", SHA_A, passed=True, at=T0)
    push(gateway, "production", SHA_B, passed=True, at=T0 + 100, kind="rollback")
    push(gateway, "production", SHA_C, passed=False, at=T0 + 200)
    source = ("--target", "production", "--pushgateway", gateway)
    assert last_good(*source)[:2] == (0, "bbbbbbb 2026-09-21T14:15:00Z rollback\n")
    assert last_good(*source, "--before", SHA_C)[1].startswith("bbbbbbb ")
    assert last_good(*source, "--before", SHA_B[:10])[1].startswith("aaaaaaa ")
    code, out, err = last_good(*source, "--before", "AAAAAAA")
    assert (code, out) == (1, "")
    assert "no SHA passed the gate on production before aaaaaaa" in err
    # A SHA the records never saw: every other known-good SHA counts.
    assert last_good(*source, "--before", SHA_D)[1].startswith("bbbbbbb ")


def test_reads_only_and_never_prints_credentials(gateway, last_good):
    push(gateway, "production", SHA_A, passed=True, at=T0)
    proxy = RecordingProxy(gateway)
    try:
        url = proxy.url("reader:s3cret-pw%21")
        code, out, err = last_good("--target", "production", "--pushgateway", url)
        assert code == 0 and out.startswith("aaaaaaa ")
        code, out, err = last_good(
            "--target", "production", "--pushgateway", url, "--format", "json", "--before", SHA_A
        )
        assert code == 1
        assert proxy.methods() == {"GET"}
        assert {auth for _, _, auth in proxy.requests} == {basic("reader", "s3cret-pw!")}
        assert "s3cret" not in out + err and "reader" not in out + err
        assert json.loads(out)["source"]["url"] == proxy.url()
    finally:
        proxy.close()


@pytest.mark.parametrize("option", ["--prometheus", "--pushgateway"])
def test_unreachable_source_is_exit_2_with_one_line(last_good, option):
    port = free_port()  # nothing listens there
    url = f"http://watcher:hunter2-pw@127.0.0.1:{port}"
    code, out, err = last_good("--target", "production", option, url, "--timeout", "2")
    assert code == 2 and out == ""
    assert err == (
        f"driftgate: error: http://127.0.0.1:{port}: cannot connect: [Errno 111] "
        "Connection refused\n"
    )


def test_a_source_that_is_not_a_record_keeper_is_exit_2(last_good):
    with ReferenceTarget(sha=SHA_A) as target:
        code, out, err = last_good("--target", "production", "--pushgateway", target.url)
        assert (code, out) == (2, "")
        assert err == f"driftgate: error: {target.url}/api/v1/metrics: HTTP 404\n"
        code, _, err = last_good("--target", "production", "--prometheus", target.url)
        assert code == 2 and err.endswith("/api/v1/query: HTTP 404\n")
        assert target.methods_seen() == {"GET"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--before", "main"], "--before: not a commit SHA (7 to 40 hex): 'main'"),
        (["--target", "qa"], "unknown target 'qa'"),
        (["--timeout", "0"], "--timeout: must be above 0 and at most 300 s"),
    ],
)
def test_usage_errors_are_exit_2(last_good, args, message):
    base = {"--target": "production", "--pushgateway": "http://127.0.0.1:9"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    code, out, err = last_good(*[item for pair in base.items() for item in pair])
    assert code == 2 and out == "" and message in err and len(err.splitlines()) == 1


def test_a_source_url_must_be_http(last_good):
    code, _, err = last_good("--target", "production", "--prometheus", "file:///etc/passwd")
    assert code == 2
    assert err == "driftgate: error: --prometheus: not an http(s) URL with a host\n"


class _Unbounded(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a body that never ends: fast (`flood`) or a byte a second."""

    protocol_version = "HTTP/1.1"
    flood = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 65536 if self.flood else b" "
        try:
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                if not self.flood:
                    time.sleep(1)
        except OSError:
            pass


@pytest.mark.parametrize(
    ("flood", "message"),
    [(True, "answer larger than 8388608 bytes"), (False, "no complete answer in 2 s")],
)
def test_an_answer_without_end_is_cut_off(last_good, flood, message):
    handler = type("Handler", (_Unbounded,), {"flood": flood})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        started = time.monotonic()
        code, out, err = last_good("--target", "production", "--pushgateway", url, "--timeout", "2")
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert (code, out) == (2, "")
    assert err == f"driftgate: error: {url}: {message}\n"
    assert elapsed < 2 + 3  # the timeout bounds the whole answer, not each read
