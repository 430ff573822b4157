"""The gate's outputs, rendered from its results: JSON artifact, table, Markdown, annotations.

Pure rendering (the report decides and writes). The JSON artifact is
versioned and never a dump of internal objects:

    {"version": 1, "target": "production", "expected_sha": "94e9cbb0...",
     "passed": true, "bypassed": false, "deployed": {...}, "timings": {...},
     "checks": [{"id", "group", "outcome", "message", "seconds", "properties"}],
     "contracts": {timestamp, days, strict, buyer_filter, results, summary, bypassed,
                   bypassed_contracts}}
"""

import json
import os
import tempfile
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from driftgate.policies import contracts as contract_rules
from driftgate.policies.errors import DriftgateError

from driftgate import __version__

from .settings import scrub

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
        "groups": sorted(settings.groups),
        "strict": settings.strict,
        "passed": verdict.passed,
        "bypassed": verdict.bypassed,
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
            "seconds_to_verdict": health.get("seconds_to_verdict"),
            "health_poll_seconds": health.get("seconds"),
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
    }


def _contracts(settings, results, verdict, finished):
    """The real checker's fields (SPEC section 5), plus the bypass."""
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


def table(results, width=160):
    """Console rows: id, outcome, message (one line each, cut to `width`)."""
    if not results:
        return ["(no checks ran)"]
    id_width = min(max(len(r.id) for r in results), 70)
    lines = [f"{'check':<{id_width}}  {'outcome':<8} message"]
    for r in results:
        message = " ".join(r.message.split())
        line = f"{r.id:<{id_width}}  {r.outcome.upper():<8} {message}"
        lines.append(line if len(line) <= width else line[: width - 1] + "…")
    return lines


def markdown(document):
    """The GitHub step summary of a run."""
    verdict = "PASSED" if document["passed"] else "FAILED"
    if document["bypassed"]:
        verdict = "PASSED with contract failures BYPASSED"
    sha = document["expected_sha"]
    lines = [
        f"## driftgate verify: {document['target']} @ `{sha[:12]}`: {verdict}",
        "",
    ]
    if document["bypassed"]:
        lines += [
            "> [!WARNING]",
            "> ALLOW_CONTRACT_FAILURE=true let failing data contracts through. "
            "Remove the bypass after investigation.",
            "",
            "| bypassed contract | name | message |",
            "|---|---|---|",
        ]
        for c in document["contracts"]["bypassed_contracts"]:
            lines.append(
                f"| {_cell(c['contract_id'])} | {_cell(c['name'])} | {_cell(c['message'])} |"
            )
        lines.append("")
    timings = document["timings"]
    deployed = document["deployed"]
    lines += [
        f"Deployed: git_sha `{deployed['git_sha']}`, version `{deployed['version']}`; "
        f"time to verdict: {timings['seconds_to_verdict']} s; total {timings['total_seconds']} s.",
        "",
        "| check | outcome | message |",
        "|---|---|---|",
    ]
    icons = {"passed": "✅ passed", "failed": "❌ failed", "error": "❌ error"}
    for check in document["checks"]:
        outcome = icons.get(check["outcome"], check["outcome"])
        lines.append(f"| `{_cell(check['id'])}` | {outcome} | {_cell(check['message'])} |")
    return "\n".join(lines) + "\n\n"


def _cell(text):
    text = " ".join(str(text if text is not None else "").split())
    return text.replace("|", "\\|")[:300]


def annotations(results, verdict, push_warning=None):
    """GitHub workflow commands: ::error per failed check, ::warning for the bypass."""
    lines = []
    for r in results:
        if not r.failed:
            continue
        kind = "warning" if r in verdict.bypassed_failures else "error"
        title = "driftgate: contract failure BYPASSED" if kind == "warning" else "driftgate verify"
        lines.append(f"::{kind} title={_property_value(title)}::{_data(r.id + ': ' + r.message)}")
    if verdict.bypassed:
        lines.append(
            f"::warning title={_property_value('driftgate: ALLOW_CONTRACT_FAILURE=true')}::"
            + _data(
                f"{len(verdict.bypassed_failures)} failing data contract(s) bypassed; "
                "remove the bypass after investigation"
            )
        )
    if push_warning:
        title = _property_value("driftgate: Pushgateway")
        lines.append(f"::warning title={title}::{_data(push_warning)}")
    return lines


def _data(text):
    # GitHub's escaping of workflow command data: %, CR and LF.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property_value(text):
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def scrub_xml(text, secrets):
    """Remove secrets from XML text, raw and in their escaped forms."""
    forms = set()
    for secret in secrets:
        quoted = escape(secret, {'"': "&quot;", "'": "&apos;"})
        forms.update({secret, escape(secret), quoted, escape(secret, {'"': "&quot;"})})
    return scrub(text, tuple(sorted(forms, key=len, reverse=True)))
