"""examples/monitoring/: every file is checked by the tool that reads it, where one runs here."""

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import yaml

from driftgate.cli import build_parser, main
from driftgate.monitor.rules import RULES_FILE

EXAMPLES = Path(__file__).parents[2] / "examples" / "monitoring"
GOLDEN = Path(__file__).parent / "golden" / "metrics.prom"
PUSHED = {
    "driftgate_verify_passed",
    "driftgate_verify_contract_bypass",
    "driftgate_verify_timestamp_seconds",
}


def known_series():
    """Every driftgate series name: the golden exposition, the recording rules, the pushes."""
    names = set(re.findall(r"^(driftgate_\w+?)(?:\{| )", GOLDEN.read_text(), re.MULTILINE))
    rules = yaml.safe_load(RULES_FILE.read_text())["groups"][0]["rules"]
    return names | {rule["record"] for rule in rules if "record" in rule} | PUSHED


def test_prometheus_config_passes_promtool(promtool, tmp_path):
    shutil.copy(EXAMPLES / "prometheus.yml", tmp_path)
    shutil.copy(RULES_FILE, tmp_path)
    done = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 17 rules found" in done.stdout


def test_monitor_config_example_is_valid(capsys):
    assert main(["monitor", "--config", str(EXAMPLES / "monitor.yml"), "--check-config"]) == 0
    assert "2 targets (staging, production)" in capsys.readouterr().out


def test_dashboard_queries_only_known_series():
    dashboard = json.loads((EXAMPLES / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    exprs += [a["expr"] for a in dashboard["annotations"]["list"]]
    used = {
        name for expr in exprs for name in re.findall(r"\b(?:target_\w+:)?driftgate[\w:]*", expr)
    }
    assert "driftgate_deployed_info" in used and "driftgate_health_ok" in used
    assert used <= known_series()


def _dashboard_exprs():
    dashboard = json.loads((EXAMPLES / "grafana-dashboard.json").read_text())
    panels = {panel["title"]: panel for panel in dashboard["panels"]}
    verdicts = panels["Latest gate verdict per target (Pushgateway)"]["targets"]
    (deploys,) = [a for a in dashboard["annotations"]["list"] if a["name"] == "Deploys"]
    exprs = {t["refId"]: t["expr"] for t in verdicts} | {"deploys": deploys["expr"]}
    return {key: expr.replace("$target", ".*") for key, expr in exprs.items()}


def test_dashboard_verdicts_and_deploy_marks_in_promtool(promtool, tmp_path):
    """The verdict table has one row per target (its newest verdict), and the Deploys
    annotation marks a SHA change, not an exporter restart."""
    exprs = _dashboard_exprs()
    verdict = 'driftgate_{}{{job="driftgate_verify", target="{}", sha="{}"}}'
    exporter = 'driftgate_deploys_observed_total{job="driftgate", instance="m:9687", target="%s"}'
    series = [
        (verdict.format("verify_passed", "production", "aaaaaaa"), "1x20"),
        (verdict.format("verify_timestamp_seconds", "production", "aaaaaaa"), "100x20"),
        (verdict.format("verify_contract_bypass", "production", "aaaaaaa"), "0x20"),
        (verdict.format("verify_passed", "production", "bbbbbbb"), "0x20"),
        (verdict.format("verify_timestamp_seconds", "production", "bbbbbbb"), "200x20"),
        (verdict.format("verify_contract_bypass", "production", "bbbbbbb"), "0x20"),
        (verdict.format("verify_passed", "staging", "ccccccc"), "1x20"),
        (verdict.format("verify_timestamp_seconds", "staging", "ccccccc"), "150x20"),
        (verdict.format("verify_contract_bypass", "staging", "ccccccc"), "1x20"),
        # production's exporter restarts at 5m (7 -> 0); staging deploys at 5m (2 -> 3).
        (exporter % "production", "7 7 7 7 7 0 0 0 0 0"),
        (exporter % "staging", "2 2 2 2 2 3 3 3 3 3"),
    ]

    def rows(values):
        return [{"labels": labels, "value": value} for labels, value in values]

    tests = [
        {
            "interval": "1m",
            "input_series": [{"series": name, "values": values} for name, values in series],
            "promql_expr_test": [
                {
                    "expr": exprs["A"],
                    "eval_time": "10m",
                    "exp_samples": rows(
                        [
                            ('{target="production", sha="bbbbbbb"}', 0),
                            ('{target="staging", sha="ccccccc"}', 1),
                        ]
                    ),
                },
                {
                    "expr": exprs["B"],
                    "eval_time": "10m",
                    "exp_samples": rows(
                        [
                            ('{target="production", sha="bbbbbbb"}', 0),
                            ('{target="staging", sha="ccccccc"}', 1),
                        ]
                    ),
                },
                {
                    "expr": exprs["C"],
                    "eval_time": "10m",
                    "exp_samples": rows(
                        [
                            ('{target="production", sha="bbbbbbb"}', 200000),
                            ('{target="staging", sha="ccccccc"}', 150000),
                        ]
                    ),
                },
                {
                    "expr": "count(" + exprs["deploys"] + ")",
                    "eval_time": "6m",
                    "exp_samples": rows([("{}", 1)]),
                },
                {
                    "expr": "(" + exprs["deploys"] + ") * 0",
                    "eval_time": "6m",
                    "exp_samples": rows(
                        [('{job="driftgate", instance="m:9687", target="staging"}', 0)]
                    ),
                },
            ],
        }
    ]
    (tmp_path / "dashboard.test.yml").write_text(yaml.safe_dump({"tests": tests}))
    done = subprocess.run(
        [promtool, "test", "rules", "dashboard.test.yml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_alertmanager_routes_name_real_alerts():
    config = yaml.safe_load((EXAMPLES / "alertmanager.yml").read_text())
    alerts = {
        rule["alert"]
        for rule in yaml.safe_load(RULES_FILE.read_text())["groups"][0]["rules"]
        if "alert" in rule
    }
    text = json.dumps(config)
    for name in re.findall(r"Driftgate[A-Za-z]+", text):
        assert name in alerts, name
    receivers = {receiver["name"] for receiver in config["receivers"]}
    assert {route["receiver"] for route in config["route"]["routes"]} <= receivers


def _driftgate_argv(command_line):
    argv = shlex.split(command_line)
    return argv[argv.index("monitor") :]


def test_systemd_unit_says_where_its_binary_comes_from():
    unit = (EXAMPLES / "driftgate-monitor.service").read_text()
    binary = re.search(r"^ExecStart=(\S+)", unit, re.MULTILINE).group(1)
    venv = binary.removesuffix("/bin/driftgate")
    comments = "\n".join(line for line in unit.splitlines() if line.startswith("#"))
    assert f"python3 -m venv {venv}" in comments and f"{venv}/bin/pip install" in comments
    assert "docs/install.md" in comments


def test_systemd_unit_and_dockerfile_use_real_options():
    unit = (EXAMPLES / "driftgate-monitor.service").read_text()
    commands = re.findall(r"^ExecStart(?:Pre)?=(.+)$", unit, re.MULTILINE)
    dockerfile = (EXAMPLES / "Dockerfile").read_text()
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (.+)$", dockerfile, re.MULTILINE).group(1))
    cmd = json.loads(re.search(r"^CMD (.+)$", dockerfile, re.MULTILINE).group(1))
    argvs = [_driftgate_argv(c) for c in commands] + [entrypoint[1:] + cmd]
    assert len(argvs) == 3
    for argv in argvs:
        args = build_parser().parse_args(argv)  # argparse exits 2 on an unknown option
        assert args.command == "monitor"
