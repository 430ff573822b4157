"""The README's first command: `driftgate demo` runs lint, verify and monitor on loopback."""

import subprocess
import sys


def test_demo_runs_every_step_as_expected():
    result = subprocess.run(
        [sys.executable, "-m", "driftgate", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    out = result.stdout
    # the reference: clean, or only DG114's warning until its deploy gets a rollback step
    assert "All clean" in out or "Found 1 finding (1 warning) in 3 files." in out
    assert "DG101" in out and "DG105" in out  # the two planted violations
    assert "gate PASSED" in out and "gate FAILED" in out
    assert 'driftgate_deployed_info{git_sha="94e9cbb0"' in out
    assert "demo: every step ended as expected." in out
