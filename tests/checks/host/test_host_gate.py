"""The host group end to end: the real suite, over a real sshd and over local://.

Each scenario is a test host with one fault; the gate must fail exactly the
checks that fault breaks, with a message that names it, and pass the rest.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import host_scenarios as scenarios
import pytest
from host_gate import failed, run_host_gate
from ports import free_port

ALL_CHECKS = {
    "test_container_running[catscan-api]",
    "test_container_running[catscan-dashboard]",
    "test_container_image_tag[catscan-api]",
    "test_container_image_tag[catscan-dashboard]",
    "test_container_image_pulled[catscan-api]",
    "test_container_image_pulled[catscan-dashboard]",
    "test_api_env_matches_expected_sha",
    "test_app_dir_at_expected_commit",
    "test_api_port_loopback_only",
    "test_compose_tag_not_defaulting_to_latest",
    "test_free_disk_above_minimum",
}


@pytest.fixture(autouse=True)
def _clean_gate_env(monkeypatch):
    # The inner gate must not read a CI's settings or write its step summary.
    for name in (
        "DRIFTGATE_HOST",
        "DRIFTGATE_SSH_CONFIG",
        "DRIFTGATE_SSH_IDENTITY",
        "DRIFTGATE_GROUPS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_ACTIONS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["ssh", "local"])
def gate_on(request, sshd, shim_bin, monkeypatch, tmp_path):
    """gate_on(test_host) -> outcomes of the host group run over this backend."""

    def run(test_host, *extra):
        if request.param == "local":
            test_host.use_locally(monkeypatch, shim_bin)
            return run_host_gate(test_host, "local://", tmp_path, *extra)
        return run_host_gate(
            test_host, "ssh://testhost", tmp_path, "--dg-ssh-config", str(test_host.ssh_config)
        )

    return run


def test_good_host_passes_every_check(make_test_host, gate_on):
    outcomes = gate_on(make_test_host())
    assert set(outcomes) == ALL_CHECKS
    assert failed(outcomes) == {}


SCENARIOS = {
    "restarting": (
        {"docker_change": scenarios.restarting},
        {"test_container_running[catscan-dashboard]": "catscan-dashboard is restarting"},
    ),
    "wrong-tag": (
        {"docker_change": scenarios.wrong_tag},
        {"test_container_image_tag[catscan-api]": "catscan-api runs tag 'sha-1a2b3c4', expected"},
    ),
    "built-locally": (
        {"docker_change": scenarios.built_locally},
        {"test_container_image_pulled[catscan-api]": "no repo digest: built on the VM"},
    ),
    "git-sha-mismatch": (
        {"docker_change": scenarios.git_sha_mismatch},
        {"test_api_env_matches_expected_sha": "catscan-api GIT_SHA='sha-1a2b3c4' does not match"},
    ),
    "head-mismatch": (
        {"move_head": True},
        {"test_app_dir_at_expected_commit": "git HEAD is "},
    ),
    "port-on-all-interfaces": (
        {"bind": "0.0.0.0"},
        {"test_api_port_loopback_only": "listens on 0.0.0.0, not on 127.0.0.1 only"},
    ),
    "compose-defaults-to-latest": (
        {"compose": "compose-latest.yml"},
        {
            "test_compose_tag_not_defaulting_to_latest": (
                "docker-compose.gcp.yml:5:12: service api: the tag falls back to a default "
                "when IMAGE_TAG is unset (${IMAGE_TAG:-latest})"
            )
        },
    ),
    "compose-not-yaml": (
        {"compose": "compose-truncated.yml"},
        {"test_compose_tag_not_defaulting_to_latest": "docker-compose.gcp.yml:4: invalid YAML"},
    ),
    "low-disk": (
        {"min_free_disk_mb": 10**12},
        {"test_free_disk_above_minimum": "below the minimum of 1000000000000 MiB"},
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_fault_fails_its_check_only(make_test_host, gate_on, scenario):
    host_options, expected = SCENARIOS[scenario]
    outcomes = gate_on(make_test_host(**host_options))
    assert set(outcomes) == ALL_CHECKS
    failures = failed(outcomes)
    assert set(failures) == set(expected)
    for name, fragment in expected.items():
        assert fragment in failures[name]
        assert "Traceback" not in failures[name]


def test_only_allow_listed_commands_ran(make_test_host, gate_on):
    test_host = make_test_host(docker_change=scenarios.everything_wrong)
    gate_on(test_host)
    ran = {tuple(argv[:3]) for argv in test_host.commands()}
    assert ran == {
        ("docker", "inspect", "--type"),
        ("docker", "image", "inspect"),
        ("docker", "ps", "--all"),
        ("git", "-c", f"safe.directory={test_host.app_dir}"),
        ("ss", "-ltnH"),
        ("df", "-Pk", "--"),
        ("cat", "--", str(test_host.app_dir / "docker-compose.gcp.yml")),
    }


def test_no_host_fails_every_check_naming_the_option(make_test_host, tmp_path):
    test_host = make_test_host()
    outcomes = run_host_gate(test_host, None, tmp_path)
    assert set(failed(outcomes)) == ALL_CHECKS
    for message in failed(outcomes).values():
        assert "--host" in message and "DRIFTGATE_HOST" in message
    assert test_host.commands() == []


def test_unreachable_host_fails_every_check_naming_the_host(make_test_host, sshd, tmp_path):
    test_host = make_test_host()
    closed = free_port()  # a loopback port nothing listens on
    spec = f"ssh://{sshd.user}@127.0.0.1:{closed}"
    outcomes = run_host_gate(test_host, spec, tmp_path, "--dg-ssh-identity", str(sshd.client_key))
    assert set(failed(outcomes)) == ALL_CHECKS
    key_text = sshd.client_key.read_text()
    for message in failed(outcomes).values():
        assert f"cannot reach host ssh://{sshd.user}@127.0.0.1:{closed}" in message
        assert "Connection refused" in message
        assert key_text.strip().splitlines()[1] not in message
        assert len(message.strip().splitlines()) == 1


def _verify(test_host, *extra):
    """`driftgate verify` as a deploy workflow runs it, host group only."""
    command = [
        str(Path(sys.executable).parent / "driftgate"),
        "verify",
        "--pack",
        str(test_host.pack_path),
        "--target",
        "production",
        "--expected-sha",
        test_host.expected_sha,
        "--groups",
        "host",
        "--host",
        "ssh://testhost",
        "--ssh-config",
        str(test_host.ssh_config),
        "--json-out",
        str(test_host.root / "verdict.json"),
        *extra,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTGATE_", "GITHUB_"))}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def test_driftgate_verify_passes_a_good_host(make_test_host):
    test_host = make_test_host()
    result = _verify(test_host)
    assert result.returncode == 0, result.stdout + result.stderr
    artifact = (test_host.root / "verdict.json").read_text()
    assert "test_api_port_loopback_only" in artifact
    assert test_host.commands()  # the checks did read the host


def test_driftgate_verify_fails_a_bad_host_naming_each_check(make_test_host):
    test_host = make_test_host(docker_change=scenarios.everything_wrong, move_head=True)
    result = _verify(test_host)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    # The API container's environment holds a database password: it is read, never shown.
    outputs = result.stdout + result.stderr + (test_host.root / "verdict.json").read_text()
    assert "env-canary-5f3a9c" not in outputs
    artifact = json.loads((test_host.root / "verdict.json").read_text())
    failures = {
        c["id"].split("::", 1)[1]: c["message"]
        for c in artifact["checks"]
        if c["outcome"] != "passed"
    }
    expected = {
        "test_container_running[catscan-dashboard]": "catscan-dashboard is restarting",
        "test_container_image_tag[catscan-api]": "runs tag 'sha-1a2b3c4'",
        "test_container_image_pulled[catscan-api]": "built on the VM, not pulled",
        "test_api_env_matches_expected_sha": "GIT_SHA='sha-1a2b3c4' does not match",
        "test_app_dir_at_expected_commit": "git HEAD is",
    }
    assert failures.keys() == expected.keys()
    for name, fragment in expected.items():
        assert fragment in failures[name]
        assert name in result.stdout  # the console table names each failed check
