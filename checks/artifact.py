"""The gate's JSON artifact and console table, rendered from its results.

Pure rendering (the report decides and writes). The JSON artifact is
versioned and never a dump of internal objects:

    {"version": 1, "target": "production", "expected_sha": "94e9cbb0...", "adoption": null,
     "passed": true, "bypassed": false, "bypass_armed": false, "deployed": {...}, "timings": {...},
     "checks": [{"id", "group", "outcome", "message", "seconds", "properties"}],
     "contracts": {timestamp, days, strict, buyer_filter, results, summary, bypassed,
                   bypassed_contracts},
     "api": {source, error, operations: [{operation, requests, document_examples, statuses,
             success_checked, failures, seconds}], success_never_checked, not_checked},
     "kind", "rollback_from", "previous_sha", "previous_sha_source", "previous_sha_note"}

`adoption` (with `--adopt`; kind is then "adopt"): {url, sha, git_sha,
version, problem, seconds, adopted}, the read of the SHA the target ran;
expected_sha is that SHA, or null when nothing was adopted. The last five
are added by the report (checks.rollback.fields): they may read the gate's
records over the network, which rendering never does.
"""

import json
import os
import tempfile
import textwrap
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from driftgate import __version__
from driftgate.policies import contracts as contract_rules
from driftgate.policies.errors import DriftgateError

from .secrets import scrub

ARTIFACT_VERSION = 1


def build(settings, results, verdict, started, finished):
    """The versioned JSON document of one gate run (plain builtins only)."""
    health = _property(results, "health") or {}
    return {
        "version": ARTIFACT_VERSION,
        "tool": {"name": "driftgate", "version": __version__},
        "pack": settings.pack.name,
        "target": settings.target.name,
        "base_url": settings.base_url,
        "expected_sha": settings.expected_sha,
        # --adopt: the read that chose the expected SHA (None for a deploy or rollback).
        "adoption": settings.adoption.record() if settings.adoption else None,
        "groups": sorted(settings.groups),
        "strict": settings.strict,
        "passed": verdict.passed,
        "bypassed": verdict.bypassed,
        # The bypass was set for this run, whether or not anything failed.
        "bypass_armed": settings.allow_contract_failure,
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "deployed": {
            "git_sha": health.get("git_sha"),
            "version": health.get("version"),
            "deployed_sha": health.get("deployed_sha"),
            "promotion": _property(results, "promotion"),
        },
        "timings": {
            "total_seconds": round(finished - started, 3),
            **poll_timings(results),
            "groups": _group_seconds(results),
        },
        "checks": [
            {
                "id": r.id,
                "group": r.group,
                "outcome": r.outcome,
                "message": r.message,
                "seconds": r.seconds,
                "properties": [[name, _jsonable(value)] for name, value in r.properties],
            }
            for r in results
        ],
        "failures": [r.id for r in verdict.failures],
        "contracts": _contracts(settings, results, verdict, finished),
        "api": _api(results),
    }


def _api(results):
    """The API group's document and per-operation runs (None when the group did not run)."""
    document = _property(results, "openapi")
    operations = [value for r in results for name, value in r.properties if name == "api"]
    if document is None and not operations:
        return None
    return {
        "source": (document or {}).get("source"),
        "error": (document or {}).get("error"),
        "operations": operations,
        # Passed on error statuses alone: the success response's schema went unchecked.
        "success_never_checked": [
            op["operation"] for op in operations if op.get("success_checked") is False
        ],
        "not_checked": {
            op["operation"]: op["not_checked"] for op in operations if op.get("not_checked")
        },
    }


def _contracts(settings, results, verdict, finished):
    """The real checker's fields, plus the bypass."""
    records = [value for r in results for name, value in r.properties if name == "contract"]
    try:
        days = contract_rules.load_catalogue(settings.pack).days
        checked = contract_rules.checker_results(records)
        section = contract_rules.checker_report(
            checked,
            days=days,
            strict=settings.strict,
            timestamp=datetime.fromtimestamp(finished, UTC),
        )
    except (DriftgateError, KeyError, TypeError, ValueError):
        section = {"timestamp": _iso(finished), "days": None, "strict": settings.strict}
        section.update(buyer_filter=None, results=records, summary=_summary(records))
    bypassed = [_contract_of(r) for r in verdict.bypassed_failures]
    section.update(bypassed=verdict.bypassed, bypassed_contracts=bypassed)
    return section


def _summary(records):
    counts = {"pass": 0, "warn": 0, "fail": 0}
    for record in records:
        status = str(record.get("status", "")).lower()
        if status in counts:
            counts[status] += 1
    return counts


def _contract_of(result):
    record = dict(next((v for n, v in result.properties if n == "contract"), {}))
    return {
        "contract_id": record.get("contract_id"),
        "name": record.get("name"),
        "status": record.get("status", "FAIL"),
        "message": record.get("message") or result.message,
        "test": result.id,
    }


def health_record(results):
    """What the health group recorded about its poll (None when it did not run)."""
    return _property(results, "health")


def _property(results, wanted):
    values = [value for r in results for name, value in r.properties if name == wanted]
    return values[-1] if values else None


def _group_seconds(results):
    seconds = {}
    for r in results:
        seconds[r.group] = round(seconds.get(r.group, 0.0) + r.seconds, 3)
    return seconds


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def _iso(seconds):
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


def scrubbed(value, secrets):
    """`value` with every secret removed from every string, keys included."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrubbed(k, secrets): scrubbed(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrubbed(v, secrets) for v in value]
    return value


def write_json(path, document):
    """Write atomically: a reader never sees half an artifact."""
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as out:
        json.dump(document, out, indent=2, sort_keys=False)
        out.write("\n")
    os.replace(out.name, path)


def time_to_verdict(timings):
    """The health poll's timing in a phrase (console and step summary), never "None s".

    >>> time_to_verdict({"seconds_to_verdict": 0.41, "health_poll_seconds": 0.41})
    'time to verdict: 0.41 s'
    >>> time_to_verdict({"seconds_to_verdict": None, "health_poll_seconds": 120.2})
    'no verdict: the expected SHA did not answer healthy in 120.2 s of polling'
    """
    if timings.get("seconds_to_verdict") is not None:
        return f"time to verdict: {timings['seconds_to_verdict']} s"
    if timings.get("health_poll_seconds") is not None:
        return (
            "no verdict: the expected SHA did not answer healthy in "
            f"{timings['health_poll_seconds']} s of polling"
        )
    return "health not polled"


def poll_timings(results):
    """The `timings` fields of the health poll, from the check results."""
    health = _property(results, "health") or {}
    return {
        "seconds_to_verdict": health.get("seconds_to_verdict"),
        "health_poll_seconds": health.get("seconds"),
    }


def table(results, width=160):
    """Console rows: id, outcome, message; a long message wraps under its own column,
    never cut (the reason is often at the end)."""
    if not results:
        return ["(no checks ran)"]
    id_width = min(max(len(r.id) for r in results), 70)
    outcome_width = max(8, *(len(_outcome_word(r.outcome)) for r in results))
    indent = " " * (id_width + 2 + outcome_width + 1)
    lines = [f"{'check':<{id_width}}  {'outcome':<{outcome_width}} message"]
    for r in results:
        head = f"{r.id:<{id_width}}  {_outcome_word(r.outcome):<{outcome_width}} "
        message = " ".join(r.message.split())
        wrapped = textwrap.wrap(message, max(width - len(indent), 40), break_on_hyphens=False) or [
            ""
        ]
        lines.append((head + wrapped[0]).rstrip())
        lines += [indent + part for part in wrapped[1:]]
    return lines


def _outcome_word(outcome):
    return outcome.replace("_", " ").upper()


def scrub_xml(text, secrets):
    """Remove secrets from XML text, raw and in their escaped forms."""
    forms = set()
    for secret in secrets:
        quoted = escape(secret, {'"': "&quot;", "'": "&apos;"})
        forms.update({secret, escape(secret), quoted, escape(secret, {'"': "&quot;"})})
    return scrub(text, tuple(sorted(forms, key=len, reverse=True)))
