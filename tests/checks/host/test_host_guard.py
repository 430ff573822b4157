"""The read-only guard: refused commands never reach the host, over ssh or locally."""

import re
import shlex
import subprocess

import pytest
from ports import free_port

from driftgate.checks.host import (
    ALLOW_LIST,
    COMMAND_TIMEOUT,
    CommandRefused,
    HostError,
    HostUnreachable,
    connect,
)
from driftgate.checks.host_facts import HostFactError


@pytest.fixture(params=["ssh", "local"])
def vm_of(request, shim_bin, monkeypatch):
    """vm_of(test_host) -> a ReadOnlyHost on it over this backend."""

    def open_host(test_host):
        if request.param == "local":
            test_host.use_locally(monkeypatch, shim_bin)
            return connect("local://")
        return connect("ssh://testhost", ssh_config=str(test_host.ssh_config))

    return open_host


def refused_attempts(test_host):
    app = str(test_host.app_dir)
    canary = str(test_host.root / "canary")
    return [
        ("rm -rf -- %s", (app,)),
        ("touch -- %s", (canary,)),
        ("timeout 30 docker rm -f -- %s", ("catscan-api",)),
        ("docker compose up -d --force-recreate", ()),
        # An allow-listed template with an argument that tries to break out:
        (ALLOW_LIST["container"].template, (f"catscan-api; touch {canary}",)),
        (ALLOW_LIST["container"].template, ("--format={{.Id}}",)),
        (ALLOW_LIST["disk"].template, (f"{app}/../..",)),
        (ALLOW_LIST["compose"].template, ("/etc/shadow",)),  # only .yml/.yaml files
        (ALLOW_LIST["git_head"].template, (app,)),  # wrong number of arguments
        (ALLOW_LIST["container"].template.replace("%s", "catscan-api"), ()),  # pre-built
    ]


def test_refused_commands_never_run(make_test_host, vm_of):
    test_host = make_test_host()
    vm = vm_of(test_host)
    for command, args in refused_attempts(test_host):
        with pytest.raises(CommandRefused, match="is not on the read-only allow-list"):
            vm.testinfra.run(command, *args)
    assert test_host.commands() == []  # nothing reached the host
    assert not (test_host.root / "canary").exists()
    assert test_host.app_dir.is_dir()
    assert vm.commands == []


def test_testinfra_modules_cannot_slip_a_command_through(make_test_host, vm_of):
    test_host = make_test_host()
    vm = vm_of(test_host)
    with pytest.raises(CommandRefused):
        vm.testinfra.file(str(test_host.app_dir)).exists  # noqa: B018 - runs a command
    with pytest.raises(CommandRefused):
        vm.testinfra.check_output("docker stop catscan-api")
    with pytest.raises(CommandRefused):
        vm.testinfra.backend.run("docker restart -- %s", "catscan-api")
    with pytest.raises(CommandRefused):  # the primitive under every backend, called directly
        vm.testinfra.backend.run_local("docker rm -f -- %s", "catscan-api")
    assert test_host.commands() == []


def _argv_pattern(name):
    """Regexes for the argv an allow-listed command runs (after `timeout N`)."""
    command = ALLOW_LIST[name]
    words, patterns = shlex.split(command.template.replace("%s", "ARG")), iter(command.arguments)
    assert words[:2] == ["timeout", str(COMMAND_TIMEOUT)]
    return [re.sub("ARG", lambda _: f"(?:{next(patterns)})", re.escape(word)) for word in words[2:]]


def test_every_fact_reads_with_an_allow_listed_argv(make_test_host, vm_of):
    test_host = make_test_host()
    vm = vm_of(test_host)
    api = vm.container("catscan-api")
    vm.image(api.image_id)
    vm.container_states()
    vm.git_head(str(test_host.app_dir))
    vm.listeners()
    vm.free_disk_mb(str(test_host.app_dir))
    vm.compose_text(str(test_host.app_dir / "docker-compose.gcp.yml"))
    patterns = [_argv_pattern(name) for name in ALLOW_LIST]
    ran = test_host.commands()
    assert len(ran) == len(ALLOW_LIST) == len(vm.commands)
    for argv in ran:
        assert any(
            len(argv) == len(p) and all(re.fullmatch(w, a) for w, a in zip(p, argv, strict=True))
            for p in patterns
        ), argv


def test_facts_read_from_the_test_host(make_test_host, vm_of):
    test_host = make_test_host()
    vm = vm_of(test_host)
    api = vm.container("catscan-api")
    assert (api.status, api.restarting, api.restart_count) == ("running", False, 0)
    assert api.env["GIT_SHA"] == f"sha-{test_host.expected_sha[:7]}"
    assert "env-canary-5f3a9c" in api.env["DATABASE_URL"]  # read (the gate must never show it)
    assert api.published == (("127.0.0.1", 8000),)
    image = vm.image(api.image_id)
    assert image.repo_digests[0].startswith(
        "europe-west1-docker.pkg.dev/catscan/catscan/catscan-api@sha256:"
    )
    assert dict(vm.container_states()) == {
        "catscan-api": "running",
        "catscan-dashboard": "running",
    }
    assert vm.git_head(str(test_host.app_dir)) == test_host.expected_sha
    assert ("127.0.0.1", test_host.port) in {(x.address, x.port) for x in vm.listeners()}
    assert vm.free_disk_mb(str(test_host.app_dir)) > 0
    assert "${IMAGE_TAG:?" in vm.compose_text(str(test_host.app_dir / "docker-compose.gcp.yml"))


def test_missing_container_is_a_one_line_error(make_test_host, vm_of):
    vm = vm_of(make_test_host())
    with pytest.raises(HostFactError) as error:
        vm.container("catscan-worker")
    assert str(error.value) == (
        f"{vm.display}: docker inspect --type container -- catscan-worker: "
        "Error: No such container: catscan-worker"
    )


def test_unreachable_host_names_the_host_and_fails_fast(sshd):
    closed = free_port()
    vm = connect(f"ssh://{sshd.user}@127.0.0.1:{closed}", ssh_identity=str(sshd.client_key))
    with pytest.raises(HostUnreachable) as first:
        vm.listeners()
    assert str(first.value).startswith(f"cannot reach host ssh://{sshd.user}@127.0.0.1:{closed}: ")
    assert "Connection refused" in str(first.value)
    with pytest.raises(HostUnreachable) as second:
        vm.container("catscan-api")
    assert second.value is first.value  # the first failure is remembered, no second attempt
    assert vm.commands == []


def test_wrong_key_is_unreachable_not_a_prompt(sshd, tmp_path):
    other_key = tmp_path / "other_key"
    keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other_key)]
    subprocess.run(keygen, check=True)
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n  UserKnownHostsFile {sshd.known_hosts}\n  IdentitiesOnly yes\n")
    vm = connect(
        f"ssh://{sshd.user}@127.0.0.1:{sshd.port}",
        ssh_config=str(config),
        ssh_identity=str(other_key),
    )
    with pytest.raises(HostUnreachable, match="Permission denied"):
        vm.listeners()


@pytest.mark.parametrize(
    ("spec", "options", "message"),
    [
        ("paramiko://vm", {}, "use ssh://[user@]host[:port] or local://"),
        ("catscan-production-sg", {}, "use ssh://[user@]host[:port] or local://"),
        ("ssh://deploy:hunter22@vm", {}, "a password in the host spec is refused"),
        ("ssh://vm", {"ssh_config": "/nonexistent/ssh_config"}, "--ssh-config: no such file"),
        ("ssh://vm", {"ssh_identity": "/nonexistent/id"}, "--ssh-identity: no such file"),
    ],
)
def test_unusable_host_specs_are_one_line_errors(spec, options, message):
    with pytest.raises(HostError) as error:
        connect(spec, **options)
    assert message in str(error.value)
    assert "hunter22" not in str(error.value)
