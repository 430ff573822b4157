"""docs/packs.md is generated from the pack schema, and the schema documents every field."""

import json
from pathlib import Path

import pytest

from driftgate.cli import main
from driftgate.policies import pack as pack_module
from driftgate.policies.pack_docs import fields, markdown, type_of

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((pack_module.PACKS / "pack.schema.json").read_text())
GUIDE = (pack_module.PACKS / "guide.md").read_text()


@pytest.mark.parametrize("field", fields(SCHEMA), ids=lambda f: f.path)
def test_every_field_has_a_description_a_type_and_an_example(field):
    assert field.node.get("description", "").strip(), field.path
    assert "type" in field.node, field.path
    assert field.node.get("examples"), field.path


def test_every_example_is_valid_where_it_stands():
    """An example the loader would refuse would teach the wrong thing."""
    import jsonschema

    for field in fields(SCHEMA):
        shape = {k: v for k, v in field.node.items() if k not in ("examples", "default")}
        shape["$defs"] = SCHEMA["properties"]["contracts"]["$defs"]
        shape = json.loads(json.dumps(shape).replace("#/properties/contracts/$defs", "#/$defs"))
        for example in field.node["examples"]:
            jsonschema.validate(example, shape)


@pytest.mark.parametrize(
    ("model", "section"),
    [
        (pack_module.HostSettings(), "host"),
        (pack_module.ApiSettings(), "api"),
        (pack_module.DeploySettings(), "deploy"),
        (pack_module.BuildSettings(), "build"),
    ],
)
def test_documented_defaults_are_the_loaders(model, section):
    properties = SCHEMA["properties"][section]["properties"]
    documented = {k: p["default"] for k, p in properties.items() if "default" in p}
    assert documented, section
    loaded = {k: list(v) if isinstance(v, tuple) else v for k, v in model._asdict().items()}
    assert documented == {k: loaded[k] for k in documented}
    # and a field the loader defaults is documented with it
    assert {k for k, v in loaded.items() if v not in (None, "")} <= set(documented)


def test_a_pack_without_optional_sections_loads_with_those_defaults(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text(
        "version: 1\nname: tiny\ntargets: {prod: {base_url: 'https://x.example'}}\n"
        "images: {names: [api], tag_format: 'v-{sha7}', tag_variable: TAG}\n"
        "health: {path: /health, schema: {}}\nfiles: {}\n"
    )
    loaded = pack_module.load_pack(path)
    assert loaded.deploy.confirm_word == SCHEMA["properties"]["deploy"]["default"]["confirm_word"]
    assert loaded.build.trigger == SCHEMA["properties"]["build"]["default"]["trigger"]
    assert loaded.files.compose_files == ()


def test_the_reference_has_the_guide_and_an_entry_per_field():
    text = markdown(SCHEMA, GUIDE)
    assert "## Write your own pack" in text
    for heading in ("1. Targets", "2. Images", "3. Files", "4. Deploy inputs", "5. Contracts"):
        assert heading in text
    for field in fields(SCHEMA):
        assert f"`{field.path}`" in text
    assert "type: string; required; matches `\\{sha7?\\}`" in text  # images.tag_format
    assert "type: string: one of `push`, `dispatch`; optional; default: `push`" in text


def test_type_of_reads_consts_arrays_and_enums():
    assert type_of({"const": 1, "type": "integer"}) == "integer (always `1`)"
    assert type_of({"type": "array", "items": {"type": "string"}}) == "array of string"
    assert type_of({"type": ["number", "string"]}) == "number or string"


def test_docs_packs_md_is_fresh(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["pack", "docs", "--check", "docs/packs.md"]) == 0, capsys.readouterr().err


def test_a_stale_copy_is_reported(tmp_path, capsys):
    stale = tmp_path / "packs.md"
    stale.write_text((ROOT / "docs" / "packs.md").read_text().replace("tag_format", "tag", 1))
    assert main(["pack", "docs", "--check", str(stale)]) == 1
    assert f"{stale} is stale; regenerate it with: driftgate pack docs > {stale}" in (
        capsys.readouterr().err
    )


def test_a_required_field_documents_no_default():
    for field in fields(SCHEMA):
        assert not (field.required and "default" in field.node), field.path
