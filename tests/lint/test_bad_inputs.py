"""Unusable files: one line naming the file (and line), the others still linted, exit 2.

Each case writes one bad file next to a good workflow with a finding, and
checks the whole contract: exit 2, exactly one error line on stderr naming
the file, the good file's finding still reported, no traceback.
"""

import os
import subprocess
import sys

import pytest
from lint_samples import CI_WITH_PUSH, error_lines

from driftgate.policies.yamlsource import MAX_FILE_BYTES

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)


def make_bad(kind, path):
    """Create a bad file of `kind` at `path`; the fragment its error must contain."""
    if kind == "malformed":
        path.write_text("on:\n  push:\njobs: [unclosed\n")
        return f"{path.name}:4: invalid YAML"
    if kind == "not-a-mapping":
        path.write_text("- just\n- a list\n")
        return f"{path.name}:1: the root is not a mapping (found a list)"
    if kind == "empty":
        path.write_text("# nothing\n")
        return f"{path.name}: the root is not a mapping (found an empty document)"
    if kind == "alias-bomb":
        path.write_text(BOMB)
        return "YAML aliases expand past"
    if kind == "huge":
        path.write_text("a: b\n" * (MAX_FILE_BYTES // 5 + 10))
        return "file is larger than 2 MiB"
    if kind == "binary":
        path.write_bytes(b"on: push\n\x00\x01\x02")
        return "binary file"
    if kind == "not-utf8":
        path.write_bytes(b"on: push\nname: \xff\xfe\n")
        return "not UTF-8"
    if kind == "fifo":  # a read would block forever: must not hang
        os.mkfifo(path)
        return "not a regular file"
    if kind == "dangling-symlink":
        path.symlink_to(path.parent / "gone.yml")
        return "cannot read"
    if kind == "missing":
        return f"{path.name}: no such file or directory"
    if kind == "multi-document":
        path.write_text("on: push\n---\non: pull_request\n")
        return "single YAML document"
    if kind == "duplicate-key":  # GitHub refuses it; the first run: would hide
        path.write_text("on: push\njobs:\n  a:\n    steps:\n      - run: ok\n        run: x\n")
        return f"{path.name}:6: duplicate key 'run' at column 9 (first at line 5)"
    if kind == "deep-nesting":
        path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
        return "invalid YAML"
    raise AssertionError(kind)


KINDS = [
    "malformed",
    "not-a-mapping",
    "empty",
    "alias-bomb",
    "huge",
    "binary",
    "not-utf8",
    "fifo",
    "dangling-symlink",
    "missing",
    "multi-document",
    "deep-nesting",
    "duplicate-key",
]


@pytest.mark.parametrize("kind", KINDS)
def test_bad_file_is_one_error_line_and_the_others_are_still_linted(
    kind, fake_rules, tmp_path, run_cli
):
    good = tmp_path / "good.yml"
    good.write_text(CI_WITH_PUSH)
    bad = tmp_path / "bad.yml"
    fragment = make_bad(kind, bad)
    code, out, err = run_cli("lint", "--format", "text", bad, good)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("driftgate: error: ") and str(bad) in lines[0]
    assert fragment in lines[0]
    assert f"{good}:3:3: DG901 error: push trigger [no-push]" in out
    assert "Traceback" not in err + out


def test_bad_config_stops_before_linting(fake_rules, repo, run_cli):
    root = repo({"driftgate.yaml": "rules:\n  DG999: {enabled: false}\n"})
    code, out, err = run_cli("lint", root)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"driftgate: error: {root / 'driftgate.yaml'}:2: rules.DG999: unknown rule "
        "(see `driftgate rules`)"
    ]


@pytest.mark.parametrize("kind", ["malformed", "alias-bomb", "binary", "missing"])
def test_end_to_end_bad_input(kind, tmp_path):
    """The real console script in a subprocess: exit 2, one line, other files linted."""
    good = tmp_path / ".github" / "workflows" / "ci.yml"
    good.parent.mkdir(parents=True)
    good.write_text("on: [pull_request]\njobs: {}\n")
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    fragment = make_bad(kind, bad)
    driftgate = os.path.join(os.path.dirname(sys.executable), "driftgate")
    proc = subprocess.run(
        [driftgate, "lint", "--format", "json", str(bad), str(good)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and fragment in proc.stderr
    assert "Traceback" not in proc.stderr
    assert '"files": 1' in proc.stdout  # the good file was linted


def _repository_with_a_symlink_loop(root):
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(CI_WITH_PUSH)
    (workflows / "loop.yml").symlink_to("loop.yml")  # `ln -s loop.yml loop.yml`
    return workflows


def test_a_symlink_loop_in_the_workflows_folder_is_one_error(fake_rules, tmp_path, run_cli):
    _repository_with_a_symlink_loop(tmp_path)
    code, out, err = run_cli("lint", "--format", "text", tmp_path)
    assert code == 2
    (line,) = error_lines(err)
    loop = tmp_path / ".github" / "workflows" / "loop.yml"
    assert line.startswith(f"driftgate: error: {loop}: cannot read: ")
    assert "symbolic links" in line
    assert f"{tmp_path}/.github/workflows/ci.yml:3:3: DG901 error: push trigger" in out
    assert "Traceback" not in err + out


def test_a_symlink_loop_end_to_end(tmp_path):
    """The real console script, with no path, in a repository holding the loop."""
    _repository_with_a_symlink_loop(tmp_path)
    driftgate = os.path.join(os.path.dirname(sys.executable), "driftgate")
    proc = subprocess.run(
        [driftgate, "lint", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    (line,) = error_lines(proc.stderr)
    assert line.startswith("driftgate: error: .github/workflows/loop.yml: cannot read: ")
    assert "Traceback" not in proc.stderr
    assert '"files": 1' in proc.stdout  # ci.yml was linted


def test_an_unreadable_workflows_folder_is_one_error(fake_rules, repo, run_cli, monkeypatch):
    """The tests run as root, whom chmod does not stop: os.scandir is made to refuse."""
    root = repo({".github/workflows/ci.yml": CI_WITH_PUSH, "docker-compose.gcp.yml": "x: 1\n"})
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "workflows":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = run_cli("lint", "--format", "text", root)
    assert code == 2
    (line,) = error_lines(err)
    workflows = root / ".github" / "workflows"
    assert line == f"driftgate: error: {workflows}: cannot read: Permission denied"
    assert "1 file" in out  # the compose file the pack names was still linted
    assert "All clean" not in out and "Traceback" not in err + out


def _run_script(body):
    """A deploy workflow whose one step runs `body` (indented into a `run: |` block)."""
    lines = "".join(f"          {line}\n" for line in body.splitlines())
    head = "on: workflow_dispatch\njobs:\n  deploy:\n    runs-on: x\n    steps:\n"
    return head + "      - run: |\n" + lines


HOSTILE = {
    # 90,000 unclosed `${{` (about 1.6 MB): once rescanned to the end for each one
    "unclosed-expressions": lambda: _run_script("${{\n" * 90_000),
    "unclosed-heredocs": lambda: _run_script("ssh vm bash -s <<EOF\n" * 60_000),
    "unclosed-quotes": lambda: _run_script('echo "a\n' * 90_000),
    "unclosed-substitutions": lambda: _run_script("docker compose up $(\n" * 60_000),
    "one-long-command": lambda: _run_script("docker compose up " + "-d " * 400_000),
    # 22,500 ssh-carried `up`s with swallowed checks in 15 scripts: 43,500 findings to place
    "many-findings": lambda: (
        "on: workflow_dispatch\njobs:\n  d:\n    runs-on: x\n    steps:\n"
        + (
            "      - run: |\n"
            + '          ssh vm "docker compose up -d; curl -f localhost/health || true"\n' * 1_500
        )
        * 15
    ),
    # 20,000 deploy steps, each with an up, a sleep and a check: the after-up searches
    "many-steps": lambda: (
        "on: workflow_dispatch\njobs:\n  d:\n    runs-on: x\n    steps:\n"
        + "      - run: docker compose up -d && sleep 60 && curl localhost/health\n" * 20_000
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_file_under_the_size_limit_finishes_in_time(kind, tmp_path):
    """Every scan is linear: the deadline is the behaviour (under 2 s on an idle machine;
    the bound allows for a loaded 2-core CI runner)."""
    import time

    from driftgate.lint.runner import lint_paths

    text = HOSTILE[kind]()
    assert len(text.encode()) < MAX_FILE_BYTES
    path = tmp_path / ".github" / "workflows" / "deploy.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    started = time.monotonic()
    report = lint_paths([path], jobs=1)
    elapsed = time.monotonic() - started
    assert report.files == (str(path),) or report.errors  # linted, or one clear error
    assert elapsed < 8, f"{kind}: {elapsed:.1f} s"
