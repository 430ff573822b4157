"""Every `driftgate …` command the README and the install guide show works as written,
or says what it needs; and every install they show is pinned.

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
DOCS = [ROOT / "README.md", ROOT / "docs" / "install.md"]
SHA = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
RUNS = {"lint", "rules", "explain"}  # local, read-only and quick: run as written


def readme_commands(text):
    """(the driftgate arguments, the README line they sit in) for each command shown."""
    found = []
    in_shell = False
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("```"):
            in_shell = not in_shell and line.strip("`").strip() in ("sh", "bash", "console")
            continue
        # A bold **`driftgate lint`** names the command in prose; it is not an invocation.
        pieces = [line] if in_shell else re.findall(r"(?<!\*)`(driftgate [^`]+)`", line)
        for piece in pieces:
            for segment in re.split(r"&&|\|\||;", piece):
                words = shlex.split(segment)
                while words and re.match(r"\w+=", words[0]):  # VAR=value before a command
                    words.pop(0)
                if words and Path(words[0]).name == "driftgate":
                    found.append((usage_free(words[1:]), line))
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


COMMANDS = [found for doc in DOCS for found in readme_commands(doc.read_text("utf-8"))]


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
    if args == ["--version"]:
        with pytest.raises(SystemExit) as caught:
            cli.main(args)
        assert caught.value.code == 0
        return
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


def shell_lines(text):
    """The lines of the sh blocks, continuation lines joined."""
    lines, in_shell = [], False
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("```"):
            in_shell = not in_shell and line.strip("`").strip() == "sh"
        elif in_shell:
            lines.append(line)
    return lines


def test_every_install_shown_is_pinned():
    installs = []
    for doc in DOCS:
        for line in shell_lines(doc.read_text("utf-8")):
            if re.search(r"\b(pip|pipx) install\b", line) and "-e ." not in line:
                installs.append(line)
                assert "PIP_CONSTRAINT=" in line or "--constraint" in line, line
                assert not re.search(r"install\s+(-\S+\s+)*driftgate\b", line), line
    assert len(installs) >= 3, installs  # pipx, the wheel, the VM
    guide = (ROOT / "docs" / "install.md").read_text("utf-8")
    git_urls = re.findall(r"git\+https://[^\s\"`]+", guide)
    assert git_urls and all(url.endswith("/driftgate@$commit") for url in git_urls), git_urls


def test_examples_use_the_action_pinned_to_a_commit():
    workflows = sorted((ROOT / "examples").rglob(".github/workflows/*.yml"))
    uses = [
        line.split("uses:", 1)[1].split("#")[0].strip()
        for path in workflows
        for line in path.read_text("utf-8").splitlines()
        if re.search(r"uses:\s*\S+/driftgate@", line)
    ]
    assert uses, "the reference workflows install driftgate with the action"
    assert all(re.fullmatch(r"[\w.-]+/driftgate@[0-9a-f]{40}", use) for use in uses), uses
    texts = "".join(path.read_text("utf-8") for path in workflows)
    assert not re.search(r"pip install[^\n]*driftgate", texts)
