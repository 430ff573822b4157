"""What a rule yields: a message and the exact spot it is about.

Rules build violations with the three `flag_*` helpers, which take the
position from the located YAML values (policies/yamlsource.py). The engine,
not the rule, turns a Violation into a Finding (rule id, severity, file,
remediation, documentation URL) and applies config and suppressions.

A violation's hint, when set, is the finding's remediation in place of the
rule's static REMEDIATION (which documents the rule): the same advice with the
pack's values (its confirm word, tag variable, targets) or the finding's own
(the input's name).
"""

from collections import namedtuple

from ..yamlsource import YamlMap, position_of

# line and column are 1-based; key_path is like "jobs.deploy.steps[3].run";
# hint: this finding's one-line remediation, or None for the rule's REMEDIATION.
Violation = namedtuple("Violation", "message line column key_path hint", defaults=(None,))


def with_hint(violations, hint):
    """The violations, each with `hint` as its remediation."""
    return [violation._replace(hint=hint) for violation in violations]


def flag_key(container, key, key_path, message):
    """Point at `key` itself in a mapping (e.g. the `push` trigger, a forbidden input)."""
    line, column = container.key_position(key) if isinstance(container, YamlMap) else (1, 1)
    return Violation(message, line, column, key_path)


def flag_value(container, key, key_path, message):
    """Point at the value of container[key] (a mapping key or a list index)."""
    line, column = position_of(container, key)
    return Violation(message, line, column, key_path)


def flag_at(value, key_path, message):
    """Point at a located value itself (a YamlMap, YamlList, YamlStr or number)."""
    line, column = getattr(value, "line", 0) or 1, getattr(value, "column", 0) or 1
    return Violation(message, line, column, key_path)


def flag_text(text, offset, key_path, message):
    """Point at character `offset` inside a string, e.g. one line of a `run: |` block."""
    line, column = text.locate(offset) if hasattr(text, "locate") else (1, 1)
    return Violation(message, line, column, key_path)
