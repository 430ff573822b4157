"""The exporter over real HTTP on loopback: both modes, hostile neighbours, promtool on a scrape."""

import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from monitor_helpers import SHA_A, SHA_B
from prometheus_client.parser import text_string_to_metric_families

from driftgate.monitor.config import build_config
from driftgate.monitor.server import Exporter, HttpServer, serve


def get(url, method="GET", headers=None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def samples(text, name):
    """{target: value} (or {labels tuple: value} for multi-label metrics) of one metric."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[sample.labels.get("target")] = (sample.labels, sample.value)
    return found


def scrape_until(base, condition, timeout=5.0):
    """Scrape /metrics until `condition(text)` holds; return that text."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = get(base + "/metrics")[1]
        if condition(text):
            return text
        time.sleep(0.05)
    raise AssertionError(f"/metrics never satisfied the condition within {timeout} s")


def probed(count, name="driftgate_deployed_info"):
    return lambda text: len(samples(text, name)) == count


def test_poll_mode_serves_every_target(reference_targets, running_exporter):
    staging, production = reference_targets(SHA_B), reference_targets(SHA_A)
    config = build_config(
        overrides={"staging": staging.url, "production": production.url}, interval=0.2
    )
    _, base = running_exporter(config)
    text = scrape_until(base, probed(2))
    info = samples(text, "driftgate_deployed_info")
    assert info["staging"][0]["sha"] == SHA_B[:7]
    assert info["production"][0]["sha"] == SHA_A[:7]
    assert "driftgate_target_info" in text


def test_sha_change_is_visible_within_one_interval_and_the_old_sha_goes(
    reference_targets, running_exporter
):
    production = reference_targets(SHA_A)
    config = build_config(
        overrides={"production": production.url, "staging": production.url}, interval=3
    )
    _, base = running_exporter(config)
    scrape_until(base, lambda text: SHA_A[:7] in text)
    production.deploy(SHA_B)
    changed_at = time.monotonic()
    # Both targets probe the same server at their own moments in the interval, so wait
    # until neither shows the old SHA: one target switching first is not the end.
    text = scrape_until(base, lambda text: SHA_B[:7] in text and SHA_A[:7] not in text, timeout=10)
    # One interval, plus a wide margin for the probe and the scrape on a loaded machine
    # (a second interval would be 6 s).
    assert time.monotonic() - changed_at < 3 + 2
    assert samples(text, "driftgate_deploys_observed_total")["production"][1] == 1


def test_hostile_targets_do_not_stall_the_healthy_one(
    reference_targets, running_exporter, closed_port
):
    healthy = reference_targets(SHA_A)
    hostile = {}
    for mode in ("slow", "slow-body", "endless", "huge", "garbage", "redirect"):
        hostile[mode] = reference_targets(slow_seconds=30.0)
        hostile[mode].set_mode(mode)
    urls = {name: target.url for name, target in hostile.items()}
    urls["closed"] = f"http://127.0.0.1:{closed_port}"
    urls["unresolvable"] = "http://nothing.invalid"
    urls["healthy"] = healthy.url
    config = _config_with(urls, interval=10.0, timeout=1.5, workers=4)
    started = time.monotonic()
    _, base = running_exporter(config)
    text = scrape_until(
        base, lambda text: "healthy" in samples(text, "driftgate_probe_success"), timeout=25
    )
    # 8 other targets on 4 workers: the hostile ones cost their own 1.5 s timeout (two
    # rounds), never the 30 s their answers would take.
    assert time.monotonic() - started < 15
    assert samples(text, "driftgate_probe_success")["healthy"][1] == 1
    text = scrape_until(base, probed(9, "driftgate_probe_success"))
    success = samples(text, "driftgate_probe_success")
    assert {name for name, (_, value) in success.items() if value == 1} == {"healthy"}
    errors = {
        (labels["target"], labels["reason"])
        for family in text_string_to_metric_families(text)
        for labels, value in [(s.labels, s.value) for s in family.samples]
        if family.name == "driftgate_probe_errors" and value > 0
    }
    assert errors == {
        ("slow", "timeout"),
        ("slow-body", "timeout"),
        ("endless", "too_large"),
        ("huge", "too_large"),
        ("garbage", "not_json"),
        ("redirect", "redirect"),
        ("closed", "refused"),
        ("unresolvable", "refused"),
    }


def _config_with(urls, **settings):
    import tempfile
    from pathlib import Path

    lines = ["version: 1"] + [f"{key}: {value}" for key, value in settings.items()] + ["targets:"]
    lines += [f"  {name}:\n    base_url: {url}" for name, url in urls.items()]
    path = Path(tempfile.mkdtemp()) / "monitor.yml"
    path.write_text("\n".join(lines) + "\n")
    return build_config(config_path=path)


def test_probe_mode(reference_targets, running_exporter):
    staging, production = reference_targets(SHA_B), reference_targets(SHA_A)
    config = build_config(overrides={"staging": staging.url, "production": production.url})
    _, base = running_exporter(config, mode="probe")
    status, text = get(base + "/probe?target=production")
    assert status == 200
    success = samples(text, "driftgate_probe_success")
    assert set(success) == {"production"} and success["production"][1] == 1
    assert samples(text, "driftgate_deployed_info")["production"][0]["sha"] == SHA_A[:7]
    metrics = get(base + "/metrics")[1]
    assert "driftgate_target_info" in metrics and "driftgate_probe_success" not in metrics
    assert staging.requests == []  # nothing probed in the background
    production.set_mode("db-down")
    text = get(base + "/probe?target=production")[1]
    assert samples(text, "driftgate_health_ok")["production"][1] == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?target=",
        "?target=evil",
        "?target=http://127.0.0.1:1/",
        "?target=staging&target=production",
    ],
)
def test_probe_refuses_anything_but_one_configured_target(running_exporter, query):
    _, base = running_exporter(build_config(), mode="probe")
    status, text = get(base + "/probe" + query)
    assert status == 400
    assert "configured target" in text


def test_healthy_endpoint_and_methods(running_exporter):
    _, base = running_exporter(build_config(), mode="probe")
    assert get(base + "/-/healthy") == (200, "OK\n")
    assert get(base + "/metrics", method="POST")[0] == 405
    assert get(base + "/nowhere")[0] == 404


def test_promtool_check_metrics_on_a_real_scrape(promtool, reference_targets, running_exporter):
    staging, production = reference_targets(SHA_B), reference_targets(SHA_A)
    production.set_mode("ref-ref")
    config = build_config(
        overrides={"staging": staging.url, "production": production.url}, interval=0.2
    )
    _, base = running_exporter(config)
    text = scrape_until(base, probed(2))
    probe_page = get(base + "/probe?target=staging")[1]
    for exposition in (text, probe_page):
        checked = subprocess.run(
            [promtool, "check", "metrics"],
            input=exposition,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert (
            checked.stdout.strip() == "" and checked.stderr.strip() == ""
        )  # no lint remarks either


def test_flipping_sha_keeps_one_info_series_and_counts_deploys(reference_targets, running_exporter):
    flipper = reference_targets(SHA_A)
    config = build_config(
        overrides={"staging": flipper.url, "production": flipper.url}, interval=0.05
    )
    _, base = running_exporter(config)
    stop = threading.Event()

    def flip():
        shas = [SHA_A, SHA_B]
        while not stop.is_set():
            with flipper._lock:  # swap the SHA in place: a deploy with no downtime at all
                flipper.sha = shas.pop(0)
                shas.append(flipper.sha)
            time.sleep(0.02)

    threading.Thread(target=flip, daemon=True).start()
    try:
        for _ in range(20):
            text = scrape_until(base, probed(2))
            assert (
                len(
                    [
                        line
                        for line in text.splitlines()
                        if line.startswith("driftgate_deployed_info{")
                    ]
                )
                == 2
            )
            time.sleep(0.03)
    finally:
        stop.set()
    deploys = samples(get(base + "/metrics")[1], "driftgate_deploys_observed_total")
    assert deploys["production"][1] >= 3


def test_probe_answers_within_prometheus_scrape_timeout(reference_targets, running_exporter):
    slow = reference_targets(slow_seconds=10.0)
    slow.set_mode("slow")
    config = build_config(overrides={"staging": slow.url, "production": slow.url}, timeout=8)
    _, base = running_exporter(config, mode="probe")
    started = time.monotonic()
    headers = {"X-Prometheus-Scrape-Timeout-Seconds": "1.5"}
    status, text = get(base + "/probe?target=staging", headers=headers)
    assert time.monotonic() - started < 5  # the 1.5 s scrape timeout, not the 8 s probe one
    assert status == 200
    assert samples(text, "driftgate_probe_success")["staging"][1] == 0


def test_concurrent_probes_of_one_target_share_one_request(reference_targets, running_exporter):
    slow = reference_targets(slow_seconds=0.5)
    slow.set_mode("slow")
    config = build_config(overrides={"staging": slow.url, "production": slow.url}, timeout=3)
    _, base = running_exporter(config, mode="probe")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(get, [base + "/probe?target=staging"] * 4))
    assert [status for status, _ in answers] == [200] * 4
    assert all(samples(text, "driftgate_probe_success")["staging"][1] == 1 for _, text in answers)
    assert len(slow.requests) <= 2  # joined the probe in flight instead of piling up


def exchange(base, data):
    """Send raw bytes to the exporter and read its answer until it closes the connection."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        pieces = []
        while piece := sock.recv(65536):
            pieces.append(piece)
    return b"".join(pieces)


def test_http_front_answers_malformed_and_oversized_requests(running_exporter):
    _, base = running_exporter(build_config(), mode="probe")
    assert re.match(rb"HTTP/1\.[01] 400 ", exchange(base, b"NONSENSE\r\n\r\n"))
    assert re.match(rb"HTTP/1\.[01] 400 ", exchange(base, b"GET / HTTP/1.1\r\nno colon\r\n\r\n"))
    oversized = b"GET /metrics HTTP/1.1\r\nX-Pad: " + b"a" * 40_000 + b"\r\n\r\n"
    try:  # answered 431, or reset while the client still sends: never read on and on
        assert re.match(rb"HTTP/1\.[01] 431 ", exchange(base, oversized))
    except ConnectionResetError:
        pass
    head = exchange(base, b"HEAD /-/healthy HTTP/1.0\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    assert b"Content-Length: 3\r\n" in head
    assert exchange(base, b"GET /-/%68ealthy HTTP/1.0\r\nHost: x\r\n\r\n").endswith(b"\r\n\r\nOK\n")
    assert get(base + "/-/healthy") == (200, "OK\n")  # still serving


def open_connections(port, count, send=b""):
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if send:
            sock.sendall(send)
        sockets.append(sock)
    return sockets


def test_idle_and_slow_connections_never_block_scrapes(reference_targets, running_exporter):
    """600 connections that send nothing, half a request head, or finished a keep-alive
    request: /metrics and /probe still answer, each well within a scrape timeout."""
    target = reference_targets(SHA_A)
    config = build_config(overrides={"staging": target.url, "production": target.url}, interval=1)
    _, base = running_exporter(config)
    port = int(base.rpartition(":")[2])
    scrape_until(base, probed(2))
    held = open_connections(port, 300)  # silent
    held += open_connections(port, 200, b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # slow
    keep_alive = open_connections(port, 100, b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        for sock in keep_alive:  # answered, and left open by both sides
            assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK")
        for path in ("/metrics", "/probe?target=staging", "/metrics"):
            started = time.monotonic()
            status, text = get(base + path)
            assert status == 200 and "driftgate_probe_success" in text
            assert time.monotonic() - started < 5  # Prometheus' default scrape timeout: 10 s
    finally:
        for sock in held + keep_alive:
            sock.close()


def test_idle_keep_alive_connections_are_closed_after_a_timeout(monkeypatch):
    monkeypatch.setattr(HttpServer, "IDLE_SECONDS", 1)
    server = serve(Exporter(build_config(), mode="probe"), "127.0.0.1", 0)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    port = server.server_address[1]
    try:
        (idle,) = open_connections(port, 1, b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        (silent,) = open_connections(port, 1)
        with idle, silent:
            response = b""
            while not response.endswith(b"\r\n\r\nOK\n"):  # headers and body may come apart
                chunk = idle.recv(4096)
                assert chunk, response
                response += chunk
            assert response.startswith(b"HTTP/1.1 200 OK")
            for sock in (idle, silent):
                sock.settimeout(10)  # closed after about 1 s (checked every second)
                assert sock.recv(100) == b""
    finally:
        server.shutdown()
        server.server_close()
    serving.join(timeout=5)
    assert not serving.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_shutdown_survives_a_wake_up_that_runs_its_thunk_before_its_own_pull():
    """A worker wakes the loop between shutdown queueing its thunk and pulling.

    Before the fix the loop ran the thunk, which closes the trigger, and
    shutdown's own pull then wrote to a closed descriptor (EBADF: CI saw it).
    """
    server = serve(Exporter(build_config(), mode="probe"), "127.0.0.1", 0)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    trigger = server._server.trigger
    pull = trigger._physical_pull
    woken = []

    def worker_wakes_the_loop_first():
        if not woken:  # shutdown's pull: let a worker's wake-up reach the loop first
            woken.append(True)
            pull()
            deadline = time.monotonic() + 0.5
            while trigger.thunks and time.monotonic() < deadline:
                time.sleep(0.01)
        pull()

    trigger._physical_pull = worker_wakes_the_loop_first
    try:
        server.shutdown()
    finally:
        server.server_close()
    serving.join(timeout=5)
    assert woken and not serving.is_alive()
