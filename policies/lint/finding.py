"""What the engine reports: a rule's violation placed in a file, with severity and help.

>>> Finding("DG105", "input-injection", "error", "m", "deploy.yml", 3, 7, "jobs.a", "fix").doc_url
'https://driftgate.dev/rules/dg105/'
"""

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "note")  # most to least severe
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}  # note 0 .. error 2


def doc_url(rule_id):
    return f"https://driftgate.dev/rules/{rule_id.lower()}/"


@dataclass(frozen=True, order=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    key_path: str
    remediation: str

    @property
    def doc_url(self):
        return doc_url(self.rule_id)

    def sort_key(self):
        return (self.file, self.line, self.column, self.rule_id, self.message)
