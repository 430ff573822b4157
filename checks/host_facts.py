"""Facts read from a VM: real `docker inspect`, `docker ps`, `ss` and `df` output, parsed.

Parsing fails closed: output that is not what the real tool prints raises
HostFactError (naming what was read), never a half-filled fact.

>>> parse_listeners("LISTEN 0 4096 127.0.0.1:8000 0.0.0.0:*\\n")
(Listener(address='127.0.0.1', port=8000),)
"""

import json
import re
from dataclasses import dataclass
from types import MappingProxyType

from driftgate.policies.errors import DriftgateError


class HostFactError(DriftgateError):
    """A command on the host failed or printed something unusable; the message says which."""


@dataclass(frozen=True)
class ContainerState:
    """The parts of `docker inspect --type container` that the host checks judge."""

    name: str
    status: str | None  # State.Status: running, restarting, exited, ...
    restarting: bool
    restart_count: int | None
    image_ref: str | None  # Config.Image, e.g. <registry>/catscan-api:sha-94e9cbb
    image_id: str | None  # Image, the sha256 id the container runs
    env: MappingProxyType  # Config.Env as name -> value
    published: tuple  # (host ip, host port) from NetworkSettings.Ports


@dataclass(frozen=True)
class ImageState:
    """The parts of `docker image inspect` that tell a pulled image from a local build."""

    image_id: str
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...]


@dataclass(frozen=True)
class Listener:
    address: str  # as `ss -n` prints it: 127.0.0.1, [::1], 0.0.0.0, [::], *
    port: int


def parse_container(name, text):
    """The one container in `docker inspect --type container -- NAME` output."""
    data = _json_array(f"docker inspect {name}", text)
    if len(data) != 1 or not isinstance(data[0], dict):
        raise HostFactError(f"docker inspect {name}: expected one container, got {len(data)}")
    item = data[0]
    state, config = _mapping(item, "State"), _mapping(item, "Config")
    restart_count = item.get("RestartCount")
    return ContainerState(
        name=name,
        status=_text(state.get("Status")),
        restarting=state.get("Restarting") is not False,  # missing = unknown = not fine
        restart_count=restart_count if type(restart_count) is int else None,
        image_ref=_text(config.get("Image")),
        image_id=_text(item.get("Image")),
        env=MappingProxyType(_env(config.get("Env"))),
        published=_published(_mapping(item, "NetworkSettings").get("Ports")),
    )


def parse_image(image_id, text):
    """RepoTags and RepoDigests of the one image in `docker image inspect -- ID` output."""
    data = _json_array(f"docker image inspect {image_id}", text)
    if len(data) != 1 or not isinstance(data[0], dict):
        raise HostFactError(f"docker image inspect {image_id}: expected one image, got {len(data)}")
    item = data[0]
    return ImageState(
        image_id=_text(item.get("Id")) or image_id,
        repo_tags=_strings(item.get("RepoTags")),
        repo_digests=_strings(item.get("RepoDigests")),
    )


def parse_ps(text):
    """Container name -> state from `docker ps --format '{{json .}}'` (one object a line).

    Old docker versions print no `State`; their `Status` ("Up 2 hours",
    "Restarting (1) 3 seconds ago") says the same.
    """
    states = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            raise HostFactError(f"docker ps: line {number} is not JSON") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("Names"), str):
            raise HostFactError(f"docker ps: line {number} has no Names")
        state = entry.get("State") or _state_from_status(entry.get("Status"))
        for name in entry["Names"].split(","):
            states[name.strip().lstrip("/")] = state
    return MappingProxyType(states)


_SS_LOCAL = re.compile(r"^(?P<address>.*):(?P<port>\d+|\*)$")


def parse_listeners(text):
    """Listening TCP sockets from `ss -ltnH` (State Recv-Q Send-Q Local Peer ...)."""
    listeners = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0] == "State":
            continue
        match = _SS_LOCAL.match(fields[3]) if len(fields) >= 5 else None
        if match is None or match["port"] == "*":
            raise HostFactError(f"ss: unexpected line {line[:100]!r}")
        listeners.append(Listener(match["address"], int(match["port"])))
    return tuple(listeners)


_DF_LINE = re.compile(r"^(?P<fs>.+?)\s+(?P<size>\d+)\s+(?P<used>\d+)\s+(?P<avail>\d+)\s+\d+%\s+/")


def parse_free_mb(path, text):
    """Free MiB from `df -Pk -- PATH` (POSIX format, 1024-byte blocks)."""
    lines = [line for line in text.splitlines() if line.strip()]
    match = _DF_LINE.match(lines[-1]) if len(lines) == 2 else None
    if match is None:
        raise HostFactError(f"df {path}: unexpected output {text[:100]!r}")
    return int(match["avail"]) // 1024


def parse_head(app_dir, text):
    head = text.strip()
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", head):
        raise HostFactError(f"git rev-parse in {app_dir}: not a commit id: {head[:80]!r}")
    return head


def _json_array(what, text):
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise HostFactError(f"{what}: output is not JSON") from None
    if not isinstance(data, list):
        raise HostFactError(f"{what}: expected a JSON array")
    return data


def _mapping(item, key):
    value = item.get(key)
    return value if isinstance(value, dict) else {}


def _text(value):
    return value if isinstance(value, str) and value else None


def _strings(value):
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _env(entries):
    env = {}
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, str) and "=" in entry:
            name, _, value = entry.partition("=")
            env[name] = value
    return env


def _published(ports):
    """(host ip, host port) pairs from NetworkSettings.Ports {"8000/tcp": [{HostIp, HostPort}]}."""
    pairs = []
    for bindings in (ports or {}).values() if isinstance(ports, dict) else ():
        for binding in bindings or ():
            if isinstance(binding, dict) and str(binding.get("HostPort", "")).isdigit():
                pairs.append((str(binding.get("HostIp") or ""), int(binding["HostPort"])))
    return tuple(pairs)


def _state_from_status(status):
    status = status if isinstance(status, str) else ""
    for prefix, state in (("Up", "running"), ("Restarting", "restarting"), ("Exited", "exited")):
        if status.startswith(prefix):
            return "paused" if state == "running" and "(Paused)" in status else state
    return status.split(" ", 1)[0].lower() or None
