"""A short `driftgate lint` run imports only what linting needs (docs/benchmarks.md).

A 9-file run takes about 50 ms, most of it start-up: one stray import of the
verify or monitor machinery (jsonschema, prometheus_client, pytest) costs
more than the whole lint, and `dataclasses` costs about 14 ms with its users.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_LINT = (
    "driftgate.checks",
    "driftgate.monitor",
    "jsonschema",
    "prometheus_client",
    "pytest",
    "requests",
    "dataclasses",
    "shutil",
)
# The console script's own code path, in a fresh interpreter; prints what it imported
# (not what interpreter start-up did, such as coverage measuring this process).
RUN = (
    "import sys; before = set(sys.modules); from driftgate.cli import main; "
    "code = main(['lint', 'examples/catscan']); "
    "print(' '.join(set(sys.modules) - before), file=sys.stderr); sys.exit(code)"
)


def test_a_lint_run_imports_no_verify_or_monitor_machinery():
    done = subprocess.run(
        [sys.executable, "-c", RUN], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "All clean: 3 files" in done.stdout
    imported = set(done.stderr.split())
    assert "driftgate.policies.lint.linter" in imported  # the probe itself works
    assert sorted(imported.intersection(NOT_FOR_LINT)) == []
