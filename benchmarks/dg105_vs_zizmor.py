"""How DG105 (input-injection) agrees with zizmor's `template-injection` on dispatch inputs.

Runs both over a corpus of repository roots (default: the unpacked public corpus,
see ../shared/corpus/README.md) and compares, per file and line, the findings about
`inputs.*` / `github.event.inputs.*` pasted into scripts. zizmor runs `--offline`.
Prints the counts (agreement, driftgate-only, zizmor-only) and a sample of each kind
of disagreement with the line it is about, for judging by hand (docs/lint.md).

    .venv/bin/python benchmarks/dg105_vs_zizmor.py [--corpus /tmp/public-workflows] [--sample 8]
"""

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def driftgate_spots(roots):
    done = subprocess.run(
        [str(BIN / "driftgate"), "lint", "--format", "json", *map(str, roots)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    return {
        (str(Path(f["file"]).resolve()), f["line"])
        for f in report["findings"]
        if f["rule_id"] == "DG105"
    }


def zizmor_spots(roots):
    spots = set()
    for root in roots:
        done = subprocess.run(
            [str(BIN / "zizmor"), "--offline", "--format", "json", "--no-progress", str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        for finding in json.loads(done.stdout or "[]"):
            if finding["ident"] != "template-injection":
                continue
            for location in finding["locations"]:
                kind = location["symbolic"].get("feature_kind")
                fragment = (
                    kind.get("Subfeature", {}).get("fragment", {}) if isinstance(kind, dict) else {}
                )
                text = fragment.get("Raw") or fragment.get("Regex") or ""
                if "inputs" not in text.lower():
                    continue
                path = location["symbolic"]["key"]["Local"]["verbatim_path"]
                row = location["concrete"]["location"]["start_point"]["row"] + 1
                spots.add((str(Path(path).resolve()), row))
    return spots


def dispatch_only(spots):
    """Keep spots in workflows with a workflow_dispatch trigger (DG105's scope)."""
    kept = set()
    for path, line in spots:
        if "workflow_dispatch" in Path(path).read_text(errors="replace"):
            kept.add((path, line))
    return kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="/tmp/public-workflows")
    parser.add_argument("--sample", type=int, default=8)
    args = parser.parse_args()
    roots = sorted(p for p in Path(args.corpus).iterdir() if p.is_dir())
    ours = driftgate_spots(roots)
    theirs = dispatch_only(zizmor_spots(roots))
    both, only_ours, only_theirs = ours & theirs, ours - theirs, theirs - ours
    print(f"DG105 spots: {len(ours)}; zizmor template-injection on inputs: {len(theirs)}")
    print(
        f"agreement: {len(both)}, driftgate-only: {len(only_ours)}, zizmor-only: {len(only_theirs)}"
    )
    rng = random.Random(9)
    for title, spots in (("driftgate-only", only_ours), ("zizmor-only", only_theirs)):
        print(f"\n{title} (sample):")
        for path, line in rng.sample(sorted(spots), min(args.sample, len(spots))):
            text = Path(path).read_text(errors="replace").splitlines()[line - 1].strip()
            print(
                f"  {Path(path).parent.parent.parent.name}/{Path(path).name}:{line}: {text[:110]}"
            )


if __name__ == "__main__":
    main()
