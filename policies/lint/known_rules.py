"""The engine's own rules, about suppression comments (not about workflows).

They have the same attributes as a rule module, so config, output and docs
treat them like any rule; the engine, not a hook, raises them.
"""

from types import SimpleNamespace

SUPPRESSION_REASON = SimpleNamespace(
    ID="DG001",
    NAME="suppression-reason",
    SUMMARY="Every inline suppression states why.",
    SEVERITY="error",
    APPLIES_TO="any",
    OPTIONS={},
    REMEDIATION="Add `reason: <why>` after the ignore[...] list.",
    __doc__="""Every inline suppression states why.

Rationale:
    A suppression silences a deployment policy; without a written reason the
    next reader cannot tell an accepted risk from a forgotten hack.

Remediation:
    Write the reason after the rule list: `# driftgate: ignore[DG113] reason: ...`.
    The suppression still applies; this finding asks for the reason.

Bad:
    ```yaml
    - run: sleep 60  # driftgate: ignore[DG113]
    ```

Good:
    ```yaml
    - run: sleep 60  # driftgate: ignore[DG113] reason: vendor API has no health endpoint
    ```
""",
)

UNUSED_SUPPRESSION = SimpleNamespace(
    ID="DG002",
    NAME="unused-suppression",
    SUMMARY="An inline suppression silences nothing.",
    SEVERITY="warning",
    APPLIES_TO="any",
    OPTIONS={},
    REMEDIATION="Remove the suppression (or the rule id it no longer needs).",
    __doc__="""An inline suppression silences nothing.

Rationale:
    A suppression left behind after its finding was fixed would silently hide
    the next, unrelated violation of that rule on the same line. Unknown rule
    ids in a suppression are reported here too.

Remediation:
    Remove the suppression, or the id in it that no longer matches a finding on
    its line or the line below. Suppressions of rules that did not run on the
    file (disabled, or for another kind of file) are not reported.

Bad:
    ```yaml
    - run: echo ok  # driftgate: ignore[DG105] reason: nothing to ignore here
    ```

Good:
    ```yaml
    - run: echo ok
    ```
""",
)

META_RULES = {rule.ID: rule for rule in (SUPPRESSION_REASON, UNUSED_SUPPRESSION)}


def all_rules():
    """Meta rules and registered rules, by id: everything config and docs may name."""
    from ..rules import REGISTRY

    return {**META_RULES, **dict(sorted(REGISTRY.items()))}


def resolve(name_or_id, rules=None):
    """The rule for an id (any case) or a name, or None."""
    rules = rules if rules is not None else all_rules()
    wanted = str(name_or_id)
    if wanted.upper() in rules:
        return rules[wanted.upper()]
    return next((rule for rule in rules.values() if rule.NAME == wanted), None)
