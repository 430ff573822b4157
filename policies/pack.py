"""The policy pack: everything deployment-specific that driftgate knows, as data.

A pack is a versioned YAML file validated against `packs/pack.schema.json`;
a pack with wrong fields is one PackError with one line per wrong field, each
`file:line: field.path: message`. Two packs are bundled: the default,
`packs/catscan.yaml` (Cat-Scan on GCP VMs), and `packs/catscan-ghcr.yaml` (its
pipeline since August 2026); `load_pack("catscan-ghcr")` takes a bundled pack's
name as well as a path. docs/packs.md documents every field.

>>> pack = load_pack()
>>> pack.target("production").promoted_from, pack.health_url("production")
('staging', 'https://scan.rtb.cat/api/health')
"""

import re
from collections import namedtuple
from pathlib import Path
from types import MappingProxyType

from .errors import PackError
from .sha import image_tag
from .yamlsource import YamlList, YamlMap, load_yaml

# A plain path, not importlib.resources: that import alone costs a short lint run ~8 ms.
PACKS = Path(__file__).resolve().parent / "packs"
DEFAULT_PACK = PACKS / "catscan.yaml"

# At most this many wrong fields are listed, then "and N more".
MAX_ERRORS = 20


# The models are named tuples, not dataclasses: as immutable, and defining them costs a
# short `driftgate lint` run nothing (the dataclasses import and class setup cost ~14 ms).

# promoted_from: the target that must run a SHA first (None: none).
Target = namedtuple("Target", "name base_url vm promoted_from", defaults=(None, None))


# release_manifest: a ReleaseManifest when the images are deployed by digest, else None;
# attestations: what every push must carry ("provenance", "sbom").
class Images(
    namedtuple(
        "Images",
        "names tag_format tag_variable registry release_manifest attestations",
        defaults=(None, None, ()),
    )
):
    __slots__ = ()

    def tag_for(self, sha):
        """`sha-94e9cbb` for commit 94e9cbb0…, per the pack's tag format."""
        return image_tag(sha, self.tag_format)

    @property
    def tag_shape(self):
        """The tag as people write it: `sha-<7 hex>` for `sha-{sha7}`."""
        return self.tag_format.replace("{sha7}", "<7 hex>").replace("{sha}", "<40 hex>")

    @property
    def manifest_variables(self):
        """The release manifest's variables (API_IMAGE, ...); () without a manifest."""
        manifest = self.release_manifest
        return tuple(manifest.variables.values()) if manifest else ()


# variables: image name -> the manifest variable holding `<image>@sha256:<digest>`.
ReleaseManifest = namedtuple("ReleaseManifest", "variables path", defaults=(None,))

# trigger: "push" (every push to a release branch builds) or "dispatch" (a person
# dispatches the build and types confirm_word into confirm_input).
BuildSettings = namedtuple(
    "BuildSettings", "trigger confirm_input confirm_word", defaults=("push", "confirm", None)
)


# contract_check: the post-deploy contract script (DG110).
DeploySettings = namedtuple(
    "DeploySettings",
    "confirm_word target_input confirm_input reason_input contract_bypass_variable contract_check",
    defaults=("DEPLOY", "target", "confirm", "reason", "ALLOW_CONTRACT_FAILURE", None),
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

# A test suite the build must pass before pushing (DG202): fnmatch patterns on pytest's
# arguments, and/or job ids or names that run it.
TestSuite = namedtuple("TestSuite", "name paths jobs", defaults=((), ()))

# targets: name -> Target, in file order (a read-only mapping, as are health_schema and
# contracts).
_PACK = (
    "name targets images health_path health_schema deploy files host api release_branches "
    "description contracts source build test_suites"
)
_PACK_DEFAULTS = (
    HostSettings(),
    ApiSettings(),
    (),
    "",
    MappingProxyType({}),
    "",
    BuildSettings(),
    (),
)


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
    path = resolve_pack_path(path)
    data = load_yaml(path)
    if not isinstance(data, YamlMap):
        raise PackError(path, "a policy pack must be a YAML mapping", getattr(data, "line", None))
    if validate:
        _validate(data, path)
    return _build(data, path)


def bundled_packs():
    """The names of the packs that ship with driftgate (`catscan`, `catscan-ghcr`)."""
    return sorted(p.stem for p in PACKS.glob("*.yaml"))


def resolve_pack_path(path):
    """A pack file's path; a bundled pack's name (`catscan-ghcr`) that is no file names it."""
    if not path:
        return str(DEFAULT_PACK)
    path = str(path)
    if "/" not in path and "." not in path and not Path(path).is_file():
        bundled = PACKS / f"{path}.yaml"
        if bundled.is_file():
            return str(bundled)
    return path


def _validate(data, path):
    # Imported here, not at the top: both are slow to import and only validation needs them.
    import json

    import jsonschema

    from .contract_pack import parse_catalogue

    schema = json.loads((PACKS / "pack.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    problems = [p for error in validator.iter_errors(data) for p in _problem(data, error)]
    problems += _promotion_problems(data)
    if problems:
        raise _pack_error(path, problems)
    if "contracts" in data:
        # What the schema cannot see (SQL that writes, unknown parameters), with its line.
        parse_catalogue(data["contracts"], path)


def _pack_error(path, problems):
    """One PackError listing (line, field, message) problems: sorted, unique, capped.

    Each line of its message is `file:line: field: message`, so each names the file
    (the CLI prints the message after `driftgate: error: `).
    """
    problems = sorted(set(problems), key=_problem_order)
    shown = problems[:MAX_ERRORS]
    (line, field, message), rest = shown[0], shown[1:]
    text = "\n".join(
        [f"{field}: {message}"]
        + [f"{path}:{line}: {field}: {message}" for line, field, message in rest]
    )
    if len(problems) > len(shown):
        text += f"\n{path}: and {len(problems) - len(shown)} more"
    error = PackError(path, text, line)
    error.problems = tuple(problems)
    return error


def _problem_order(problem):
    """By line, then field with its indexes as numbers (names.2 before names.10)."""
    line, field, message = problem
    parts = [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", field)]
    return (line or 0, parts, message)


def _problem(data, error):
    """[(line, field path, message)] for one jsonschema error, at the offending key's line."""
    path = list(error.absolute_path)
    node = _node_at(data, path)
    if error.validator == "additionalProperties" and error.validator_value is False:
        return [_unknown_key(node, path, key, error.schema) for key in _extra_keys(error)]
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        line = _line_of(data, path) if path else 1  # the root mapping: the whole file
        return [(line, _field(path + [key]), "required field missing") for key in missing]
    if error.validator == "const":
        message = f"must be {error.validator_value!r} (not {error.instance!r})"
        return [(_line_of(data, path), _field(path), _short(message))]
    schema_path = list(error.relative_schema_path)
    if schema_path[-2:-1] == ["propertyNames"] and isinstance(node, YamlMap):
        key = error.instance
        if key in node:
            line = node.key_position(key)[0]
            return [(line, _field(path + [key]), f"bad name: {_short(error.message)}")]
    return [(_line_of(data, path), _field(path), _short(error.message))]


def _extra_keys(error):
    """The keys of error.instance that additionalProperties: false refuses."""
    known = error.schema.get("properties", {})
    patterns = error.schema.get("patternProperties", {})
    return [
        key
        for key in error.instance
        if key not in known and not any(re.search(p, str(key)) for p in patterns)
    ]


def _unknown_key(node, path, key, schema):
    import difflib

    known = list(schema.get("properties", {}))
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
    line = node.key_position(key)[0] if isinstance(node, YamlMap) and key in node else None
    return (line or getattr(node, "line", 1), _field(path + [key]), f"unknown field ({hint})")


def _promotion_problems(data):
    """promoted_from naming a target the pack does not have (beside any schema errors)."""
    targets = data.get("targets")
    if not isinstance(targets, dict):
        return []
    problems = []
    for name, target in targets.items():
        source = target.get("promoted_from") if isinstance(target, dict) else None
        if isinstance(source, str) and source not in targets:
            field = _field(["targets", name, "promoted_from"])
            problems.append((source.line, field, f"unknown target {source!r}"))
    return problems


def _field(path):
    """`images.names.0`: a dotted field path (as contract_pack's), `(root)` for the pack."""
    return ".".join(str(p) for p in path).replace("\n", "\\n") or "(root)"


def _short(message):
    return message if len(message) < 200 else message[:200] + "…"


def _node_at(data, path):
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


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
            release_manifest=_release_manifest(images.get("release_manifest")),
            attestations=tuple(map(str, images.get("attestations", ()))),
        ),
        health_path=str(data["health"]["path"]),
        health_schema=MappingProxyType(_plain(data["health"]["schema"])),
        deploy=DeploySettings(**_plain(data.get("deploy", {}))),
        build=BuildSettings(**_plain(data.get("build", {}))),
        files=FileGlobs(**{k: tuple(v) for k, v in _plain(data.get("files", {})).items()}),
        host=HostSettings(**_tuples(_plain(data.get("host", {})))),
        api=ApiSettings(**_plain(data.get("api", {}))),
        contracts=MappingProxyType(_plain(data.get("contracts", {}))),
        source=path,
        test_suites=tuple(
            TestSuite(s["name"], tuple(s.get("paths", ())), tuple(s.get("jobs", ())))
            for s in _plain(data.get("test_suites", []))
        ),
    )


def _release_manifest(section):
    if section is None:
        return None
    variables = MappingProxyType(_plain(section["variables"]))
    return ReleaseManifest(variables=variables, path=_plain(section.get("path")))


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
