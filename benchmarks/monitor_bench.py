"""Benchmark `driftgate monitor` at 10, 100 and 1,000 targets, side by side with
Debian's prometheus-blackbox-exporter probing the same endpoints.

    .venv/bin/python benchmarks/monitor_bench.py            # full run (about 5 minutes)
    .venv/bin/python benchmarks/monitor_bench.py --quick    # shorter windows, for a smoke test

All endpoints live on loopback in one separate "fleet" process (a threaded HTTP
server answering /t/<i>/health like Cat-Scan). CPU and peak memory are read from
/proc for the exporter and blackbox processes only (not the fleet, not the driver).

Measured, per target count:
- poll mode at the real interval (15 s): CPU share of one core, CPU s per 1,000 probes,
  peak RSS;
- probe mode vs blackbox_exporter, both driven by the same client through /probe:
  CPU s per 1,000 probes and their ratio;
- at 1,000 targets: /metrics latency (median, p99) while polling, the same with 500
  idle or slow connections held open (closed ones reopened at once), and the delay
  until a SHA change shows on /metrics.
"""

import argparse
import http.server
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SHA_A = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
SHA_B = "aaaaaaa0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
TICK = os.sysconf("SC_CLK_TCK")
TARGETS = {"cpu_share": 0.10, "rss_mb": 150, "p99_ms": 50, "ratio": 1.5}


# -- the fleet: many Cat-Scan health endpoints in one process ---------------------------
def serve_fleet(port_file):
    shas, served, first_served = {}, [0], {}  # first_served: when a new SHA first went out

    class Fleet(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            parts = self.path.split("?")[0].split("/")
            if parts[1] == "control":  # the benchmark's own knob, not part of any target
                query = urllib.parse.parse_qs(self.path.partition("?")[2])
                if "sha" in query:
                    shas[query["target"][0]] = query["sha"][0]
                    first_served.pop(query["target"][0], None)
                answer = {"served": served[0], "first_served": first_served}
                return self._send(json.dumps(answer).encode())
            served[0] += 1
            sha = shas.get(parts[2], SHA_A)
            if parts[2] in shas:
                first_served.setdefault(parts[2], time.time())
            body = {
                "status": "healthy",
                "version": f"sha-{sha[:7]}",
                "git_sha": sha[:8],
                "release_version": "0.9.5",
                "configured": True,
                "has_credentials": True,
                "database_exists": True,
            }
            self._send(json.dumps(body).encode())

        def _send(self, body):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024  # listen() backlog: 32 concurrent probes must not be refused

    server = Server(("127.0.0.1", 0), Fleet)
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


# -- measuring processes ------------------------------------------------------------------
def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime, all threads


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fetch(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"benchmark: {what} not ready after {timeout} s")


def free_port():
    """A free loopback port for blackbox_exporter and the exporter under measure.

    The same as tests/ports.py (benchmarks do not import from tests/); a port
    taken in between only fails a run, it cannot skew a measurement.
    """
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Fleet:
    def __init__(self, workdir):
        port_file = Path(workdir) / "fleet.port"
        self.process = subprocess.Popen([sys.executable, __file__, "--fleet", str(port_file)])
        wait_until(port_file.exists, 10, "fleet")
        self.url = f"http://127.0.0.1:{port_file.read_text()}"

    def served(self):
        return json.loads(fetch(self.url + "/control"))["served"]

    def first_served(self, target):
        """Unix time the fleet first answered `target`'s new SHA (to a probe)."""
        return json.loads(fetch(self.url + "/control"))["first_served"][target]

    def deploy(self, target, sha):
        fetch(f"{self.url}/control?target={target}&sha={sha}")

    def stop(self):
        self.process.terminate()
        self.process.wait()


def start_exporter(workdir, fleet, count, mode, interval):
    config = Path(workdir) / f"monitor-{count}.yml"
    lines = ["version: 1", f"interval: {interval}", "timeout: 5", "targets:"]
    lines += [f"  t{i:04d}:\n    base_url: {fleet.url}/t/t{i:04d}" for i in range(count)]
    config.write_text("\n".join(lines) + "\n")
    port = free_port()
    argv = [sys.executable, "-m", "driftgate", "monitor", "--config", str(config)]
    argv += ["--mode", mode, "--listen", f"127.0.0.1:{port}"]
    process = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: fetch(base + "/-/healthy") == b"OK\n", 20, "exporter")
    return process, base


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- the measurements ---------------------------------------------------------------------
def poll_mode(workdir, fleet, count, window, interval=15.0):
    """CPU share and CPU per probe while polling at the real interval, plus peak RSS."""
    process, base = start_exporter(workdir, fleet, count, "poll", interval)
    marker = b'driftgate_probe_success{target="t%04d"}' % (count - 1)
    wait_until(lambda: marker in fetch(base + "/metrics"), 60, "first poll cycle")
    cpu0, served0, t0 = cpu_seconds(process.pid), fleet.served(), time.monotonic()
    while time.monotonic() - t0 < window:
        fetch(base + "/metrics")  # a Prometheus scrape every 15 s
        time.sleep(min(15.0, max(0.0, window - (time.monotonic() - t0))))
    cpu = cpu_seconds(process.pid) - cpu0
    elapsed, probes = time.monotonic() - t0, fleet.served() - served0
    result = {
        "cpu_share": cpu / elapsed,
        "cpu_per_1000": 1000 * cpu / max(probes, 1),
        "probes": probes,
    }
    if count >= 1000:
        result.update(metrics_latency(base, window))
        with IdleConnections(base, 500) as idle:
            held = metrics_latency(base, window)
        result.update({f"idle_{key}": value for key, value in held.items()})
        result["idle_reopened"] = idle.reopened
        result["idle_opened"], result["idle_failed"] = idle.opened_at_start, idle.failed
        result["sha_visible_s"], result["sha_after_probe_s"] = sha_change_delay(
            base, fleet, count, trials=3
        )
    result["rss_mb"] = peak_rss_mb(process.pid)
    stop(process)
    return result


def metrics_latency(base, window):
    """Scrape every 0.1 s across whole poll cycles (renders included)."""
    latencies, t0 = [], time.monotonic()
    while time.monotonic() - t0 < window:
        started = time.perf_counter()
        fetch(base + "/metrics")
        latencies.append(time.perf_counter() - started)
        time.sleep(0.1)
    latencies.sort()
    return {
        "metrics_median_ms": 1000 * statistics.median(latencies),
        "metrics_p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "metrics_scrapes": len(latencies),
        "metrics_bytes": len(fetch(base + "/metrics")),
    }


class IdleConnections:
    """`count` connections to the exporter, kept open: half send nothing, half half a
    request head. One the exporter closes (idle timeout) is reopened at once."""

    def __init__(self, base, count):
        host, _, port = base.removeprefix("http://").rpartition(":")
        self.address, self.count, self.reopened, self.failed = (host, int(port)), count, 0, 0
        self._stop = False

    def _open(self, number):
        """A new connection, or None when the exporter does not accept it in 2 s."""
        try:
            sock = socket.create_connection(self.address, timeout=2)
            if number % 2:
                sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            self.failed += 1
            return None
        return sock

    def _hold(self):
        held, poller, missing = {}, select.poll(), []

        def keep(number):
            sock = self._open(number)
            if sock is None:
                missing.append(number)
                return
            held[sock.fileno()] = (number, sock)
            poller.register(sock.fileno(), select.POLLIN)

        for number in range(self.count):
            keep(number)
        self.opened_at_start = len(held)
        self._ready.set()
        while not self._stop:
            for fd, _ in poller.poll(200):
                number, sock = held.pop(fd)
                poller.unregister(fd)
                sock.close()  # closed (or answered) by the exporter: replace it
                keep(number)
                self.reopened += 1
            retry, missing[:] = list(missing), []
            for number in retry[:20]:
                keep(number)
            missing.extend(retry[20:])
        for _, sock in held.values():
            sock.close()

    def __enter__(self):
        import threading

        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()
        self._ready.wait(60)
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join(10)


def sha_change_delay(base, fleet, count, trials):
    """(worst delay change -> /metrics, worst delay from the target's next probe -> /metrics)."""
    delays, after_probe = [], []
    for trial in range(trials):
        target, sha = f"t{count // 2 + trial:04d}", SHA_B
        fleet.deploy(target, sha)
        started = time.monotonic()
        wanted = f'sha="{sha[:7]}",target="{target}"'.encode()
        while wanted not in fetch(base + "/metrics"):
            if time.monotonic() - started > 60:
                raise SystemExit(f"benchmark: the SHA change of {target} never showed")
            time.sleep(0.05)
        delays.append(time.monotonic() - started)
        after_probe.append(time.time() - fleet.first_served(target))
    return max(delays), max(after_probe)


def drive_probes(pid, urls, rounds, clients=16):
    """CPU seconds per 1,000 probes of the process behind `urls` (/probe URLs)."""
    plan = [url for _ in range(rounds) for url in urls]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(fetch, plan[: min(len(plan), 50)]))  # warm up
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        bodies = list(pool.map(fetch, plan))
        cpu, elapsed = cpu_seconds(pid) - cpu0, time.monotonic() - t0
    failed = sum(1 for body in bodies if b"_success 1" not in body and b"success{" not in body)
    return {
        "cpu_per_1000": 1000 * cpu / len(plan),
        "probes_per_s": len(plan) / elapsed,
        "failed": failed,
    }


def probe_mode(workdir, fleet, count, total_probes):
    process, base = start_exporter(workdir, fleet, count, "probe", 15.0)
    urls = [f"{base}/probe?target=t{i:04d}" for i in range(count)]
    result = drive_probes(process.pid, urls, max(1, total_probes // count))
    result["rss_mb"] = peak_rss_mb(process.pid)
    stop(process)
    return result


def blackbox(workdir, fleet, count, total_probes):
    config = Path(workdir) / "blackbox.yml"
    config.write_text(
        "modules:\n  http_health:\n    prober: http\n    timeout: 5s\n    http:\n"
        "      valid_status_codes: [200]\n      no_follow_redirects: true\n"
        "      preferred_ip_protocol: ip4\n"
        "      fail_if_body_not_matches_regexp: ['\"git_sha\"']\n"
    )
    port = free_port()
    argv = [BLACKBOX, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"]
    process = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: fetch(base + "/-/healthy"), 10, "blackbox_exporter")
    urls = [
        f"{base}/probe?module=http_health&target={urllib.parse.quote(f'{fleet.url}/t/t{i:04d}/health')}"
        for i in range(count)
    ]
    result = drive_probes(process.pid, urls, max(1, total_probes // count))
    result["rss_mb"] = peak_rss_mb(process.pid)
    stop(process)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="short windows (smoke test)")
    parser.add_argument("--counts", default="10,100,1000")
    args = parser.parse_args()
    if args.fleet:
        return serve_fleet(args.fleet)
    if not os.access(BLACKBOX, os.X_OK):
        raise SystemExit(
            f"benchmark: {BLACKBOX} missing (apt-get install prometheus-blackbox-exporter)"
        )
    window, total = (16.0, 1000) if args.quick else (31.0, 3000)
    counts = [int(c) for c in args.counts.split(",")]
    rows = {}
    with tempfile.TemporaryDirectory() as workdir:
        fleet = Fleet(workdir)
        try:
            for count in counts:
                rows[count] = {
                    "poll": poll_mode(workdir, fleet, count, window),
                    "probe": probe_mode(workdir, fleet, count, total),
                    "blackbox": blackbox(workdir, fleet, count, total),
                }
                print(f"... {count} targets done", file=sys.stderr, flush=True)
        finally:
            fleet.stop()
    report(rows)
    return 0


def report(rows):
    print(f"driftgate monitor benchmark (python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print()
    header = (
        "targets | poll 15s: CPU share of 1 core | CPU s/1000 probes | peak RSS MB "
        "| /probe CPU s/1000: driftgate | blackbox | ratio | poll/blackbox"
    )
    print(header)
    print("-" * len(header))
    for count, row in rows.items():
        poll, probe, box = row["poll"], row["probe"], row["blackbox"]
        ratio = probe["cpu_per_1000"] / box["cpu_per_1000"] if box["cpu_per_1000"] else float("inf")
        print(
            f"{count:7d} | {100 * poll['cpu_share']:27.2f}% | {poll['cpu_per_1000']:17.3f} "
            f"| {poll['rss_mb']:11.1f} | {probe['cpu_per_1000']:28.3f} "
            f"| {box['cpu_per_1000']:8.3f} | {ratio:5.2f}x "
            f"| {poll['cpu_per_1000'] / box['cpu_per_1000']:12.2f}x"
        )
    largest = rows[max(rows)]
    poll = largest["poll"]
    print()
    if "metrics_p99_ms" in poll:
        print(
            f"/metrics at {max(rows)} targets: median {poll['metrics_median_ms']:.1f} ms, "
            f"p99 {poll['metrics_p99_ms']:.1f} ms over {poll['metrics_scrapes']} scrapes "
            f"({poll['metrics_bytes'] // 1024} KiB)"
        )
        print(
            f"/metrics with 500 idle or slow connections open: median "
            f"{poll['idle_metrics_median_ms']:.1f} ms, p99 {poll['idle_metrics_p99_ms']:.1f} ms "
            f"over {poll['idle_metrics_scrapes']} scrapes ({poll['idle_opened']} of 500 "
            f"connections open at the start, {poll['idle_reopened']} closed by the exporter "
            f"and reopened, {poll['idle_failed']} connects not accepted within 2 s)"
        )
        print(
            f"SHA change visible on /metrics: worst {poll['sha_visible_s']:.2f} s after the "
            f"change (interval 15 s), {poll['sha_after_probe_s']:.2f} s after the target's "
            "next probe"
        )
    ratio = largest["probe"]["cpu_per_1000"] / largest["blackbox"]["cpu_per_1000"]
    poll_ratio = poll["cpu_per_1000"] / largest["blackbox"]["cpu_per_1000"]
    checks = [
        ("CPU share at 15 s < 10% of one core", poll["cpu_share"] < TARGETS["cpu_share"]),
        ("peak RSS < 150 MB", poll["rss_mb"] < TARGETS["rss_mb"]),
        ("/metrics p99 < 50 ms", poll.get("metrics_p99_ms", 1e9) < TARGETS["p99_ms"]),
        (
            "/metrics p99 < 50 ms with 500 idle connections open",
            poll.get("idle_metrics_p99_ms", 1e9) < TARGETS["p99_ms"],
        ),
        ("SHA change visible within one interval", poll.get("sha_visible_s", 1e9) <= 15.0),
        ("per-probe CPU <= 1.5x blackbox_exporter, probe mode", ratio <= TARGETS["ratio"]),
        ("per-probe CPU <= 1.5x blackbox_exporter, poll mode", poll_ratio <= TARGETS["ratio"]),
    ]
    for name, ok in checks:
        print(f"  {'MET ' if ok else 'MISS'}  {name}")
    failed = {
        name: row[kind]["failed"]
        for name, row in rows.items()
        for kind in ("probe", "blackbox")
        if row[kind]["failed"]
    }
    if failed:
        print(f"  note: failed probes during /probe runs: {failed}")


if __name__ == "__main__":
    sys.exit(main())
