"""Golden files: compared on every run, written only by `pytest --update-golden`.

A normal run never writes. An update run compares first: a file that already
matches passes as usual; a file that differs (or is missing) is rewritten and
the test is skipped with "golden updated: <path>", because a comparison with
what the run has just written could not fail. Review the diff, then commit.
"""

from pathlib import Path

import pytest

UPDATE_COMMAND = "pytest --update-golden"


def check_golden(path: Path, actual: str, update: bool) -> None:
    """Assert `actual` equals the golden file at `path`, or rewrite it when `update`."""
    expected = path.read_text() if path.exists() else None
    if actual == expected:
        return
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        pytest.skip(f"golden updated: {path}")
    if expected is None:
        pytest.fail(f"{path} is missing; create it with `{UPDATE_COMMAND}`", pytrace=False)
    assert actual == expected, (
        f"{path} differs; if the change is intended, run `{UPDATE_COMMAND}` and review the diff"
    )
