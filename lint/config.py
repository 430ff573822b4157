"""The lint config of a repository: rules to disable, severities, options, ignored paths, pack.

Found at the repository root as `driftgate.yaml`, `.driftgate.yaml`, or the
`[tool.driftgate]` table of `pyproject.toml` (or given with `--config`):

    version: 1
    pack: policies/ourpack.yaml      # relative to the config file
    docs_url: https://wiki.example/lint/{id}   # where the rules' documentation lives
    ignore: [".github/workflows/experimental-*.yml"]
    rules:
      DG113: {enabled: false}
      input-injection: {severity: warning}
      fixed-sleep: {min_seconds: 20} # a rule option

A wrong field is one ConfigError naming the file, line (YAML) and field.

>>> LintConfig().enabled("DG105")
True
"""

import os
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from driftgate.policies.errors import PackError
from driftgate.policies.lint.finding import DEFAULT_DOCS_URL, SEVERITIES
from driftgate.policies.lint.known_rules import all_rules, resolve
from driftgate.policies.yamlsource import YamlMap, load_yaml

CONFIG_NAMES = ("driftgate.yaml", ".driftgate.yaml")
TOP_KEYS = ("version", "pack", "docs_url", "ignore", "rules")
RULE_KEYS = ("enabled", "severity")


class ConfigError(PackError):
    """A config file whose content is wrong (names the file, line and field)."""


@dataclass(frozen=True, slots=True)
class LintConfig:
    """A repository's lint config.

    pack: absolute path, or None for the bundled pack; severities: rule id -> severity;
    options: rule id -> {option: value}; docs_url: the rules' documentation URL, `{id}`
    standing for the lower-case rule id and `{name}` for the rule's name.
    """

    source: str | None = None
    pack: str | None = None
    ignore: tuple = ()
    disabled: frozenset = frozenset()
    severities: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    docs_url: str = DEFAULT_DOCS_URL

    def enabled(self, rule_id):
        return rule_id not in self.disabled

    def ignored(self, relative):
        return any(fnmatchcase(relative, pattern) for pattern in self.ignore)


def find_config(root):
    """The config file at a repository root, or None."""
    for name in CONFIG_NAMES:
        candidate = Path(root) / name
        if candidate.is_file():
            return candidate
    pyproject = Path(root) / "pyproject.toml"
    if pyproject.is_file() and "tool.driftgate" in pyproject.read_text(errors="replace"):
        return pyproject
    return None


def load_config(path):
    """Read and validate a config file (YAML, or pyproject.toml's [tool.driftgate])."""
    path = str(path)
    if path.endswith(".toml"):
        data = _load_toml(path)
    else:
        data = load_yaml(path)
        if data is None:
            data = {}
    if not isinstance(data, dict):
        raise ConfigError(path, "the config must be a mapping", getattr(data, "line", None))
    return _build(data, path)


def _load_toml(path):
    import tomllib

    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: {exc}") from None
    table = document.get("tool", {}).get("driftgate", {})
    if not isinstance(table, dict):
        raise ConfigError(path, "tool.driftgate: must be a table")
    return table


def _fail(path, data, key, field_name, message):
    line = data.key_position(key)[0] if isinstance(data, YamlMap) and key in data else None
    raise ConfigError(path, f"{field_name}: {message}", line)


def _build(data, path):
    for key in data:
        if key not in TOP_KEYS:
            _fail(
                path, data, key, str(key), f"unknown key (expected one of: {', '.join(TOP_KEYS)})"
            )
    if data.get("version", 1) != 1 or isinstance(data.get("version"), bool):
        _fail(path, data, "version", "version", "unsupported config version (expected 1)")
    pack = data.get("pack")
    if pack is not None and not isinstance(pack, str):
        _fail(path, data, "pack", "pack", "must be a file path")
    docs_url = data.get("docs_url", DEFAULT_DOCS_URL)
    if not isinstance(docs_url, str) or not docs_url.strip():
        _fail(path, data, "docs_url", "docs_url", "must be a URL ({id} stands for the rule id)")
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(g, str) for g in ignore):
        _fail(path, data, "ignore", "ignore", "must be a list of glob strings")
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        _fail(path, data, "rules", "rules", "must be a mapping of rule id or name to settings")
    disabled, severities, options = set(), {}, {}
    known = all_rules()
    for name, settings in rules.items():
        where = f"rules.{name}"
        rule = resolve(name, known)
        if rule is None:
            _fail(path, rules, name, where, "unknown rule (see `driftgate rules`)")
        if isinstance(settings, bool):
            settings = {"enabled": settings}
        if not isinstance(settings, dict):
            _fail(path, rules, name, where, "must be a mapping (enabled, severity, options)")
        for key, value in settings.items():
            if key == "enabled":
                if not isinstance(value, bool):
                    _fail(path, settings, key, f"{where}.enabled", "must be true or false")
                if not value:
                    disabled.add(rule.ID)
            elif key == "severity":
                if value not in SEVERITIES:
                    allowed = ", ".join(SEVERITIES)
                    _fail(path, settings, key, f"{where}.severity", f"must be one of: {allowed}")
                severities[rule.ID] = str(value)
            elif key in rule.OPTIONS:
                options.setdefault(rule.ID, {})[str(key)] = _option(
                    path, settings, key, f"{where}.{key}", value, rule.OPTIONS[key]
                )
            else:
                allowed = ", ".join([*RULE_KEYS, *rule.OPTIONS])
                _fail(path, settings, key, f"{where}.{key}", f"unknown option (allowed: {allowed})")
    pack_path = None
    if pack is not None:
        pack_path = os.path.join(os.path.dirname(os.path.abspath(path)), str(pack))
    return LintConfig(
        source=path,
        pack=pack_path,
        ignore=tuple(map(str, ignore)),
        disabled=frozenset(disabled),
        severities=severities,
        options=options,
        docs_url=docs_url.strip(),
    )


def _option(path, settings, key, field_name, value, default):
    """An option value of the default's type (plain builtins, no positions)."""
    kind = type(default)
    if default is None:
        return value
    if kind is bool and not isinstance(value, bool):
        _fail(path, settings, key, field_name, "must be true or false")
    if kind in (int, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
        _fail(path, settings, key, field_name, f"must be a number (default {default!r})")
    if kind is str and not isinstance(value, str):
        _fail(path, settings, key, field_name, f"must be a string (default {default!r})")
    if kind in (list, tuple):
        if not isinstance(value, list):
            _fail(path, settings, key, field_name, f"must be a list (default {list(default)!r})")
        return kind(_plain(v) for v in value)
    return _plain(value) if kind not in (int, float) else kind(value)


def _plain(value):
    for kind in (bool, str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value
