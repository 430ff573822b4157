"""Push the gate's verdict to a Prometheus Pushgateway, so alerts can see deploys.

>>> push_verdict("http://127.0.0.1:9091", "production", "94e9cbb0d1", True, False)  # doctest: +SKIP

Three gauges labelled {target, sha, kind, bypass_armed} (sha: 7 hex; kind
`deploy`, `rollback` or `adopt`; bypass_armed `true` when ALLOW_CONTRACT_FAILURE was
set for the run, whether or not anything failed), job `driftgate_verify`,
grouped by target AND sha: a push replaces only the previous verdict for the
same (target, SHA), so a failed gate for a SHA that never got deployed does not
erase the passing verdict of the SHA that still runs. The Pushgateway keeps
one group per verified (target, SHA) until it is deleted (docs/monitor.md,
"Pruning old verdicts"). A failed push is the caller's warning; it never
changes the verdict.
"""

import time

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from driftgate.policies.sha import short_sha

JOB = "driftgate_verify"


def grouping_key(target, sha):
    """The Pushgateway group of a verdict, also its labels: {target, sha (7 hex)}."""
    return {"target": target, "sha": short_sha(sha) or "unknown"}


def verdict_registry(
    target, sha, passed, bypassed, timestamp=None, kind="deploy", bypass_armed=False
):
    """A fresh registry holding the three verdict gauges (also used by tests)."""
    registry = CollectorRegistry()
    armed = "true" if bypass_armed else "false"
    labels = {**grouping_key(target, sha), "kind": kind, "bypass_armed": armed}
    values = {
        "driftgate_verify_passed": ("1 when the post-deploy gate passed", 1 if passed else 0),
        "driftgate_verify_contract_bypass": (
            "1 when contract failures were bypassed (ALLOW_CONTRACT_FAILURE)",
            1 if bypassed else 0,
        ),
        "driftgate_verify_timestamp_seconds": (
            "Unix time of the gate's verdict",
            time.time() if timestamp is None else timestamp,
        ),
    }
    for name, (documentation, value) in values.items():
        gauge = Gauge(name, documentation, list(labels), registry=registry)
        gauge.labels(**labels).set(value)
    return registry


def push_verdict(
    gateway_url, target, sha, passed, bypassed, timeout=5.0, kind="deploy", bypass_armed=False
):
    """Push the verdict; raises OSError (URLError and friends) when the push fails."""
    registry = verdict_registry(target, sha, passed, bypassed, kind=kind, bypass_armed=bypass_armed)
    push_to_gateway(
        gateway_url,
        job=JOB,
        registry=registry,
        grouping_key=grouping_key(target, sha),
        timeout=timeout,
    )
