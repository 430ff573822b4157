"""SARIF 2.1.0 for code scanning (validated against the official schema in the tests).

>>> from driftgate.lint.runner import LintReport
>>> import json; json.loads(render(LintReport((), (), (), ()), "0.1.0"))["version"]
'2.1.0'
"""

import json
import os
from pathlib import Path

from driftgate.policies.lint.finding import doc_url
from driftgate.policies.lint.ruledocs import rule_sections

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"  # the checkout root, as GitHub code scanning resolves it


def artifact_uri(path):
    """A relative URI (POSIX separators) for files under the working directory."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix(), True
    except ValueError:
        return absolute.as_uri(), False


def location(path, line=None, column=None):
    uri, relative = artifact_uri(path)
    artifact = {"uri": uri, "uriBaseId": SRCROOT} if relative else {"uri": uri}
    physical = {"artifactLocation": artifact}
    if line:
        physical["region"] = {"startLine": line, **({"startColumn": column} if column else {})}
    return {"physicalLocation": physical}


def rule_descriptor(rule, docs_url):
    sections = rule_sections(rule)
    full = sections.get("Rationale", rule.SUMMARY)
    return {
        "id": rule.ID,
        "name": rule.NAME,
        "shortDescription": {"text": rule.SUMMARY},
        "fullDescription": {"text": " ".join(full.split())},
        "helpUri": doc_url(rule.ID, docs_url, rule.NAME),
        "help": {"text": rule.REMEDIATION},
        "defaultConfiguration": {"level": rule.SEVERITY},
    }


def render(report, tool_version):
    rules = sorted(report.rules, key=lambda rule: rule.ID)
    index = {rule.ID: i for i, rule in enumerate(rules)}
    results = [
        {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": f.severity,
            "message": {"text": f"{f.message}. {f.remediation}"},
            "locations": [location(f.file, f.line, f.column)],
        }
        for f in report.findings
        if f.rule_id in index
    ]
    notifications = [
        {
            "level": "error",
            "message": {"text": e.reason},
            "locations": [location(e.path, e.line)],
        }
        for e in report.errors
    ]
    notifications += [
        {"level": "warning", "message": {"text": gap.message}, "locations": [location(gap.root)]}
        for gap in report.unmatched
    ]
    run = {
        "tool": {
            "driver": {
                "name": "driftgate",
                "version": tool_version,
                "informationUri": "https://driftgate.dev/",
                "rules": [rule_descriptor(rule, report.docs_url) for rule in rules],
            }
        },
        "invocations": [
            {"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}
        ],
        "results": results,
        # Columns count Unicode code points (SARIF's default is UTF-16 code units, which
        # differ after an emoji or another character outside the Basic Multilingual Plane).
        "columnKind": "unicodeCodePoints",
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2) + "\n"
