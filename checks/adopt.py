"""`driftgate verify --adopt`: the gate run that vouches for what a target already runs.

On a first rollout no gate has verified the SHA each target runs. Adoption
reads that SHA with one bounded health fetch (the health group's own probe)
and makes it the expected SHA; every selected group then checks it as after
a deploy, except promotion, which is waived: the target ran this SHA before
the gate was there. The verdict is pushed with kind="adopt".

Fail closed: an answer that is unreachable, not healthy, without a SHA in
`git_sha`, or whose `version` disagrees, is adopted as nothing. The gate then
fails with that reason, runs no check and pushes no verdict (a verdict is keyed
by a SHA, and there is none the gate could stand behind).
"""

import dataclasses
from dataclasses import dataclass

from .health import probe_health

ADOPTION_CHECK = "adopt::read_running_sha"  # the report's row when the read fails
PROMOTION_WAIVED = "waived: adoption of what already runs"
MAX_READ_SECONDS = 10.0  # like the promotion probe: one fetch, never the whole deadline


@dataclass(frozen=True)
class Adoption:
    """What the adoption read saw: the SHA to adopt, or the reason there is none."""

    url: str
    sha: str | None  # the normalised git_sha adopted; None when the read failed
    git_sha: str | None = None  # as answered
    version: str | None = None
    problem: str | None = None  # why nothing was adopted
    seconds: float = 0.0

    def record(self):
        """The artifact's `adoption` field."""
        return dataclasses.asdict(self) | {"adopted": self.sha is not None}


def read_running_sha(settings):
    """One bounded GET of the target's health URL, judged with no expected SHA."""
    url = settings.pack.health_url(settings.target.name, settings.base_url)
    probe = probe_health(
        url,
        None,  # any SHA may answer; it must be healthy, a SHA, and agree with `version`
        schema=dict(settings.pack.health_schema),
        timeout=min(settings.probe_timeout, settings.deadline, MAX_READ_SECONDS),
    )
    verdict = probe.verdict
    seen = {
        "git_sha": verdict.raw_git_sha if verdict else None,
        "version": verdict.raw_version if verdict else None,
        "seconds": round(probe.seconds, 3),
    }
    if probe.failure is not None or not verdict.passed:
        problem = f"{settings.target.name} ({url}) gave no SHA to adopt: {probe.summary}"
        return Adoption(url, None, problem=problem, **seen)
    return Adoption(url, verdict.deployed_sha, **seen)


def adopt(settings):
    """`settings` with the adopted SHA as expected SHA (None when the read failed)."""
    adoption = read_running_sha(settings)
    return dataclasses.replace(settings, expected_sha=adoption.sha, adoption=adoption)
