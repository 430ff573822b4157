"""Benchmark the whole gate: `driftgate verify` with every group that runs here.

Real parts, as the tests use them: reference targets on loopback (production
and staging), a test host over local:// whose `docker` answers docker's real
JSON (tests/checks/host), a PostgreSQL schema seeded so every contract passes
(tests/checks/contracts), and the API group (schemathesis, the pack's max_examples
and rate limit) against production's OpenAPI document.

    .venv/bin/python benchmarks/verify_full_gate.py --runs 5
    .venv/bin/python benchmarks/verify_full_gate.py --groups health,promotion,host,contracts
"""

import argparse
import importlib.util
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import yaml
from psycopg import conninfo, sql

from driftgate.policies.pack import DEFAULT_PACK
from driftgate.reference_target import ReferenceTarget

ROOT = Path(__file__).resolve().parent.parent
HOST_TESTS = ROOT / "tests" / "checks" / "host"
CONTRACT_TESTS = ROOT / "tests" / "checks" / "contracts"
TEST_DSN = os.environ.get("DRIFTGATE_TEST_DSN") or "postgresql://postgres@127.0.0.1:5432/test"


def _module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_host(workdir):
    """A VM stand-in as tests/checks/host builds it: (root, shim bin, pack path, expected SHA)."""
    host = _module(HOST_TESTS / "conftest.py", "host_conftest")
    shim_bin = workdir / "bin"
    shim_bin.mkdir()
    for command in host.SHIMMED:
        wrapper = shim_bin / command
        shim = HOST_TESTS / "host_shim.py"
        wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {shim} {command} "$@"\n')
        wrapper.chmod(0o755)
    root, app_dir = workdir / "host", workdir / "host" / "app"
    app_dir.mkdir(parents=True)
    shutil.copy(host.FIXTURES / "compose-pinned.yml", app_dir / "docker-compose.gcp.yml")
    host._git(app_dir, "init", "-q", "-b", "main")
    host._git(app_dir, "add", "docker-compose.gcp.yml")
    host._git(app_dir, "commit", "-q", "-m", "deploy: pin image tags")
    head = subprocess.run(
        ["git", "-C", str(app_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    (root / "docker-state.json").write_text(json.dumps(host._docker_state(head, None)))
    listener = socket.create_server(("127.0.0.1", 0))  # the API port, on loopback only
    pack = yaml.safe_load(Path(DEFAULT_PACK).read_text())
    pack["host"].update(app_dir=str(app_dir), api_port=listener.getsockname()[1])
    pack["host"]["min_free_disk_mb"] = 1
    pack_path = root / "pack.yaml"
    pack_path.write_text(yaml.safe_dump(pack, sort_keys=False))
    return root, shim_bin, pack_path, head, listener


def contract_schema():
    """A fresh schema with the SPEC tables, seeded so every contract PASSes: (admin, name)."""
    seeding = _module(CONTRACT_TESTS / "contracts_seeding.py", "contracts_seeding")
    admin = psycopg.connect(TEST_DSN, connect_timeout=3, autocommit=True)
    name = f"dg_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(name)))
    admin.execute(seeding.SCHEMA_DDL)
    seeding.Seed(admin).healthy()
    return admin, name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--groups", default="health,promotion,host,contracts,api")
    args = parser.parse_args()
    groups = args.groups.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        root, shim_bin, pack_path, head, listener = test_host(Path(tmp))
        admin, schema = contract_schema()
        env = {
            **os.environ,
            "PATH": f"{shim_bin}:{os.environ['PATH']}",
            "DRIFTGATE_TEST_HOST": str(root),
            "DRIFTGATE_DSN": conninfo.make_conninfo(TEST_DSN, options=f"-csearch_path={schema}"),
        }
        try:
            with ReferenceTarget(sha=head) as production, ReferenceTarget(sha=head) as staging:
                command = [
                    sys.executable, "-m", "driftgate", "verify", "--pack", str(pack_path),
                    "--target", "production", "--expected-sha", head,
                    "--base-url", production.url, "--url", f"staging={staging.url}",
                    "--host", "local://", "--groups", ",".join(groups),
                    "--json-out", str(Path(tmp) / "verify.json"),
                ]  # fmt: skip
                times = []
                for _ in range(args.runs):
                    started = time.monotonic()
                    done = subprocess.run(command, env=env, capture_output=True, text=True)
                    times.append(time.monotonic() - started)
                    if done.returncode != 0:
                        raise SystemExit(f"the gate failed:\n{done.stdout[-3000:]}{done.stderr}")
                document = json.loads((Path(tmp) / "verify.json").read_text())
                checks = len(document["checks"])
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            admin.close()
            listener.close()
    median = statistics.median(times)
    print(f"whole gate, groups {','.join(groups)} ({checks} checks), driftgate verify subprocess:")
    print(f"  median {median:.2f} s, max {max(times):.2f} s (n={len(times)}); target < 15 s")
    in_tests = ", ".join(f"{g} {s:.2f} s" for g, s in document["timings"]["groups"].items())
    print(f"  last run, inside the tests: {in_tests}")
    if document.get("api"):
        sent = sum(run.get("requests", 0) for run in document["api"]["operations"])
        print(f"  API group: {len(document['api']['operations'])} operations, {sent} requests")


if __name__ == "__main__":
    main()
