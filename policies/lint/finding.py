"""What the engine reports: a rule's violation placed in a file, with severity and help.

>>> Finding("DG105", "input-injection", "error", "m", "deploy.yml", 3, 7, "jobs.a", "fix").doc_url
'https://driftgate.dev/rules/dg105/'
"""

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "note")  # most to least severe
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}  # note 0 .. error 2

# Where a rule's documentation lives; `{id}` is the lower-case rule id, `{name}` its name.
# A team that hosts the documentation itself sets `docs_url` in its lint config.
DEFAULT_DOCS_URL = "https://driftgate.dev/rules/{id}/"


def doc_url(rule_id, template=DEFAULT_DOCS_URL, rule_name=""):
    """The documentation URL of a rule, per a `docs_url` template.

    >>> doc_url("DG105", "https://wiki.example/lint#{id}-{name}", "input-injection")
    'https://wiki.example/lint#dg105-input-injection'
    """
    return template.replace("{id}", rule_id.lower()).replace("{name}", rule_name)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's violation at a file, line and column, with how to fix it."""

    rule_id: str
    rule_name: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    key_path: str
    remediation: str
    doc_url: str = ""

    def __post_init__(self):
        if not self.doc_url:
            object.__setattr__(self, "doc_url", doc_url(self.rule_id, rule_name=self.rule_name))

    def sort_key(self):
        return (self.file, self.line, self.column, self.rule_id, self.message)
