"""Benchmark the shell readers: tree-sitter-bash (policies/lint/bash) vs the hand-written one.

Reads every `run:` script of the real public workflows in
../shared/corpus/public-workflows.tar.xz when it is there (else a generated
set of scripts), parses each with both readers in the same run and prints
scripts/s, total seconds and the ratio (over every script, and over the
distinct script texts: what a cache per script text would leave to do),
then compares the command names the two find, as they are and with the
known differences of design taken out, and prints a sample of the scripts
where they still disagree.

    python benchmarks/shell_bench.py                 # the real corpus, 3 rounds
    python benchmarks/shell_bench.py --generated     # generated scripts only
    python benchmarks/shell_bench.py --show 20       # more disagreements
"""

import argparse
import functools
import random
import re
import statistics
import sys
import tarfile
import time
from pathlib import Path

import yaml

from driftgate.policies.lint import shell, shellwords
from driftgate.policies.lint.bash import parse_script

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "public-workflows.tar.xz"
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LINES = [
    'echo "building ${{ matrix.target }} for $GITHUB_SHA"',
    "pip install -r requirements.txt",
    'SHORT_SHA="${GITHUB_SHA::7}"',
    'docker build -t "$REGISTRY/$IMAGE:sha-$SHORT_SHA" .',
    'docker push "$REGISTRY/$IMAGE:sha-$SHORT_SHA" || echo "push failed"',
    'echo "tag=sha-$SHORT_SHA" >> "$GITHUB_OUTPUT"',
    'if [ -n "$X" ]; then make deploy; fi',
    "ssh -o StrictHostKeyChecking=no deploy@vm 'cd /srv && docker compose up -d'",
    "sudo -u app docker compose -f compose.yml pull",
    "curl -fsS http://localhost:8080/health || true",
]


def default_shell(node) -> str | None:
    defaults = node.get("defaults") if isinstance(node, dict) else None
    run = defaults.get("run") if isinstance(defaults, dict) else None
    return run.get("shell") if isinstance(run, dict) else None


def run_scripts(document) -> list[str]:
    """The `run:` strings of a workflow's steps that bash or sh runs (not pwsh, cmd...)."""
    found = []
    jobs = document.get("jobs") if isinstance(document, dict) else None
    for job in (jobs or {}).values() if isinstance(jobs, dict) else []:
        if not isinstance(job, dict):
            continue
        job_shell = default_shell(job) or default_shell(document)
        windows = "windows" in str(job.get("runs-on", "")).lower()
        for step in job.get("steps") or []:
            if not isinstance(step, dict) or not isinstance(step.get("run"), str):
                continue
            shell = str(step.get("shell") or job_shell or ("pwsh" if windows else "bash"))
            if shell.split()[0] in ("bash", "sh"):
                found.append(step["run"])
    return found


def corpus_scripts() -> list[str]:
    scripts = []
    with tarfile.open(CORPUS) as archive:
        for member in archive:
            if not member.isfile():
                continue
            data = archive.extractfile(member).read().decode("utf-8", "replace")
            try:
                scripts += run_scripts(yaml.load(data, Loader=Loader))
            except yaml.YAMLError:
                continue
    return scripts


def generated_scripts(count: int = 20_000) -> list[str]:
    chooser = random.Random(20261206)
    return ["\n".join(chooser.choices(LINES, k=chooser.randint(1, 30))) for _ in range(count)]


ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
INLINE_WRAPPERS = frozenset({"sudo", "env", "time", "nohup", "exec", "command", "nice",
                             "timeout", "stdbuf", "xargs"})  # fmt: skip


def old_names(text: str) -> list[str]:
    return [(c.words[0] if c.words else "") for c in shell.parse_script.__wrapped__(text)]


def new_names(text: str) -> list[str]:
    return [c.name or "" for c in parse_script(text).commands]


def old_comparable(text: str) -> list[str]:
    """The hand-written reader's names less what it reads as a command by design:
    assignments (`A=1`, and the `A=1` of `A=1 make`: the command is `make`), the
    test brackets `[`/`[[` (tree-sitter: test_command); non-literal names as ""."""
    names = []
    for command in shell.parse_script.__wrapped__(text):
        words = [w for w in command.words if not ASSIGNMENT.match(w)]
        if words and words[0] not in ("[", "[["):
            names.append("" if "$" in words[0] else words[0])
    return names


def new_comparable(text: str) -> list[str]:
    """The tree-sitter reader's names less commands inside $(...) (the hand-written
    reader does not read them), with inline wrappers put back in front (`sudo`)."""
    names = []
    for command in parse_script(text).commands:
        if command.substituted:
            continue
        inline = [w for w in command.wrappers if w.kind in INLINE_WRAPPERS]
        last_nested = max((i for i, w in enumerate(command.wrappers)
                           if w.kind not in INLINE_WRAPPERS), default=-1)  # fmt: skip
        inline = [w for w in command.wrappers[last_nested + 1 :]]
        names.append((inline[0].words[0].text if inline else command.name) or "")
    return names


def clear_caches() -> None:
    """The hand-written reader caches words and nested scripts per text: start cold."""
    for module in (shell, shellwords):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def timed(reader, scripts) -> float:
    clear_caches()
    if hasattr(reader, "cache_clear"):  # each round starts cold
        reader.cache_clear()
    started = time.perf_counter()
    for text in scripts:
        reader(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", action="store_true", help="generated scripts only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--show", type=int, default=8, help="disagreements to print")
    args = parser.parse_args()
    if CORPUS.exists() and not args.generated:
        scripts, source = corpus_scripts(), f"real corpus ({CORPUS.name})"
    else:
        scripts, source = generated_scripts(), "generated scripts"
    distinct = sorted(set(scripts))
    size = sum(len(s) for s in scripts)
    longest = max(map(len, scripts))
    print(f"{source}: {len(scripts)} run: scripts ({len(distinct)} distinct texts), "
          f"{size / 1e6:.1f} MB, longest {longest} characters")  # fmt: skip
    old_cached = functools.lru_cache(maxsize=4096)(shell.parse_script.__wrapped__)
    new_cached = functools.lru_cache(maxsize=4096)(parse_script)
    runs = (
        ("distinct texts, no cache", distinct, old_names, new_names),
        ("every script, a cache per text", scripts, old_cached, new_cached),
    )
    for label, batch, old_reader, new_reader in runs:
        old = statistics.median(timed(old_reader, batch) for _ in range(args.rounds))
        new = statistics.median(timed(new_reader, batch) for _ in range(args.rounds))
        print(f"{label}, median of {args.rounds} rounds:")
        for name, seconds in (("hand-written reader", old), ("tree-sitter reader ", new)):
            print(f"  {name}: {seconds:6.2f} s  {len(batch) / seconds:8.0f} scripts/s  "
                  f"{seconds / len(batch) * 1e6:6.0f} us/script")  # fmt: skip
        print(f"  ratio: tree-sitter takes {new / old:.2f}x the time of the hand-written reader")
    slowest = max(scripts, key=len)
    started = time.perf_counter()
    parse_script(slowest)
    print(f"longest script ({len(slowest)} chars): {time.perf_counter() - started:.3f} s")

    same = sum(old_names(text) == new_names(text) for text in distinct)
    print(f"same command names, as read: {same}/{len(distinct)} distinct scripts "
          f"({same / len(distinct):.1%})")  # fmt: skip
    differ = []
    for text in distinct:
        a, b = old_comparable(text), new_comparable(text)
        if a != b:
            differ.append((text, a, b))
    agree = len(distinct) - len(differ)
    print(f"same command names, design differences taken out: {agree}/{len(distinct)} "
          f"({agree / len(distinct):.1%})")  # fmt: skip
    incomplete = sum(not parse_script(t).complete for t in distinct)
    errors = sum(bool(parse_script(t).errors) for t in distinct)
    print(f"distinct scripts with grammar errors: {errors}; read incompletely: {incomplete}")
    for text, a, b in random.Random(7).sample(differ, min(args.show, len(differ))):
        print("-" * 72)
        print(text[:400])
        print(f"  hand-written only: {sorted(set(a) - set(b))}")
        print(f"  tree-sitter only:  {sorted(set(b) - set(a))}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
