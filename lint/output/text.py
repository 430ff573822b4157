"""The human format: `file:line:col: DG105 error: message [input-injection]`, a hint, a link.

>>> from driftgate.lint.runner import LintReport
>>> render(LintReport((), (), ("a.yml",), ()), "0.1.0")
'All clean: 1 file, no findings.\\n'
>>> render(LintReport((), ("bad.yml: invalid YAML",), (), ()), "0.1.0")
'No findings in 0 files; 1 path could not be linted.\\n'
"""

from . import summary

COLOURS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m"}
BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


def render(report, tool_version, colour=False):
    def paint(code, text):
        return f"{code}{text}{RESET}" if colour else text

    lines = []
    for f in report.findings:
        where = paint(BOLD, f"{f.file}:{f.line}:{f.column}:")
        severity = paint(COLOURS.get(f.severity, ""), f.severity)
        lines.append(f"{where} {f.rule_id} {severity}: {f.message} [{f.rule_name}]")
        lines.append(paint(DIM, f"  hint: {f.remediation}"))
        lines.append(paint(DIM, f"  docs: {f.doc_url}"))
    lines.append(_summary_line(summary(report), bool(report.unmatched)))
    return "\n".join(lines) + "\n"


def _summary_line(counts, unmatched=False):
    files = _plural(counts["files"], "file")
    unreadable = ""
    if counts["errors"]:
        unreadable = f"; {_plural(counts['errors'], 'path')} could not be linted"
    if not counts["findings"]:
        if unreadable or unmatched:  # not clean: what was not linted may hold anything
            return f"No findings in {files}{unreadable}."
        return f"All clean: {files}, no findings."
    parts = [_plural(n, s) for s, n in counts["by_severity"].items() if n]
    total = _plural(counts["findings"], "finding")
    return f"Found {total} ({', '.join(parts)}) in {files}{unreadable}."


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"
