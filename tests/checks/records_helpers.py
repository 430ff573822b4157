"""Real record keepers on loopback for the last-good and rollback tests.

`start_pushgateway` and `start_prometheus` run Debian's binaries (never
skipped: a missing binary fails); `RecordingProxy` forwards to one of them
and records every request, so a test proves the readers only ever GET and
sees the basic auth they send.
"""

import base64
import http.server
import os
import subprocess
import threading
import time
import urllib.request

import pytest
from ports import free_port

PROMETHEUS = "/usr/bin/prometheus"
PUSHGATEWAY = "/usr/bin/prometheus-pushgateway"


def require_binary(path, package):
    __tracebackhide__ = True
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: apt-get install {package}", pytrace=False)


def wait_ready(url, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/-/ready", timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"{url} never became ready", pytrace=False)


class Daemons:
    """Processes started by a test, terminated (then killed) at teardown."""

    def __init__(self, directory):
        self.directory, self.processes = directory, []

    def start(self, argv):
        log = open(self.directory / f"daemon-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((process, log))
        return process

    def stop(self):
        for process, log in self.processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def pushgateway(self):
        require_binary(PUSHGATEWAY, "prometheus-pushgateway")
        port = free_port()
        self.start(
            [
                PUSHGATEWAY,
                f"--web.listen-address=127.0.0.1:{port}",
                f"--persistence.file={self.directory / 'pushgateway.data'}",
            ]
        )
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, 15)
        return url

    def prometheus(self, pushgateway_url):
        """A Prometheus scraping `pushgateway_url` every second (honor_labels, as documented)."""
        require_binary(PROMETHEUS, "prometheus")
        port = free_port()
        config = self.directory / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: pushgateway\n    honor_labels: true\n"
            f"    static_configs: [{{targets: ['{pushgateway_url.split('://')[1]}']}}]\n"
        )
        self.start(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.directory / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ]
        )
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, 30)
        return url


class RecordingProxy:
    """A loopback HTTP proxy to `upstream` recording (method, path, Authorization)."""

    def __init__(self, upstream):
        self.upstream, self.requests = upstream, []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                proxy.requests.append((self.command, self.path, self.headers.get("Authorization")))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                request = urllib.request.Request(
                    proxy.upstream + self.path, data=body, method=self.command
                )
                try:
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        status, payload = answer.status, answer.read()
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self):
        return self.server.server_address[1]

    def url(self, userinfo=""):
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"

    def methods(self):
        return {method for method, _, _ in self.requests}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
