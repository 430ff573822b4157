"""What the exporter watches: targets, their health URLs, promotion order, timings.

The targets come from the policy pack, or from a monitor config file that
names a pack and (optionally) its own targets and base URLs; `--url NAME=URL`
overrides a base URL on top. Every mistake is one PackError naming the file,
line and field.

>>> config = build_config(overrides={"staging": "http://127.0.0.1:8001"})
>>> config.target("staging").health_url, config.target("production").promoted_from
('http://127.0.0.1:8001/health', 'staging')
"""

import math
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

import jsonschema

from driftgate.policies.errors import DriftgateError, PackError
from driftgate.policies.pack import load_pack
from driftgate.policies.yamlsource import YamlMap, load_yaml

DEFAULT_INTERVAL = 15.0
DEFAULT_TIMEOUT = 5.0
DEFAULT_WORKERS = 32
DEFAULT_LISTEN = "127.0.0.1:9687"

_NAME = "^[a-z0-9][a-z0-9_-]*$"
_URL = "^https?://[^\\s/]+(/\\S*)?$"
CONFIG_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version"],
    "properties": {
        "version": {"const": 1},
        "pack": {"type": "string", "minLength": 1},
        "interval": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
        "workers": {"type": "integer", "minimum": 1, "maximum": 512},
        "targets": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": _NAME},
            "additionalProperties": {
                "type": "object",
                "required": ["base_url"],
                "additionalProperties": False,
                "properties": {
                    "base_url": {"type": "string", "pattern": _URL},
                    "promoted_from": {"type": "string", "pattern": _NAME},
                },
            },
        },
    },
}


class MonitorOptionError(DriftgateError):
    """A command-line option with an unusable value; the message names the option."""


@dataclass(frozen=True)
class MonitoredTarget:
    name: str
    health_url: str
    promoted_from: str | None = None


@dataclass(frozen=True)
class MonitorConfig:
    """The exporter's whole configuration; `targets` keeps file order."""

    targets: MappingProxyType  # name -> MonitoredTarget
    health_schema: MappingProxyType
    interval: float = DEFAULT_INTERVAL
    timeout: float = DEFAULT_TIMEOUT
    workers: int = DEFAULT_WORKERS
    source: str = ""

    def target(self, name):
        try:
            return self.targets[name]
        except KeyError:
            known = ", ".join(self.targets)
            raise PackError(self.source, f"unknown target {name!r} (known: {known})") from None


def build_config(config_path=None, pack_path=None, overrides=None, interval=None, timeout=None):
    """Resolve the configuration: pack, then config file, then overrides and flags."""
    settings, config_targets, source = {}, None, str(pack_path or "")
    if config_path is not None:
        settings, config_targets, source = _read_config_file(config_path)
        if settings.get("pack") and pack_path is None:
            pack_path = Path(config_path).parent / settings["pack"]
    pack = load_pack(pack_path)
    source = source or pack.source
    if config_targets is None:
        config_targets = {
            name: {"base_url": t.base_url, "promoted_from": t.promoted_from}
            for name, t in pack.targets.items()
        }
    for name, url in (overrides or {}).items():
        if name not in config_targets:
            known = ", ".join(config_targets)
            raise PackError(source, f"--url {name}=...: unknown target {name!r} (known: {known})")
        if not _is_http_url(url):
            # The URL is not echoed: a mistyped one may carry credentials.
            raise PackError(source, f"--url {name}=...: not an http(s) URL with a host")
        config_targets[name] = {**config_targets[name], "base_url": url}
    targets = {}
    for name, spec in config_targets.items():
        source_target = spec.get("promoted_from")
        line = spec.get("line")
        if source_target is not None and source_target not in config_targets:
            raise PackError(
                source, f"targets.{name}.promoted_from: unknown target {source_target!r}", line
            )
        if source_target == name:
            raise PackError(
                source,
                f"targets.{name}.promoted_from: a target cannot be promoted from itself",
                line,
            )
        health_url = spec["base_url"].rstrip("/") + pack.health_path
        targets[name] = MonitoredTarget(name, health_url, source_target)
    config = MonitorConfig(
        targets=MappingProxyType(targets),
        health_schema=pack.health_schema,
        interval=_positive("--interval", interval, settings.get("interval", DEFAULT_INTERVAL)),
        timeout=_positive("--timeout", timeout, settings.get("timeout", DEFAULT_TIMEOUT)),
        workers=int(settings.get("workers", DEFAULT_WORKERS)),
        source=source,
    )
    return config


def _read_config_file(path):
    path = str(path)
    data = load_yaml(path)
    if not isinstance(data, YamlMap):
        raise PackError(
            path, "a monitor config must be a YAML mapping", getattr(data, "line", None)
        )
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(CONFIG_SCHEMA).iter_errors(data)
    )
    if error is not None:
        field = ".".join(str(p) for p in error.absolute_path) or "(root)"
        message = error.message[:200]
        if error.validator == "pattern":  # never echo the value: a URL may carry credentials
            message = f"does not match {error.validator_value!r}"
        raise PackError(path, f"{field}: {message}", _line(data, error.absolute_path))
    targets = data.get("targets")
    if targets is not None:
        for name, spec in targets.items():
            if not _is_http_url(str(spec["base_url"])):  # e.g. a port out of range
                # The URL is not echoed: a mistyped one may carry credentials.
                raise PackError(
                    path,
                    f"targets.{name}.base_url: not an http(s) URL with a host and a valid port",
                    _line(data, ["targets", name, "base_url"]),
                )
        targets = {
            str(name): {
                "base_url": str(t["base_url"]),
                "promoted_from": _str_or_none(t.get("promoted_from")),
                "line": _line(data, ["targets", name, "promoted_from"]),
            }
            for name, t in targets.items()
        }
    return dict(data), targets, path


def _line(data, field_path):
    node, line = data, getattr(data, "line", None)
    for part in field_path:
        if isinstance(node, YamlMap) and part in node:
            line = node.key_position(part)[0]
            node = node[part]
        else:
            break
    return line


def _str_or_none(value):
    return None if value is None else str(value)


def _is_http_url(url):
    """http(s), a host, and a port (when given) from 1 to 65535."""
    parts = urlsplit(url)
    try:
        port = parts.port  # ValueError when out of range or not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port != 0


def _positive(flag, given, default):
    value = default if given is None else given
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise MonitorOptionError(f"{flag}: must be a positive number of seconds, got {value!r}")
    return float(value)


def format_listen(host, port):
    """The address as a URL writes it: an IPv6 host in brackets.

    >>> format_listen("::1", 9687), format_listen("127.0.0.1", 9687)
    ('[::1]:9687', '127.0.0.1:9687')
    """
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_listen(address):
    """`host:port` -> (host, port); `[::1]:9687` for IPv6, `:9687` means all interfaces.

    >>> parse_listen("127.0.0.1:9687")
    ('127.0.0.1', 9687)
    """
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise MonitorOptionError(f"--listen {address!r}: expected HOST:PORT, e.g. {DEFAULT_LISTEN}")
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port)
