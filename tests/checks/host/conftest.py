"""Real parts for the host checks: an sshd on loopback and test hosts it logs in to.

No container engine runs here, so a test host is a directory with a fake
`docker` answering in docker's real JSON formats (host_shim.py), a real git
checkout as the app directory, a real compose file, and a real listener for
the API port. Every command run on it is logged by the shims.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from ports import free_port

from driftgate.policies.pack import DEFAULT_PACK, load_pack

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
SHIMMED = ("docker", "git", "ss", "df", "cat")
FIXTURE_SHA = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"  # the SHA the fixture JSON was written for
CONTAINERS = ("catscan-api", "catscan-dashboard")
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Deploy Bot",
    "GIT_AUTHOR_EMAIL": "deploy@example.invalid",
    "GIT_COMMITTER_NAME": "Deploy Bot",
    "GIT_COMMITTER_EMAIL": "deploy@example.invalid",
    "GIT_AUTHOR_DATE": "2026-11-28T09:40:00Z",
    "GIT_COMMITTER_DATE": "2026-11-28T09:40:00Z",
}


@pytest.fixture(scope="session")
def shim_bin(tmp_path_factory):
    """A bin directory whose docker/git/ss/df/cat log each call to the current test host."""
    bin_dir = tmp_path_factory.mktemp("shim-bin")
    for command in SHIMMED:
        wrapper = bin_dir / command
        wrapper.write_text(
            f'#!/bin/sh\nexec {sys.executable} {HERE / "host_shim.py"} {command} "$@"\n'
        )
        wrapper.chmod(0o755)
    return bin_dir


@dataclass(frozen=True)
class Sshd:
    port: int
    user: str
    client_key: Path
    known_hosts: Path

    def client_config(self, path, test_host_dir):
        """An ssh config for host alias `testhost` whose sessions use `test_host_dir`."""
        path.write_text(
            "Host testhost\n"
            "  HostName 127.0.0.1\n"
            f"  Port {self.port}\n"
            f"  User {self.user}\n"
            f"  IdentityFile {self.client_key}\n"
            "  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {self.known_hosts}\n"
            "  StrictHostKeyChecking yes\n"
            f"  SetEnv DRIFTGATE_TEST_HOST={test_host_dir}\n"
        )
        return path


@pytest.fixture(scope="session")
def sshd(tmp_path_factory, shim_bin):
    """A real OpenSSH server on 127.0.0.1 (key login only), for the session."""
    binary = shutil.which("sshd", path="/usr/sbin:/usr/local/sbin:/sbin") or shutil.which("sshd")
    if binary is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.fail(
            "sshd/ssh not found: install openssh-server and openssh-client "
            "(apt-get install openssh-server openssh-client); the host tests need a real sshd",
            pytrace=False,
        )
    home = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "client_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", str(home / key)],
            check=True,
        )
    (home / "authorized_keys").write_text((home / "client_key.pub").read_text())
    port = free_port()
    host_key = (home / "host_key.pub").read_text().split()
    (home / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    config = home / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {home / 'host_key'}\n"
        f"PidFile {home / 'sshd.pid'}\nAuthorizedKeysFile {home / 'authorized_keys'}\n"
        "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "AcceptEnv DRIFTGATE_TEST_HOST\n"
        # HOME: the session shell must not run the login user's own rc files.
        f"SetEnv PATH={shim_bin}:/usr/bin:/bin HOME={home}\nLogLevel ERROR\n"
    )
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation dir
    log = (home / "sshd.log").open("w")
    process = subprocess.Popen([binary, "-D", "-e", "-f", str(config)], stderr=log)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                text = (home / "sshd.log").read_text()
                pytest.fail(f"sshd did not start on 127.0.0.1:{port}: {text[-500:]}", pytrace=False)
            time.sleep(0.05)
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout
    yield Sshd(port, user.strip(), home / "client_key", home / "known_hosts")
    process.terminate()
    process.wait(timeout=10)
    log.close()


@dataclass
class TestHost:
    """One VM stand-in. `expected_sha` is the commit the docker state was built for."""

    __test__ = False  # not a test class, whatever its name

    root: Path
    app_dir: Path
    expected_sha: str
    pack_path: Path
    port: int
    ssh_config: Path | None
    _listener: socket.socket = field(repr=False)

    @property
    def pack(self):
        return load_pack(self.pack_path)

    def commands(self):
        """Every command run on this host so far, as argv lists."""
        log = self.root / "commands.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def use_locally(self, monkeypatch, shim_bin):
        """Make local:// see this host: shims first on PATH, the test host selected."""
        monkeypatch.setenv("PATH", f"{shim_bin}:{os.environ['PATH']}")
        monkeypatch.setenv("DRIFTGATE_TEST_HOST", str(self.root))


def _git(app_dir, *args):
    subprocess.run(["git", "-C", str(app_dir), *args], check=True, env={**os.environ, **GIT_ENV})


def _docker_state(expected_sha, change):
    state = {"containers": [], "images": []}
    for name in CONTAINERS:
        for kind, key in (("container", "containers"), ("image", "images")):
            text = (FIXTURES / f"{kind}-{name}.json").read_text()
            text = text.replace(FIXTURE_SHA, expected_sha)
            text = text.replace(FIXTURE_SHA[:7], expected_sha[:7])
            state[key].extend(json.loads(text))
    if change:
        change(state)
    return state


@pytest.fixture
def make_test_host(tmp_path, sshd, shim_bin):
    """make_test_host(docker_change=None, compose="compose-pinned.yml", bind="127.0.0.1",
    min_free_disk_mb=1, move_head=False) -> TestHost."""
    listeners = []

    def make(
        docker_change=None,
        compose="compose-pinned.yml",
        bind="127.0.0.1",
        min_free_disk_mb=1,
        move_head=False,
        name="host",
    ):
        root = tmp_path / name
        app_dir = root / "app"
        app_dir.mkdir(parents=True)
        shutil.copy(FIXTURES / compose, app_dir / "docker-compose.gcp.yml")
        _git(app_dir, "init", "-q", "-b", "main")
        _git(app_dir, "add", "docker-compose.gcp.yml")
        _git(app_dir, "commit", "-q", "-m", "deploy: pin image tags")
        expected_sha = subprocess.run(
            ["git", "-C", str(app_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **GIT_ENV},
        ).stdout.strip()
        if move_head:  # someone committed on the VM after the deploy
            (app_dir / "hotfix.txt").write_text("edited on the VM\n")
            _git(app_dir, "add", "hotfix.txt")
            _git(app_dir, "commit", "-q", "-m", "hotfix on the VM")
        state = _docker_state(expected_sha, docker_change)
        (root / "docker-state.json").write_text(json.dumps(state, indent=4))
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((bind, 0))
        listener.listen(1)
        listeners.append(listener)
        port = listener.getsockname()[1]
        pack = yaml.safe_load(Path(DEFAULT_PACK).read_text())
        pack["host"].update(app_dir=str(app_dir), api_port=port, min_free_disk_mb=min_free_disk_mb)
        pack_path = root / "pack.yaml"
        pack_path.write_text(yaml.safe_dump(pack, sort_keys=False))
        ssh_config = sshd.client_config(root / "ssh_config", root)
        return TestHost(root, app_dir, expected_sha, pack_path, port, ssh_config, listener)

    yield make
    for listener in listeners:
        listener.close()
