"""What `driftgate init` reads from workflows and compose files, and how it writes it."""

import pytest

from driftgate.policies.pack_init import Found, infer
from driftgate.policies.pack_render import render, scalar
from driftgate.policies.yamlsource import parse_yaml

DEPLOY = """
on:
  workflow_dispatch:
    inputs:
      environment: {type: choice, options: [qa, live], required: true}
      really: {type: string, required: true}
      why: {type: string}
jobs:
  go:
    if: "'SHIP IT' == github.event.inputs.really"
    runs-on: ubuntu-latest
    steps:
      - run: ssh host docker compose up -d
"""

BUILD = """
on:
  push:
    branches: [release, trunk]
env:
  REG: registry.example/team
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "TAG=v-$(echo $GITHUB_SHA | cut -c1-7)" >> "$GITHUB_ENV"
      - run: |
          docker build -t "$REG/shop-api:$TAG" .
          docker push "$REG/shop-api:$TAG"
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ${{ env.REG }}/shop-web:${{ env.TAG }}
"""

COMPOSE = """
services:
  api: {image: "registry.example/team/shop-api:${TAG:?set TAG}", container_name: shop-api}
  web: {image: "registry.example/team/shop-web:${TAG:?set TAG}", container_name: shop-web}
  db: {image: postgres:16, container_name: shop-db}
"""


def _values(tree):
    return {k: _values(v) if isinstance(v, dict) else v.value for k, v in tree.items()}


def _notes(tree, prefix=""):
    found = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            found.update(_notes(value, path + "."))
        elif value.note:
            found[path] = value.note
    return found


@pytest.fixture(scope="module")
def starter():
    workflows = {
        ".github/workflows/release.yml": parse_yaml(DEPLOY, "release.yml"),
        ".github/workflows/images.yml": parse_yaml(BUILD, "images.yml"),
        ".github/workflows/docs.yml": parse_yaml("on: push\njobs: {}\n", "docs.yml"),
    }
    return infer(workflows, {"compose.prod.yml": parse_yaml(COMPOSE, "c")}, name="Shop Front")


def test_the_deploy_workflow_its_targets_and_inputs(starter):
    pack = _values(starter.pack)
    assert pack["name"] == "shop-front"
    assert list(pack["targets"]) == ["qa", "live"]
    assert pack["targets"]["live"]["promoted_from"] == "qa"
    assert "promoted_from" not in pack["targets"]["qa"]
    assert pack["deploy"] == {
        "target_input": "environment",
        "confirm_input": "really",
        "confirm_word": "SHIP IT",
        "reason_input": "why",
    }
    assert pack["files"]["deploy_workflows"] == [".github/workflows/release.yml"]


def test_the_build_its_branches_images_registry_and_tag(starter):
    pack = _values(starter.pack)
    assert pack["release_branches"] == ["release", "trunk"]
    assert "build" not in pack  # a push build: the default trigger
    assert pack["images"]["names"] == ["shop-api", "shop-web"]
    assert pack["images"]["registry"] == "registry.example/team"
    assert (pack["images"]["tag_variable"], pack["images"]["tag_format"]) == ("TAG", "v-{sha7}")
    assert pack["files"]["build_workflows"] == [".github/workflows/images.yml"]


def test_the_compose_file_and_its_app_containers(starter):
    pack = _values(starter.pack)
    assert pack["files"]["compose_files"] == ["compose.prod.yml"]
    assert pack["host"]["containers"] == ["shop-api", "shop-web"]  # not the database
    assert pack["host"]["compose_file"] == "compose.prod.yml"


def test_only_what_was_not_found_is_marked_guessed(starter):
    notes = _notes(starter.pack)
    assert set(notes) == {
        "name",
        "targets.qa.base_url",
        "targets.live.base_url",
        "targets.live.promoted_from",
        "health.path",
        "health.schema",
        "host.api_container",
        "host.app_dir",
    }
    assert starter.guesses == len(notes)


def test_a_repository_with_nothing_to_read_gets_a_pack_of_guesses():
    starter = infer({}, {})
    notes = _notes(starter.pack)
    assert {"release_branches", "images.names", "images.tag_format", "images.tag_variable"} <= set(
        notes
    )
    assert _values(starter.pack)["files"] == {
        "deploy_workflows": [],
        "build_workflows": [],
        "compose_files": [],
    }


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("main", "main"),
        ("sha-{sha7}", '"sha-{sha7}"'),
        ("ghcr.io/*", '"ghcr.io/*"'),
        ("yes", '"yes"'),
        ("1.0", '"1.0"'),
        ("a: b", '"a: b"'),
        ("# not a comment", '"# not a comment"'),
        ("SHIP IT", "SHIP IT"),
        (True, "true"),
        (8000, "8000"),
    ],
)
def test_scalars_read_back_as_written(value, written):
    assert scalar(value) == written
    assert parse_yaml(f"k: {written}\n", "x")["k"] == value


def test_render_comments_guesses_and_reads_back():
    tree = {
        "a": {"b": Found(["x", "y z"]), "c": Found("https://h.example", "the URL")},
        "d": Found({"type": "object", "required": ["s"]}),
    }
    text = render(tree)
    assert '  c: "https://h.example"  # guessed: the URL\n' in text
    assert parse_yaml(text, "x") == {
        "a": {"b": ["x", "y z"], "c": "https://h.example"},
        "d": {"type": "object", "required": ["s"]},
    }


@pytest.mark.parametrize(
    ("push", "is_build"),
    [("true", True), ("${{ github.event_name != 'pull_request' }}", True), ("false", False)],
)
def test_a_build_action_pushes_unless_push_is_false(push, is_build):
    text = (
        "on: push\njobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v6\n"
        f'        with: {{push: "{push}", tags: "reg.example/x/web:${{{{ github.sha }}}}"}}\n'
    )
    starter = infer({".github/workflows/img.yml": parse_yaml(text, "img.yml")}, {})
    files = _values(starter.pack)["files"]["build_workflows"]
    assert files == ([".github/workflows/img.yml"] if is_build else [])


def test_names_a_pack_cannot_hold_are_left_out():
    deploy = DEPLOY.replace("options: [qa, live]", "options: [qa, Live EU, live]")
    build = BUILD.replace(
        '"$REG/shop-api:$TAG" .\n', '"$REG/shop-api:$TAG" -t reg.example/Shop_API:x .\n'
    )
    starter = infer({"d.yml": parse_yaml(deploy, "d.yml"), "b.yml": parse_yaml(build, "b.yml")}, {})
    pack = _values(starter.pack)
    assert list(pack["targets"]) == ["qa", "live"]
    assert pack["images"]["names"] == ["shop-api", "shop-web"]
