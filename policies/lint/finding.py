"""What the engine reports: a rule's violation placed in a file, with severity and help.

>>> Finding("DG105", "input-injection", "error", "m", "deploy.yml", 3, 7, "jobs.a", "fix").doc_url
'https://driftgate.dev/rules/dg105/'
"""

from collections import namedtuple

SEVERITIES = ("error", "warning", "note")  # most to least severe
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}  # note 0 .. error 2


def doc_url(rule_id):
    return f"https://driftgate.dev/rules/{rule_id.lower()}/"


# A named tuple, not a dataclass: immutable and ordered all the same, and creating
# it costs a short `driftgate lint` run nothing (dataclasses cost it ~14 ms).
_FINDING = "rule_id rule_name severity message file line column key_path remediation"


class Finding(namedtuple("Finding", _FINDING)):
    __slots__ = ()

    @property
    def doc_url(self):
        return doc_url(self.rule_id)

    def sort_key(self):
        return (self.file, self.line, self.column, self.rule_id, self.message)
