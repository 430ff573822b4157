"""`driftgate verify --adopt`: the first rollout vouches for what already runs.

Reference targets on loopback and a real Pushgateway. The SHA the target
answers becomes the expected SHA, every selected group checks it, promotion
is waived (skipped, saying so), and the verdict is pushed with kind="adopt".
An answer with no healthy SHA adopts nothing: exit 1, no check run, no
verdict pushed. Everything stays read-only: the targets only ever see GET.
"""

import urllib.request

import pytest
from gate_helpers import FAST, NEW_SHA, OLD_SHA, read_json
from psycopg import conninfo

from driftgate.checks.adopt import ADOPTION_CHECK, PROMOTION_WAIVED
from driftgate.checks.pushgateway import push_verdict
from driftgate.reference_target import ReferenceTarget

PROMOTION_ID = "test_promotion.py::test_promotion_source_runs_expected_sha"


@pytest.fixture
def staging_elsewhere():
    """Staging runs another SHA: a promotion check that asked it would fail."""
    with ReferenceTarget(sha=OLD_SHA) as target:
        yield target


def adopt(verify, production, staging, tmp_path, *extra):
    artifact = tmp_path / "verify.json"
    code, out, err = verify(
        *("--target", "production", "--adopt", "--base-url", production.url),
        *("--url", f"staging={staging.url}", "--json-out", artifact, *FAST, *extra),
    )
    return code, out, err, read_json(artifact)


def pushed_metrics(gateway):
    with urllib.request.urlopen(gateway + "/metrics", timeout=5) as answer:
        return answer.read().decode()


def adopt_series(sha, value):
    return (
        'driftgate_verify_passed{bypass_armed="false",instance="",job="driftgate_verify",'
        f'kind="adopt",sha="{sha[:7]}",target="production"}} {value}'
    )


def test_adopting_a_healthy_target_pushes_a_passing_adopt_verdict(
    verify, production, staging_elsewhere, tmp_path, runner, gateway, monkeypatch
):
    output, summary = runner
    monkeypatch.setenv("GITHUB_SHA", OLD_SHA)  # the runner's SHA is not what runs: ignored
    code, out, err, document = adopt(
        verify,
        production,
        staging_elsewhere,
        tmp_path,
        *("--groups", "health,promotion", "--pushgateway", gateway),
    )
    assert code == 0, out + err
    assert document["kind"] == "adopt" and document["passed"] is True
    assert document["expected_sha"] == NEW_SHA[:8]  # the reference target's git_sha
    adoption = document["adoption"]
    assert adoption["adopted"] is True and adoption["sha"] == NEW_SHA[:8]
    assert adoption["url"] == production.url + "/health" and adoption["problem"] is None
    promotion = next(c for c in document["checks"] if c["id"] == PROMOTION_ID)
    assert promotion["outcome"] == "skipped"
    assert promotion["message"].startswith(PROMOTION_WAIVED)
    assert document["deployed"]["promotion"]["waived"] is True
    health = [c for c in document["checks"] if c["group"] == "health"]
    assert health and all(c["outcome"] == "passed" for c in health)
    assert f"driftgate verify: production, adoption of {NEW_SHA[:8]}" in out
    assert "(adoption of what already runs): PASSED" in summary.read_text()
    assert output.read_text().endswith("verdict=pass\n")
    metrics = pushed_metrics(gateway)
    assert adopt_series(NEW_SHA, 1) in metrics
    assert OLD_SHA[:7] not in metrics
    assert production.methods_seen() == {"GET"}
    assert staging_elsewhere.requests == []  # promotion waived: staging never asked


def test_an_adopted_sha_that_fails_a_check_pushes_a_failing_adopt_verdict(
    verify, production, staging, tmp_path, gateway, monkeypatch, contract_schema
):
    """The read found a healthy SHA; the contracts then FAIL on an empty schema."""
    dsn, schema = contract_schema
    monkeypatch.setenv(
        "DRIFTGATE_DSN", conninfo.make_conninfo(dsn, options=f"-csearch_path={schema}")
    )
    code, out, err, document = adopt(
        verify,
        production,
        staging,
        tmp_path,
        *("--groups", "health,contracts", "--pushgateway", gateway),
    )
    assert code == 1, out + err
    assert document["kind"] == "adopt" and document["adoption"]["adopted"] is True
    assert document["failures"] and all("test_contracts.py" in f for f in document["failures"])
    assert adopt_series(NEW_SHA, 0) in pushed_metrics(gateway)
    assert production.methods_seen() == {"GET"}


@pytest.mark.parametrize(
    ("mode", "problem"),
    [
        ("unknown", "git_sha 'unknown' is not a SHA (7 to 40 hex)"),
        ("refused", "refused: cannot connect"),
        ("db-down", "database_exists is not true"),
        ("disagree", "disagrees with git_sha"),
        ("slow", "timeout: no answer before the deadline"),
    ],
)
def test_nothing_to_adopt_fails_closed_and_pushes_nothing(
    verify, production, staging, tmp_path, runner, gateway, mode, problem
):
    output, summary = runner
    push_verdict(gateway, "production", OLD_SHA, passed=True, bypassed=False)  # untouched
    production.set_mode(mode)
    code, out, err, document = adopt(
        verify,
        production,
        staging,
        tmp_path,
        *("--pushgateway", gateway, "--probe-timeout", "0.5", "--groups", "health,promotion"),
    )
    assert code == 1, out + err
    assert document["passed"] is False and document["kind"] == "adopt"
    assert document["expected_sha"] is None and document["adoption"]["adopted"] is False
    assert problem in document["adoption"]["problem"]
    assert [c["id"] for c in document["checks"]] == [ADOPTION_CHECK]  # nothing else ran
    assert document["failures"] == [ADOPTION_CHECK]
    assert problem in document["checks"][0]["message"]
    assert "gave no SHA to adopt" in out
    assert "no verdict pushed: the adoption found no SHA to adopt" in err
    assert "(adoption: no SHA to adopt): FAILED" in summary.read_text()
    assert output.read_text().endswith("verdict=fail\n")
    metrics = pushed_metrics(gateway)
    assert 'kind="adopt"' not in metrics
    assert f'sha="{OLD_SHA[:7]}"' in metrics
    assert production.methods_seen() <= {"GET"}  # "refused" saw nothing at all
    assert staging.requests == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--expected-sha", NEW_SHA], "--adopt takes no --expected-sha"),
        (["--rollback-from", OLD_SHA], "--adopt and --rollback-from exclude each other"),
        (["--adopt", "maybe"], "--adopt: expected true or false, got 'maybe'"),
    ],
)
def test_adopt_usage_errors(verify, production, extra, message):
    code, out, err = verify(
        "--target", "production", "--adopt", "--base-url", production.url, *extra
    )
    assert code == 2 and out == ""
    assert message in err and len(err.splitlines()) == 1
    assert production.requests == []  # refused before anything ran


def test_adopt_refuses_the_expected_sha_from_the_environment(verify, production, monkeypatch):
    monkeypatch.setenv("DRIFTGATE_EXPECTED_SHA", NEW_SHA)
    code, out, err = verify("--target", "production", "--adopt", "--base-url", production.url)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "--adopt takes no --expected-sha (or DRIFTGATE_EXPECTED_SHA)" in err
