"""The custom collectors: fresh metric families from the latest observations.

Every collection builds new *MetricFamily objects, so a label value that went
away (an old SHA) goes away from /metrics too. Label values that come from a
target's payload are sanitised and truncated: a hostile target cannot grow the
exposition or the label cardinality (one `driftgate_deployed_info` series per
target, whatever it answers). See docs/monitor.md for the metrics reference.

>>> from prometheus_client import CollectorRegistry
>>> from driftgate.monitor.config import build_config
>>> registry = CollectorRegistry()
>>> registry.register(TargetsCollector(build_config()))
>>> registry.get_sample_value("driftgate_target_info",
...                           {"target": "production", "promoted_from": "staging"})
1
"""

import re

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from driftgate.policies.health import ProbeFailure
from driftgate.policies.sha import short_sha

MAX_LABEL_CHARS = 48
_UNSAFE = re.compile(r"[^A-Za-z0-9._:+/@ -]")


def label_text(raw):
    """A payload string made safe as a label value: printable, at most 48 characters.

    >>> label_text("ref: ref"), label_text(None), label_text("x\\n" * 40)[:6]
    ('ref: ref', '', 'x?x?x?')
    """
    if not isinstance(raw, str):
        return ""
    return _UNSAFE.sub("?", raw[:MAX_LABEL_CHARS])


class TargetsCollector:
    """`driftgate_target_info`: the configured targets and their promotion order."""

    def __init__(self, config):
        self._config = config

    def describe(self):
        return []

    def collect(self):
        info = GaugeMetricFamily(
            "driftgate_target_info",
            "A monitored target; promoted_from names the target that must run a SHA first.",
            labels=["target", "promoted_from"],
        )
        for target in self._config.targets.values():
            info.add_metric([target.name, target.promoted_from or ""], 1)
        yield info


class ObservationsCollector:
    """The probe results of the targets in `names` (all of them by default)."""

    def __init__(self, observations, names=None):
        self._observations = observations
        self._names = names

    def describe(self):
        return []

    def collect(self):
        book = self._observations.snapshot()
        names = self._names if self._names is not None else list(book)
        families = _families()
        for name in names:
            seen = book.get(name)
            if seen is None or seen.latest is None:
                continue  # not probed yet: no data, and absent data never reads as healthy
            _add_target(families, name, seen)
        yield from families.values()


def _families():
    gauge, counter = GaugeMetricFamily, CounterMetricFamily
    target = ["target"]
    return {
        "success": gauge(
            "driftgate_probe_success",
            "1 when the health endpoint answered HTTP 200 with a JSON object in time.",
            labels=target,
        ),
        "duration": gauge(
            "driftgate_probe_duration_seconds",
            "Wall-clock seconds the latest health probe took.",
            labels=target,
        ),
        "health": gauge(
            "driftgate_health_ok",
            "1 when the payload is valid, status is healthy and database_exists is true.",
            labels=target,
        ),
        "payload": gauge(
            "driftgate_payload_valid",
            "1 when the health payload matches the pack's health schema.",
            labels=target,
        ),
        "sha_valid": gauge(
            "driftgate_sha_valid",
            "1 when git_sha is a commit SHA (7 to 40 hex after an optional sha- prefix).",
            labels=target,
        ),
        "agree": gauge(
            "driftgate_version_agrees",
            "1 when version and git_sha name the same commit (a non-SHA version agrees).",
            labels=target,
        ),
        "info": gauge(
            "driftgate_deployed_info",
            "The deployed version: sha is the 7-hex short SHA ('' when none), "
            "git_sha and version the raw payload values (sanitised, truncated).",
            labels=["target", "sha", "git_sha", "version"],
        ),
        "deploys": counter(
            "driftgate_deploys_observed",
            "Changes of the deployed SHA seen by this exporter since it started.",
            labels=target,
        ),
        "since": gauge(
            "driftgate_last_deploy_timestamp_seconds",
            "Unix time this exporter first saw the currently deployed SHA.",
            labels=target,
        ),
        "errors": counter(
            "driftgate_probe_errors",
            "Failed health probes by reason (a fixed set).",
            labels=["target", "reason"],
        ),
    }


def _add_target(families, name, seen):
    result, verdict = seen.latest, seen.latest.verdict
    families["success"].add_metric([name], 1 if result.success else 0)
    families["duration"].add_metric([name], result.duration_seconds)
    # Fail closed: without a verdict every health flag is 0, never "unknown".
    flags = {
        "health": verdict is not None and verdict.healthy,
        "payload": verdict is not None and verdict.shape_ok,
        "sha_valid": verdict is not None and verdict.sha_valid,
        "agree": verdict is not None and verdict.versions_agree,
    }
    for key, value in flags.items():
        families[key].add_metric([name], 1 if value else 0)
    sha = short_sha(verdict.deployed_sha) if verdict is not None else None
    raw_git_sha = verdict.raw_git_sha if verdict is not None else None
    raw_version = verdict.raw_version if verdict is not None else None
    families["info"].add_metric(
        [name, sha or "", label_text(raw_git_sha), label_text(raw_version)], 1
    )
    families["deploys"].add_metric([name], seen.deploys_observed)
    if seen.sha_since is not None:
        families["since"].add_metric([name], seen.sha_since)
    for reason in ProbeFailure:
        families["errors"].add_metric([name, str(reason)], seen.errors[str(reason)])
