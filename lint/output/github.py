"""GitHub Actions workflow commands: one annotation per finding and per unusable file.

>>> escape_property("a,b:c")
'a%2Cb%3Ac'
"""

LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text):
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text):
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report, tool_version):
    lines = []
    for f in report.findings:
        properties = ",".join(
            [
                f"file={escape_property(f.file)}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={escape_property(f'{f.rule_id} {f.rule_name}')}",
            ]
        )
        text = f"{f.message}\n{f.remediation}\n{f.doc_url}"
        lines.append(f"::{LEVELS.get(f.severity, 'error')} {properties}::{escape_data(text)}")
    for error in report.errors:
        properties = f"file={escape_property(error.path)}"
        if error.line:
            properties += f",line={error.line}"
        properties += ",title=driftgate input error"
        lines.append(f"::error {properties}::{escape_data(error.reason)}")
    return "".join(line + "\n" for line in lines)
