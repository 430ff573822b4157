"""Promotion group: a promoted target only runs a SHA its source already runs healthy.

For production (promoted_from: staging), staging must already answer healthy
with the expected SHA: one probe, no waiting for it. A target without a
promotion source passes with a recorded note. A rollback (--rollback-from)
to a SHA that already passed the gate on this target needs no promotion: the
gate's records say so (checks.rollback.promotion_waiver); when they cannot be
read, the message says so and staging is asked as for any deploy. An
adoption (--adopt) is reported as skipped, waived: the target already ran
its SHA before the gate was there, so no promotion could have happened.
"""

import pytest

from driftgate.checks.health import probe_health

MAX_PROBE_SECONDS = 10.0


def test_promotion_source_runs_expected_sha(gate, record_property):
    source = gate.target.promoted_from
    if source is None:
        note = f"{gate.target.name} has no promotion source"
        record_property("promotion", {"source": None, "note": note})
        return
    if gate.adopt:  # the target ran this SHA before the gate was there: nothing to promote
        from driftgate.checks.adopt import PROMOTION_WAIVED

        record_property("promotion", {"source": source, "waived": True, "note": PROMOTION_WAIVED})
        pytest.skip(f"{PROMOTION_WAIVED} on {gate.target.name} ({source} not asked)")
    waiver = None
    if gate.rollback_from:
        from driftgate.checks.rollback import promotion_waiver

        waiver = promotion_waiver(gate)
        if waiver.waived:
            record = {"source": source, "waived": True, "note": waiver.note}
            record_property("promotion", {**record, "known_good": waiver.known_good})
            return
    url = gate.pack.health_url(source, gate.urls[source])
    probe = probe_health(
        url,
        gate.expected_sha,
        schema=dict(gate.pack.health_schema),
        timeout=min(gate.deadline, MAX_PROBE_SECONDS),
    )
    verdict = probe.verdict
    record_property(
        "promotion",
        {
            "source": source,
            "url": url,
            "deployed_sha": verdict.deployed_sha if verdict else None,
            "passed": probe.failure is None and verdict.passed,
            **({"waived": False, "note": waiver.note} if waiver else {}),
        },
    )
    if probe.failure is not None or not verdict.passed:
        pytest.fail(
            f"promotion: {source} ({url}) must already run {gate.expected_sha} "
            f"healthy before {gate.target.name}: {probe.summary}"
            + (f" (rollback: {waiver.note})" if waiver else ""),
            pytrace=False,
        )
