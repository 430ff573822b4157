"""The custom collectors: fresh metric families from the latest observations.

Every collection builds new *MetricFamily objects, so a label value that went
away (an old SHA) goes away from /metrics too. Label values that come from a
target's payload are bounded in form and number (monitor/labels.py): a hostile
target cannot grow the exposition, and it has one `driftgate_deployed_info`
series at a time whatever it answers. `render_observations` writes the same exposition
as ObservationsCollector directly, for the exporter's hot paths (a /probe
answer, poll mode's /metrics). See docs/monitor.md for the metrics reference.

>>> from prometheus_client import CollectorRegistry
>>> from driftgate.monitor.config import build_config
>>> registry = CollectorRegistry()
>>> registry.register(TargetsCollector(build_config()))
>>> registry.get_sample_value("driftgate_target_info",
...                           {"target": "production", "promoted_from": "staging"})
1
"""

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.utils import floatToGoString

from driftgate.policies.health import ProbeFailure


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


class PollIntervalCollector:
    """`driftgate_poll_interval_seconds`: how often poll mode probes each target.

    With `driftgate_last_probe_timestamp_seconds` it lets Prometheus tell a
    target whose probes stopped (a stuck poller, every worker held by hanging
    targets) from one that answers the same thing each time.
    """

    def __init__(self, interval):
        self._interval = interval

    def describe(self):
        return []

    def collect(self):
        yield GaugeMetricFamily(
            "driftgate_poll_interval_seconds",
            "Seconds between two probes of each target in poll mode.",
            value=self._interval,
        )


class ObservationsCollector:
    """The probe results of the targets in `names` (all of them by default)."""

    def __init__(self, observations, names=None):
        self._observations = observations
        self._names = names

    def describe(self):
        return []

    def collect(self):
        families = {
            key: _FAMILY_CLASS[kind](name, documentation, labels=list(labels))
            for key, name, kind, documentation, labels in _FAMILIES
        }
        for key, label_values, value in _samples(self._observations, self._names):
            families[key].add_metric(label_values, value)
        yield from families.values()


def render_observations(observations, names=None):
    """The exposition of ObservationsCollector(observations, names), written directly.

    Byte for byte what generate_latest() makes of that collector (a test proves
    it), at a fraction of the CPU: a /probe answer is rendered once per probe,
    and generate_latest's generic escaping and name checks cost more than the
    probe's own JSON and SHA work.
    """
    lines = {key: [header] for key, header in _HEADERS.items()}
    for key, label_values, value in _samples(observations, names):
        text = _VALUE_TEXT.get(value) or floatToGoString(value)
        lines[key].append(_LINE_TEMPLATE[key].format(*map(_escape, label_values)) + text + "\n")
    return "".join(line for key in _HEADERS for line in lines[key]).encode()


# key, metric name, type, help, label names: the one definition of the per-target metrics.
_FAMILIES = (
    (
        "success",
        "driftgate_probe_success",
        "gauge",
        "1 when the health endpoint answered HTTP 200 with a JSON object in time.",
        ("target",),
    ),
    (
        "probed_at",
        "driftgate_last_probe_timestamp_seconds",
        "gauge",
        "Unix time the latest health probe of this target ended.",
        ("target",),
    ),
    (
        "duration",
        "driftgate_probe_duration_seconds",
        "gauge",
        "Wall-clock seconds the latest health probe took.",
        ("target",),
    ),
    (
        "health",
        "driftgate_health_ok",
        "gauge",
        "1 when the payload is valid, status is healthy and database_exists is true.",
        ("target",),
    ),
    (
        "payload",
        "driftgate_payload_valid",
        "gauge",
        "1 when the health payload matches the pack's health schema.",
        ("target",),
    ),
    (
        "sha_valid",
        "driftgate_sha_valid",
        "gauge",
        "1 when git_sha is a commit SHA (7 to 40 hex after an optional sha- prefix).",
        ("target",),
    ),
    (
        "agree",
        "driftgate_version_agrees",
        "gauge",
        "1 when version and git_sha name the same commit (a non-SHA version agrees).",
        ("target",),
    ),
    (
        "info",
        "driftgate_deployed_info",
        "gauge",
        "The deployed version: sha is the 7-hex short SHA ('' when none), "
        "git_sha and version the payload values normalised when SHAs, 'invalid' otherwise.",
        ("target", "sha", "git_sha", "version"),
    ),
    (
        "deploys",
        "driftgate_deploys_observed",
        "counter",
        "Changes of the deployed SHA seen by this exporter since it started.",
        ("target",),
    ),
    (
        "since",
        "driftgate_last_deploy_timestamp_seconds",
        "gauge",
        "Unix time this exporter first saw the currently deployed SHA.",
        ("target",),
    ),
    (
        "errors",
        "driftgate_probe_errors",
        "counter",
        "Failed health probes by reason (a fixed set).",
        ("target", "reason"),
    ),
)
_FAMILY_CLASS = {"gauge": GaugeMetricFamily, "counter": CounterMetricFamily}


def _exposed(name, kind):
    return name + "_total" if kind == "counter" else name  # as the text format names counters


def _escape(value):
    """A label value escaped as the text format wants it."""
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _header(name, kind, documentation):
    text = documentation.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {_exposed(name, kind)} {text}\n# TYPE {_exposed(name, kind)} {kind}\n"


_HEADERS = {key: _header(name, kind, doc) for key, name, kind, doc, _ in _FAMILIES}
_LINE_TEMPLATE = {  # 'name{a="{0}",b="{1}"} ': the text format sorts labels by name
    key: _exposed(name, kind)
    + "{{"
    + ",".join(f'{labels[i]}="{{{i}}}"' for i in sorted(range(len(labels)), key=labels.__getitem__))
    + "}} "
    for key, name, kind, _, labels in _FAMILIES
}
_VALUE_TEXT = {0: "0.0", 1: "1.0"}  # most values: skip the general float formatting


def _samples(observations, names):
    """(family key, label values, value) of every probed target in `names`, in their order."""
    by_target = observations.snapshot()
    for name in names if names is not None else list(by_target):
        observation = by_target.get(name)
        if observation is None or observation.latest is None:
            continue  # not probed yet: no data, and absent data never reads as healthy
        yield from _target_samples(name, observation)


def _target_samples(name, observation):
    result, verdict = observation.latest, observation.latest.verdict
    yield "success", [name], 1 if result.success else 0
    yield "probed_at", [name], result.finished_at
    yield "duration", [name], result.duration_seconds
    # Fail closed: without a verdict every health flag is 0, never "unknown".
    flags = {
        "health": verdict is not None and verdict.healthy,
        # Over the label budget, the payload reads invalid: its labels were not shown.
        "payload": verdict is not None and verdict.shape_ok and not observation.over_label_budget,
        "sha_valid": verdict is not None and verdict.sha_valid,
        "agree": verdict is not None and verdict.versions_agree,
    }
    for key, value in flags.items():
        yield key, [name], 1 if value else 0
    yield "info", [name, *observation.deployed_labels], 1
    yield "deploys", [name], observation.deploys_observed
    if observation.sha_since is not None:
        yield "since", [name], observation.sha_since
    for reason in ProbeFailure:
        yield "errors", [name, str(reason)], observation.errors[str(reason)]
