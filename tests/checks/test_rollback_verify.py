"""`driftgate verify` remembers what ran before, and verifies rollbacks.

Reference targets on loopback and a real Pushgateway (the gate's records).
previous_sha reaches the artifact, the step summary and $GITHUB_OUTPUT; it
comes from the health poll, else from the records, else is null. A rollback
(--rollback-from) to a SHA that passed the gate on this target before needs
no promotion, and its verdict is pushed with kind="rollback"; when the
records cannot be read, the gate says so and asks staging as for any deploy.
"""

import threading
import time
import urllib.request

import pytest
from gate_helpers import NEW_SHA, OLD_SHA, read_json, target_args
from ports import free_port

from driftgate.checks.pushgateway import push_verdict

PROMOTION_ID = "test_promotion.py::test_promotion_source_runs_expected_sha"


def flip_after_first_poll(target, sha):
    """Deploy `sha` once the gate has seen the old SHA answer (however slow its start)."""

    def watch():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(path == "/health" for _, path in list(target.requests)):
                target.deploy(sha, after=0.2)
                return
            time.sleep(0.01)

    threading.Thread(target=watch, daemon=True).start()


def gate(verify, production, staging, tmp_path, *extra, expected=NEW_SHA):
    artifact = tmp_path / "verify.json"
    args = target_args(production, staging, "--json-out", artifact, *extra)
    args[args.index("--expected-sha") + 1] = expected
    code, out, err = verify(*args)
    return code, out + err, read_json(artifact)


def test_previous_sha_seen_by_the_poll_reaches_every_output(
    verify, production, staging, tmp_path, runner
):
    output, summary = runner
    production.sha = OLD_SHA
    flip_after_first_poll(production, NEW_SHA)
    code, out, document = gate(
        verify, production, staging, tmp_path, "--groups", "health", "--deadline", "5"
    )
    assert code == 0, out
    assert document["previous_sha"] == OLD_SHA[:8]
    assert document["previous_sha_source"] == "health"
    assert document["kind"] == "deploy" and document["rollback_from"] is None
    assert output.read_text() == f"previous_sha={OLD_SHA[:8]}\nverdict=pass\n"
    assert (
        f"Previous SHA: `{OLD_SHA[:8]}` (answered healthy before the expected SHA)."
        in summary.read_text()
    )


def test_a_failed_gate_names_the_sha_that_answered_before(
    verify, production, staging, tmp_path, runner
):
    output, _ = runner
    production.sha = OLD_SHA  # never flips
    code, _, document = gate(verify, production, staging, tmp_path, "--groups", "health")
    assert code == 1
    assert document["previous_sha"] == OLD_SHA[:8]
    assert output.read_text() == f"previous_sha={OLD_SHA[:8]}\nverdict=fail\n"


def test_no_previous_sha_when_nothing_else_answered_healthy(
    verify, production, staging, tmp_path, runner
):
    output, summary = runner
    production.set_mode("db-down")  # the new SHA answers, unhealthy; nothing else answered
    code, _, document = gate(
        verify, production, staging, tmp_path, "--groups", "health", "--deadline", "0.5"
    )
    assert code == 1
    assert document["previous_sha"] is None and document["previous_sha_source"] is None
    assert output.read_text() == "previous_sha=\nverdict=fail\n"
    assert "Previous SHA: none known: nothing to roll back to." in summary.read_text()


def test_previous_sha_from_the_records_when_the_poll_saw_none(
    verify, production, staging, tmp_path, runner, gateway
):
    output, summary = runner
    push_verdict(gateway, "production", OLD_SHA, passed=True, bypassed=False)
    push_verdict(gateway, "production", "cafe0001", passed=True, bypassed=True)  # never good
    production.set_mode("db-down")
    code, _, document = gate(
        verify,
        production,
        staging,
        tmp_path,
        *("--groups", "health", "--deadline", "0.5", "--pushgateway", gateway),
    )
    assert code == 1
    assert (document["previous_sha"], document["previous_sha_source"]) == (OLD_SHA[:7], "records")
    assert output.read_text() == f"previous_sha={OLD_SHA[:7]}\nverdict=fail\n"
    assert "from its records" in summary.read_text()


def test_previous_sha_note_when_the_records_cannot_be_read(
    verify, production, staging, tmp_path, runner
):
    production.set_mode("db-down")
    dead = f"http://127.0.0.1:{free_port()}"
    code, _, document = gate(
        verify,
        production,
        staging,
        tmp_path,
        *("--groups", "health", "--deadline", "0.5", "--prometheus", dead),
    )
    assert code == 1 and document["previous_sha"] is None
    assert document["previous_sha_note"].startswith(
        f"the gate's records cannot be read: {dead}: cannot connect:"
    )
    assert "the gate's records cannot be read" in runner[1].read_text()


def failure_message(document):
    return next(c["message"] for c in document["checks"] if c["id"] == PROMOTION_ID)


def rollback_args(gateway_or_none=None):
    args = ["--groups", "health,promotion", "--rollback-from", NEW_SHA]
    return args + (["--pushgateway", gateway_or_none] if gateway_or_none else [])


def test_rollback_to_a_sha_that_passed_here_needs_no_promotion(
    verify, production, staging, tmp_path, runner, gateway
):
    """Production runs OLD again; staging still runs NEW, so promotion alone would fail."""
    output, summary = runner
    push_verdict(gateway, "production", OLD_SHA, passed=True, bypassed=False)
    push_verdict(gateway, "production", NEW_SHA, passed=False, bypassed=False)
    production.sha = OLD_SHA
    code, out, document = gate(
        verify, production, staging, tmp_path, *rollback_args(gateway), expected=OLD_SHA
    )
    assert code == 0, out
    assert document["kind"] == "rollback" and document["rollback_from"] == NEW_SHA
    promotion = document["deployed"]["promotion"]
    assert promotion["waived"] is True and promotion["source"] == "staging"
    assert promotion["note"] == f"{OLD_SHA[:7]} already passed the gate on production (pushgateway)"
    assert promotion["known_good"]["sha"] == OLD_SHA[:7]
    assert output.read_text().endswith("verdict=pass\n")
    assert f"(rollback from `{NEW_SHA[:12]}`): PASSED" in summary.read_text()
    assert "Previous SHA" not in summary.read_text()  # a rollback names what it replaces
    with urllib.request.urlopen(gateway + "/metrics", timeout=5) as answer:
        metrics = answer.read().decode()
    pushed = (
        'driftgate_verify_passed{bypass_armed="false",instance="",job="driftgate_verify",'
        f'kind="rollback",sha="{OLD_SHA[:7]}",target="production"}} 1'
    )
    assert pushed in metrics
    assert production.methods_seen() == {"GET"} and staging.methods_seen() == set()


def test_rollback_to_a_sha_never_verified_here_must_be_promoted(
    verify, production, staging, tmp_path, gateway
):
    push_verdict(gateway, "production", OLD_SHA, passed=True, bypassed=True)  # bypassed: no
    production.sha = OLD_SHA
    code, out, document = gate(
        verify, production, staging, tmp_path, *rollback_args(gateway), expected=OLD_SHA
    )
    assert code == 1
    assert document["failures"] == [PROMOTION_ID]
    expected = f"(rollback: {OLD_SHA[:7]} never passed the gate on production according to"
    assert expected in failure_message(document)


@pytest.mark.parametrize("records", ["none", "unreachable"])
def test_rollback_says_when_its_records_cannot_be_read(
    verify, production, staging, tmp_path, records
):
    production.sha = OLD_SHA
    dead = f"http://127.0.0.1:{free_port()}"
    extra = ["--prometheus", dead] if records == "unreachable" else []
    code, out, document = gate(
        verify, production, staging, tmp_path, *rollback_args(), *extra, expected=OLD_SHA
    )
    assert code == 1 and document["failures"] == [PROMOTION_ID]
    note = document["deployed"]["promotion"]["note"]
    if records == "unreachable":
        assert note.startswith(f"the gate's records cannot be read: {dead}: cannot connect")
    else:
        assert note == "no records to consult (give --prometheus or --pushgateway)"
    assert f"(rollback: {note})" in failure_message(document)


def test_rollback_still_passes_when_staging_runs_the_sha(verify, production, tmp_path):
    """Without records, a rollback is promoted like any deploy: staging runs OLD, it passes."""
    from driftgate.reference_target import ReferenceTarget

    production.sha = OLD_SHA
    with ReferenceTarget(sha=OLD_SHA) as staging:
        code, out, document = gate(
            verify, production, staging, tmp_path, *rollback_args(), expected=OLD_SHA
        )
    assert code == 0, out
    assert document["deployed"]["promotion"]["waived"] is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (NEW_SHA[:9], "--rollback-from: names the expected SHA itself"),
        ("HEAD~1", "--rollback-from: not a commit SHA (7 to 40 hex): 'HEAD~1'"),
    ],
)
def test_rollback_from_usage_errors(verify, production, staging, value, message):
    code, out, err = verify(*target_args(production, staging, "--rollback-from", value))
    assert code == 2 and out == ""
    assert message in err and len(err.splitlines()) == 1
