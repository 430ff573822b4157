"""Images built and pushed, read from tree-sitter-bash commands, and their tags resolved by
the one data-flow engine (policies/lint/bash/flow.py through policies/lint/model.py)."""

import pytest

from driftgate.policies.lint.bash import read_script
from driftgate.policies.lint.images import (
    image_uses,
    references,
    resolve_ref,
    resolve_spot,
    tag_assignments,
)
from driftgate.policies.lint.model import scope
from driftgate.policies.lint.values import Commit, is_commit_tag
from driftgate.policies.lint.workflow import Workflow
from driftgate.policies.rules.sha_image_tag import _latest_offsets
from driftgate.policies.yamlsource import parse_yaml


def block(run, indent=10):
    return "|\n" + "".join(" " * indent + line + "\n" for line in run.splitlines())


def workflow_of(*runs):
    steps = "".join(f"      - run: {block(run)}" for run in runs)
    return Workflow(parse_yaml(f"jobs:\n  build:\n    steps:\n{steps}"), "build.yml")


def pushes(*runs):
    workflow = workflow_of(*runs)
    return [
        (use.ref, references(resolve_ref(workflow, use)))
        for use in image_uses(workflow)
        if use.action == "push"
    ]


@pytest.mark.parametrize(
    "run",
    [
        'TAG="sha-${GITHUB_SHA::7}"; docker push "ghcr.io/acme/api:$TAG"',
        'sudo -u app docker push "ghcr.io/acme/api:sha-${GITHUB_SHA::7}"',
        "ssh vm 'docker push ghcr.io/acme/api:sha-${GITHUB_SHA::7}'",
        "T=$(git rev-parse --short=7 HEAD); docker image push ghcr.io/acme/api:sha-$T",
        "docker build --push --tag=ghcr.io/acme/api:sha-$(echo $GITHUB_SHA | cut -c1-7) .",
        "docker build -tghcr.io/acme/api:sha-${GITHUB_SHA:0:7} --output type=registry .",
    ],
)
def test_pushes_of_the_commit_tag(run):
    [(ref, found)] = pushes(run)
    assert ref.startswith("ghcr.io/acme/api:")
    assert found == [("api", "sha-{sha7}")]


def test_text_is_not_a_push():
    assert pushes('echo "docker push app:latest"', "# docker push app:latest") == []
    assert list(_latest_offsets(read_script('echo "pulling app:latest"'), "IMAGE_TAG")) == []


def test_the_push_points_at_its_reference():
    workflow = workflow_of('sudo -u app docker push "$REGISTRY/api:$TAG"')
    [use] = image_uses(workflow)
    assert (use.ref, use.spot.key) == ("$REGISTRY/api:$TAG", len('sudo -u app docker push "'))


@pytest.mark.parametrize(
    "write",
    [
        'echo "short_sha=${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"',
        'printf \'short_sha=%s\\n\' "${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"',
        "cat <<EOF >> $GITHUB_OUTPUT\nshort_sha=${GITHUB_SHA::7}\nEOF",
    ],
)
def test_step_outputs_carry_the_commit(write):
    text = f"""
jobs:
  build:
    steps:
      - id: vars
        run: {block(write)}
      - run: docker push "ghcr.io/acme/api:sha-${{{{ steps.vars.outputs.short_sha }}}}"
"""
    workflow = Workflow(parse_yaml(text), "build.yml")
    [use] = image_uses(workflow)
    assert references(resolve_ref(workflow, use)) == [("api", "sha-{sha7}")]


def test_tag_variable_through_a_short_sha_and_github_env():
    workflow = workflow_of(
        'SHORT_SHA="${GITHUB_SHA::7}"\nexport IMAGE_TAG="sha-${SHORT_SHA}"\n'
        'echo "IMAGE_TAG=$IMAGE_TAG" >> "$GITHUB_ENV"',
        "IMAGE_TAG=latest docker compose up -d",
    )
    spots = tag_assignments(workflow, "IMAGE_TAG")
    assert [spot.value for spot in spots] == ["sha-${SHORT_SHA}", "$IMAGE_TAG", "latest"]
    resolved = [resolve_spot(workflow, spot) for spot in spots]
    assert [is_commit_tag(r.choices[0], "sha-{sha7}") for r in resolved] == [True, True, False]
    step = workflow.steps[1]
    # `IMAGE_TAG=latest cmd` sets it for that command; the next step reads $GITHUB_ENV
    assert scope(workflow, step, None).variable("IMAGE_TAG").choices == (("sha-", Commit(7)),)


@pytest.mark.parametrize(
    "run, marker",
    [
        ("docker pull app:latest", "latest"),
        ('docker run "$REGISTRY/api:${IMAGE_TAG:-latest}"', "latest"),
        ("export IMAGE_TAG=latest", "latest"),
        ('echo "IMAGE_TAG=latest" >> "$GITHUB_ENV"', "latest"),
        ("IMAGE_TAG=latest docker compose up -d", "latest"),
        ('echo "tag=latest" >> "$GITHUB_OUTPUT"', "latest"),
        ('echo "IMAGE_TAGS=latest ${GITHUB_SHA::12}" | tee -a $GITHUB_ENV', "latest"),
        ('version="latest"', None),  # names no image
        ("DOCS_VERSION=latest mkdocs build", None),
    ],
)
def test_latest_in_code(run, marker):
    found = list(_latest_offsets(read_script(run), "IMAGE_TAG"))
    assert found == ([run.index(marker)] if marker else [])
