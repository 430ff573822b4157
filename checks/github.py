"""GitHub Actions output of the gate: the step summary (Markdown) and annotations.

Workflow commands go to stdout (`::error title=...::message`), escaped as
GitHub requires, so a message can never forge a command of its own.
"""

from .artifact import time_to_verdict


def markdown(document):
    """The GitHub step summary of a run."""
    verdict = "PASSED" if document["passed"] else "FAILED"
    if document["bypassed"]:
        verdict = "PASSED with contract failures BYPASSED"
    sha = document["expected_sha"]
    failed = document.get("rollback_from")
    what = f" @ `{sha[:12]}`" if sha else " (adoption: no SHA to adopt)"
    if failed:
        what += f" (rollback from `{failed[:12]}`)"
    elif document.get("kind") == "adopt" and sha:
        what += " (adoption of what already runs)"
    lines = [f"## driftgate verify: {document['target']}{what}: {verdict}", ""]
    if document.get("bypass_armed") and not document["bypassed"]:
        lines += [
            "> [!WARNING]",
            "> ALLOW_CONTRACT_FAILURE=true is armed for this run: a failing data contract "
            "would not fail the deploy. Remove it when it is not needed.",
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
        f"{_deployed(deployed)}; {time_to_verdict(timings)}; total {timings['total_seconds']} s.",
        "",
        *([_previous(document), ""] if not failed else []),  # a rollback names what it replaces
        "| check | outcome | message |",
        "|---|---|---|",
    ]
    icons = {
        "passed": "✅ passed",
        "failed": "❌ failed",
        "error": "❌ error",
        "not_checked": "⚪ not checked",
    }
    for check in document["checks"]:
        outcome = icons.get(check["outcome"], check["outcome"])
        lines.append(f"| `{_cell(check['id'])}` | {outcome} | {_cell(check['message'])} |")
    return "\n".join(lines) + "\n\n"


PREVIOUS_SOURCES = {
    "health": "answered healthy before the expected SHA",
    "records": "the newest other SHA that passed the gate here, from its records",
}


def _previous(document):
    """The SHA to roll back to, and how the gate knows it."""
    sha, note = document.get("previous_sha"), document.get("previous_sha_note")
    if sha:
        return (
            f"Previous SHA: `{sha}` ({PREVIOUS_SOURCES.get(document.get('previous_sha_source'))})."
        )
    why = f" ({_cell(note)})" if note else ""
    consequence = "" if document["passed"] else ": nothing to roll back to"
    return f"Previous SHA: none known{consequence}{why}."


def _deployed(deployed):
    if deployed.get("git_sha") is None:
        return "Deployed: no health payload"
    return f"Deployed: git_sha `{deployed['git_sha']}`, version `{deployed['version']}`"


def _cell(text):
    text = " ".join(str(text if text is not None else "").split())
    return text.replace("|", "\\|")[:300]


def annotations(results, verdict, push_warning=None, scrub=lambda text: text):
    """GitHub workflow commands: ::error per failed check, ::warning for the bypass.

    `scrub` removes secrets from each message *before* it is escaped: GitHub
    undoes the escaping when it shows the annotation, so a secret escaped
    first (a password with `%`) would slip past a scrub of the escaped line.
    """

    def data(text):
        return _data(scrub(text))

    lines = []
    for r in results:
        if not r.failed:
            lines += _contract_warnings(r, data)
            continue
        if r.outcome == "not_checked":
            continue  # its root cause has its own annotation
        kind = "warning" if r in verdict.bypassed_failures else "error"
        title = "driftgate: contract failure BYPASSED" if kind == "warning" else "driftgate verify"
        lines.append(f"::{kind} title={_property_value(title)}::{data(r.id + ': ' + r.message)}")
    if verdict.bypassed:
        lines.append(
            f"::warning title={_property_value('driftgate: ALLOW_CONTRACT_FAILURE=true')}::"
            + data(
                f"{len(verdict.bypassed_failures)} failing data contract(s) bypassed; "
                "remove the bypass after investigation"
            )
        )
    if push_warning:
        title = _property_value("driftgate: Pushgateway")
        lines.append(f"::warning title={title}::{data(push_warning)}")
    return lines


def _contract_warnings(result, data):
    """A passing contract check that WARNed (not strict) still deserves a look."""
    title = _property_value("driftgate: contract WARN")
    return [
        f"::warning title={title}::"
        + data(
            f"{result.id}: {record.get('contract_id')} {record.get('name')}: "
            f"{record.get('message')}"
        )
        for name, record in result.properties
        if name == "contract" and isinstance(record, dict) and record.get("status") == "WARN"
    ]


def _data(text):
    # GitHub's escaping of workflow command data: %, CR and LF.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property_value(text):
    return _data(text).replace(":", "%3A").replace(",", "%2C")
