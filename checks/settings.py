"""The gate's settings: one resolver for the pytest plugin and `driftgate verify`.

Every option is `--dg-<name>` on pytest, with an environment fallback a
deploy workflow can set. `resolve_settings` turns the raw values into a
frozen `GateSettings` or raises a one-line DriftgateError naming the option.

>>> gate = resolve_settings({"target": "production", "expected-sha": "94E9CBB0"}, environ={})
>>> gate.expected_sha, gate.base_url
('94e9cbb0', 'https://scan.rtb.cat/api')
"""

import math
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from driftgate.policies.errors import DriftgateError
from driftgate.policies.health_fetch import DEFAULT_PROBE_TIMEOUT
from driftgate.policies.pack import load_pack
from driftgate.policies.sha import normalise_sha, shas_match

from .secrets import scrub, secret_values  # noqa: F401 - also imported from here
from .suite import GROUPS

DEFAULT_DEADLINE = 120.0
DEFAULT_POLL_INTERVAL = 0.5
MAX_DEADLINE = 3600.0
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class SettingsError(DriftgateError):
    """A gate option with an unusable value; the message names the option."""


@dataclass(frozen=True)
class Option:
    """One gate option: `--dg-<name>` on pytest, `env` the fallbacks in order."""

    name: str
    help: str
    env: tuple[str, ...] = ()
    kind: str = "value"  # value | flag (optional true/false) | append (repeatable)
    metavar: str | None = None

    @property
    def dest(self):
        return "dg_" + self.name.replace("-", "_")


OPTIONS = (
    Option("pack", "policy pack file (default: the bundled Cat-Scan pack)", ("DRIFTGATE_PACK",)),
    Option("target", "deploy target named in the pack, e.g. production", ("DRIFTGATE_TARGET",)),
    Option(
        "expected-sha",
        "commit that must be deployed (7 to 40 hex)",
        ("DRIFTGATE_EXPECTED_SHA", "GITHUB_SHA"),
        metavar="SHA",
    ),
    Option("base-url", "override the target's base URL", ("DRIFTGATE_BASE_URL",), metavar="URL"),
    Option(
        "url",
        "base URL override for any target (repeatable; env: comma-separated NAME=URL list)",
        ("DRIFTGATE_URLS",),
        kind="append",
        metavar="NAME=URL",
    ),
    Option(
        "deadline", "seconds to wait for the expected SHA (default 120)", ("DRIFTGATE_DEADLINE",)
    ),
    Option(
        "poll-interval",
        "seconds between health polls (default 0.5)",
        ("DRIFTGATE_POLL_INTERVAL",),
        metavar="SECONDS",
    ),
    Option(
        "probe-timeout",
        "seconds one health attempt may wait, within the deadline (default 5)",
        ("DRIFTGATE_PROBE_TIMEOUT",),
        metavar="SECONDS",
    ),
    Option("host", "testinfra host spec: ssh://user@host:port, local://", ("DRIFTGATE_HOST",)),
    Option("ssh-config", "ssh config file for the host checks", ("DRIFTGATE_SSH_CONFIG",)),
    Option("ssh-identity", "ssh identity file for the host checks", ("DRIFTGATE_SSH_IDENTITY",)),
    Option("dsn-env", "env var holding the PostgreSQL DSN (default DRIFTGATE_DSN)", metavar="VAR"),
    Option(
        "token-env", "env var holding the API token (default DRIFTGATE_API_TOKEN)", metavar="VAR"
    ),
    Option("strict", "strict mode: contract WARN fails", ("DRIFTGATE_STRICT",), kind="flag"),
    Option(
        "allow-contract-failure",
        "bypass contract failures only (exit 0, loud warning)",
        ("ALLOW_CONTRACT_FAILURE",),
        kind="flag",
    ),
    Option(
        "groups", f"comma-separated groups (default all: {','.join(GROUPS)})", ("DRIFTGATE_GROUPS",)
    ),
    Option("json-out", "write the versioned JSON artifact here", metavar="PATH"),
    Option("pushgateway", "push the verdict to this Pushgateway URL", ("DRIFTGATE_PUSHGATEWAY",)),
    Option("openapi-file", "OpenAPI document file (instead of fetching it from the target)"),
    Option(
        "rollback-from",
        "verify a rollback: the expected SHA replaces this failed one (pushed as kind=rollback)",
        metavar="SHA",
    ),
    Option(
        "adopt",
        "adopt what already runs: the SHA the target answers now is the expected SHA "
        "(no --expected-sha; pushed as kind=adopt)",
        kind="flag",
    ),
    Option(
        "prometheus",
        "Prometheus holding the pushed verdicts, read for the previous SHA and --rollback-from",
        ("DRIFTGATE_PROMETHEUS",),
        metavar="URL",
    ),
)


def declare_options(add_option, prefix):
    """Declare every gate option through `add_option` (argparse's `add_argument`
    or pytest's `addoption`, which take the same keywords) as `<prefix><name>`."""
    for option in OPTIONS:
        env = f" [env: {', '.join(option.env)}]" if option.env else ""
        kwargs = {"dest": option.dest, "help": option.help + env}
        if option.kind == "flag":
            kwargs.update(nargs="?", const="true", default=None, metavar="true|false")
        elif option.kind == "append":
            kwargs.update(action="append", default=[], metavar=option.metavar)
        else:
            kwargs.update(default=None, metavar=option.metavar or option.name.upper())
        add_option(prefix + option.name, **kwargs)


@dataclass(frozen=True)
class GateSettings:
    """Everything one gate run needs, resolved and validated. Secrets never in repr."""

    pack: object  # policies.pack.Pack
    target: object  # policies.pack.Target
    expected_sha: str | None  # None only while --adopt has not read the target yet
    base_url: str
    urls: dict  # target name -> base URL, overrides applied
    deadline: float = DEFAULT_DEADLINE
    poll_interval: float = DEFAULT_POLL_INTERVAL
    probe_timeout: float = DEFAULT_PROBE_TIMEOUT
    host_spec: str | None = None
    ssh_config: str | None = None
    ssh_identity: str | None = None
    dsn: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    dsn_env: str = "DRIFTGATE_DSN"
    token_env: str = "DRIFTGATE_API_TOKEN"
    strict: bool = False
    allow_contract_failure: bool = False
    groups: frozenset = frozenset(GROUPS)
    openapi_file: str | None = None
    json_out: str | None = None
    pushgateway: str | None = None
    rollback_from: str | None = None  # the failed SHA a rollback replaces
    prometheus: str | None = None  # the gate's records (with the Pushgateway)
    # --adopt: expected_sha is None until the target's answer is read (checks.adopt),
    # then the SHA it runs; `adoption` holds what that read saw.
    adopt: bool = False
    adoption: object = None  # checks.adopt.Adoption, once read

    @property
    def kind(self):
        """The verdict's kind label: adopt, rollback with --rollback-from, else deploy."""
        if self.adopt:
            return "adopt"
        return "rollback" if self.rollback_from else "deploy"

    @property
    def groups_to_run(self):
        """The selected groups, or none when an adoption found no SHA to check against."""
        if self.adopt and self.expected_sha is None:
            return frozenset()
        return self.groups

    def secrets(self):
        """The values no output may contain: token, DSN, and the DSN's password."""
        return secret_values(self.dsn, self.token)


def resolve_settings(raw, environ=None):
    """GateSettings from option values (`raw`: option name -> value or None) and env.

    Raises SettingsError (or the pack's PackError) on the first unusable value.
    """
    environ = os.environ if environ is None else environ

    def value(name):
        option = _OPTION[name]
        given = raw.get(name)
        if given is not None and given != []:
            return given
        for var in option.env:
            if environ.get(var):
                return environ[var]
        return None

    pack = load_pack(value("pack"))
    target_name = value("target")
    if not target_name:
        raise SettingsError("no target: give --target (or DRIFTGATE_TARGET)")
    target = pack.target(target_name)
    bypass_var = pack.deploy.contract_bypass_variable
    bypass_raw = raw.get("allow-contract-failure")
    if bypass_raw is None:
        bypass_raw = environ.get(bypass_var)
    urls = {name: t.base_url for name, t in pack.targets.items()}
    urls.update(_url_overrides(value("url") or (), pack))
    if value("base-url"):
        urls[target.name] = _check_url("--base-url", value("base-url"))
    dsn_env = _env_name("--dsn-env", value("dsn-env") or "DRIFTGATE_DSN")
    token_env = _env_name("--token-env", value("token-env") or "DRIFTGATE_API_TOKEN")
    pushgateway = value("pushgateway")
    groups = resolve_groups(value("groups"))
    ssh_config = _existing_file("--ssh-config", value("ssh-config"))
    ssh_identity = _existing_file("--ssh-identity", value("ssh-identity"))
    host_spec = value("host") or None
    dsn = environ.get(dsn_env) or None
    adopt = _boolean("--adopt", raw.get("adopt"))
    if adopt:
        expected_sha = _no_expected_sha(raw, environ, value("rollback-from"))
    else:
        expected_sha = _expected_sha(value("expected-sha"))
    prometheus = value("prometheus")
    return GateSettings(
        pack=pack,
        target=target,
        expected_sha=expected_sha,
        base_url=urls[target.name],
        urls=urls,
        deadline=_seconds("--deadline", value("deadline"), DEFAULT_DEADLINE),
        poll_interval=_seconds("--poll-interval", value("poll-interval"), DEFAULT_POLL_INTERVAL),
        probe_timeout=_seconds("--probe-timeout", value("probe-timeout"), DEFAULT_PROBE_TIMEOUT),
        host_spec=host_spec,
        ssh_config=ssh_config,
        ssh_identity=ssh_identity,
        dsn=dsn,
        token=environ.get(token_env) or None,
        dsn_env=dsn_env,
        token_env=token_env,
        strict=_boolean("--strict (DRIFTGATE_STRICT)", value("strict")),
        allow_contract_failure=_boolean(f"--allow-contract-failure ({bypass_var})", bypass_raw),
        groups=groups,
        openapi_file=_existing_file("--openapi-file", value("openapi-file")),
        json_out=raw.get("json-out") or None,
        pushgateway=_check_url("--pushgateway", pushgateway) if pushgateway else None,
        rollback_from=_rollback_from(value("rollback-from"), expected_sha),
        prometheus=_check_url("--prometheus", prometheus) if prometheus else None,
        adopt=adopt,
    )


_OPTION = {option.name: option for option in OPTIONS}


def require_group_inputs(settings):
    """What the selected groups cannot run without: a usage error before anything runs.

    `driftgate verify` calls it (exit 2). A plain pytest run of one group's file
    does not: there each check of a group missing its input fails with the reason.
    """
    if "host" in settings.groups:
        if not settings.host_spec:
            raise SettingsError(
                "the host group needs --host (or DRIFTGATE_HOST): ssh://[user@]host[:port] "
                "or local://; or leave the group out with --groups"
            )
        from .host import check_host_spec  # testinfra: only a run with the host group pays

        check_host_spec(settings.host_spec, settings.ssh_config, settings.ssh_identity)
    if "contracts" in settings.groups and not settings.dsn:
        raise SettingsError(
            f"the contracts group needs a PostgreSQL DSN in ${settings.dsn_env} (--dsn-env "
            "names another variable); or leave the group out with --groups"
        )


def _expected_sha(raw):
    if not raw:
        raise SettingsError("no expected SHA: give --expected-sha (or GITHUB_SHA)")
    sha = normalise_sha(raw)
    if sha is None:
        raise SettingsError(f"--expected-sha: not a commit SHA (7 to 40 hex): {str(raw)[:60]!r}")
    return sha


def _no_expected_sha(raw, environ, rollback_from):
    """--adopt reads the SHA from the target: naming one, or a rollback, contradicts it.

    GITHUB_SHA is ignored rather than refused: a runner sets it for every job.
    """
    if raw.get("expected-sha") or environ.get("DRIFTGATE_EXPECTED_SHA"):
        raise SettingsError(
            "--adopt takes no --expected-sha (or DRIFTGATE_EXPECTED_SHA): "
            "it adopts the SHA the target answers now"
        )
    if rollback_from:
        raise SettingsError("--adopt and --rollback-from exclude each other")
    return None


def _rollback_from(raw, expected_sha):
    """The failed SHA a rollback replaces: a SHA, and not the one being rolled back to."""
    if not raw:
        return None
    sha = normalise_sha(raw)
    if sha is None:
        raise SettingsError(f"--rollback-from: not a commit SHA (7 to 40 hex): {str(raw)[:60]!r}")
    if shas_match(sha, expected_sha):
        raise SettingsError(
            "--rollback-from: names the expected SHA itself; a rollback returns to an older SHA"
        )
    return sha


def _check_url(option, url):
    """An http(s) URL with a host and no credentials (they would end up in reports)."""
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{option}: not an http(s) URL with a host: {str(url)[:100]!r}")
    if parts.username or parts.password:
        raise SettingsError(f"{option}: credentials in the URL are refused (use --token-env)")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise SettingsError(f"{option}: bad port in {str(url)[:100]!r}") from None
    return str(url).rstrip("/")


def _url_overrides(items, pack):
    overrides = {}
    if isinstance(items, str):  # DRIFTGATE_URLS: "staging=URL,production=URL"
        items = [item.strip() for item in items.split(",") if item.strip()]
    for item in items:
        name, sep, url = str(item).partition("=")
        if not sep or not name:
            raise SettingsError(f"--url: expected NAME=URL, got {str(item)[:100]!r}")
        if name not in pack.targets:
            known = ", ".join(pack.targets)
            raise SettingsError(f"--url: unknown target {name!r} (this pack has: {known})")
        overrides[name] = _check_url(f"--url {name}", url)
    return overrides


def _seconds(option, raw, default):
    if raw is None or raw == "":
        return default
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{option}: not a number of seconds: {str(raw)[:40]!r}") from None
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_DEADLINE:
        raise SettingsError(f"{option}: must be above 0 and at most {MAX_DEADLINE:g} s, got {raw}")
    return seconds


def _boolean(option, raw):
    if isinstance(raw, bool) or raw is None:
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise SettingsError(f"{option}: expected true or false, got {str(raw)[:40]!r}")


def _existing_file(option, path):
    if not path:
        return None
    if not os.path.isfile(path):
        raise SettingsError(f"{option}: no such file: {str(path)[:200]}")
    return str(path)


def _env_name(option, name):
    if not _ENV_NAME.fullmatch(str(name)):
        raise SettingsError(f"{option}: not an environment variable name: {str(name)[:60]!r}")
    return str(name)


def resolve_groups(raw):
    """The groups named in `raw` (comma-separated; empty: all), or a SettingsError."""
    if not raw:
        return frozenset(GROUPS)
    chosen = {g.strip() for g in str(raw).split(",") if g.strip()}
    unknown = sorted(chosen - set(GROUPS))
    if unknown or not chosen:
        raise SettingsError(
            f"--groups: unknown {', '.join(unknown) or '(none)'}; one of {','.join(GROUPS)}"
        )
    return frozenset(chosen)
