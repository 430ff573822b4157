"""Report formats of `driftgate lint`, one module each: text, json, sarif, github.

Each module has `render(report, tool_version, **options) -> str`; a format is
imported only when used (the start-up of a lint run stays small).
"""

import importlib

FORMATS = ("text", "json", "sarif", "github")


def choose(requested, environ):
    """`auto` is github inside GitHub Actions, text elsewhere."""
    if requested != "auto":
        return requested
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def render(report, fmt, tool_version, **options):
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    module = importlib.import_module(f"{__name__}.{fmt}")
    return module.render(report, tool_version, **options)


def summary(report):
    """Counts shared by the text summary line and the JSON summary object."""
    by_severity = {"error": 0, "warning": 0, "note": 0}
    for finding in report.findings:
        by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
    return {
        "files": len(report.files),
        "findings": len(report.findings),
        "by_severity": by_severity,
        "errors": len(report.errors),
        "unmatched": len(report.unmatched),
    }
