"""Every registered rule is complete: attributes, docs, fixtures, a docs/rules.md entry.

And its documentation does not lie: each YAML example in the docstring whose
root is a mapping (a whole workflow or compose file, or a complete fragment of
one) is linted as the rule's kind: every Bad example is flagged by the rule,
no Good example is. A list of steps is linted as the steps of one job of a
dispatch-only workflow; other fragments cannot be linted as a file and are
skipped, but every rule must have at least one checkable example.
"""

import re
from pathlib import Path

import pytest

from driftgate.policies.lint.engine import lint_document, select_rules
from driftgate.policies.lint.finding import SEVERITIES
from driftgate.policies.lint.known_rules import META_RULES
from driftgate.policies.lint.ruledocs import REQUIRED_SECTIONS, examples, rule_sections
from driftgate.policies.rules import REGISTRY
from driftgate.policies.yamlsource import YamlMap, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
RULES = sorted(REGISTRY.items())
ALL = [*sorted(META_RULES.items()), *RULES]
ID_FORMAT = re.compile(r"DG\d{3}")


@pytest.mark.parametrize(("rule_id", "rule"), ALL, ids=[i for i, _ in ALL])
def test_rule_declares_its_attributes(rule_id, rule):
    assert rule.ID == rule_id and ID_FORMAT.fullmatch(rule_id)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.NAME)
    assert rule.SEVERITY in SEVERITIES
    assert rule.APPLIES_TO in ("deploy", "build", "workflow", "compose", "any")
    assert isinstance(rule.OPTIONS, dict)
    assert rule.SUMMARY and rule.REMEDIATION and "\n" not in rule.REMEDIATION
    sections = rule_sections(rule)
    assert sections["Summary"] == rule.SUMMARY
    missing = [name for name in REQUIRED_SECTIONS if not sections.get(name)]
    assert missing == [], f"{rule_id} docstring lacks {missing}"
    assert examples(rule, "Bad") and examples(rule, "Good")


@pytest.mark.parametrize(("rule_id", "rule"), RULES, ids=[i for i, _ in RULES])
def test_rule_module_is_named_after_the_rule(rule_id, rule):
    assert rule.__name__.rsplit(".", 1)[-1] == rule.NAME.replace("-", "_")
    assert any(
        hasattr(rule, hook)
        for hook in ("check_workflow", "check_job", "check_step", "check_compose")
    )


@pytest.mark.parametrize(("rule_id", "rule"), RULES, ids=[i for i, _ in RULES])
def test_rule_has_pass_and_fail_fixtures(rule_id, rule):
    for outcome in ("pass", "fail"):
        found = list((FIXTURES / rule_id.lower() / outcome).glob("*.y*ml"))
        assert found, f"no {outcome} fixture under tests/fixtures/{rule_id.lower()}/{outcome}/"


@pytest.mark.parametrize(("rule_id", "rule"), ALL, ids=[i for i, _ in ALL])
def test_rule_is_in_docs_rules_md(rule_id, rule):
    docs = (ROOT / "docs" / "rules.md").read_text()
    assert f"## {rule_id} {rule.NAME}\n" in docs


def lint_example(rule, text):
    document = parse_yaml(text, f"<{rule.ID} example>")
    if _is_step_list(document) and rule.APPLIES_TO != "compose":
        # a list of steps: lint it as the steps of one job of a dispatch-only workflow
        indented = "".join(f"      {line}\n" for line in text.splitlines())
        wrapped = f"on:\n  workflow_dispatch:\njobs:\n  example:\n    steps:\n{indented}"
        document = parse_yaml(wrapped, f"<{rule.ID} example>")
    if not isinstance(document, YamlMap):
        return None
    kind = "workflow" if rule.APPLIES_TO == "workflow" else rule.APPLIES_TO
    return lint_document(document, "example.yml", kind, modules=select_rules([rule.ID]))


def _is_step_list(document):
    return isinstance(document, list) and all(
        isinstance(step, dict) and ("run" in step or "uses" in step) for step in document
    )


@pytest.mark.parametrize(("rule_id", "rule"), RULES, ids=[i for i, _ in RULES])
def test_docstring_examples_tell_the_truth(rule_id, rule):
    checked = 0
    for text in examples(rule, "Bad"):
        findings = lint_example(rule, text)
        if findings is not None:
            checked += 1
            assert findings, f"{rule_id}: a Bad example is not flagged:\n{text}"
    for text in examples(rule, "Good"):
        findings = lint_example(rule, text)
        if findings is not None:
            checked += 1
            messages = [f"{f.line}:{f.column} {f.message}" for f in findings]
            assert findings == [], f"{rule_id}: a Good example is flagged {messages}:\n{text}"
    assert checked, f"{rule_id}: no docstring example is a whole mapping that can be checked"
