"""examples/monitoring/alertmanager.yml through amtool and a real Alertmanager on loopback:
one page per production incident, and the inhibitions take effect."""

import http.server
import json
import re
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from monitor_helpers import ALERTMANAGER, AMTOOL, require_binary
from ports import free_port

from driftgate.monitor.rules import RULES_FILE

CONFIG = Path(__file__).parents[2] / "examples" / "monitoring" / "alertmanager.yml"


def shipped_alerts():
    rules = yaml.safe_load(RULES_FILE.read_text())["groups"][0]["rules"]
    return {rule["alert"]: rule["labels"]["severity"] for rule in rules if "alert" in rule}


def test_amtool_checks_the_config_and_routes_every_alert_by_severity():
    amtool = require_binary(AMTOOL, "prometheus-alertmanager")
    done = subprocess.run([amtool, "check-config", str(CONFIG)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for alert, severity in shipped_alerts().items():
        expected = "on-call" if severity == "critical" else "team-chat"
        done = subprocess.run(
            [amtool, "config", "routes", "test", f"--config.file={CONFIG}"]
            + [f"--verify.receivers={expected}", f"alertname={alert}"]
            + [f"severity={severity}", "target=production"],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{alert}: {done.stdout}{done.stderr}"


class Webhook(http.server.ThreadingHTTPServer):
    """Records every notification Alertmanager posts: (path, decoded JSON)."""

    daemon_threads = True

    def __init__(self):
        self.received = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def webhook():
    server = Webhook()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def api(base, path, data=None):
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(
        base + path, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read()
    return json.loads(text) if text.strip() else None


def alert(name, target):
    severity = shipped_alerts()[name]
    return {"labels": {"alertname": name, "severity": severity, "target": target}}


def test_one_outage_is_one_page_through_a_real_alertmanager(tmp_path, webhook):
    binary = require_binary(ALERTMANAGER, "prometheus-alertmanager")
    hook = f"http://127.0.0.1:{webhook.server_address[1]}"
    config = CONFIG.read_text().replace("http://127.0.0.1:5001", hook)
    config = re.sub(r"group_wait: \w+", "group_wait: 1s", config)
    config = re.sub(r"group_interval: \w+", "group_interval: 1s", config)
    (tmp_path / "alertmanager.yml").write_text(config)
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",  # no gossip: a single instance
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/-/ready", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "Alertmanager never got ready"
                time.sleep(0.1)
        # Production is down; the rules still carry its last SHA, which staging never
        # ran and no gate verified. Staging, up, runs an unverified SHA.
        api(
            base,
            "/api/v2/alerts",
            [
                alert("DriftgateTargetDown", "production"),
                alert("DriftgateUnpromotedSha", "production"),
                alert("DriftgateOutOfBandDeploy", "production"),
                alert("DriftgateOutOfBandDeploy", "staging"),
                alert("DriftgatePromotionStalled", "production"),
            ],
        )

        def pages():
            return {
                notification["groupLabels"]["target"]: sorted(
                    a["labels"]["alertname"] for a in notification["alerts"]
                )
                for path, notification in webhook.received
                if path == "/page"
            }

        deadline = time.monotonic() + 30
        while len(pages()) < 2:
            assert time.monotonic() < deadline, f"pages so far: {webhook.received}"
            time.sleep(0.2)
        time.sleep(3)  # a few more group intervals: nothing else may be paged
        assert pages() == {
            "production": ["DriftgateTargetDown"],
            "staging": ["DriftgateOutOfBandDeploy"],
        }
        assert [path for path, _ in webhook.received].count("/page") == 2
        inhibited = {
            a["labels"]["alertname"]
            for a in api(base, "/api/v2/alerts")
            if a["status"]["inhibitedBy"]
        }
        assert inhibited == {"DriftgateUnpromotedSha", "DriftgateOutOfBandDeploy"}
    finally:
        process.terminate()
        process.wait(timeout=10)
