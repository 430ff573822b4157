"""The way back: what the gate knows about the SHA that ran before, and rollbacks.

`previous_sha` is the SHA to roll back to when the gate fails. The health
poll saw it when another SHA answered healthy before the expected one (the
old container still serving while the new one starts). When the poll saw
none (the old container was gone before the gate started), the gate's own
records answer: the newest other SHA that passed the gate on this target.
Null when neither knows one (a first deploy).

For `--rollback-from`, `promotion_waiver` says whether the expected SHA
already passed the gate on this target, so that a rollback need not be
promoted again; when the records cannot be read, it says so and the
promotion check runs as for any deploy.
"""

from dataclasses import dataclass

from driftgate.policies.sha import normalise_sha, short_sha

from .records import RecordsError, Source, last_good

RECORDS_TIMEOUT = 5.0  # seconds per request: the records must not hold a gate up for long


def records_source(settings):
    """The gate's records: Prometheus (the history) if given, else the Pushgateway, else None."""
    if settings.prometheus:
        return Source("prometheus", settings.prometheus)
    if settings.pushgateway:
        return Source("pushgateway", settings.pushgateway)
    return None


@dataclass(frozen=True)
class Previous:
    sha: str | None
    source: str | None  # health | records | None
    note: str | None = None  # why the records gave nothing, when they could not be read


def previous_sha(settings, health):
    """The SHA to roll back to, from the health poll's record, else the gate's records."""
    seen = normalise_sha((health or {}).get("previous_sha"))
    if seen:
        return Previous(seen, "health")
    source = records_source(settings)
    if source is None:
        return Previous(None, None)
    try:
        history = source.history(settings.target.name, timeout=RECORDS_TIMEOUT)
    except RecordsError as exc:
        return Previous(None, None, f"the gate's records cannot be read: {exc}")
    excluded = short_sha(settings.expected_sha)
    found = last_good([v for v in history if v.sha != excluded])
    return Previous(found.sha, "records") if found else Previous(None, None)


@dataclass(frozen=True)
class Waiver:
    """Whether promotion may be skipped for a rollback, and the sentence that says why."""

    waived: bool
    note: str
    known_good: dict | None = None  # {sha, timestamp, kind, source}


def promotion_waiver(settings):
    """Waived when the expected SHA already passed the gate on this target (its records)."""
    target, sha = settings.target.name, short_sha(settings.expected_sha)
    source = records_source(settings)
    if source is None:
        return Waiver(False, "no records to consult (give --prometheus or --pushgateway)")
    try:
        history = source.history(target, timeout=RECORDS_TIMEOUT)
    except RecordsError as exc:
        return Waiver(False, f"the gate's records cannot be read: {exc}")
    found = last_good([v for v in history if v.sha == sha])
    if found is None:
        where = f"{source.display} ({source.kind})"
        return Waiver(False, f"{sha} never passed the gate on {target} according to {where}")
    known = {
        "sha": found.sha,
        "timestamp": found.timestamp,
        "kind": found.kind,
        "source": source.kind,
    }
    return Waiver(True, f"{sha} already passed the gate on {target} ({source.kind})", known)


def fields(settings, health):
    """The artifact's rollback fields: kind, rollback_from, previous_sha and its source."""
    previous = previous_sha(settings, health)
    return {
        "kind": settings.kind,
        "rollback_from": settings.rollback_from,
        "previous_sha": previous.sha,
        "previous_sha_source": previous.source,
        "previous_sha_note": previous.note,
    }


def github_output_lines(document):
    """`previous_sha=...` and `verdict=pass|fail` for $GITHUB_OUTPUT (SHAs are plain hex)."""
    previous = normalise_sha(document.get("previous_sha")) or ""
    verdict = "pass" if document.get("passed") else "fail"
    return f"previous_sha={previous}\nverdict={verdict}\n"
