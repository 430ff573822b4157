"""Every rule against its fixtures: exact (line, column) of each finding, none on pass files.

Fixtures live in tests/fixtures/<rule id lower>/{pass,fail}/*.yml. Each offending
line of a fail file ends with `# NOT OK` (or `# NOT OK col=N` when the column
matters; `col=N col=M` for two findings on one line). A file is linted as the
kind its rule applies to (a "workflow" rule's fixtures as plain workflows),
with only that rule enabled.
"""

import re
from pathlib import Path

import pytest

from driftgate.policies.lint.engine import lint_file
from driftgate.policies.rules import REGISTRY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MARKER = re.compile(r"#\s*NOT OK\b:?(?P<rest>.*)$")
COLUMN = re.compile(r"\bcol=(\d+)")


def fixture_files(outcome):
    cases = []
    for rule_id, rule in sorted(REGISTRY.items()):
        folder = FIXTURES / rule_id.lower() / outcome
        for path in sorted(folder.glob("*.y*ml")):
            cases.append(pytest.param(rule, path, id=f"{rule_id}/{outcome}/{path.name}"))
    return cases


def expected_spots(path):
    """[(line, column or None)] from the `# NOT OK` markers of a fail fixture."""
    spots = []
    for number, text in enumerate(path.read_text().splitlines(), 1):
        marker = MARKER.search(text)
        if marker:
            columns = [int(c) for c in COLUMN.findall(marker.group("rest"))]
            spots += [(number, column) for column in columns] or [(number, None)]
    return spots


def kind_of(rule):
    return "workflow" if rule.APPLIES_TO == "workflow" else rule.APPLIES_TO


def assert_spots(findings, expected):
    __tracebackhide__ = True
    found = sorted((f.line, f.column) for f in findings)
    wanted = sorted(expected, key=lambda spot: (spot[0], spot[1] or 0))
    comparable = [
        (line, column if wanted_column is not None else None)
        for (line, column), (_, wanted_column) in zip(found, wanted, strict=False)
    ]
    details = "\n".join(f"  {f.line}:{f.column} {f.message}" for f in findings)
    assert len(found) == len(wanted) and comparable == wanted, (
        f"expected {wanted}, found {found}:\n{details}"
    )


@pytest.mark.parametrize(("rule", "path"), fixture_files("fail"))
def test_fail_fixture_is_flagged_exactly_at_its_markers(rule, path):
    expected = expected_spots(path)
    assert expected, f"{path} has no `# NOT OK` marker"
    findings = lint_file(path, kind_of(rule), rules=[rule.ID])
    assert_spots(findings, expected)


@pytest.mark.parametrize(("rule", "path"), fixture_files("pass"))
def test_pass_fixture_is_clean(rule, path):
    findings = lint_file(path, kind_of(rule), rules=[rule.ID])
    assert findings == [], "\n".join(f"{f.line}:{f.column} {f.message}" for f in findings)


def test_marker_parsing(tmp_path):
    sample = tmp_path / "sample.yml"
    sample.write_text("a: 1  # NOT OK\nb: 2\nc: [x, y]  # NOT OK col=5 col=8\nd: 3  # OK\n")
    assert expected_spots(sample) == [(1, None), (3, 5), (3, 8)]


def test_fixture_folders_belong_to_registered_rules():
    folders = {p.name for p in FIXTURES.glob("dg*") if p.is_dir()}
    unknown = sorted(folders - {rule_id.lower() for rule_id in REGISTRY})
    assert unknown == [], f"fixtures for unregistered rules: {unknown}"
