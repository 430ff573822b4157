"""Health payload evaluation: every variant of SPEC section 2, failing closed."""

import json

import pytest

from driftgate.policies.health import (
    MAX_BODY_BYTES,
    HealthProbeError,
    ProbeFailure,
    decode_health_body,
    evaluate_health,
)
from driftgate.policies.pack import load_pack
from driftgate.reference_target import HEALTH_MODES, health_payload

EXPECTED = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
OTHER = "aaaaaaa0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
SCHEMA = dict(load_pack().health_schema)

# mode -> does the payload pass the gate for EXPECTED (JSON-valued modes only)
VERDICTS = {
    "healthy": True,
    "git-sha-tagged": True,
    "full-sha": True,
    "semver-version": True,  # a release number is not a SHA, so it cannot disagree
    "manual": False,  # no status, no database_exists: shape fails, healthy unproven
    "unknown": False,
    "ref-ref": False,
    "disagree": False,
    "db-down": False,
    "wrong-types": False,
    "not-object": False,
}


@pytest.mark.parametrize(("mode", "passes"), VERDICTS.items())
def test_each_payload_variant(mode, passes):
    verdict = evaluate_health(health_payload(mode, EXPECTED, OTHER), EXPECTED, SCHEMA)
    assert verdict.passed is passes, verdict.problems
    assert bool(verdict.problems) is not passes


def test_every_json_mode_of_the_reference_target_is_covered():
    non_json = {
        "garbage",
        "huge",
        "endless",
        "slow",
        "slow-body",
        "http-500",
        "redirect",
        "refused",
    }
    assert set(VERDICTS) | non_json == set(HEALTH_MODES)


def test_an_old_sha_answering_healthy_never_passes():
    verdict = evaluate_health(health_payload("healthy", OTHER), EXPECTED, SCHEMA)
    assert verdict.healthy and verdict.sha_valid
    assert not verdict.sha_matches and not verdict.passed
    assert "is not the expected" in verdict.problems[-1]


def test_database_down_is_unhealthy_even_with_status_healthy():
    verdict = evaluate_health(health_payload("db-down", EXPECTED), EXPECTED, SCHEMA)
    assert verdict.status_ok and not verdict.database_ok and not verdict.healthy


@pytest.mark.parametrize("expected", ["unknown", "", "ref: ref", "123"])
def test_an_invalid_expected_sha_fails_closed(expected):
    verdict = evaluate_health(health_payload("healthy", EXPECTED), expected, SCHEMA)
    assert not verdict.passed


def test_without_expected_sha_the_payload_alone_is_judged():
    assert evaluate_health(health_payload("healthy", EXPECTED), None, SCHEMA).passed


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b"<html>502</html>", ProbeFailure.NOT_JSON),
        (200, b"\xff\xfe", ProbeFailure.NOT_JSON),
        (200, b"[1, 2]", ProbeFailure.BAD_SHAPE),
        (200, b"[" * 100_000, ProbeFailure.NOT_JSON),  # deep nesting, no RecursionError escapes
        (503, json.dumps(health_payload("healthy", EXPECTED)).encode(), ProbeFailure.HTTP_STATUS),
        (200, b" " * (MAX_BODY_BYTES + 1), ProbeFailure.TOO_LARGE),
    ],
)
def test_undecodable_bodies_raise_a_reason(status, body, reason):
    with pytest.raises(HealthProbeError) as caught:
        decode_health_body(status, body)
    assert caught.value.reason is reason


def test_decoded_body_is_the_payload():
    body = json.dumps(health_payload("healthy", EXPECTED)).encode()
    assert decode_health_body(200, body)["git_sha"] == EXPECTED[:8]
