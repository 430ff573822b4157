"""Every pushed image carries the commit's tag (`sha-<7 hex>`), and only that.

Rationale:
    A deploy pulls `<image>:sha-<7 hex>` built from `GITHUB_SHA`. A push
    without that tag leaves the commit undeployable; a push of `latest` (or of
    every local tag) publishes an image that compose can silently run.

Remediation:
    Set `IMAGE_TAG=sha-${GITHUB_SHA::7}` and push `<registry>/<image>:$IMAGE_TAG`.

Accepts / rejects:
    Pushes are found as policies/lint/images.py says (docker push, build
    `--push`, compose push, bake `--push`, docker/build-push-action, in any
    script a step runs, read by tree-sitter-bash: `sudo -u app docker push`,
    `ssh vm "docker push ..."` count; `echo "docker push ..."` is text, not a
    push). Each pushed reference is resolved by data flow
    (policies/lint/bash/flow.py and policies/lint/values.py): shell
    variables (`TAG="sha-${GITHUB_SHA::7}"` then
    `docker push "$REGISTRY/$IMAGE:$TAG"`), the env chain and
    `$GITHUB_ENV`, step outputs, docker/metadata-action tags (`type=sha`),
    job outputs across `needs:`, matrices, `format()`.
    - Accepted: a pushed reference whose every resolved tag has the pack's
      format (`sha-` and the commit cut to 7 characters). `docker compose
      push` and `docker buildx bake --push` (tags in their files) when the
      tag variable is set from the commit, and only from it.
    - Rejected, at the reference: any other tag (`latest`, a fixed tag, an
      input, the full `${{ github.sha }}` for a `sha-{sha7}` pack, a value
      that cannot be traced to the commit), no tag, `docker push --all-tags`,
      docker/build-push-action with no `tags`.
    - Not seen: tags computed at run time from files or other commands.

Bad:
    ```yaml
    on:
      push:
        branches: [main]
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - run: |
              docker build -t "$REGISTRY/catscan-api:latest" .
              docker push "$REGISTRY/catscan-api:latest"
    ```

Good:
    ```yaml
    on:
      push:
        branches: [main]
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - run: echo "IMAGE_TAG=sha-${GITHUB_SHA::7}" >> "$GITHUB_ENV"
          - run: |
              docker build -t "$REGISTRY/catscan-api:$IMAGE_TAG" .
              docker push "$REGISTRY/catscan-api:$IMAGE_TAG"
    ```
"""

from ..lint.images import (
    commit_tag_expression,
    image_uses,
    references,
    resolve_ref,
    variable_from_commit,
)

ID = "DG203"
NAME = "sha-tags"
SUMMARY = "Every pushed image carries the commit's tag (`sha-<7 hex>`), and only that."
SEVERITY = "error"
APPLIES_TO = "build"
OPTIONS = {}
REMEDIATION = "Push `<registry>/<image>:$IMAGE_TAG` with `IMAGE_TAG=sha-${GITHUB_SHA::7}`."


def check_workflow(workflow, context):
    images = context.pack.images
    variable = images.tag_variable
    from_commit = variable_from_commit(workflow, images)
    tag = commit_tag_expression(images.tag_format)
    hint = f"Push `<registry>/<image>:${variable}` with `{variable}={tag}`."
    for use in image_uses(workflow):
        if use.action != "push":
            continue
        problem = _problem(workflow, use, variable, from_commit, images)
        if problem:
            yield use.spot.flag(problem)._replace(hint=hint)


def _problem(workflow, use, variable, from_commit, images):
    if use.all_tags:
        return "`docker push --all-tags` pushes every local tag, not only the commit's"
    if use.ref is None:
        if isinstance(use.spot.holder, str) and from_commit:
            return None  # compose push / bake: the tags are the files' ${IMAGE_TAG}
        return f"the pushed images' tags are not {variable} set from the commit"
    for _name, tag in references(resolve_ref(workflow, use)):
        if tag is None:
            return f"`{use.ref}` has no tag: it is pushed as `latest`"
        if "{input." in tag:
            return f"a dispatch input sets the tag of `{use.ref}`"
        if tag != images.tag_format:
            return f"`{use.ref}` is pushed with a tag that is not the commit's `{images.tag_shape}`"
    return None
