"""The build workflow builds and pushes every image the pack names.

Rationale:
    A deploy pulls every image of the compose file (`catscan-api` and
    `catscan-dashboard`); an image that the build forgets is missing at
    `docker compose pull` time, or runs stale next to a new one.

Remediation:
    Build and push each of the pack's images (images.names) with the
    commit's tag.

Accepts / rejects:
    Builds and pushes are found as policies/lint/images.py says. An image is
    named by the last path part of a reference, without tag or digest
    (`$REGISTRY/catscan-api:$IMAGE_TAG` is `catscan-api`).
    - Accepted: for each pack image, a build (`docker build -t`, buildx,
      docker/build-push-action `tags`) and a push (`docker push`, `--push`,
      build-push-action with `push: true`) of a reference with that name.
      `docker compose build` / `push` and `docker buildx bake` count for every
      image (their names are in files this rule does not read; DG401 checks
      the compose file).
    - Rejected, at the `jobs` key (one finding naming them all): an image
      never built, or never pushed; for a pack with a release manifest, an
      image whose manifest variable no script sets to a digest-pinned
      reference (`API_IMAGE=<image>@<digest>`; see policies/release_manifest.py).
    - Rejected, at a step's first pushed reference, for a pack with
      `images.attestations`: a push built without each of them set explicitly
      (see policies/attestations.py).
    - Names are resolved by data flow (policies/lint/bash/flow.py and
      policies/lint/values.py): a matrix
      (`${{ matrix.image }}` takes each literal value of `strategy.matrix`
      and its `include` entries), env and shell variables, step outputs,
      docker/metadata-action `images:`.
    - Not seen: names computed at run time (read from a file, a loop over
      `ls`), a dynamic matrix (`fromJSON(needs.x.outputs.matrix)`).

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
              docker build -t "$REGISTRY/catscan-api:$IMAGE_TAG" .
              docker push "$REGISTRY/catscan-api:$IMAGE_TAG"
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
          - run: |
              docker build -t "$REGISTRY/catscan-api:$IMAGE_TAG" .
              docker push "$REGISTRY/catscan-api:$IMAGE_TAG"
              docker build -t "$REGISTRY/catscan-dashboard:$IMAGE_TAG" dashboard
              docker push "$REGISTRY/catscan-dashboard:$IMAGE_TAG"
    ```
"""

from ..attestations import missing_attestations
from ..lint.images import image_uses, references, resolve_ref
from ..lint.placement import flag_missing
from ..release_manifest import unrecorded_images

ID = "DG204"
NAME = "all-images"
SUMMARY = "The build workflow builds and pushes every image the pack names."
SEVERITY = "error"
APPLIES_TO = "build"
OPTIONS = {}
REMEDIATION = "Build and push every image of the pack (images.names)."


def check_workflow(workflow, context):
    done = {"build": set(), "push": set()}
    for use in image_uses(workflow):
        if use.ref is None and isinstance(use.spot.holder, str):
            done[use.action].update(context.pack.images.names)  # compose or bake
        elif use.ref is not None:
            names = {name for name, _tag in references(resolve_ref(workflow, use))}
            done[use.action].update(names)
    images = context.pack.images
    problems = [
        f"never {verb} `{name}`"
        for name in images.names
        for action, verb in (("build", "builds"), ("push", "pushes"))
        if name not in done[action]
    ]
    problems += [f"never records `{n}`'s digest" for n in unrecorded_images(workflow, images)]
    if problems:
        yield flag_missing(workflow, f"the workflow {', '.join(problems)}")
    yield from missing_attestations(workflow, images)  # the pack's images.attestations
