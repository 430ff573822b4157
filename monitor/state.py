"""The latest observation per target, and the few facts that need memory.

Only what a single scrape cannot know lives here: how many times the deployed
SHA changed (deploys observed), since when the current SHA runs, and probe
errors by reason. Everything else is the latest probe result. This is not a
history store: Prometheus is the database.

>>> from driftgate.monitor.probe import ProbeResult
>>> observations = Observations(["staging"])
>>> observations.record("staging", ProbeResult(success=False, duration_seconds=0.1, finished_at=0.0,
...                                     failure="refused"))
>>> observations.snapshot()["staging"].errors["refused"]
1
"""

import threading
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from driftgate.policies.health import ProbeFailure
from driftgate.policies.sha import shas_match

from .labels import NO_ANSWER, admit, deployed_labels


@dataclass(frozen=True)
class TargetObservation:
    """What the exporter knows about one target right now."""

    latest: object = None  # ProbeResult, None before the first probe finished
    current_sha: str | None = None  # last valid deployed SHA (normalised, full length seen)
    sha_since: float | None = None  # unix time the current SHA was first seen
    deploys_observed: int = 0  # SHA changes seen since the exporter started
    errors: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({str(r): 0 for r in ProbeFailure})
    )
    # driftgate_deployed_info's (sha, git_sha, version) now, and the label sets brought
    # in within the last hour (see monitor/labels.py: their number is bounded).
    deployed_labels: tuple = NO_ANSWER
    admitted_labels: tuple = ()
    over_label_budget: bool = False  # the latest answer is shown as OVER_BUDGET


class Observations:
    """Thread-safe TargetObservation by target name; `version` counts updates."""

    def __init__(self, target_names):
        self._lock = threading.Lock()
        self._by_target = {name: TargetObservation() for name in target_names}
        self.version = 0  # any update
        self.sha_version = 0  # a target's deployed SHA changed (or was first seen)

    def record(self, name, result):
        """Fold one ProbeResult into the target's observation."""
        with self._lock:
            observation = self._by_target[name]
            changes = {"latest": result}
            if result.failure is not None:
                errors = dict(observation.errors)
                errors[str(result.failure)] += 1
                changes["errors"] = MappingProxyType(errors)
            changes.update(_shown_labels(observation, result))
            verdict = result.verdict
            sha = verdict.deployed_sha if verdict is not None else None
            # A failed probe or a non-SHA answer is no deploy: the SHA is compared with
            # the last *valid* one, so a restart's refused window is not counted twice.
            if sha is not None and not _same_commit(sha, observation.current_sha):
                changes.update(current_sha=sha, sha_since=result.finished_at)
                self.sha_version += 1
                if observation.current_sha is not None:
                    changes["deploys_observed"] = observation.deploys_observed + 1
            self._by_target[name] = replace(observation, **changes)
            self.version += 1

    def snapshot(self):
        """An immutable view of every target's observation (safe to read without the lock)."""
        with self._lock:
            return MappingProxyType(dict(self._by_target))


def _shown_labels(observation, result):
    """The deployed_info labels of a new result, within the target's label budget."""
    verdict = result.verdict
    if verdict is None:
        answered = NO_ANSWER
    else:
        answered = deployed_labels(verdict.raw_git_sha, verdict.raw_version)
    shown, admitted = admit(
        answered, observation.deployed_labels, observation.admitted_labels, result.finished_at
    )
    return {
        "deployed_labels": shown,
        "admitted_labels": admitted,
        "over_label_budget": shown != answered,
    }


def _same_commit(sha, previous):
    # The policies' SHA matching (the shorter is a prefix of the longer): "94e9cbb0" and
    # "sha-94e9cbb" are one deploy seen through two payload formats, not two deploys.
    return previous is not None and shas_match(sha, previous)
