"""The catalogue of known actions (actions.yaml): which carry a script, which build images.

>>> script_input("appleboy/ssh-action@v1.0.3")
ScriptInput(key='script', language='shell')
>>> build_inputs("docker/build-push-action@v6").tags
'tags'
>>> script_input("actions/checkout@v4") is None
True
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).with_name("actions.yaml")
# libyaml's loader reads the catalogue in 0.4 ms; PyYAML's pure-Python one took 8 ms,
# on every lint run (a lint run's start-up budget is 100 ms).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class ScriptInput:
    """The `with:` input of an action that holds a script, and the script's language."""

    key: str  # the `with:` key holding the script
    language: str  # shell or javascript


@dataclass(frozen=True, slots=True)
class BuildInputs:
    """The `with:` keys of an action that builds and pushes images."""

    tags: str
    push: str
    context: str
    file: str


@dataclass(frozen=True, slots=True)
class MetadataInputs:
    """The `with:` keys of an action that computes image tags, and its outputs."""

    images: str
    tags: str
    outputs: tuple


def action_name(uses):
    """`owner/repo` (lower case) of a `uses:` value, without the @ref or a subfolder."""
    if not isinstance(uses, str):
        return None
    name = uses.split("@", 1)[0].strip().lower()
    return "/".join(name.split("/")[:2])


@cache
def _catalogue():
    return yaml.load(CATALOGUE.read_text(encoding="utf-8"), Loader=_LOADER)


def script_input(uses):
    entry = _catalogue()["scripts"].get(action_name(uses))
    return ScriptInput(**entry) if entry else None


def build_inputs(uses):
    entry = _catalogue()["builds"].get(action_name(uses))
    return BuildInputs(**entry) if entry else None


def metadata_inputs(uses):
    entry = _catalogue()["metadata"].get(action_name(uses))
    return (
        MetadataInputs(entry["images"], entry["tags"], tuple(entry["outputs"])) if entry else None
    )
