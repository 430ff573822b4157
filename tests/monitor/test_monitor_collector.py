"""The collectors: fresh registry + get_sample_value, bounded labels, one golden exposition.

Regenerate the golden file after an intended change of the exposition with:
    .venv/bin/pytest tests/monitor/test_monitor_collector.py -k golden --update-golden
"""

import hashlib
from pathlib import Path

import pytest
from monitor_helpers import SHA_A, SHA_B
from prometheus_client import CollectorRegistry, generate_latest

from driftgate.monitor.collector import (
    ObservationsCollector,
    TargetsCollector,
    render_observations,
)
from driftgate.monitor.config import build_config
from driftgate.monitor.labels import NEW_LABELS_PER_HOUR
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
def observations():
    return Observations(["staging", "production"])


@pytest.fixture
def registry(observations):
    registry = CollectorRegistry()
    registry.register(ObservationsCollector(observations))
    return registry


def info_series(registry, target):
    return [
        sample.labels
        for family in registry.collect()
        if family.name == "driftgate_deployed_info"
        for sample in family.samples
        if sample.labels["target"] == target
    ]


def test_healthy_target(observations, registry):
    observations.record("production", answered(payload()))
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


def test_target_not_probed_yet_has_no_probe_series(observations, registry):
    observations.record("production", answered(payload()))
    assert registry.get_sample_value("driftgate_probe_success", {"target": "staging"}) is None


def test_database_down_is_unhealthy(observations, registry):
    observations.record("production", answered(payload(database_exists=False)))
    assert registry.get_sample_value("driftgate_health_ok", {"target": "production"}) == 0
    assert registry.get_sample_value("driftgate_payload_valid", {"target": "production"}) == 1


def test_failed_probe_fails_closed(observations, registry):
    observations.record("production", answered(payload()))
    observations.record("production", failed("timeout"))
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


def test_unparseable_sha_keeps_one_info_series_with_empty_sha(observations, registry):
    observations.record("production", answered(payload(git_sha="ref: ref", version="unknown")))
    assert registry.get_sample_value("driftgate_sha_valid", {"target": "production"}) == 0
    assert info_series(registry, "production") == [
        {"target": "production", "sha": "", "git_sha": "invalid", "version": "invalid"}
    ]


def test_label_values_come_from_a_bounded_set_over_time(observations, registry):
    """A target answering a new random git_sha/version each poll adds no series."""
    values = set()
    for poll in range(50):
        junk = f"v{poll}-{poll * 7919:x}zz"
        observations.record("production", answered(payload(git_sha=junk, version=f"0.{poll}.1")))
        series = info_series(registry, "production")
        values.update((s["git_sha"], s["version"]) for s in series)
    assert values == {("invalid", "invalid")}
    # SHAs are exported normalised: case and whitespace variants are one value.
    for variant in (f"SHA-{SHA_A[:7].upper()}", f" sha-{SHA_A[:7]} ", f"sha-{SHA_A[:7]}"):
        observations.record("production", answered(payload(version=variant)))
        assert info_series(registry, "production")[0]["version"] == f"sha-{SHA_A[:7]}"
    observations.record("production", answered(payload(git_sha=SHA_A[:8].upper())))
    assert info_series(registry, "production")[0]["git_sha"] == SHA_A[:8]


def test_sha_change_counts_a_deploy_and_the_old_sha_disappears(observations, registry):
    observations.record("production", answered(payload(SHA_A), at=100.0))
    observations.record("production", failed("refused", at=110.0))  # the restart window: no deploy
    observations.record(
        "production", answered(payload(SHA_A, git_sha=f"sha-{SHA_A[:7]}"), at=115.0)
    )
    assert (
        registry.get_sample_value("driftgate_deploys_observed_total", {"target": "production"}) == 0
    )
    observations.record("production", answered(payload(SHA_B), at=120.0))
    labels = {"target": "production"}
    assert registry.get_sample_value("driftgate_deploys_observed_total", labels) == 1
    assert registry.get_sample_value("driftgate_last_deploy_timestamp_seconds", labels) == 120.0
    assert [s["sha"] for s in info_series(registry, "production")] == [SHA_B[:7]]
    exposition = generate_latest(registry).decode()
    assert SHA_A[:7] not in exposition


def test_same_commit_is_decided_by_policies_sha_matching(observations, registry):
    """Same 7-hex prefix but different longer SHAs are two commits (policies' shas_match)."""
    labels = {"target": "production"}
    observations.record("production", answered(payload(SHA_A, git_sha=SHA_A), at=100.0))
    observations.record("production", answered(payload(SHA_A, git_sha=SHA_A[:9]), at=110.0))
    assert registry.get_sample_value("driftgate_deploys_observed_total", labels) == 0
    other = SHA_A[:7] + "f" * 33  # another commit sharing the 7-hex prefix
    observations.record("production", answered(payload(SHA_A, git_sha=other), at=120.0))
    assert registry.get_sample_value("driftgate_deploys_observed_total", labels) == 1
    assert registry.get_sample_value("driftgate_last_deploy_timestamp_seconds", labels) == 120.0


def test_flipping_sha_counts_every_change(observations, registry):
    for second in range(10):
        observations.record(
            "staging", answered(payload(SHA_A if second % 2 else SHA_B), at=float(second))
        )
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
def test_hostile_payload_labels_are_bounded(observations, registry, hostile):
    observations.record("production", answered(payload(git_sha=hostile, version=hostile)))
    series = info_series(registry, "production")
    assert len(series) == 1
    for name in ("git_sha", "version"):
        assert len(series[0][name]) <= len("sha-") + 40  # the longest SHA label
        assert series[0][name].isprintable() and series[0][name].isascii()
        assert not set(series[0][name]) & set('"\\{}=\n')
        assert series[0][name] == "invalid"
    assert series[0]["sha"] == ""


def test_each_target_exports_when_it_was_last_probed(observations, registry):
    observations.record("staging", answered(payload(), at=100.0))
    observations.record("production", answered(payload(), at=100.0))
    observations.record("production", failed("timeout", at=130.0))  # a failed probe is a probe
    probed_at = "driftgate_last_probe_timestamp_seconds"
    assert registry.get_sample_value(probed_at, {"target": "staging"}) == 100.0
    assert registry.get_sample_value(probed_at, {"target": "production"}) == 130.0


def test_poll_interval_is_exported_in_poll_mode_only():
    from driftgate.monitor.server import Exporter

    config = build_config(interval=7.5)
    poll, probe = Exporter(config, mode="poll"), Exporter(config, mode="probe")
    assert poll.registry.get_sample_value("driftgate_poll_interval_seconds") == 7.5
    assert probe.registry.get_sample_value("driftgate_poll_interval_seconds") is None


@pytest.mark.parametrize("field", ["git_sha", "version"])
def test_a_new_random_sha_each_probe_adds_a_bounded_number_of_series_a_day(
    observations, registry, field
):
    """Every probe of a day (15 s interval) answers a new SHA: Prometheus would keep one
    series per label set it ever saw, so the label sets are counted over the whole day."""
    seen, flagged = set(), 0
    for probe in range(24 * 3600 // 15):
        sha = hashlib.sha1(str(probe).encode()).hexdigest()
        answer = {"git_sha": sha[:12]} if field == "git_sha" else {"version": f"sha-{sha[:7]}"}
        observations.record("production", answered(payload(**answer), at=probe * 15.0))
        (labels,) = info_series(registry, "production")
        seen.add(tuple(sorted(labels.items())))
        valid = registry.get_sample_value("driftgate_payload_valid", {"target": "production"})
        flagged += valid == 0
    assert len(seen) <= 24 * NEW_LABELS_PER_HOUR + 4
    assert flagged > 5000  # over the budget, the payload reads invalid
    if field == "git_sha":  # every change is still a deploy: DriftgateDeployFlapping sees it
        deploys = registry.get_sample_value(
            "driftgate_deploys_observed_total", {"target": "production"}
        )
        assert deploys == 24 * 3600 // 15 - 1


def test_the_label_budget_refills_and_a_known_sha_costs_nothing(observations, registry):
    shas = [f"{n:07x}" * 2 for n in range(1, 9)]
    for minute, sha in enumerate(shas[:NEW_LABELS_PER_HOUR]):
        observations.record("staging", answered(payload(sha), at=minute * 60.0))
    observations.record("staging", answered(payload(shas[6]), at=400.0))  # one too many
    assert info_series(registry, "staging")[0]["sha"] == ""
    assert registry.get_sample_value("driftgate_payload_valid", {"target": "staging"}) == 0
    observations.record("staging", answered(payload(shas[0]), at=410.0))  # admitted this hour
    assert info_series(registry, "staging")[0]["sha"] == shas[0][:7]
    assert registry.get_sample_value("driftgate_payload_valid", {"target": "staging"}) == 1
    observations.record("staging", answered(payload(shas[7]), at=3600.0))  # a new hour
    assert info_series(registry, "staging")[0]["sha"] == shas[7][:7]


def test_error_reasons_are_the_fixed_set(observations, registry):
    observations.record("staging", failed("refused"))
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
    observations = Observations(["staging", "production"])
    observations.record("staging", answered(payload(SHA_B), at=1_795_000_000.0))
    observations.record("production", answered(payload(SHA_A), at=1_795_000_000.0))
    observations.record("production", failed("timeout", at=1_795_000_015.0))
    registry = CollectorRegistry()
    registry.register(TargetsCollector(build_config()))
    registry.register(ObservationsCollector(observations))
    exposition = generate_latest(registry).decode()
    golden(GOLDEN, exposition)


def _collected(observations, names=None):
    registry = CollectorRegistry()
    registry.register(ObservationsCollector(observations, names))
    return generate_latest(registry)


def test_direct_rendering_is_byte_for_byte_the_collectors_exposition():
    odd = 'we"ird\\name\nx'  # not a pack name, but the renderer must escape like the library
    observations = Observations(["staging", "production", "fresh", odd])
    assert render_observations(observations) == _collected(
        observations
    )  # nothing probed: headers only
    observations.record("staging", answered(payload(SHA_B), at=1_795_000_000.123))
    observations.record("production", answered(payload(SHA_A), at=100.0))
    observations.record("production", failed("timeout", at=115.0))
    observations.record("production", answered(payload(SHA_B, git_sha="x" * 100_000), at=120.0))
    observations.record(
        odd, ProbeResult(True, 1e-05, 1234567.0, verdict=evaluate_health(payload()))
    )
    observations.record(odd, ProbeResult(True, 123456789.5, 0.5, verdict=evaluate_health(["no"])))
    for names in (None, ["staging"], ["production"], ["fresh"], [odd], ["production", odd]):
        assert render_observations(observations, names) == _collected(observations, names), names
