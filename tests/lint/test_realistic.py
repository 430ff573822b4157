"""Realistic workflows (tests/fixtures/realistic/): each gives exactly its expected findings.

Each file's header names the idiom it proves, the kind of file, the rules it is
about and every finding (`RULE LINE:COLUMN`, or `none`), or the input error it must
give (`expect-error:`). See the folder's README.
"""

import re
from pathlib import Path

import pytest

from driftgate.policies.errors import InputError
from driftgate.policies.lint.engine import RuleSettings, default_pack, lint_source, select_rules

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "realistic"
HEADER = re.compile(r"^# (idiom|kind|rules|expect|expect-error): ?(.*)$")
EXPECTED = re.compile(r"(DG\d{3}) (\d+):(\d+)")


def header(path):
    fields = {"expect": []}
    for line in path.read_text().splitlines():
        match = HEADER.match(line)
        if not line.startswith("#"):
            break
        if match and match.group(1) == "expect":
            fields["expect"].append(match.group(2).strip())
        elif match:
            fields[match.group(1)] = match.group(2).strip()
    return fields


FILES = sorted(FOLDER.glob("*.yml"))


def test_there_are_at_least_thirty_and_each_names_its_idiom():
    assert len(FILES) >= 30
    for path in FILES:
        fields = header(path)
        assert fields.get("idiom"), path.name
        assert fields.get("kind") in ("deploy", "build"), path.name
        assert fields["expect"] or fields.get("expect-error"), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_realistic_workflow_gives_exactly_its_findings(path):
    fields = header(path)
    settings = RuleSettings(tuple(select_rules(fields["rules"].split())))
    text = path.read_text()
    if fields.get("expect-error"):
        with pytest.raises(InputError) as caught:
            lint_source(text, path.name, fields["kind"], default_pack(), settings)
        assert fields["expect-error"] in str(caught.value)
        return
    findings = lint_source(text, path.name, fields["kind"], default_pack(), settings)
    found = sorted(f"{f.rule_id} {f.line}:{f.column}" for f in findings)
    expected = [] if fields["expect"] == ["none"] else sorted(fields["expect"])
    assert all(EXPECTED.fullmatch(e) for e in expected), expected
    details = "\n".join(f"{f.rule_id} {f.line}:{f.column} {f.message}" for f in findings)
    assert found == expected, details
