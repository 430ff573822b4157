"""The reference deploy rolls back by itself: end to end, with real parts on loopback.

A real Pushgateway and Prometheus keep the gate's records; reference targets
stand in for production and staging; a git repository stands in for the
VM's /opt/catscan checkout. The deploy job of the reference workflow
(examples/catscan/.github/workflows/deploy.yml) runs its `run:` steps as a
runner would (workflow_runner.py): the real `driftgate` of this venv, real
bash and git. Only ssh and docker are shims (rollback_shim/): ssh runs the
remote script on this machine with /opt/catscan mapped to the test's
checkout; `docker compose up` checks its flags, the pull before it and that
IMAGE_TAG is the checked-out commit's, then asks the test to switch the
production target to that commit, as a recreate would. The gate is pointed
at loopback through its environment (DRIFTGATE_URLS, DRIFTGATE_GROUPS,
short deadlines); steps that only install or authenticate are not run.

Deploy A (passes), deploy B (its gate fails): the rollback step redeploys A
and verifies it with --rollback-from; `driftgate last-good` then answers A
from Prometheus and from the Pushgateway.
"""

import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from records_helpers import Daemons, RecordingProxy, basic
from workflow_runner import run_job, runner_env

from driftgate.checks.pushgateway import push_verdict
from driftgate.reference_target import ReferenceTarget

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples/catscan/.github/workflows/deploy.yml"
COMPOSE = ROOT / "examples/catscan/docker-compose.gcp.yml"
SHIMS = Path(__file__).parent / "rollback_shim"
VM_NAME = "catscan-production-sg"
ROLLBACK_STEP = "Roll back to the previous SHA"
SKIPPED = ("Install driftgate",)
SHA_BYPASSED = (
    "bbbbba55d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"  # this venv's driftgate is on PATH instead
)


def git(cwd, *args):
    env = {
        "GIT_AUTHOR_NAME": "e2e",
        "GIT_AUTHOR_EMAIL": "e2e@example.invalid",
        "GIT_COMMITTER_NAME": "e2e",
        "GIT_COMMITTER_EMAIL": "e2e@example.invalid",
        "HOME": str(cwd),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repository(tmp_path):
    """Commits A and B of the app (origin), and the VM's checkout of it: (A, B, vm_root)."""
    work = tmp_path / "app"
    work.mkdir()
    git(work, "init", "--quiet", "--initial-branch=main")
    shutil.copy(COMPOSE, work / "docker-compose.gcp.yml")
    shas = []
    for release in ("A", "B"):
        (work / "RELEASE").write_text(release + "\n")
        git(work, "add", "-A")
        git(work, "commit", "--quiet", "-m", f"release {release}")
        shas.append(git(work, "rev-parse", "HEAD"))
    vm_root = tmp_path / "vm"
    (vm_root / "opt").mkdir(parents=True)
    git(tmp_path, "clone", "--quiet", str(work), str(vm_root / "opt/catscan"))
    return shas[0], shas[1], vm_root


class Recreator:
    """Switches the production target when the docker shim asks for a recreate.

    A commit in `broken` comes up answering health with the database down.
    """

    def __init__(self, target, state_dir):
        self.target, self.state_dir, self.broken, self.done = target, state_dir, set(), []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self):
        request = self.state_dir / "recreate"
        while not self._stop.is_set():
            if request.exists():
                sha = request.read_text().strip()
                request.unlink()
                self._recreate(sha)
                self.done.append(sha)
            time.sleep(0.02)

    def _recreate(self, sha):
        self.target.set_mode("refused")  # the old containers are gone
        time.sleep(0.2)
        self.target.sha = sha
        self.target.set_mode("db-down" if sha in self.broken else "healthy")

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def world(tmp_path, repository):
    sha_a, sha_b, vm_root = repository
    daemons = Daemons(tmp_path)
    production = ReferenceTarget(sha="0" * 40).start()
    production.set_mode("refused")  # nothing deployed yet
    staging = ReferenceTarget(sha=sha_a).start()
    state = tmp_path / "shim-state"
    state.mkdir()
    recreator = Recreator(production, state)
    try:
        gateway = daemons.pushgateway()
        prometheus = daemons.prometheus(gateway)
        yield {
            "A": sha_a,
            "B": sha_b,
            "vm_root": vm_root,
            "state": state,
            "log": tmp_path / "shim.log",
            "production": production,
            "staging": staging,
            "recreator": recreator,
            "gateway": gateway,
            "prometheus": prometheus,
        }
    finally:
        recreator.stop()
        production.stop()
        staging.stop()
        daemons.stop()


def deploy(world, tmp_path, sha, run_name, deadline):
    """Dispatch the reference deploy workflow for `sha` to production."""
    workdir = tmp_path / run_name
    workdir.mkdir()
    env = runner_env(
        workdir,
        [SHIMS, Path(sys.executable).parent],
        GITHUB_SHA=sha,
        SHIM_VM_NAME=VM_NAME,
        SHIM_VM_ROOT=world["vm_root"],
        SHIM_STATE=world["state"],
        SHIM_LOG=world["log"],
        DRIFTGATE_URLS=f"staging={world['staging'].url},production={world['production'].url}",
        DRIFTGATE_GROUPS="health,promotion",  # no database, VM or API here
        DRIFTGATE_DEADLINE=deadline,
        DRIFTGATE_POLL_INTERVAL="0.1",
    )
    context = {
        "inputs.target": "production",
        "inputs.reason": "rollback end-to-end test",
        "inputs.confirm": "DEPLOY",
        "vars.VM_NAME": VM_NAME,
        "vars.VM_ZONE": "asia-southeast1-b",
        "vars.ALLOW_CONTRACT_FAILURE": "",
        "vars.DRIFTGATE_PUSHGATEWAY": world["gateway"],
        "vars.DRIFTGATE_PROMETHEUS": world["prometheus"],
        "secrets.CATSCAN_READONLY_DSN": "",
        "secrets.CATSCAN_API_TOKEN": "",
    }
    conditions = {
        "inputs.target == 'production'": lambda run: True,
        "failure() && steps.gate.outcome == 'failure'": lambda run: (
            run.failed and run.step("Post-deploy gate").outcome == "failure"
        ),
    }
    job = run_job(
        WORKFLOW,
        "deploy",
        base_env=env,
        context=context,
        conditions=conditions,
        workdir=workdir,
        skip=SKIPPED,
    )
    return job, Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def query(prometheus, expr):
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)["data"]["result"]


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail(f"never happened within {seconds} s: {what}", pytrace=False)


def last_good(*args):
    done = subprocess.run(
        [str(Path(sys.executable).parent / "driftgate"), "last-good", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


def explain(job):
    return "\n".join(
        f"--- {s.name}: {s.outcome} ({s.returncode})\n{s.stdout[-1500:]}{s.stderr[-1500:]}"
        for s in job.steps
    )


def test_a_failed_deploy_rolls_back_to_the_sha_that_passed_before(world, tmp_path):
    sha_a, sha_b = world["A"], world["B"]
    production, staging, prometheus = world["production"], world["staging"], world["prometheus"]

    # Deploy A: the first deploy; it passes and nothing is rolled back.
    job, _ = deploy(world, tmp_path, sha_a, "deploy-a", deadline=10)
    assert not job.failed, explain(job)
    assert job.step(ROLLBACK_STEP).outcome == "skipped"
    assert job.outputs("gate") == {"previous_sha": "", "verdict": "pass"}
    assert production.sha == sha_a
    passed_a = f'driftgate_verify_passed{{target="production",sha="{sha_a[:7]}"}} == 1'
    wait_for(lambda: query(prometheus, passed_a), 20, "Prometheus scraped A's verdict")

    # Deploy B: staging runs it healthy, but in production its database is down.
    staging.sha = sha_b
    world["recreator"].broken.add(sha_b)
    job, summary = deploy(world, tmp_path, sha_b, "deploy-b", deadline=3)
    assert job.step("Post-deploy gate").outcome == "failure", explain(job)
    outputs = job.outputs("gate")
    assert outputs["verdict"] == "fail"
    previous = outputs["previous_sha"]
    assert len(previous) >= 7 and sha_a.startswith(previous), outputs
    gate = json.loads((tmp_path / "deploy-b/driftgate-verify.json").read_text())
    # Usually from the records (Prometheus): A's container was gone before the gate
    # started; from the poll when the gate still caught A answering.
    assert gate["previous_sha_source"] in ("records", "health")

    # The rollback redeployed A exactly as a deploy does, verified it, and still failed.
    rollback = job.step(ROLLBACK_STEP)
    assert (rollback.outcome, rollback.returncode) == ("failure", 1), explain(job)
    assert world["recreator"].done == [sha_a, sha_b, sha_a]
    assert production.sha == sha_a and production.mode == "healthy"
    log = world["log"].read_text().splitlines()
    assert log[-3:] == [
        f"ssh {VM_NAME} bash -s -- {previous} sha-{sha_a[:7]}",
        f"pull sha-{sha_a[:7]}",
        f"up sha-{sha_a[:7]}",
    ]
    assert git(world["vm_root"] / "opt/catscan", "rev-parse", "HEAD") == sha_a
    assert f"### Rollback of production after the failed deploy of `{sha_b[:12]}`" in summary
    assert f"Rolled back: production runs `{previous}` again, verified by the gate." in summary
    assert f"::error title=Rollback::deploy of {sha_b[:12]} failed; rolled back to {previous}" in (
        rollback.stdout
    )
    verdict = json.loads((tmp_path / "deploy-b/driftgate-verify.rollback.json").read_text())
    assert verdict["passed"] is True and verdict["kind"] == "rollback"
    assert verdict["rollback_from"] == sha_b
    assert verdict["deployed"]["promotion"]["waived"] is True  # staging runs B, not A
    assert production.methods_seen() == {"GET"} and staging.methods_seen() == {"GET"}

    # Prometheus sees the rollback verdict; last-good answers A from both sources.
    rolled_back = 'driftgate_verify_passed{target="production",kind="rollback"} == 1'
    wait_for(lambda: query(prometheus, rolled_back), 20, "Prometheus scraped the rollback")
    assert [r["metric"]["sha"] for r in query(prometheus, rolled_back)] == [sha_a[:7]]
    # A newer verdict that passed only through the contract bypass is never known good.
    push_verdict(world["gateway"], "production", SHA_BYPASSED, passed=True, bypassed=True)
    bypassed = f'driftgate_verify_contract_bypass{{sha="{SHA_BYPASSED[:7]}"}} == 1'
    wait_for(lambda: query(prometheus, bypassed), 20, "Prometheus scraped the bypassed verdict")
    proxy = RecordingProxy(prometheus)  # proves the reader only GETs, with basic auth
    try:
        code, out, err = last_good(
            "--target", "production", "--prometheus", proxy.url("ops:pr0m-secret")
        )
    finally:
        proxy.close()
    assert (code, err) == (0, "") and out.startswith(f"{sha_a[:7]} ")
    assert proxy.methods() == {"GET"} and "pr0m-secret" not in out
    assert {auth for _, _, auth in proxy.requests} == {basic("ops", "pr0m-secret")}
    code, out, _ = last_good("--target", "production", "--pushgateway", world["gateway"])
    assert code == 0 and out.startswith(f"{sha_a[:7]} ") and out.endswith(" rollback\n")
    code, out, _ = last_good(
        "--target", "production", "--prometheus", prometheus, "--before", sha_b, "--format", "json"
    )
    answer = json.loads(out)
    assert code == 0 and answer["sha"] == sha_a[:7] and answer["before"] == sha_b
    assert answer["kind"] == "deploy"  # A's verdict before B came, not its rollback


def test_a_failed_first_deploy_has_nothing_to_roll_back_to(world, tmp_path):
    sha_b = world["B"]
    world["staging"].sha = sha_b
    world["recreator"].broken.add(sha_b)
    job, summary = deploy(world, tmp_path, sha_b, "deploy-b", deadline=2)
    assert job.step("Post-deploy gate").outcome == "failure", explain(job)
    assert job.outputs("gate") == {"previous_sha": "", "verdict": "fail"}
    rollback = job.step(ROLLBACK_STEP)
    assert (rollback.outcome, rollback.returncode) == ("failure", 1), explain(job)
    assert "No previous SHA: nothing answered healthy before" in summary
    assert "::error title=Rollback::no previous SHA to roll back to; nothing changed" in (
        rollback.stdout
    )
    assert world["recreator"].done == [sha_b]  # nothing redeployed
    assert [line for line in world["log"].read_text().splitlines() if line.startswith("up ")] == [
        f"up sha-{sha_b[:7]}"
    ]
    assert not (tmp_path / "deploy-b/driftgate-verify.rollback.json").exists()
