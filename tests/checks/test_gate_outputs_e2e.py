"""The gate's outputs end to end: contract bypass, GitHub summary and annotations,
Pushgateway, and the secrets canary searched in every output."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote, unquote

import pytest
from gate_helpers import NEW_SHA, OLD_SHA, read_json, target_args
from ports import free_port
from psycopg import conninfo

from driftgate.checks.pushgateway import push_verdict
from driftgate.policies.pack import DEFAULT_PACK
from driftgate.policies.sha import short_sha
from driftgate.reference_target import ReferenceTarget

CANARY_PASSWORD = "canary-pw-7f3e9a41"
CANARY_TOKEN = "canary-token-5b2c8d17"
REQUIREMENT_ID = "test_contracts.py::test_contract[active-buyers]"


@pytest.fixture
def contract_dsn(contract_schema, monkeypatch, clean_gate_env):
    """DRIFTGATE_DSN: the empty contract schema (no active buyers: a real contract FAIL),
    reached with a canary password (trust auth on the test server ignores it)."""
    dsn, schema = contract_schema
    planted = conninfo.make_conninfo(
        dsn, password=CANARY_PASSWORD, options=f"-csearch_path={schema}"
    )
    monkeypatch.setenv("DRIFTGATE_DSN", planted)
    return planted


@pytest.fixture
def github(tmp_path, monkeypatch, clean_gate_env):
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return summary


def run_gate(verify, production, staging, tmp_path, groups, *extra):
    artifact = tmp_path / "verify.json"
    code, out, err = verify(
        *target_args(production, staging, "--groups", groups, "--json-out", artifact, *extra)
    )
    return code, out, err, read_json(artifact)


def test_contract_failure_fails_the_gate(verify, production, staging, tmp_path, contract_dsn):
    code, out, _, document = run_gate(verify, production, staging, tmp_path, "health,contracts")
    assert code == 1
    assert REQUIREMENT_ID in document["failures"]
    contracts = document["contracts"]
    assert set(contracts) >= {"timestamp", "days", "strict", "buyer_filter", "results", "summary"}
    assert contracts["summary"]["fail"] >= 1 and contracts["bypassed"] is False
    assert contracts["results"][0]["status"] == "FAIL"
    assert "gate FAILED" in out


def test_bypass_passes_contract_failures_loudly(
    verify, production, staging, tmp_path, contract_dsn, github
):
    code, out, _, document = run_gate(
        verify, production, staging, tmp_path, "health,contracts", "--allow-contract-failure"
    )
    assert code == 0
    assert document["passed"] is True and document["bypassed"] is True
    bypassed = document["contracts"]["bypassed_contracts"]
    assert [c["contract_id"] for c in bypassed] == ["active-buyers"]
    assert document["contracts"]["bypassed"] is True
    assert "CONTRACT FAILURES BYPASSED (ALLOW_CONTRACT_FAILURE=true)" in out
    assert "::warning title=driftgate%3A contract failure BYPASSED::" + REQUIREMENT_ID in out
    assert "::warning title=driftgate%3A ALLOW_CONTRACT_FAILURE=true::" in out
    assert "::error" not in out
    summary = github.read_text("utf-8")
    assert "PASSED with contract failures BYPASSED" in summary
    assert "> [!WARNING]" in summary and "| active-buyers |" in summary


@pytest.mark.parametrize("broken", ["health", "promotion"])
def test_bypass_never_covers_health_or_promotion(
    verify, production, staging, tmp_path, contract_dsn, github, monkeypatch, broken
):
    monkeypatch.setenv("ALLOW_CONTRACT_FAILURE", "true")
    (production if broken == "health" else staging).sha = OLD_SHA
    code, out, _, document = run_gate(
        verify, production, staging, tmp_path, "health,promotion,contracts", "--deadline", "0.5"
    )
    assert code == 1
    assert document["passed"] is False and document["bypassed"] is False
    assert any(f.startswith(f"test_{broken}.py::") for f in document["failures"])
    assert REQUIREMENT_ID in document["failures"]
    assert f"::error title=driftgate verify::test_{broken}.py::" in out
    assert "FAILED" in github.read_text("utf-8")


def test_step_summary_and_annotations_on_failure(verify, production, staging, tmp_path, github):
    github.write_text("earlier step\n", "utf-8")
    production.set_mode("db-down")
    code, out, _, _ = run_gate(verify, production, staging, tmp_path, "health", "--deadline", "1")
    assert code == 1
    summary = github.read_text("utf-8")
    assert summary.startswith("earlier step\n## driftgate verify: production @ `94e9cbb0d1c2`")
    assert "| `test_health.py::test_healthy_with_database` | ❌ failed |" in summary
    assert "| `test_health.py::test_reachable` | ✅ passed |" in summary
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(errors) == 2  # the healthy-with-database part and the expected-SHA verdict
    assert "test_healthy_with_database: database_exists is not true" in errors[0]


def test_no_github_output_outside_actions(verify, production, staging, tmp_path):
    production.set_mode("db-down")
    code, out, _, _ = run_gate(verify, production, staging, tmp_path, "health", "--deadline", "0.5")
    assert code == 1 and "::error" not in out


@pytest.fixture
def pushgateway(tmp_path):
    """A real Prometheus Pushgateway on loopback."""
    port = free_port()
    process = subprocess.Popen(
        [
            "prometheus-pushgateway",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={tmp_path / 'pg.data'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/-/ready", timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("prometheus-pushgateway did not start on loopback", pytrace=False)
    yield url
    process.terminate()
    process.wait(timeout=5)


def metrics(url):
    with urllib.request.urlopen(url + "/metrics", timeout=2) as response:
        return response.read().decode()


def test_push_verdict_to_a_real_pushgateway(pushgateway):
    push_verdict(pushgateway, "production", NEW_SHA, passed=True, bypassed=False)
    text = metrics(pushgateway)
    labels = (
        'bypass_armed="false",instance="",job="driftgate_verify",kind="deploy",'
        'sha="94e9cbb",target="production"'
    )
    assert f"driftgate_verify_passed{{{labels}}} 1" in text
    assert f"driftgate_verify_contract_bypass{{{labels}}} 0" in text
    lines = text.splitlines()
    stamp = next(x for x in lines if x.startswith("driftgate_verify_timestamp_seconds{"))
    assert abs(float(stamp.split()[-1]) - time.time()) < 60


def sample(name, sha, target, value, bypass_armed="false"):
    labels = (
        f'bypass_armed="{bypass_armed}",instance="",job="driftgate_verify",kind="deploy",'
        f'sha="{sha}",target="{target}"'
    )
    return f"{name}{{{labels}}} {value}"


def test_verdicts_are_grouped_by_target_and_sha(pushgateway):
    """A failed gate for another SHA leaves the verdict of the SHA that runs in place."""
    push_verdict(pushgateway, "production", NEW_SHA, passed=True, bypassed=False)
    push_verdict(pushgateway, "production", OLD_SHA, passed=False, bypassed=False)
    push_verdict(pushgateway, "staging", NEW_SHA, passed=True, bypassed=True)
    text = metrics(pushgateway)
    new, old = short_sha(NEW_SHA), short_sha(OLD_SHA)
    assert sample("driftgate_verify_passed", new, "production", 1) in text
    assert sample("driftgate_verify_passed", old, "production", 0) in text
    assert sample("driftgate_verify_contract_bypass", new, "staging", 1) in text
    # One Pushgateway group per (target, sha): a re-verification replaces only its own.
    groups = {
        tuple(sorted(g["labels"].items()))
        for g in json.load(urllib.request.urlopen(pushgateway + "/api/v1/metrics", timeout=2))[
            "data"
        ]
    }
    assert groups == {
        (("job", "driftgate_verify"), ("sha", new), ("target", "production")),
        (("job", "driftgate_verify"), ("sha", old), ("target", "production")),
        (("job", "driftgate_verify"), ("sha", new), ("target", "staging")),
    }
    push_verdict(pushgateway, "production", OLD_SHA, passed=True, bypassed=False)
    text = metrics(pushgateway)
    assert sample("driftgate_verify_passed", old, "production", 1) in text
    assert sample("driftgate_verify_passed", new, "production", 1) in text


def test_gate_pushes_its_verdict(verify, production, staging, tmp_path, pushgateway):
    production.sha = OLD_SHA
    code, _, _, _ = run_gate(
        verify,
        production,
        staging,
        tmp_path,
        "health",
        "--deadline",
        "0.3",
        "--pushgateway",
        pushgateway,
    )
    assert code == 1
    pushed = 'job="driftgate_verify",kind="deploy",sha="94e9cbb",target="production"} 0'
    assert pushed in metrics(pushgateway)


def test_failed_push_is_a_warning_not_a_verdict(verify, production, staging, tmp_path, github):
    code, out, err, document = run_gate(
        verify,
        production,
        staging,
        tmp_path,
        "health",
        "--pushgateway",
        f"http://127.0.0.1:{free_port()}",
    )
    assert code == 0 and document["passed"] is True
    assert "driftgate: warning: push to Pushgateway failed" in err
    assert "::warning title=driftgate%3A Pushgateway::" in out


def test_secrets_canary_appears_in_no_output(production, tmp_path, contract_dsn):
    """A real process, every output: console, JUnit, JSON artifact, step summary.

    The token env var holds a canary, and a second "secret" is planted that is a
    phrase the promotion failure really prints, to prove the scrubbing itself.
    """
    with ReferenceTarget(sha=OLD_SHA) as staging:
        summary, artifact, junit = (tmp_path / n for n in ("summary.md", "v.json", "j.xml"))
        env = {
            **os.environ,
            "DRIFTGATE_DSN": contract_dsn,
            "DRIFTGATE_API_TOKEN": CANARY_TOKEN,
            "PLANTED_SECRET": "must already run",
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        for name in ("GITHUB_SHA", "ALLOW_CONTRACT_FAILURE", "DRIFTGATE_GROUPS"):
            env.pop(name, None)
        command = [
            sys.executable,
            "-m",
            "driftgate",
            "verify",
            *target_args(production, staging),
            "--groups",
            "health,promotion,contracts",
            "--deadline",
            "0.5",
            "--token-env",
            "DRIFTGATE_API_TOKEN",
            "--json-out",
            str(artifact),
            "--junitxml",
            str(junit),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        # The planted phrase only becomes a secret for a second run that names it.
        command[command.index("DRIFTGATE_API_TOKEN")] = "PLANTED_SECRET"
        planted = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and planted.returncode == 1, done.stdout + done.stderr
    outputs = {
        "console": done.stdout + done.stderr + planted.stdout + planted.stderr,
        "junit": junit.read_text("utf-8"),
        "artifact": artifact.read_text("utf-8"),
        "summary": summary.read_text("utf-8"),
    }
    assert "must already run" in done.stdout  # the phrase is real output when not secret
    for name, text in outputs.items():
        assert CANARY_TOKEN not in text, name
        assert CANARY_PASSWORD not in text, name
        assert "***" in text, name  # the planted phrase was scrubbed from this output
    assert "must already run" not in planted.stdout + planted.stderr
    assert "must already run" not in outputs["junit"] + outputs["artifact"]


def _pack_with_a_leaking_contract(tmp_path, leaked):
    """The bundled pack, its contracts replaced by one that WARNs showing `leaked` values.

    A contract's rows reach its message, hence the annotation, the JUnit property,
    the artifact and the summary: the worst case of a secret in a library error.
    """
    bundled = DEFAULT_PACK.read_text("utf-8")
    head = bundled[: bundled.index("\ncontracts:")]
    selects = " UNION ALL ".join(
        f"SELECT '{value.replace('%', '%%')}' AS leaked" for value in leaked
    )
    pack = tmp_path / "leaky.yaml"
    pack.write_text(
        head
        + "\ncontracts:\n  catalogue:\n    - id: C-LEAK-001\n      name: leaky\n"
        + f'      queries:\n        - sql: "{selects}"\n'
        + "          warn_if_rows: 'leaked {rows}'\n",
        "utf-8",
    )
    return pack


@pytest.mark.parametrize(
    ("dsn_form", "password"),
    [
        ("key=value", "p%40ss-canary-kv"),  # libpq keeps it as written: %40 is no escape here
        ("key=value", "pc%t-canary-kv2"),
        ("url", "p%w@rd-canary-url"),  # written URL-encoded in the DSN
    ],
)
def test_secrets_with_percent_reach_no_output_annotations_included(
    production, tmp_path, dsn_form, password
):
    """Passwords with `%`, URL-encoded and key=value: scrubbed before any escaping."""
    server = "host=127.0.0.1 port=5432 dbname=test user=postgres"
    if dsn_form == "url":
        dsn = f"postgresql://postgres:{quote(password, safe='')}@127.0.0.1:5432/test"
    else:
        dsn = f"{server} password={password}"
    token = "tok%en-canary%25x"
    leaked = [password, quote(password, safe=""), token]
    pack = _pack_with_a_leaking_contract(tmp_path, leaked)
    summary, artifact, junit = (tmp_path / n for n in ("summary.md", "v.json", "j.xml"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTGATE_", "GITHUB_"))}
    env.pop("ALLOW_CONTRACT_FAILURE", None)
    env.update(
        DRIFTGATE_DSN=dsn,
        DRIFTGATE_API_TOKEN=token,
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
    )
    command = [
        *(sys.executable, "-m", "driftgate", "verify", "--pack", str(pack)),
        *("--target", "production", "--expected-sha", NEW_SHA, "--base-url", production.url),
        *("--groups", "contracts", "--json-out", str(artifact), "--junitxml", str(junit)),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    console = done.stdout + done.stderr
    warnings = [line for line in done.stdout.splitlines() if line.startswith("::warning")]
    assert any("C-LEAK-001" in line for line in warnings), console  # the WARN was annotated
    outputs = {
        "console": console,
        # What GitHub shows: the annotation's data with its escaping undone.
        "annotations": "\n".join(unquote(line) for line in warnings),
        "junit": junit.read_text("utf-8"),
        "artifact": artifact.read_text("utf-8"),
        "summary": summary.read_text("utf-8"),
    }
    for name, text in outputs.items():
        for secret in {*leaked, unquote(password), "tok%en-canary%x"}:
            assert secret not in text, (name, secret)
        assert "leaked ***" in text, name  # the message itself survived, scrubbed


def test_an_armed_bypass_is_said_even_when_nothing_fails(
    verify, production, staging, tmp_path, github, pushgateway
):
    code, out, _, document = run_gate(
        verify,
        production,
        staging,
        tmp_path,
        "health",
        "--allow-contract-failure",
        "--pushgateway",
        pushgateway,
    )
    assert code == 0 and document["passed"] is True and document["bypassed"] is False
    assert document["bypass_armed"] is True
    assert "ALLOW_CONTRACT_FAILURE=true is armed" in out
    assert "ALLOW_CONTRACT_FAILURE=true is armed for this run" in github.read_text("utf-8")
    text = metrics(pushgateway)
    sha = short_sha(NEW_SHA)
    assert sample("driftgate_verify_passed", sha, "production", 1, bypass_armed="true") in text
    assert sample("driftgate_verify_contract_bypass", sha, "production", 0, "true") in text


def test_an_unarmed_bypass_is_recorded_as_such(verify, production, staging, tmp_path, pushgateway):
    code, out, _, document = run_gate(
        verify, production, staging, tmp_path, "health", "--pushgateway", pushgateway
    )
    assert code == 0 and document["bypass_armed"] is False
    assert "is armed" not in out
    text = metrics(pushgateway)
    assert sample("driftgate_verify_passed", short_sha(NEW_SHA), "production", 1) in text
