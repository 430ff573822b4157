"""No dead code: vulture over the rooms, tests and benchmarks, as `tox -e ruff` runs it.

pyproject.toml's [tool.vulture] names the paths and the few names only a library
or framework calls; anything else nothing calls is reported here, so CI finds it.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_vulture_finds_no_dead_code():
    found = subprocess.run(
        [sys.executable, "-m", "vulture"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert found.returncode == 0, found.stdout + found.stderr


def test_vulture_would_find_a_dead_function(tmp_path):
    """The check can fail: the same configuration reports a function nothing calls."""
    dead = tmp_path / "policies" / "forgotten.py"
    dead.parent.mkdir()
    dead.write_text("def never_called():\n    return 1\n")
    config = (ROOT / "pyproject.toml").read_text("utf-8")
    (tmp_path / "pyproject.toml").write_text(config)
    found = subprocess.run(
        [sys.executable, "-m", "vulture", "policies"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert found.returncode != 0 and "never_called" in found.stdout
