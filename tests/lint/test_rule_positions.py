"""Exact spots for findings inside folded `run: >-` blocks, and the reference staying clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lint_samples import lint_file

from driftgate.policies.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "catscan" / ".github" / "workflows" / "deploy.yml"
GATE_END = "--json-out driftgate-verify.json --junitxml driftgate-verify.xml"
DRIFTGATE = os.path.join(os.path.dirname(sys.executable), "driftgate")


def _spot(lines, text):
    """(line, column), 1-based, of the last occurrence of `text` in the file."""
    for number in range(len(lines), 0, -1):
        column = lines[number - 1].rfind(text)
        if column != -1:
            return number, column + 1
    raise AssertionError(text)


@pytest.mark.parametrize("fallback", [":", "true"])
def test_a_fallback_ending_a_folded_run_is_placed_on_its_own_line(tmp_path, fallback):
    """`|| :` used to be reported at the `run:` key (the `:` of `run:` matched first)."""
    source = REFERENCE.read_text()
    assert GATE_END in source
    deploy = tmp_path / ".github" / "workflows" / "deploy.yml"
    deploy.parent.mkdir(parents=True)
    deploy.write_text(source.replace(GATE_END, f"{GATE_END} || {fallback}"))
    lines = deploy.read_text().splitlines()
    expected = _spot(lines, f"|| {fallback}")
    expected = (expected[0], expected[1] + 3)  # the fallback command after `|| `
    assert expected[0] == _spot(lines, "run: >-")[0] + 3  # the folded block's last line
    findings = lint_file(deploy, "deploy", rules=["DG109", "DG110"])
    assert [(f.rule_id, f.line, f.column) for f in findings] == [
        ("DG109", *expected),
        ("DG110", *expected),
    ]


def test_locate_in_a_folded_block_skips_the_key_and_the_indicator():
    text = "run: >-\n  first part\n  x || :\n"
    value = parse_yaml(text, "t.yml")["run"]
    assert value == "first part x || :"
    assert value.locate(value.rindex(":")) == (3, 8)
    assert value.locate(value.index("x")) == (3, 3)
    assert value.locate(value.index("part")) == (2, 9)


def test_locate_in_a_folded_block_with_repeated_text_and_blank_lines():
    text = "run: >\n  echo a\n\n  echo a\n  more\n"
    value = parse_yaml(text, "t.yml")["run"]
    second = value.rindex("echo a")
    assert value.locate(second) == (4, 3)
    assert value.locate(value.index("more")) == (5, 3)


def test_the_reference_stays_clean_end_to_end():
    proc = subprocess.run(
        [DRIFTGATE, "lint", "examples/catscan"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout
