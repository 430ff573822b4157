"""Inline suppressions: `# driftgate: ignore[DG105, fixed-sleep] reason: why`.

A suppression on line N silences the named rules' findings on line N and
N+1 (write it at the end of the offending line, or on its own line above).
Comments are not in the YAML tree, so the raw lines are scanned.
Without a reason it is itself a finding (DG001); one that silences nothing is
reported too (DG002), as is an unknown rule id in it.

>>> [(s.line, s.rules, s.reason) for s in parse("x: 1  # driftgate: ignore[DG105] reason: ok")]
[(1, ('DG105',), 'ok')]
"""

import re
from collections import namedtuple

from .finding import Finding
from .known_rules import SUPPRESSION_REASON, UNUSED_SUPPRESSION

MARKER = "driftgate:"
SUPPRESSION = re.compile(
    r"#\s*driftgate:\s*ignore\[(?P<rules>[^\]]*)\](?:\s*reason:(?P<reason>.*))?", re.IGNORECASE
)


# rules: as written, ids or names.
Suppression = namedtuple("Suppression", "line column rules reason")


def parse(text):
    """Every suppression comment in a file's text (fast path: none without the marker)."""
    if MARKER not in text:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if MARKER not in line:
            continue
        match = SUPPRESSION.search(line)
        if match:
            rules = tuple(r.strip() for r in match.group("rules").split(",") if r.strip())
            reason = (match.group("reason") or "").strip()
            found.append(Suppression(number, match.start() + 1, rules, reason))
    return found


def apply(findings, suppressions, path, ran, resolve, make_finding):
    """Drop suppressed findings; add DG001/DG002 findings about the suppressions.

    `ran`: ids of the rules that ran on this file (a suppression of any other
    rule is not "unused"); `resolve(name) -> rule or None`;
    `make_finding(rule, message, line, column)` builds a meta finding (or None
    when that meta rule is disabled).
    """
    if not suppressions:
        return findings
    used = set()  # (suppression line, written name)
    by_spot = {}
    for suppression in suppressions:
        for written in suppression.rules:
            rule = resolve(written)
            if rule is not None:
                by_spot.setdefault((suppression.line, rule.ID), []).append((suppression, written))
    kept = []
    for finding in findings:
        hits = by_spot.get((finding.line, finding.rule_id)) or by_spot.get(
            (finding.line - 1, finding.rule_id)
        )
        if hits:
            used.update((s.line, written) for s, written in hits)
        else:
            kept.append(finding)
    extra = []
    for suppression in suppressions:
        spot = (suppression.line, suppression.column)
        if not suppression.reason:
            extra.append(make_finding(SUPPRESSION_REASON, "suppression without a reason", *spot))
        if not suppression.rules:
            extra.append(make_finding(UNUSED_SUPPRESSION, "suppression names no rule", *spot))
        for written in suppression.rules:
            rule = resolve(written)
            if rule is None:
                message = f"suppression of unknown rule {written!r}"
                extra.append(make_finding(UNUSED_SUPPRESSION, message, *spot))
            elif rule.ID in ran and (suppression.line, written) not in used:
                message = f"unused suppression of {rule.ID} {rule.NAME}"
                extra.append(make_finding(UNUSED_SUPPRESSION, message, *spot))
    return kept + [f for f in extra if isinstance(f, Finding)]
