"""The collectors: fresh registry + get_sample_value, bounded labels, one golden exposition.

Regenerate the golden file after an intended change of the exposition with:
    .venv/bin/pytest tests/monitor/test_monitor_collector.py -k golden --update-golden
"""

from pathlib import Path

import pytest
from monitor_helpers import SHA_A, SHA_B
from prometheus_client import CollectorRegistry, generate_latest

from driftgate.monitor.collector import (
    MAX_LABEL_CHARS,
    ObservationsCollector,
    TargetsCollector,
    render_observations,
)
from driftgate.monitor.config import build_config
from driftgate.monitor.probe import ProbeResult
from driftgate.monitor.state import Observations
from driftgate.policies.health import ProbeFailure, evaluate_health
from driftgate.policies.pack import load_pack

GOLDEN = Path(__file__).parent / "golden" / "metrics.prom"
SCHEMA = load_pack().health_schema


def answered(payload, at=1_795_000_000.0):
    return ProbeResult(True, 0.25, at, verdict=evaluate_health(payload, schema=SCHEMA))


def failed(reason, at=1_795_000_000.0):
    return ProbeResult(False, 5.0, at, failure=ProbeFailure(reason), detail="x")


def payload(sha=SHA_A, **changes):
    body = {
        "status": "healthy",
        "git_sha": sha[:8],
        "version": f"sha-{sha[:7]}",
        "database_exists": True,
    }
    return {**body, **changes}


@pytest.fixture
def book():
    return Observations(["staging", "production"])


@pytest.fixture
def registry(book):
    registry = CollectorRegistry()
    registry.register(ObservationsCollector(book))
    return registry


def info_series(registry, target):
    return [
        sample.labels
        for family in registry.collect()
        if family.name == "driftgate_deployed_info"
        for sample in family.samples
        if sample.labels["target"] == target
    ]


def test_healthy_target(book, registry):
    book.record("production", answered(payload()))
    value = registry.get_sample_value
    labels = {"target": "production"}
    assert value("driftgate_probe_success", labels) == 1
    assert value("driftgate_probe_duration_seconds", labels) == 0.25
    assert value("driftgate_health_ok", labels) == 1
    assert value("driftgate_payload_valid", labels) == 1
    assert value("driftgate_sha_valid", labels) == 1
    assert value("driftgate_version_agrees", labels) == 1
    assert info_series(registry, "production") == [
        {
            "target": "production",
            "sha": SHA_A[:7],
            "git_sha": SHA_A[:8],
            "version": f"sha-{SHA_A[:7]}",
        }
    ]
    assert value("driftgate_deploys_observed_total", labels) == 0
    assert value("driftgate_last_deploy_timestamp_seconds", labels) == 1_795_000_000.0


def test_target_not_probed_yet_has_no_probe_series(book, registry):
    book.record("production", answered(payload()))
    assert registry.get_sample_value("driftgate_probe_success", {"target": "staging"}) is None


def test_database_down_is_unhealthy(book, registry):
    book.record("production", answered(payload(database_exists=False)))
    assert registry.get_sample_value("driftgate_health_ok", {"target": "production"}) == 0
    assert registry.get_sample_value("driftgate_payload_valid", {"target": "production"}) == 1


def test_failed_probe_fails_closed(book, registry):
    book.record("production", answered(payload()))
    book.record("production", failed("timeout"))
    labels = {"target": "production"}
    for name in ("probe_success", "health_ok", "payload_valid", "sha_valid", "version_agrees"):
        assert registry.get_sample_value(f"driftgate_{name}", labels) == 0, name
    assert info_series(registry, "production") == [
        {"target": "production", "sha": "", "git_sha": "", "version": ""}
    ]
    errors = {"target": "production", "reason": "timeout"}
    assert registry.get_sample_value("driftgate_probe_errors_total", errors) == 1
    assert (
        registry.get_sample_value(
            "driftgate_probe_errors_total", {"target": "production", "reason": "tls"}
        )
        == 0
    )


def test_unparseable_sha_keeps_one_info_series_with_empty_sha(book, registry):
    book.record("production", answered(payload(git_sha="ref: ref", version="unknown")))
    assert registry.get_sample_value("driftgate_sha_valid", {"target": "production"}) == 0
    assert info_series(registry, "production") == [
        {"target": "production", "sha": "", "git_sha": "invalid", "version": "invalid"}
    ]


def test_label_values_come_from_a_bounded_set_over_time(book, registry):
    """A target answering a new random git_sha/version each poll adds no series."""
    values = set()
    for poll in range(50):
        junk = f"v{poll}-{poll * 7919:x}zz"
        book.record("production", answered(payload(git_sha=junk, version=f"0.{poll}.1")))
        series = info_series(registry, "production")
        values.update((s["git_sha"], s["version"]) for s in series)
    assert values == {("invalid", "invalid")}
    # SHAs are exported normalised: case and whitespace variants are one value.
    for variant in (f"SHA-{SHA_A[:7].upper()}", f" sha-{SHA_A[:7]} ", f"sha-{SHA_A[:7]}"):
        book.record("production", answered(payload(version=variant)))
        assert info_series(registry, "production")[0]["version"] == f"sha-{SHA_A[:7]}"
    book.record("production", answered(payload(git_sha=SHA_A[:8].upper())))
    assert info_series(registry, "production")[0]["git_sha"] == SHA_A[:8]


def test_sha_change_counts_a_deploy_and_the_old_sha_disappears(book, registry):
    book.record("production", answered(payload(SHA_A), at=100.0))
    book.record("production", failed("refused", at=110.0))  # the restart window: no deploy
    book.record("production", answered(payload(SHA_A, git_sha=f"sha-{SHA_A[:7]}"), at=115.0))
    assert (
        registry.get_sample_value("driftgate_deploys_observed_total", {"target": "production"}) == 0
    )
    book.record("production", answered(payload(SHA_B), at=120.0))
    labels = {"target": "production"}
    assert registry.get_sample_value("driftgate_deploys_observed_total", labels) == 1
    assert registry.get_sample_value("driftgate_last_deploy_timestamp_seconds", labels) == 120.0
    assert [s["sha"] for s in info_series(registry, "production")] == [SHA_B[:7]]
    exposition = generate_latest(registry).decode()
    assert SHA_A[:7] not in exposition


def test_same_commit_is_decided_by_policies_sha_matching(book, registry):
    """Same 7-hex prefix but different longer SHAs are two commits (policies' shas_match)."""
    labels = {"target": "production"}
    book.record("production", answered(payload(SHA_A, git_sha=SHA_A), at=100.0))
    book.record("production", answered(payload(SHA_A, git_sha=SHA_A[:9]), at=110.0))
    assert registry.get_sample_value("driftgate_deploys_observed_total", labels) == 0
    other = SHA_A[:7] + "f" * 33  # another commit sharing the 7-hex prefix
    book.record("production", answered(payload(SHA_A, git_sha=other), at=120.0))
    assert registry.get_sample_value("driftgate_deploys_observed_total", labels) == 1
    assert registry.get_sample_value("driftgate_last_deploy_timestamp_seconds", labels) == 120.0


def test_flipping_sha_counts_every_change(book, registry):
    for second in range(10):
        book.record("staging", answered(payload(SHA_A if second % 2 else SHA_B), at=float(second)))
    assert registry.get_sample_value("driftgate_deploys_observed_total", {"target": "staging"}) == 9
    assert len(info_series(registry, "staging")) == 1


@pytest.mark.parametrize(
    "hostile",
    [
        "x" * 100_000,
        "é\n" * 500 + '"}',
        "".join(chr(c) for c in range(1, 600)),
        'a"b\\c{d}=e',
    ],
)
def test_hostile_payload_labels_are_bounded(book, registry, hostile):
    book.record("production", answered(payload(git_sha=hostile, version=hostile)))
    series = info_series(registry, "production")
    assert len(series) == 1
    for name in ("git_sha", "version"):
        assert len(series[0][name]) <= MAX_LABEL_CHARS
        assert series[0][name].isprintable() and series[0][name].isascii()
        assert not set(series[0][name]) & set('"\\{}=\n')
        assert series[0][name] == "invalid"
    assert series[0]["sha"] == ""


def test_error_reasons_are_the_fixed_set(book, registry):
    book.record("staging", failed("refused"))
    reasons = {
        sample.labels["reason"]
        for family in registry.collect()
        if family.name == "driftgate_probe_errors"
        for sample in family.samples
    }
    assert reasons == {str(r) for r in ProbeFailure}


def test_target_info_carries_the_promotion_order():
    registry = CollectorRegistry()
    registry.register(TargetsCollector(build_config()))
    assert (
        registry.get_sample_value(
            "driftgate_target_info", {"target": "production", "promoted_from": "staging"}
        )
        == 1
    )
    assert (
        registry.get_sample_value(
            "driftgate_target_info", {"target": "staging", "promoted_from": ""}
        )
        == 1
    )


def test_golden_exposition(golden):
    book = Observations(["staging", "production"])
    book.record("staging", answered(payload(SHA_B), at=1_795_000_000.0))
    book.record("production", answered(payload(SHA_A), at=1_795_000_000.0))
    book.record("production", failed("timeout", at=1_795_000_015.0))
    registry = CollectorRegistry()
    registry.register(TargetsCollector(build_config()))
    registry.register(ObservationsCollector(book))
    exposition = generate_latest(registry).decode()
    golden(GOLDEN, exposition)


def _collected(book, names=None):
    registry = CollectorRegistry()
    registry.register(ObservationsCollector(book, names))
    return generate_latest(registry)


def test_direct_rendering_is_byte_for_byte_the_collectors_exposition():
    odd = 'we"ird\\name\nx'  # not a pack name, but the renderer must escape like the library
    book = Observations(["staging", "production", "fresh", odd])
    assert render_observations(book) == _collected(book)  # nothing probed: headers only
    book.record("staging", answered(payload(SHA_B), at=1_795_000_000.123))
    book.record("production", answered(payload(SHA_A), at=100.0))
    book.record("production", failed("timeout", at=115.0))
    book.record("production", answered(payload(SHA_B, git_sha="x" * 100_000), at=120.0))
    book.record(odd, ProbeResult(True, 1e-05, 1234567.0, verdict=evaluate_health(payload())))
    book.record(odd, ProbeResult(True, 123456789.5, 0.5, verdict=evaluate_health(["no"])))
    for names in (None, ["staging"], ["production"], ["fresh"], [odd], ["production", odd]):
        assert render_observations(book, names) == _collected(book, names), names
