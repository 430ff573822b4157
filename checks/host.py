"""A read-only view of the VM over pytest-testinfra: only allow-listed commands ever run.

The allow-list is enforced on the testinfra backend itself, so nothing (not
our code, not testinfra's own modules such as `host.file`) can run a command
that is not listed: anything else raises CommandRefused before it runs.
Arguments are always passed to testinfra separately and quoted by it
(`host.run("cmd -- %s", arg)`), and each must also match a narrow pattern.

>>> host = connect("local://")
>>> try:
...     host.testinfra.run("rm -rf -- %s", "/opt/catscan")
... except CommandRefused as refused:
...     print(refused)
refused on local://: rm -rf -- /opt/catscan is not on the read-only allow-list
"""

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import testinfra.backend
import testinfra.host

from driftgate.policies.errors import DriftgateError

from . import host_facts
from .host_facts import HostFactError

COMMAND_TIMEOUT = 30  # seconds; a hung docker daemon must fail the check, not hang the gate
SSH_OPTIONS = "-o BatchMode=yes -o ServerAliveInterval=5 -o ServerAliveCountMax=3"
BACKENDS = ("ssh", "local")  # safe-ssh writes temp files on the host; the others are untested


class HostError(DriftgateError):
    """The host cannot be checked: bad spec, unreachable, or a command refused."""


class HostUnreachable(HostError):
    """ssh could not connect or log in; the message names the host, never a credential."""


class CommandRefused(HostError):
    """A command that is not on the allow-list; it was not run."""


_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"  # a container name
_IMAGE_ID = r"sha256:[0-9a-f]{64}"
_NO_DOTDOT = r"(?!.*(?:^|/)\.\.(?:/|$))"
_PATH = _NO_DOTDOT + r"/[A-Za-z0-9_./-]{0,4095}"  # absolute, no `..`, nothing to quote
_COMPOSE_PATH = _NO_DOTDOT + r"/[A-Za-z0-9_./-]{0,4090}\.ya?ml"


@dataclass(frozen=True)
class AllowedCommand:
    """One read-only command: a testinfra template and a pattern per `%s` argument."""

    template: str
    arguments: tuple[str, ...] = ()

    def accepts(self, args):
        return len(args) == len(self.arguments) and all(
            isinstance(arg, str) and re.fullmatch(pattern, arg)
            for arg, pattern in zip(args, self.arguments, strict=True)
        )


_T = f"timeout {COMMAND_TIMEOUT} "
ALLOW_LIST = {
    "container": AllowedCommand(_T + "docker inspect --type container -- %s", (_NAME,)),
    "image": AllowedCommand(_T + "docker image inspect -- %s", (_IMAGE_ID,)),
    "ps": AllowedCommand(_T + "docker ps --all --no-trunc --format '{{json .}}'"),
    # safe.directory: the checkout may belong to another user than the one checking it.
    "git_head": AllowedCommand(
        _T + "git -c safe.directory=%s -C %s rev-parse --verify HEAD", (_PATH, _PATH)
    ),
    "listeners": AllowedCommand(_T + "ss -ltnH"),
    "disk": AllowedCommand(_T + "df -Pk -- %s", (_PATH,)),
    "compose": AllowedCommand(_T + "cat -- %s", (_COMPOSE_PATH,)),
}
_BY_TEMPLATE = {command.template: command for command in ALLOW_LIST.values()}


def check_host_spec(spec, ssh_config=None, ssh_identity=None):
    """The spec's display form (no query, no secret), or a HostError naming the option.

    Pure checks, no connection: a settings resolver can call it to turn a bad
    --host into a usage error before anything runs.

    >>> check_host_spec("ssh://deploy@catscan-production-sg?timeout=5")
    'ssh://deploy@catscan-production-sg'
    """
    parts = urlsplit(str(spec))
    if parts.scheme not in BACKENDS:
        raise HostError(f"--host {str(spec)[:80]!r}: use ssh://[user@]host[:port] or local://")
    if parts.password is not None:
        raise HostError("--host: a password in the host spec is refused; use an ssh key")
    display = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme == "ssh":
        if not parts.hostname:
            raise HostError(f"--host {display}: no host name")
        try:
            parts.port  # noqa: B018 (urlsplit checks the port only when it is read)
        except ValueError:
            raise HostError(f"--host {display}: bad port") from None
        for option, path in (("--ssh-config", ssh_config), ("--ssh-identity", ssh_identity)):
            if path and not os.path.isfile(path):
                raise HostError(f"{option}: no such file: {path}")
    return display


def connect(spec, ssh_config=None, ssh_identity=None, connect_timeout=10):
    """A ReadOnlyHost for a testinfra spec: `ssh://user@host[:port]` or `local://`."""
    display = check_host_spec(spec, ssh_config, ssh_identity)
    options = {}
    if display.startswith("ssh://"):
        options = {
            "ssh_config": ssh_config,
            "ssh_identity_file": ssh_identity,
            "ssh_extra_args": SSH_OPTIONS,
            "timeout": connect_timeout,
            "controlpersist": 0,  # no ssh master left running after the gate
        }
    backend = testinfra.backend.get_backend(str(spec), **options)
    backend._encoding = "utf-8"  # else testinfra probes it by running python on the host
    host = testinfra.host.Host(backend)  # not get_host(): its cache would share the guard
    backend.set_host(host)
    return ReadOnlyHost(host, display)


class ReadOnlyHost:
    """Facts about one host, each read by one allow-listed command.

    `testinfra` is the guarded testinfra Host; `commands` lists what ran.
    """

    def __init__(self, testinfra_host, display):
        self.testinfra = testinfra_host
        self.display = display
        self.commands = []
        self._unreachable = None
        self._checked = False  # True only while an allow-listed command runs
        backend = testinfra_host.backend
        self._backend_run, self._backend_run_local = backend.run, backend.run_local
        backend.run, backend.run_local = self._guarded_run, self._guarded_run_local

    def _guarded_run(self, command, *args, **kwargs):
        allowed = _BY_TEMPLATE.get(command)
        if allowed is None or not allowed.accepts(args):
            raise CommandRefused(
                f"refused on {self.display}: {_shown(command, args)} "
                "is not on the read-only allow-list"
            )
        if self._unreachable is not None:
            raise self._unreachable  # one failed connect is enough: fail fast after it
        self._checked = True
        try:
            result = self._backend_run(command, *args, **kwargs)
        except RuntimeError as exc:  # testinfra's ssh backend: ssh itself failed (exit 255)
            result = exc.args[0] if exc.args else None
            reason = _last_line(getattr(result, "stderr", "")) or "ssh exited with status 255"
            self._unreachable = HostUnreachable(f"cannot reach host {self.display}: {reason}")
            raise self._unreachable from None
        finally:
            self._checked = False
        self.commands.append(_shown(command, args))
        return result

    def _guarded_run_local(self, command, *args):
        # The process-spawning primitive under every backend's run(): nothing reaches it
        # except through _guarded_run, so a direct backend.run_local() is refused too.
        if not self._checked:
            raise CommandRefused(
                f"refused on {self.display}: {_shown(command, args)} "
                "is not on the read-only allow-list"
            )
        return self._backend_run_local(command, *args)

    def _output(self, name, *args):
        result = self.testinfra.run(ALLOW_LIST[name].template, *args)
        if result.rc != 0:
            what = _shown(ALLOW_LIST[name].template, args).removeprefix(_T)
            reason = (
                f"timed out after {COMMAND_TIMEOUT} s"
                if result.rc == 124
                else _last_line(result.stderr) or f"exit status {result.rc}"
            )
            raise HostFactError(f"{self.display}: {what}: {reason}")
        return result.stdout

    def container(self, name):
        """ContainerState of a container (HostFactError when it does not exist)."""
        return host_facts.parse_container(name, self._output("container", name))

    def image(self, image_id):
        """ImageState of an image, by its sha256 id."""
        if not isinstance(image_id, str) or not re.fullmatch(_IMAGE_ID, image_id):
            raise HostFactError(f"{self.display}: not an image id: {str(image_id)[:80]!r}")
        return host_facts.parse_image(image_id, self._output("image", image_id))

    def container_states(self):
        """Container name -> state, as `docker ps --all` lists them."""
        return host_facts.parse_ps(self._output("ps"))

    def git_head(self, app_dir):
        """The commit id checked out in `app_dir`."""
        return host_facts.parse_head(app_dir, self._output("git_head", app_dir, app_dir))

    def listeners(self):
        """Listening TCP sockets (Listener)."""
        return host_facts.parse_listeners(self._output("listeners"))

    def free_disk_mb(self, path):
        """Free MiB on the file system holding `path`."""
        return host_facts.parse_free_mb(path, self._output("disk", path))

    def compose_text(self, path):
        """The text of a compose file (only .yml/.yaml files can be read)."""
        return self._output("compose", path)


def _shown(command, args):
    """The command as the shell would see it (quoted), for messages and the log."""
    try:
        return testinfra.backend.base.BaseBackend.quote(command, *map(str, args))[:200]
    except (TypeError, ValueError):
        return f"{command} {args!r}"[:200]


def _last_line(text):
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
