"""Every `driftgate …` command the README shows works as written, or says what it needs.

Commands come from inline code and from the shell blocks. Each must parse with
driftgate's own parser. The cheap, local ones then run (lint, rules, explain,
`monitor --check-config`) and must exit 0. A verify command gets its settings
checked as the command checks them before anything runs, in an environment that
has only GITHUB_SHA: what it still lacks must be named where the README shows it.
"""

import os
import re
import shlex
from pathlib import Path

import pytest

from driftgate import cli
from driftgate.policies.errors import DriftgateError

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHA = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
RUNS = {"lint", "rules", "explain"}  # local, read-only and quick: run as written


def readme_commands(text):
    """(the driftgate arguments, the README line they sit in) for each command shown."""
    found = []
    in_shell = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_shell = not in_shell and line.strip("`").strip() in ("sh", "bash", "console")
            continue
        # A bold **`driftgate lint`** names the command in prose; it is not an invocation.
        pieces = [line] if in_shell else re.findall(r"(?<!\*)`(driftgate [^`]+)`", line)
        for piece in pieces:
            for segment in re.split(r"&&|\|\||;", piece):
                words = shlex.split(segment)
                starts = [i for i, word in enumerate(words) if Path(word).name == "driftgate"]
                if starts:
                    found.append((usage_free(words[starts[0] + 1 :]), line))
    return found


def usage_free(words):
    """The arguments without a redirection or usage notation such as `[PATH ...]`."""
    kept, depth = [], 0
    for word in words:
        if word.startswith(">"):
            break
        depth += word.count("[")
        if depth == 0:
            kept.append(word)
        depth -= word.count("]")
    return kept


COMMANDS = readme_commands(README.read_text("utf-8"))


def test_the_readme_shows_each_command():
    shown = {args[0] for args, _ in COMMANDS}
    assert {"lint", "rules", "explain", "verify", "monitor", "demo"} <= shown, shown


@pytest.mark.parametrize(("args", "line"), COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_readme_command_works_as_written_or_says_what_it_needs(args, line, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    for name in [n for n in os.environ if n.startswith(("DRIFTGATE_", "ALLOW_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GITHUB_SHA", SHA)
    args = [arg.replace("$GITHUB_SHA", SHA) for arg in args]  # what the shell expands
    parsed = cli.build_parser(args[0]).parse_args(args)  # a usage error raises SystemExit
    if args[0] in RUNS:
        assert cli.main(args) == 0, capsys.readouterr()
    elif args[0] == "monitor":
        assert cli.main([*args, "--check-config"]) == 0, capsys.readouterr()
    elif args[0] == "verify":
        missing = verify_needs(parsed)
        if missing:
            assert "needs" in line, f"{args}: {missing}, and the README does not say so"
            named = re.findall(r"--[a-z-]+|\$?[A-Z][A-Z_]{3,}", missing)
            assert any(name.lstrip("$") in line for name in named), (missing, line)


def verify_needs(parsed):
    """The first thing a verify command lacks (its one-line error), or ""."""
    from driftgate.checks.settings import OPTIONS, require_group_inputs, resolve_settings

    raw = {option.name: getattr(parsed, option.dest) for option in OPTIONS}
    try:
        require_group_inputs(resolve_settings(raw))
    except DriftgateError as exc:
        return str(exc)
    return ""
