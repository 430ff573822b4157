"""The two shell readers on every `run:` script of a corpus: hand-written vs tree-sitter-bash.

Collects the run: scripts of the real corpus (benchmarks/.real-corpus, unpacked by
lint_bench.py, or the folder given) and times parsing each once with
policies/lint/shell.py (the hand-written reader the rules use today) and with
policies/lint/bash (tree-sitter-bash), caches cleared, in one process.

    .venv/bin/python benchmarks/shell_readers.py [FOLDER]
"""

import sys
import time
from pathlib import Path

from driftgate.policies.lint import shell
from driftgate.policies.lint.bash import parse_script as tree_sitter_parse
from driftgate.policies.yamlsource import parse_yaml

HERE = Path(__file__).resolve().parent


def scripts(folder):
    found = []
    for path in sorted(Path(folder).rglob("*.y*ml")):
        try:
            document = parse_yaml(path.read_text(errors="replace"), str(path))
        except Exception:  # broken history files: not scripts
            continue
        jobs = document.get("jobs") if isinstance(document, dict) else None
        for job in jobs.values() if isinstance(jobs, dict) else ():
            steps = job.get("steps") if isinstance(job, dict) else None
            for step in steps if isinstance(steps, list) else ():
                run = step.get("run") if isinstance(step, dict) else None
                if isinstance(run, str):
                    found.append(str(run))
    return found


def timed(parse, texts):
    start = time.perf_counter()
    for text in texts:
        parse(text)
    return time.perf_counter() - start


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else HERE / ".real-corpus"
    texts = scripts(folder)
    unique = list(dict.fromkeys(texts))
    size = sum(map(len, unique))
    print(f"{len(texts)} run: scripts, {len(unique)} distinct, {size / 1e6:.1f} MB")
    shell.parse_script.cache_clear()
    hand = timed(shell.parse_script.__wrapped__, unique)
    tree = timed(tree_sitter_parse, unique)
    print(f"hand-written reader: {hand:.2f} s ({size / hand / 1e6:.1f} MB/s)")
    print(f"tree-sitter-bash reader: {tree:.2f} s ({size / tree / 1e6:.1f} MB/s)")
    print(f"tree-sitter / hand-written: {tree / hand:.1f}x the time")


if __name__ == "__main__":
    main()
