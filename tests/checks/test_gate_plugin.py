"""The pytest plugin stays inert outside the gate, and fails a gate run's bad config early."""

import os
import subprocess
import sys
import textwrap

from driftgate.checks.settings import OPTIONS
from driftgate.checks.suite import SUITE_DIR

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]


def run(args, tmp_path, **env):
    full_env = {**os.environ, **env}
    for name in ("DRIFTGATE_GROUPS", "GITHUB_SHA", "DRIFTGATE_EXPECTED_SHA"):
        full_env.pop(name, None)
    return subprocess.run(
        PYTEST + args, cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_other_test_runs_are_untouched(tmp_path):
    (tmp_path / "test_other.py").write_text(
        textwrap.dedent(
            """
            def test_plain():
                assert 1 + 1 == 2

            def test_testinfra_host_fixture_is_not_shadowed(host):
                assert host.backend.NAME == "local"
            """
        )
    )
    # Even with a broken gate environment, a run that is not the gate ignores it.
    done = run(
        ["-q", str(tmp_path)],
        tmp_path,
        DRIFTGATE_TARGET="no-such-target",
        DRIFTGATE_DEADLINE="never",
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_ACTIONS="true",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "driftgate verify" not in done.stdout and "::error" not in done.stdout
    assert not (tmp_path / "summary.md").exists()


def test_suite_is_not_collected_unless_named(tmp_path):
    # Collecting the whole checks/ package (e.g. `pytest .` in a checkout) skips the suite.
    done = run(["--collect-only", "-q", str(SUITE_DIR.parent)], tmp_path)
    assert done.returncode == 5, done.stdout + done.stderr  # pytest: no tests collected
    assert "test_health.py" not in done.stdout


def test_gate_run_with_bad_config_is_one_usage_error(tmp_path):
    done = run([str(SUITE_DIR), "-q", "--dg-target=nope", "--dg-expected-sha=94e9cbb"], tmp_path)
    assert done.returncode == 4  # pytest's usage error; `driftgate verify` maps it to 2
    assert "driftgate: " in done.stderr and "unknown target 'nope'" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_options_are_namespaced(pytestconfig):
    # This very run loaded the plugin: its group holds every gate option, all --dg-*.
    group = next(g for g in pytestconfig._parser._groups if g.name == "driftgate gate")
    flags = [name for option in group.options for name in option.names()]
    assert len(flags) == len(OPTIONS)
    assert all(flag.startswith("--dg-") for flag in flags)
