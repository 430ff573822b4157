"""A run imports only its own subcommand's module: `driftgate lint` pays for no
gate, exporter or records code (the 9-file lint's start-up budget, issue 9)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from driftgate.cli import build_parser
from driftgate.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]

# Imports the lint run, then prints which of `watched` it pulled in.
IMPORTED_BY_A_RUN = """
import contextlib, io, json, sys
from driftgate.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
print(json.dumps(sorted(name for name in sys.modules if name.startswith(tuple(WATCHED)))))
"""
WATCHED = (
    "driftgate.commands.",
    "driftgate.checks",
    "driftgate.monitor",
    "jsonschema",
    "prometheus_client",
    "requests",
)


def modules_imported_by(*argv):
    code = f"WATCHED = {WATCHED!r}\n{IMPORTED_BY_A_RUN}"
    run = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_lint_imports_only_the_lint_command():
    assert modules_imported_by("lint", "examples/catscan") == ["driftgate.commands.lint"]


def test_explain_imports_only_the_rules_command():
    assert modules_imported_by("explain", "DG105") == ["driftgate.commands.rules"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_gets_its_options_from_its_own_module(command):
    parser = build_parser(command).commands[command]
    assert "-h" in parser._option_string_actions  # registered, not the help-only placeholder


def test_the_full_parser_lists_every_command_once_in_order():
    assert list(build_parser().commands) == list(COMMANDS)


def test_a_name_no_command_has_lists_every_command_and_imports_none():
    assert modules_imported_by_parser("nope") == []


def modules_imported_by_parser(name):
    code = (
        "import json, sys\n"
        "from driftgate.cli import build_parser\n"
        f"assert list(build_parser({name!r}).commands) == {list(COMMANDS)!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('driftgate.commands.'))))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_program_returns_mains_code_and_leaves_the_heap_out_of_the_exit_scan():
    """`driftgate` (the console script) exits with main's code; what is alive then
    is frozen, so the interpreter's exit does not scan it for cycles."""
    code = (
        "import gc, sys\n"
        "from driftgate.cli import console_script\n"
        "sys.argv = ['driftgate', 'explain', 'DG105']\n"
        "code = console_script()\n"
        "print(code, gc.get_freeze_count() > 0)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "0 True"
