"""`driftgate demo`: all three jobs on the embedded default, no cloud, no network.

1. lint: the Cat-Scan reference workflows (clean), then a copy with two
   classic violations (an auto-deploy trigger, a dispatch input injected into
   a shell script), to show what a finding looks like.
2. verify: two reference Cat-Scan targets on loopback; production is
   redeployed mid-poll and the gate passes once the new SHA answers healthy
   and its API conforms to its OpenAPI document (GET/HEAD only); then a
   deploy that never arrives fails at its deadline.
3. monitor: the exporter probes both targets and prints what Prometheus
   would scrape.

Each step runs the real command (`driftgate lint`, `driftgate verify`) or
the real exporter; the demo only checks each ended as it should.
"""

import shutil
import tempfile
from pathlib import Path

from driftgate.policies.errors import DriftgateError
from driftgate.reference_target import ReferenceTarget

REFERENCE = Path(__file__).resolve().parents[1] / "examples" / "catscan"
OLD_SHA = "5d0c3a1e2b4f6a7c8d9e0f1a2b3c4d5e6f7a8b9c"
NEW_SHA = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"

# Two one-line changes that bring back weaknesses seen in the real deploy.yml.
VIOLATIONS = (
    ("on:\n  workflow_dispatch:\n", "on:\n  push:\n    branches: [main]\n  workflow_dispatch:\n"),
    ('- reason ${REASON}"', '- reason ${{ inputs.reason }}"'),
)


def run_demo(main):
    """Run the demo with `main` (the CLI's entry point); return the exit code."""
    if not REFERENCE.is_dir():
        raise DriftgateError(f"{REFERENCE}: not found (the demo runs from a clone of driftgate)")
    _banner("lint the Cat-Scan reference workflows (expect: clean, exit 0)")
    outcomes = [
        _step(main(["lint", "--format", "text", str(REFERENCE)]), 0),
        _lint_violations(main),
        *_verify(main),
        _monitor(),
    ]
    print()
    if all(outcomes):
        print("demo: every step ended as expected.")
        return 0
    print("demo: a step did not end as expected (see above).")
    return 1


def _banner(title):
    print(f"\n=== {title} ===", flush=True)


def _step(code, expected):
    print(f"--> exit {code} (expected {expected})", flush=True)
    return code == expected


def _lint_violations(main):
    _banner("lint a copy with two violations (expect: findings, exit 1)")
    with tempfile.TemporaryDirectory(prefix="driftgate-demo-") as tmp:
        repo = Path(tmp) / "catscan"
        shutil.copytree(REFERENCE, repo)
        deploy = repo / ".github" / "workflows" / "deploy.yml"
        text = deploy.read_text()
        for old, new in VIOLATIONS:
            text = text.replace(old, new, 1)
        deploy.write_text(text)
        return _step(main(["lint", "--format", "text", str(repo)]), 1)


def _verify(main):
    with (
        ReferenceTarget(sha=NEW_SHA) as staging,
        ReferenceTarget(sha=OLD_SHA) as production,
    ):
        urls = ["--url", f"staging={staging.url}", "--base-url", production.url]
        gate = ["verify", "--target", "production", *urls, "--groups", "health,promotion,api"]
        _banner("verify: production redeploys mid-poll (expect: pass, exit 0)")
        print("production answers the old SHA, then refuses connections, then the new SHA")
        production.deploy(NEW_SHA, after=1.0, downtime=0.5)
        passed = _step(main([*gate, "--expected-sha", NEW_SHA, "--deadline", "15"]), 0)
        _banner("verify: a deploy that never arrives (expect: fail at the deadline, exit 1)")
        never = "0123456789abcdef0123456789abcdef01234567"
        failed = _step(main([*gate, "--expected-sha", never, "--deadline", "3"]), 1)
    return passed, failed


def _monitor():
    from driftgate.monitor.config import build_config
    from driftgate.monitor.server import Exporter

    _banner("monitor: what Prometheus scrapes (expect: both targets, one SHA each)")
    with (
        ReferenceTarget(sha=NEW_SHA) as staging,
        ReferenceTarget(sha=OLD_SHA) as production,
    ):
        config = build_config(overrides={"staging": staging.url, "production": production.url})
        exporter = Exporter(config, mode="probe")
        try:
            lines = []
            for name in config.targets:
                _, _, body = exporter.respond("GET", "/probe", f"target={name}")
                lines += [
                    line
                    for line in body.decode().splitlines()
                    if line.startswith(("driftgate_deployed_info", "driftgate_probe_success"))
                ]
        finally:
            exporter.stop()
    print("\n".join(lines))
    seen = {NEW_SHA[:7], OLD_SHA[:7]}
    ok = all(any(f'sha="{sha}"' in line for line in lines) for sha in seen)
    print(f"--> {'both targets exported' if ok else 'targets missing from the export'}")
    return ok
