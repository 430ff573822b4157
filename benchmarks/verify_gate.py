"""Benchmark the verify gate against the reference target on loopback.

1. Time to verdict: how long after the target starts answering the expected
   SHA the gate passes, with the default poll interval (0.5 s). The peer is
   the seed's workflow step, run for real in the same run: `sleep 60` then
   `curl` the health URL; its verdict comes 60 s after the deploy, however
   early the new SHA answers.
2. Whole gate: wall time of `driftgate verify` with every group it can run
   here (see --groups), as a subprocess, like a workflow step.

    .venv/bin/python benchmarks/verify_gate.py --runs 20
    .venv/bin/python benchmarks/verify_gate.py --runs 20 --seed-wait 60   # includes the peer
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time

from driftgate.checks.health import poll_health
from driftgate.checks.settings import DEFAULT_POLL_INTERVAL
from driftgate.policies.pack import load_pack
from driftgate.reference_target import ReferenceTarget

NEW_SHA = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
OLD_SHA = "0123abcd99887766554433221100ffeeddccbbaa"
SEED_WAIT = 60.0


def time_to_verdict(runs, interval):
    """Seconds from the flip to the gate's pass, one sample per run (random flip phase)."""
    schema = dict(load_pack().health_schema)
    samples = []
    for _ in range(runs):
        with ReferenceTarget(sha=OLD_SHA) as target:
            flipped = {}

            def flip(target=target, flipped=flipped):
                time.sleep(random.uniform(0.5, 1.5))
                with target._lock:  # the new container answers from this instant
                    target.sha = NEW_SHA
                    flipped["at"] = time.monotonic()

            threading.Thread(target=flip, daemon=True).start()
            poll = poll_health(target.url + "/health", NEW_SHA, schema, 30, interval)
            done = time.monotonic()
            if not poll.passed:
                raise SystemExit(f"benchmark broken: the gate did not pass: {poll.last.summary}")
            samples.append(done - flipped["at"])
    return samples


def seed_step(wait):
    """The seed's step for real: `sleep <wait>; curl` against a target that flips after 1 s."""
    with ReferenceTarget(sha=OLD_SHA) as target:
        target.deploy(NEW_SHA, after=1.0)
        script = f'sleep {wait:g}; curl -sS --max-time 5 "$URL" | grep -q "{NEW_SHA[:8]}"'
        started = time.monotonic()
        env = {**os.environ, "URL": target.url + "/health"}
        done = subprocess.run(["sh", "-c", script], env=env, check=False)
        elapsed = time.monotonic() - started
    return elapsed - 1.0, done.returncode


def whole_gate(groups, runs):
    """Wall time of `driftgate verify` (subprocess), target and staging already deployed."""
    times = []
    with ReferenceTarget(sha=NEW_SHA) as production, ReferenceTarget(sha=NEW_SHA) as staging:
        command = [
            sys.executable, "-m", "driftgate", "verify", "--target", "production",
            "--expected-sha", NEW_SHA, "--base-url", production.url,
            "--url", f"staging={staging.url}", "--groups", groups,
        ]  # fmt: skip
        for _ in range(runs):
            started = time.monotonic()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            times.append(time.monotonic() - started)
            if done.returncode != 0:
                raise SystemExit(f"benchmark broken: the gate failed:\n{done.stdout[-2000:]}")
    return times


def describe(samples):
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"median {statistics.median(ordered):.3f} s, p95 {p95:.3f} s, "
        f"max {ordered[-1]:.3f} s (n={len(ordered)})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--interval", type=float, default=DEFAULT_POLL_INTERVAL)
    parser.add_argument(
        "--seed-wait", type=float, default=None, help="also run the seed's step (sleep N; curl)"
    )
    parser.add_argument("--groups", default="health,promotion")
    parser.add_argument("--gate-runs", type=int, default=5)
    args = parser.parse_args()

    samples = time_to_verdict(args.runs, args.interval)
    median = statistics.median(samples)
    print(
        f"time to verdict after the flip (poll interval {args.interval:g} s): {describe(samples)}"
    )
    if args.seed_wait:
        seed_seconds, seed_code = seed_step(args.seed_wait)
        verdict = "pass" if seed_code == 0 else "fail"
        print(
            f"seed step (sleep {args.seed_wait:g}; curl): {seed_seconds:.3f} s after the flip "
            f"({verdict})"
        )
        reference = seed_seconds
    else:
        reference = SEED_WAIT - 1.0  # the seed's fixed wait, less the 1 s before the flip
        print(f"seed step not run (--seed-wait): its verdict is {SEED_WAIT:g} s after the deploy")
    print(f"ratio seed / driftgate (median): {reference / median:.0f}x faster")

    times = whole_gate(args.groups, args.gate_runs)
    print(f"whole gate, groups {args.groups}, driftgate verify subprocess: {describe(times)}")


if __name__ == "__main__":
    main()
