"""`driftgate verify` end to end against reference targets on loopback.

A deploy that flips mid-poll passes; one that never flips fails at the
deadline; production fails when staging runs another SHA; exit codes 0/1/2;
the JSON artifact; and the servers only ever saw GET.
"""

import time

import pytest
from gate_helpers import NEW_SHA, OLD_SHA, read_json, target_args

from driftgate.reference_target import ReferenceTarget

HEALTH_IDS = [
    "test_health.py::test_reachable",
    "test_health.py::test_payload_shape",
    "test_health.py::test_sha_parseable",
    "test_health.py::test_version_agrees",
    "test_health.py::test_healthy_with_database",
    "test_health.py::test_answers_expected_sha",
    "test_health.py::test_time_recorded",
]
PROMOTION_ID = "test_promotion.py::test_promotion_source_runs_expected_sha"


def gate(verify, production, staging, tmp_path, groups, *extra):
    """Run the gate on production (staging as its source): (code, console, artifact or None)."""
    artifact = tmp_path / "verify.json"
    args = target_args(production, staging, "--groups", groups, "--json-out", artifact, *extra)
    code, out, err = verify(*args)
    return code, out + err, read_json(artifact) if artifact.exists() else None


def outcomes(document):
    return {check["id"]: check["outcome"] for check in document["checks"]}


def test_deploy_flipping_mid_poll_passes(verify, production, staging, tmp_path):
    production.sha = OLD_SHA
    production.deploy(NEW_SHA, after=0.4, downtime=0.2)
    code, out, document = gate(
        verify, production, staging, tmp_path, "health,promotion", "--deadline", "5"
    )
    assert code == 0, out
    assert document["passed"] is True and document["bypassed"] is False
    assert outcomes(document) == {**dict.fromkeys(HEALTH_IDS, "passed"), PROMOTION_ID: "passed"}
    assert document["deployed"]["git_sha"] == NEW_SHA[:8]
    # The poll starts a moment after deploy() was called, so only the order is certain:
    # the old SHA answered first, then (maybe a refusal, then) the new one.
    assert 0 < document["timings"]["seconds_to_verdict"] <= 3.0
    health = dict(
        next(c for c in document["checks"] if c["id"].endswith("test_answers_expected_sha"))[
            "properties"
        ]
    )["health"]
    answers = [summary for _, summary in health["history"]]
    assert answers[-1] == f"healthy with {NEW_SHA[:8]}" and len(answers) >= 2
    assert f"time to verdict: {document['timings']['seconds_to_verdict']} s; total" in out
    assert "gate PASSED" in out
    assert production.methods_seen() == {"GET"} and staging.methods_seen() == {"GET"}


def test_deploy_that_never_flips_fails_at_the_deadline(verify, production, staging, tmp_path):
    production.sha = OLD_SHA
    artifact = tmp_path / "verify.json"
    started = time.monotonic()
    code, out, _ = verify(
        *target_args(production, staging, "--groups", "health", "--json-out", artifact)
    )
    elapsed = time.monotonic() - started
    assert code == 1
    assert elapsed < 2 * 5  # the 2 s deadline, with room for a loaded machine (default: 120 s)
    document = read_json(artifact)
    results = outcomes(document)
    assert results["test_health.py::test_answers_expected_sha"] == "failed"
    assert results["test_health.py::test_healthy_with_database"] == "passed"
    assert document["failures"] == ["test_health.py::test_answers_expected_sha"]
    failed = next(c for c in document["checks"] if c["outcome"] == "failed")
    assert f"deployed SHA {OLD_SHA[:8]} is not the expected {NEW_SHA}" in failed["message"]
    assert document["deployed"]["git_sha"] == OLD_SHA[:8]
    assert "no verdict: the expected SHA did not answer healthy in " in out
    assert document["timings"]["seconds_to_verdict"] is None
    assert "test_answers_expected_sha" in out and "gate FAILED" in out


def test_production_fails_when_staging_runs_another_sha(verify, production, tmp_path):
    with ReferenceTarget(sha=OLD_SHA) as staging:
        artifact = tmp_path / "verify.json"
        code, out, _ = verify(
            *target_args(
                production, staging, "--groups", "health,promotion", "--json-out", artifact
            )
        )
    assert code == 1
    document = read_json(artifact)
    assert document["failures"] == [PROMOTION_ID]
    promotion = document["deployed"]["promotion"]
    assert promotion["source"] == "staging" and promotion["deployed_sha"] == OLD_SHA[:8]
    assert "promotion: staging" in out and "must already run" in out


def test_staging_has_no_promotion_source(verify, staging, tmp_path):
    artifact = tmp_path / "verify.json"
    code, _, _ = verify(
        "--target",
        "staging",
        "--expected-sha",
        NEW_SHA,
        "--base-url",
        staging.url,
        "--groups",
        "promotion",
        "--json-out",
        artifact,
    )
    assert code == 0
    document = read_json(artifact)
    assert document["deployed"]["promotion"] == {
        "source": None,
        "note": "staging has no promotion source",
    }


@pytest.mark.parametrize(
    ("mode", "failing"),
    [
        ("db-down", "test_healthy_with_database"),
        ("unknown", "test_sha_parseable"),
        ("disagree", "test_version_agrees"),
        ("wrong-types", "test_payload_shape"),
        ("garbage", "test_reachable"),
    ],
)
def test_each_health_part_fails_under_its_own_id(
    verify, production, staging, tmp_path, mode, failing
):
    production.set_mode(mode)
    artifact = tmp_path / "verify.json"
    code, _, _ = verify(
        *target_args(
            production, staging, "--groups", "health", "--deadline", "0.5", "--json-out", artifact
        )
    )
    assert code == 1
    results = outcomes(read_json(artifact))
    assert results[f"test_health.py::{failing}"] == "failed"
    # With no payload at all, the verdict is not checked (test_reachable says why).
    verdict = "not_checked" if failing == "test_reachable" else "failed"
    assert results["test_health.py::test_answers_expected_sha"] == verdict
    assert results["test_health.py::test_time_recorded"] == "passed"


def test_a_dead_target_gives_its_root_cause_once(verify, production, staging, tmp_path):
    production.set_mode("refused")
    artifact = tmp_path / "verify.json"
    code, out, _ = verify(
        *target_args(production, staging, "--groups", "health,api", "--json-out", artifact)
    )
    assert code == 1
    document = read_json(artifact)
    results = outcomes(document)
    assert [check for check, outcome in results.items() if outcome == "failed"] == [
        "test_health.py::test_reachable"
    ]
    dependent = [check for check, outcome in results.items() if outcome == "not_checked"]
    assert set(dependent) >= {
        "test_health.py::test_payload_shape",
        "test_health.py::test_sha_parseable",
        "test_health.py::test_version_agrees",
        "test_health.py::test_healthy_with_database",
        "test_health.py::test_answers_expected_sha",
        "test_api.py::test_openapi_loads",
    }
    table = out[out.index("driftgate verify: production") : out.index("gate FAILED")]
    assert table.count("Connection refused") == 1, table
    assert table.count("not checked because health failed") == len(dependent)
    assert table.count(" FAILED ") == 1  # test_reachable's row only


def test_the_footer_times_the_poll_when_only_the_api_group_ran(
    verify, production, staging, tmp_path
):
    production.set_mode("db-down")  # never healthy: the poll runs to its deadline
    code, out, _ = verify(*target_args(production, staging, "--groups", "api", "--deadline", "0.6"))
    assert code == 1
    assert "health not polled" not in out
    assert "no verdict: the expected SHA did not answer healthy in " in out


def test_a_long_reason_is_wrapped_never_cut(verify, production, staging, tmp_path):
    production.set_mode("redirect")
    code, out, _ = verify(*target_args(production, staging, "--groups", "health"))
    assert code == 1
    row = out[out.index("test_health.py::test_reachable") :].split("test_health.py::test_payload")[
        0
    ]
    assert "…" not in row
    assert "not followed" in " ".join(row.split())  # the reason, at the end of a long message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "prod", "--expected-sha", NEW_SHA], "unknown target 'prod'"),
        (["--target", "production", "--expected-sha", "not-a-sha"], "not a commit SHA"),
        (
            ["--target", "production", "--expected-sha", NEW_SHA, "--base-url", "file:///etc"],
            "--base-url: not an http(s) URL",
        ),
        (["--target", "production", "--expected-sha", NEW_SHA, "--deadline", "0"], "--deadline"),
        (["--target", "production", "--expected-sha", NEW_SHA, "--groups", "smoke"], "--groups"),
        (["--target", "production"], "no expected SHA"),
        (
            ["--target", "staging", "--expected-sha", NEW_SHA, "--groups", "host"],
            "the host group needs --host",
        ),
        (
            ["--target", "staging", "--expected-sha", NEW_SHA, "--groups", "host"]
            + ["--host", "bogus://x"],
            "--host 'bogus://x': use ssh://",
        ),
        (
            ["--target", "staging", "--expected-sha", NEW_SHA, "--groups", "contracts"]
            + ["--dsn-env", "NO_SUCH_DSN_VARIABLE"],
            "the contracts group needs a PostgreSQL DSN in $NO_SUCH_DSN_VARIABLE",
        ),
    ],
)
def test_config_errors_exit_2_with_one_line(verify, tmp_path, args, message):
    artifact = tmp_path / "verify.json"
    code, out, err = verify(*args, "--json-out", artifact)
    assert code == 2
    assert err.startswith("driftgate: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == "" and not artifact.exists()


def test_usage_error_exits_2(capsys):
    from driftgate.cli import main

    with pytest.raises(SystemExit) as info:
        main(["verify", "--no-such-option"])
    assert info.value.code == 2


def test_expected_sha_from_github_sha(verify, production, staging, monkeypatch):
    monkeypatch.setenv("GITHUB_SHA", NEW_SHA)
    code, _, err = verify(
        "--target", "staging", "--base-url", staging.url, "--groups", "health", "--deadline", "1"
    )
    assert code == 0, err


def test_junit_names_each_check(verify, production, staging, tmp_path):
    import xml.etree.ElementTree as ElementTree

    junit = tmp_path / "verify.xml"
    code, _, document = gate(
        verify, production, staging, tmp_path, "health,promotion", "--junitxml", junit
    )
    assert code == 0
    cases = ElementTree.parse(junit).getroot().iter("testcase")
    names = {f"{case.get('classname')}.py::{case.get('name')}" for case in cases}
    assert names == set(outcomes(document)) == {*HEALTH_IDS, PROMOTION_ID}


def test_unwritable_artifact_fails_closed(verify, production, staging, tmp_path):
    missing_dir = tmp_path / "no-such-dir" / "verify.json"
    args = target_args(production, staging, "--groups", "health", "--json-out", missing_dir)
    code, _, err = verify(*args)
    assert code == 1
    assert "driftgate: error: cannot write --json-out: FileNotFoundError" in err
    assert "Traceback" not in err
