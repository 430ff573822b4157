"""Every rule against its fixtures: exact (line, column) of each finding, none on pass files.

Fixtures live in tests/fixtures/<rule id lower>/{pass,fail}/*.yml. Each offending
line of a fail file ends with `# NOT OK col=N`, N the 1-based column of the offending
key or value (inside a multi-line `run:` block, of the offending text on its line);
`col=N col=M` for two findings on one line. A marker without a column fails the test.
A file is linted as the kind its rule applies to (a "workflow" rule's fixtures as plain
workflows), with only that rule enabled.
"""

import re
from pathlib import Path

import pytest
from lint_samples import lint_file

from driftgate.policies.rules import REGISTRY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MARKER = re.compile(r"#\s*NOT OK\b:?(?P<rest>.*)$")
COLUMN = re.compile(r"\bcol=(\d+)")


class MarkerError(ValueError):
    """A `# NOT OK` marker that does not say which column it expects."""


def fixture_files(outcome):
    cases = []
    for rule_id, rule in sorted(REGISTRY.items()):
        folder = FIXTURES / rule_id.lower() / outcome
        for path in sorted(folder.glob("*.y*ml")):
            cases.append(pytest.param(rule, path, id=f"{rule_id}/{outcome}/{path.name}"))
    return cases


def expected_spots(path):
    """[(line, column)] from the `# NOT OK col=N` markers of a fail fixture.

    Raises MarkerError for a marker without `col=`: every finding's column is checked.
    """
    spots = []
    for number, text in enumerate(path.read_text().splitlines(), 1):
        marker = MARKER.search(text)
        if marker:
            columns = [int(c) for c in COLUMN.findall(marker.group("rest"))]
            if not columns:
                raise MarkerError(f"{path}:{number}: `# NOT OK` without `col=N`")
            spots += [(number, column) for column in columns]
    return spots


def kind_of(rule):
    return "workflow" if rule.APPLIES_TO == "workflow" else rule.APPLIES_TO


def assert_spots(findings, expected):
    __tracebackhide__ = True
    found = sorted((f.line, f.column) for f in findings)
    wanted = sorted(expected)
    details = "\n".join(f"  {f.line}:{f.column} {f.message}" for f in findings)
    assert found == wanted, f"expected {wanted}, found {found}:\n{details}"


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
    sample.write_text("a: 1  # NOT OK col=4\nb: 2\nc: [x, y]  # NOT OK col=5 col=8\nd: 3  # OK\n")
    assert expected_spots(sample) == [(1, 4), (3, 5), (3, 8)]


def test_a_marker_without_a_column_is_refused(tmp_path):
    sample = tmp_path / "sample.yml"
    sample.write_text("a: 1  # NOT OK col=4\nb: 2  # NOT OK\n")
    with pytest.raises(MarkerError, match=r"sample\.yml:2: .* without `col=N`"):
        expected_spots(sample)


def test_every_fail_fixture_marker_names_its_column():
    missing = []
    for param in fixture_files("fail"):
        try:
            expected_spots(param.values[1])
        except MarkerError as exc:
            missing.append(str(exc))
    assert missing == []


def test_fixture_folders_belong_to_registered_rules():
    folders = {p.name for p in FIXTURES.glob("dg*") if p.is_dir()}
    unknown = sorted(folders - {rule_id.lower() for rule_id in REGISTRY})
    assert unknown == [], f"fixtures for unregistered rules: {unknown}"
