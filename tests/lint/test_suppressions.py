"""Inline suppressions: `# driftgate: ignore[...] reason: ...`, DG001 and DG002."""

from driftgate.lint.runner import lint_paths
from driftgate.policies.lint.suppressions import parse

PUSH_AT_3 = "name: CI\non:\n  push:{comment}\njobs:\n  test:\n    runs-on: x\n"


def lint_text(tmp_path, text, config=None):
    path = tmp_path / "ci.yml"
    path.write_text(text)
    if config:
        (tmp_path / "driftgate.yaml").write_text(config)
        (tmp_path / ".git").mkdir(exist_ok=True)
    report = lint_paths([path])
    return [(f.rule_id, f.line, f.message) for f in report.findings]


def test_parse_ids_names_and_reason():
    (mark,) = parse("x: 1  # driftgate: ignore[DG105, fixed-sleep] reason: vendor API, no health\n")
    assert (mark.line, mark.column, mark.rules) == (1, 7, ("DG105", "fixed-sleep"))
    assert mark.reason == "vendor API, no health"
    assert parse("x: 1  # driftgate ignore DG105\n") == []


def test_suppression_on_the_same_line(fake_rules, tmp_path):
    comment = "  # driftgate: ignore[DG901] reason: legacy trigger until Q3"
    assert lint_text(tmp_path, PUSH_AT_3.format(comment=comment)) == []


def test_suppression_on_the_line_above_by_name(fake_rules, tmp_path):
    text = "on:\n  # driftgate: ignore[no-push] reason: mirrors upstream\n  push:\njobs: {}\n"
    assert lint_text(tmp_path, text) == []


def test_suppression_two_lines_above_does_not_apply(fake_rules, tmp_path):
    text = "# driftgate: ignore[DG901] reason: too far\non:\n  push:\njobs: {}\n"
    assert lint_text(tmp_path, text) == [
        ("DG002", 1, "unused suppression of DG901 no-push"),
        ("DG901", 3, "push trigger"),
    ]


def test_suppression_without_reason_is_an_error_but_still_applies(fake_rules, tmp_path):
    found = lint_text(tmp_path, PUSH_AT_3.format(comment="  # driftgate: ignore[DG901]"))
    assert found == [("DG001", 3, "suppression without a reason")]
    found = lint_text(tmp_path, PUSH_AT_3.format(comment="  # driftgate: ignore[DG901] reason:"))
    assert found == [("DG001", 3, "suppression without a reason")]


def test_unused_and_unknown_ids_are_reported(fake_rules, tmp_path):
    comment = "  # driftgate: ignore[DG901, DG902, DG999] reason: mixed bag"
    found = lint_text(tmp_path, PUSH_AT_3.format(comment=comment))
    # DG902 (compose) never runs on a workflow: not "unused"; DG999 does not exist
    assert found == [("DG002", 3, "suppression of unknown rule 'DG999'")]
    comment = "  # driftgate: ignore[] reason: nothing"
    found = lint_text(tmp_path, PUSH_AT_3.format(comment=comment))
    assert ("DG002", 3, "suppression names no rule") in found and (
        "DG901",
        3,
        "push trigger",
    ) in found


def test_unused_suppression_of_a_rule_that_ran(fake_rules, tmp_path):
    text = "on: [pull_request]  # driftgate: ignore[DG901] reason: was push\njobs: {}\n"
    assert lint_text(tmp_path, text) == [("DG002", 1, "unused suppression of DG901 no-push")]


def test_meta_rules_follow_config(fake_rules, tmp_path):
    text = "on: [pull_request]  # driftgate: ignore[DG901]\njobs: {}\n"
    config = "rules:\n  unused-suppression: {enabled: false}\n  DG001: {severity: warning}\n"
    path = tmp_path / "ci.yml"
    path.write_text(text)
    (tmp_path / "driftgate.yaml").write_text(config)
    (tmp_path / ".git").mkdir()
    report = lint_paths([path])
    assert [(f.rule_id, f.severity) for f in report.findings] == [("DG001", "warning")]


def test_disabled_rule_suppression_is_not_unused(fake_rules, tmp_path):
    text = "on: [pull_request]  # driftgate: ignore[DG901] reason: kept for later\njobs: {}\n"
    assert lint_text(tmp_path, text, config="rules: {DG901: false}\n") == []
