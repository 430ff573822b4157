"""Lint a copy of the Cat-Scan reference with one snippet changed, and check where findings land.

Shared by the mutation tests: each rule's one-change violation of `examples/catscan`
must be caught exactly at the lines holding the given markers.
"""

import shutil
from pathlib import Path

from driftgate.lint.runner import lint_paths

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "catscan"
# The second reference, in another style: a matrix build with docker/build-push-action,
# a deploy through an SSH action whose script gets the tag from step outputs.
MATRIX_REFERENCE = REFERENCE.parent / "catscan-matrix"


def lint_copy(tmp_path, file=None, snippet=None, replacement=None, reference=REFERENCE, pack=None):
    """Lint a copy of the reference (under `pack`, a path or a bundled pack's name, when
    given), with one snippet replaced; the text of the changed file."""
    root = tmp_path / reference.name
    shutil.copytree(reference, root)
    text = None
    if file is not None:
        path = root / file
        text = path.read_text()
        assert text.count(snippet) == 1, f"snippet must occur once in {file}: {snippet!r}"
        text = text.replace(snippet, replacement)
        path.write_text(text)
    report = lint_paths([str(root)], pack_path=pack)
    assert not report.errors, report.errors
    return report, root, text


def assert_caught_at_lines(
    tmp_path, rule, file, snippet, replacement, on_lines, reference=REFERENCE
):
    """The mutated copy has `rule` findings exactly on the lines holding `on_lines`."""
    report, _, text = lint_copy(tmp_path, file, snippet, replacement, reference)
    lines = text.splitlines()
    expected = [_line_holding(text, marker) for marker in on_lines]
    found = [f for f in report.findings if f.rule_id == rule]
    assert sorted(f.line for f in found) == sorted(expected), [
        (f.line, f.column, f.message) for f in found
    ]
    assert all(Path(f.file).name == Path(file).name for f in found)
    for finding in found:  # the column points inside the line, at text
        assert 1 <= finding.column <= len(lines[finding.line - 1])


def _line_holding(text, marker):
    """1-based line where `marker` starts (it must occur once in the mutated file)."""
    assert text.count(marker) == 1, marker
    return text[: text.index(marker)].count("\n") + 1
