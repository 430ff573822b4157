"""`driftgate monitor`: configuration sources, --check-config, one-line errors with exit 2."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from ports import announced_port

from driftgate.cli import main
from driftgate.monitor.config import build_config, parse_listen
from driftgate.policies.errors import DriftgateError

DRIFTGATE = [sys.executable, "-m", "driftgate"]


def write(tmp_path, text, name="monitor.yml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_pack_targets_by_default():
    config = build_config()
    assert list(config.targets) == ["staging", "production"]
    assert config.target("production").health_url == "https://scan.rtb.cat/api/health"
    assert config.target("production").promoted_from == "staging"
    assert (config.interval, config.timeout) == (15.0, 5.0)


def test_config_file_names_its_own_targets(tmp_path):
    path = write(
        tmp_path,
        "version: 1\ninterval: 30\ntimeout: 2\ntargets:\n"
        "  canary:\n    base_url: http://127.0.0.1:8001/api\n"
        "  live:\n    base_url: http://127.0.0.1:8002\n    promoted_from: canary\n",
    )
    config = build_config(config_path=path)
    assert [(t.name, t.health_url, t.promoted_from) for t in config.targets.values()] == [
        ("canary", "http://127.0.0.1:8001/api/health", None),
        ("live", "http://127.0.0.1:8002/health", "canary"),
    ]
    assert (config.interval, config.timeout) == (30.0, 2.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\ninterval: -5\n", "monitor.yml:2: interval"),
        (
            "version: 1\ntargets:\n  x:\n    base_url: ftp://host\n",
            "monitor.yml:4: targets.x.base_url",
        ),
        (
            "version: 1\ntargets:\n  x:\n    base_url: http://h\n    promoted_from: y\n",
            "monitor.yml:5: targets.x.promoted_from: unknown target 'y'",
        ),
        (
            "version: 1\ntargets:\n  x:\n    base_url: http://h\n    promoted_from: x\n",
            "monitor.yml:5: targets.x.promoted_from: a target cannot be promoted from itself",
        ),
        (
            "version: 1\ntargets:\n  x:\n    base_url: http://a:99999\n",
            "monitor.yml:4: targets.x.base_url: not an http(s) URL with a host and a valid port",
        ),
        ("version: 1\nsurprise: true\n", "Additional properties"),
        ("version: 2\n", "monitor.yml:1: version"),
        ("version: 1\n  bad: [\n", "monitor.yml"),
        ("- a list\n", "must be a YAML mapping"),
    ],
)
def test_broken_config_is_one_error_naming_file_line_field(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(DriftgateError) as caught:
        build_config(config_path=path)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_broken_url_is_never_echoed(tmp_path, capsys):
    path = write(tmp_path, "version: 1\ntargets:\n  x:\n    base_url: ftp://user:s3cret@host\n")
    assert main(["monitor", "--config", str(path), "--check-config"]) == 2
    assert main(["monitor", "--url", "staging=ftp://user:s3cret@host", "--check-config"]) == 2
    captured = capsys.readouterr()
    assert "s3cret" not in captured.out + captured.err
    assert captured.err.count("\n") == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  x:\n    base_url: http://a:99999\n", "monitor.yml:4: targets.x.base_url"),
        ("  x:\n    base_url: http://a:0\n", "monitor.yml:4: targets.x.base_url"),
        (
            "  x:\n    base_url: http://h\n    promoted_from: x\n",
            "monitor.yml:5: targets.x.promoted_from: a target cannot be promoted from itself",
        ),
        (
            "  x:\n    base_url: http://h\n  y:\n    base_url: http://h\n    promoted_from: z\n",
            "monitor.yml:7: targets.y.promoted_from: unknown target 'z'",
        ),
    ],
)
def test_check_config_file_errors_exit_2_with_one_line(tmp_path, capsys, text, message):
    path = write(tmp_path, "version: 1\ntargets:\n" + text)
    assert main(["monitor", "--config", str(path), "--check-config"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_check_config_ok(capsys):
    code = main(["monitor", "--url", "staging=http://127.0.0.1:8001", "--check-config"])
    out = capsys.readouterr().out
    assert code == 0
    assert out == "config OK: 2 targets (staging, production), listen 127.0.0.1:9687\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--url", "qa=http://127.0.0.1:1"], "unknown target 'qa'"),
        (["--url", "staging=file:///etc/passwd"], "not an http(s) URL"),
        (["--url", "staging=http://127.0.0.1:99999"], "not an http(s) URL"),
        (["--url", "staging"], "expected NAME=URL"),
        (["--listen", "localhost"], "expected HOST:PORT"),
        (["--interval", "0"], "--interval: must be a positive number"),
        (["--pack", "/nonexistent/pack.yaml"], "/nonexistent/pack.yaml"),
    ],
)
def test_check_config_errors_exit_2_with_one_line(capsys, argv, message):
    code = main(["monitor", *argv, "--check-config"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_busy_listen_address_is_a_one_line_error(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["monitor", "--listen", f"127.0.0.1:{port}"])
    assert code == 2
    assert "cannot listen" in capsys.readouterr().err


def test_parse_listen():
    assert parse_listen("[::1]:9687") == ("::1", 9687)
    assert parse_listen(":9687") == ("0.0.0.0", 9687)


def test_command_serves_and_stops_cleanly_on_sigterm():
    # Port 0: the exporter binds a free port itself and announces it.
    command = [*DRIFTGATE, "monitor", "--mode", "probe", "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=os.environ)
    try:
        pattern = r"listening on http://127\.0\.0\.1:(?P<port>\d+)/metrics"
        port = announced_port(process.stderr, pattern, seconds=30)
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/healthy", timeout=1) as r:
                    assert r.read() == b"OK\n"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the exporter never answered /-/healthy"
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_an_ipv6_listen_address_is_printed_in_brackets():
    command = [*DRIFTGATE, "monitor", "--mode", "probe", "--listen", "[::1]:0"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=os.environ)
    try:
        line = process.stderr.readline()
        port = int(line.rpartition("]:")[2].partition("/")[0])
        assert line.startswith("driftgate monitor: probe mode") and "http://[::1]:" in line
        with urllib.request.urlopen(f"http://[::1]:{port}/-/healthy", timeout=10) as answer:
            assert answer.read() == b"OK\n"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
