"""The JSON format, schema version 1 (documented in docs/lint.md; never internal objects).

>>> from driftgate.lint.runner import LintReport
>>> render(LintReport((), (), (), ()), "0.1.0").splitlines()[1]
'  "version": 1,'
"""

import json

from . import summary

SCHEMA_VERSION = 1


def finding_record(f):
    return {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "severity": f.severity,
        "message": f.message,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "key_path": f.key_path,
        "remediation": f.remediation,
        "doc_url": f.doc_url,
    }


def error_record(error):
    return {"file": error.path, "line": error.line, "message": error.reason}


def unmatched_record(gap):
    return {
        "root": gap.root,
        "kind": gap.kind,
        "globs": list(gap.patterns),
        "rules": list(gap.rule_ids),
        "message": gap.message,
    }


def render(report, tool_version):
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "driftgate", "version": tool_version},
        "findings": [finding_record(f) for f in report.findings],
        "errors": [error_record(e) for e in report.errors],
        "unmatched": [unmatched_record(gap) for gap in report.unmatched],
        "summary": summary(report),
    }
    return json.dumps(document, indent=2) + "\n"
