"""The policy pack: everything deployment-specific that driftgate knows, as data.

A pack is a versioned YAML file validated against `packs/pack.schema.json`;
a wrong field is one PackError naming the file, line and field. The bundled
default pack describes Cat-Scan (`packs/catscan.yaml`).

>>> pack = load_pack()
>>> pack.target("production").promoted_from, pack.health_url("production")
('staging', 'https://scan.rtb.cat/api/health')
"""

from collections import namedtuple
from pathlib import Path
from types import MappingProxyType

from .errors import PackError
from .sha import image_tag
from .yamlsource import YamlList, YamlMap, load_yaml

# A plain path, not importlib.resources: that import alone costs a short lint run ~8 ms.
PACKS = Path(__file__).resolve().parent / "packs"
DEFAULT_PACK = PACKS / "catscan.yaml"


# The models are named tuples, not dataclasses: as immutable, and defining them costs a
# short `driftgate lint` run nothing (the dataclasses import and class setup cost ~14 ms).

# promoted_from: the target that must run a SHA first (None: none).
Target = namedtuple("Target", "name base_url vm promoted_from", defaults=(None, None))


class Images(namedtuple("Images", "names tag_format tag_variable registry", defaults=(None,))):
    __slots__ = ()

    def tag_for(self, sha):
        """`sha-94e9cbb` for commit 94e9cbb0…, per the pack's tag format."""
        return image_tag(sha, self.tag_format)


# contract_check: the post-deploy contract script (DG110).
DeploySettings = namedtuple(
    "DeploySettings",
    "confirm_word target_input confirm_input reason_input contract_bypass_variable contract_check",
    defaults=("target", "confirm", "reason", "ALLOW_CONTRACT_FAILURE", None),
)

FileGlobs = namedtuple(
    "FileGlobs", "deploy_workflows build_workflows compose_files", defaults=((), (), ())
)

HostSettings = namedtuple(
    "HostSettings",
    "app_dir compose_file containers api_container api_port min_free_disk_mb",
    defaults=("/opt/app", "docker-compose.yml", (), None, 8000, 1024),
)

ApiSettings = namedtuple(
    "ApiSettings",
    "openapi_path openapi_file max_examples rate_limit",
    defaults=("/openapi.json", None, 5, "20/s"),
)

# targets: name -> Target, in file order (a read-only mapping, as are health_schema and
# contracts).
_PACK = (
    "name targets images health_path health_schema deploy files host api release_branches "
    "description contracts source"
)
_PACK_DEFAULTS = (HostSettings(), ApiSettings(), (), "", MappingProxyType({}), "")


class Pack(namedtuple("Pack", _PACK, defaults=_PACK_DEFAULTS)):
    __slots__ = ()

    def target(self, name):
        """The named target, or a PackError listing the ones the pack has."""
        try:
            return self.targets[name]
        except KeyError:
            known = ", ".join(self.targets)
            message = f"unknown target {name!r} (this pack has: {known})"
            raise PackError(self.source, message) from None

    def health_url(self, target_name, base_url=None):
        """The health endpoint URL of a target; `base_url` overrides the pack's."""
        base = base_url or self.target(target_name).base_url
        return base.rstrip("/") + self.health_path


def load_pack(path=None, validate=True):
    """Load and validate a pack file (the bundled Cat-Scan pack by default).

    `validate=False` skips the schema check; only for the bundled pack, which
    the test suite validates (a short `driftgate lint` run cannot afford
    importing jsonschema and the contract SQL parser).
    """
    path = str(path or DEFAULT_PACK)
    data = load_yaml(path)
    if not isinstance(data, YamlMap):
        raise PackError(path, "a policy pack must be a YAML mapping", getattr(data, "line", None))
    if validate:
        _validate(data, path)
    return _build(data, path)


def _validate(data, path):
    # Imported here, not at the top: both are slow to import and only validation needs them.
    import json

    import jsonschema

    from .contract_pack import parse_catalogue

    schema = json.loads((PACKS / "pack.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        field_path = ".".join(str(p) for p in error.absolute_path) or "(root)"
        message = error.message if len(error.message) < 200 else error.message[:200] + "…"
        raise PackError(path, f"{field_path}: {message}", _line_of(data, error.absolute_path))
    for target in data["targets"].values():
        source = target.get("promoted_from")
        if source is not None and source not in data["targets"]:
            raise PackError(path, f"promoted_from: unknown target {source!r}", source.line)
    if "contracts" in data:
        # What the schema cannot see (SQL that writes, unknown parameters), with its line.
        parse_catalogue(data["contracts"], path)


def _line_of(data, field_path):
    """The line of the deepest located value on `field_path`."""
    line, node = getattr(data, "line", None), data
    for part in field_path:
        if isinstance(node, YamlMap) and part in node:
            line = node.key_position(part)[0]
        elif isinstance(node, YamlList) and isinstance(part, int) and part < len(node):
            line = node.item_position(part)[0]
        else:
            break
        node = node[part]
    return line


def _build(data, path):
    """Plain frozen models from validated data (the schema guarantees the shapes)."""
    targets = {
        name: Target(name=str(name), **{k: str(v) for k, v in spec.items()})
        for name, spec in data["targets"].items()
    }
    images = data["images"]
    return Pack(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        targets=MappingProxyType(targets),
        release_branches=tuple(map(str, data.get("release_branches", ()))),
        images=Images(
            names=tuple(map(str, images["names"])),
            tag_format=str(images["tag_format"]),
            tag_variable=str(images["tag_variable"]),
            registry=images.get("registry"),
        ),
        health_path=str(data["health"]["path"]),
        health_schema=MappingProxyType(_plain(data["health"]["schema"])),
        deploy=DeploySettings(**_plain(data["deploy"])),
        files=FileGlobs(**{k: tuple(v) for k, v in _plain(data["files"]).items()}),
        host=HostSettings(**_tuples(_plain(data.get("host", {})))),
        api=ApiSettings(**_plain(data.get("api", {}))),
        contracts=MappingProxyType(_plain(data.get("contracts", {}))),
        source=path,
    )


def _plain(value):
    """Located YAML values back to plain builtins (models carry no positions)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def _tuples(mapping):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in mapping.items()}
