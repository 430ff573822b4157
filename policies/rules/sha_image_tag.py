"""The deploy takes the image tag from the commit; nothing can override it or use `latest`.

Rationale:
    The tag `sha-<7 hex>` built from `GITHUB_SHA` maps the deployed version
    to exactly one commit (SPEC section 1). A dispatch input that sets the
    tag (an `image_tag` input, SPEC section 4) deploys anything under any
    commit's name, and `latest` deploys whatever was pushed last.

Remediation:
    Set the tag from the commit, e.g.
    `run: echo "IMAGE_TAG=sha-${GITHUB_SHA::7}" >> "$GITHUB_ENV"`, drop any
    tag input, and never refer to `latest`.

Accepts / rejects:
    Where the tag variable (pack images.tag_variable) is set and what counts as
    "from the commit": see policies/lint/images.py (an `env:` key, or a shell
    word `IMAGE_TAG=...`; `sha-${GITHUB_SHA::7}`, `${GITHUB_SHA:0:7}`,
    `cut -c1-7`, `head -c7`, `--short=7` for the `sha-{sha7}` format).
    - Rejected, at the `jobs` key: no assignment derives the tag from the commit.
    - Rejected, at the value: an assignment that uses a dispatch input, or a
      fixed value (no `$` at all, e.g. `IMAGE_TAG=latest`, `sha-94e9cbb`).
    - Rejected, at the input's key: a dispatch input named for a tag (its name,
      split on `_` and `-`, holds `tag`, `sha` or `image`, or equals the tag
      variable).
    - Rejected, at `latest`: in a run: command, `:latest`, `:-latest` or
      `=latest` right after a name (`catscan-api:latest`,
      `${IMAGE_TAG:-latest}`, `IMAGE_TAG=latest`).
    - Rejected, at the reference: one of the pack's images (images.names)
      with no tag and no digest, which docker reads as `latest`: any image
      argument of `docker pull|push|tag` (also `docker image ...`), or a
      registry path (`"$REGISTRY/catscan-api"`) in `docker run|create`
      (a bare name there may be a container's `--name`).
    - Accepted: other assignments from variables (`export IMAGE_TAG="$2"` on
      the VM, forwarding the runner's value); `latest` in comments or prose.

Bad:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          image_tag:
            type: string
    jobs:
      deploy:
        runs-on: ubuntu-latest
        env:
          IMAGE_TAG: ${{ inputs.image_tag || 'latest' }}
        steps:
          - run: ssh "$VM" "IMAGE_TAG=$IMAGE_TAG docker compose up -d --force-recreate"
    ```

Good:
    ```yaml
    on:
      workflow_dispatch:
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - run: echo "IMAGE_TAG=sha-${GITHUB_SHA::7}" >> "$GITHUB_ENV"
          - run: ssh "$VM" "IMAGE_TAG=$IMAGE_TAG docker compose up -d --force-recreate"
    ```
"""

import re

from ..lint.images import (
    commit_tag_expression,
    derives_from_commit,
    image_name_and_tag,
    tag_assignments,
    uses_input,
)
from ..lint.placement import flag_missing, unique
from ..lint.shell import parse_script, word_spans
from ..lint.shellwords import strip_prefixes
from ..lint.violation import flag_key, flag_text, with_hint

ID = "DG106"
NAME = "sha-image-tag"
SUMMARY = "The deploy takes the image tag from the commit; nothing can override it or use `latest`."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Set `IMAGE_TAG=sha-${GITHUB_SHA::7}`; no tag input, no `latest`."

LATEST = re.compile(r"(?<=[\w}./-])(?::-?|=)(latest)(?![\w.-])")
TAG_WORDS = frozenset({"tag", "sha", "image"})
IMAGE_COMMANDS = frozenset({"pull", "push", "tag", "run", "create"})


def check_workflow(workflow, context):
    images = context.pack.images
    variable, violations = images.tag_variable, []
    from_commit = commit_tag_expression(images.tag_format)
    assignments = tag_assignments(workflow, variable)
    if not any(derives_from_commit(a.value, images.tag_format) for a in assignments):
        message = f"the deploy never sets {variable} from the commit (`{from_commit}`)"
        violations.append(flag_missing(workflow, message))
    for assignment in assignments:
        if uses_input(assignment.value):
            message = f"a dispatch input sets {variable}: anyone dispatching picks the image"
            violations.append(assignment.flag(message))
        elif "$" not in assignment.value and not derives_from_commit(
            assignment.value, images.tag_format
        ):
            message = f"{variable} is fixed to `{assignment.value}`, not taken from the commit"
            violations.append(assignment.flag(message))
    violations += _tag_inputs(workflow, variable)
    violations += _latest(workflow)
    violations += _untagged(workflow, images.names)
    hint = f"Set `{variable}={from_commit}`; no tag input, no `latest`."
    return with_hint(unique(violations), hint)


def _tag_inputs(workflow, variable):
    inputs = workflow.dispatch_inputs_container
    for name in workflow.dispatch_inputs:
        parts = set(re.split(r"[_-]", name.lower()))
        if parts & TAG_WORDS or name.lower() == variable.lower():
            message = f"dispatch input `{name}` can override the image tag"
            yield flag_key(inputs, name, f"on.workflow_dispatch.inputs.{name}", message)


def _latest(workflow):
    for job in workflow.jobs:
        for step in job.steps:
            if step.run is None or "latest" not in step.run:
                continue
            for command in parse_script(step.run):
                for match in LATEST.finditer(command.text):
                    offset = command.offset_of(match.start(1))
                    message = "an image reference uses `latest`: deploy the commit's tag"
                    yield flag_text(step.run, offset, step.script_path, message)


def _untagged(workflow, names):
    """A pack image that a docker command pulls, runs, creates, tags or pushes with no tag
    (and no digest): docker reads it as `:latest`."""
    names = frozenset(names)
    for job in workflow.jobs:
        for step in job.steps:
            run = step.run
            if run is None or "docker" not in run or not any(n in run for n in names):
                continue
            for command in parse_script(run):
                if "docker" not in command.text:
                    continue
                for offset, ref in _untagged_refs(command, names):
                    message = f"`{ref}` has no tag: docker uses `latest`; deploy the commit's tag"
                    yield flag_text(run, command.offset_of(offset), step.script_path, message)


def _untagged_refs(command, names):
    """(offset in the command, reference) of each untagged pack image the command uses."""
    spans = word_spans(command.text)
    values = [value for value, _ in spans]
    program, rest = strip_prefixes(values)
    if program is None or program.rsplit("/", 1)[-1] != "docker":
        return
    base = len(values) - len(rest)
    sub = [v for v in rest if not v.startswith("-")][:2]
    if sub[:1] in (["image"], ["container"]):
        sub = sub[1:]
    if not sub or sub[0] not in IMAGE_COMMANDS:
        return
    # pull/push/tag take only image references; run/create also take option values (a
    # container named like the image), so there only a path (`$REGISTRY/catscan-api`) counts.
    bare_names = sub[0] in ("pull", "push", "tag")
    start = base + rest.index(sub[0]) + 1
    for index in range(start, len(values)):
        value, offsets = spans[index]
        if value.startswith("-") or not offsets or "@" in value:
            continue
        name, tag = image_name_and_tag(value)
        if name in names and tag is None and (bare_names or "/" in value):
            yield offsets[0], value
