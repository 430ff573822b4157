"""The deploy takes the image tag from the commit; nothing can override it or use `latest`.

Rationale:
    The tag `sha-<7 hex>` built from `GITHUB_SHA` maps the deployed version
    to exactly one commit. A dispatch input that sets the
    tag (an `image_tag` input, as one real
    deploy had) deploys anything under any
    commit's name, and `latest` deploys whatever was pushed last.

Remediation:
    Set the tag from the commit, e.g.
    `run: echo "IMAGE_TAG=sha-${GITHUB_SHA::7}" >> "$GITHUB_ENV"`, drop any
    tag input, and never refer to `latest`.

Accepts / rejects:
    What it sees: where the tag variable (pack images.tag_variable) is set:
    an `env:` key (workflow, job or step), or in any script a step runs, read
    by tree-sitter-bash (policies/lint/bash: nested `ssh`/`bash -c`/heredoc
    scripts and SSH actions' scripts included): `IMAGE_TAG=...`, `export
    IMAGE_TAG=...`, `IMAGE_TAG=... cmd`, a line written to `$GITHUB_ENV` or
    `$GITHUB_OUTPUT` (`echo`, `printf`, `cat <<EOF`). Each value is resolved by
    data flow (policies/lint/bash/flow.py): shell variables assigned earlier
    (`SHORT_SHA="${GITHUB_SHA::7}"` then `IMAGE_TAG="sha-${SHORT_SHA}"`),
    `${X::N}`, `${X:-default}`, `$(git rev-parse --short=7 HEAD)`, the env
    chain, step outputs (`${{ steps.vars.outputs.short_sha }}`), job outputs
    across `needs:`, `format()` and `||` in expressions. A value is the
    commit's tag when it has the pack's tag format (`sha-` and the commit cut
    to 7 characters for `sha-{sha7}`).
    - Rejected, at the `jobs` key: no assignment whose every value is the
      commit's tag.
    - Rejected, at the value: an assignment a dispatch input reaches
      (`${{ inputs.tag || ... }}`, or through env and shell variables), or a
      fixed value (`IMAGE_TAG=latest`, `sha-94e9cbb`).
    - Rejected, at the input's key: a dispatch input whose value reaches the tag
      variable or an image reference (by data flow; its name does not matter:
      `image_wait_seconds` passed to a `sleep` through `env:` is fine).
    - Rejected, at `latest`: in the words a command runs with, an assigned
      value or a line written to `$GITHUB_ENV`/`$GITHUB_OUTPUT`, `:latest`,
      `:-latest` or `=latest` right after a name (`catscan-api:latest`,
      `${IMAGE_TAG:-latest}`, `IMAGE_TAG=latest`). Text that is printed
      (`echo "pulling app:latest"`) is not code, and a whole value `latest`
      counts only for the tag variable and names that speak of a tag or an
      image (`tag=latest` to `$GITHUB_OUTPUT`, `IMAGE_TAGS=latest`):
      `version="latest"` names no image.
    - Rejected, at the reference: one of the pack's images (images.names)
      with no tag and no digest, which docker reads as `latest`: any image
      argument of `docker pull|push|tag` (also `docker image ...`), or a
      registry path (`"$REGISTRY/catscan-api"`) in `docker run|create`
      (a bare name there may be a container's `--name`).
    - Accepted: assignments from values a linter cannot see (`export
      IMAGE_TAG="$2"` on the VM, forwarding the runner's value; a positional
      parameter's default, `${2:-x}`, may never be taken); `latest` in
      comments, echoed text or prose.
    - Not seen: values computed at run time from files or other commands
      (`$(cat TAG)`), variables set in a sourced script or a function.

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

from ..lint.bash import Literal, Variable, docker_invocation, read_script
from ..lint.images import (
    commit_tag_expression,
    image_name_and_tag,
    image_uses,
    resolve_ref,
    resolve_spot,
    tag_assignments,
)
from ..lint.placement import flag_missing, unique
from ..lint.values import is_commit_tag
from ..lint.violation import flag_key, flag_text, with_hint

ID = "DG106"
NAME = "sha-image-tag"
SUMMARY = "The deploy takes the image tag from the commit; nothing can override it or use `latest`."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Set `IMAGE_TAG=sha-${GITHUB_SHA::7}`; no tag input, no `latest`."

LATEST = re.compile(r"(?<=[\w}./-])(?::-?|=)(latest)(?![\w.-])")
IMAGE_COMMANDS = frozenset({"pull", "push", "tag", "run", "create"})
TAG_NAME = re.compile(r"tag|image", re.IGNORECASE)


def check_workflow(workflow, context):
    images = context.pack.images
    variable, violations = images.tag_variable, []
    from_commit = commit_tag_expression(images.tag_format)
    assignments = [(a, resolve_spot(workflow, a)) for a in tag_assignments(workflow, variable)]
    if not any(
        resolved.choices and all(is_commit_tag(c, images.tag_format) for c in resolved.choices)
        for _, resolved in assignments
    ):
        message = f"the deploy never sets {variable} from the commit (`{from_commit}`)"
        violations.append(flag_missing(workflow, message))
    reaching = set()
    for assignment, resolved in assignments:
        reaching |= resolved.inputs
        if _forwards(assignment, variable):
            continue  # `IMAGE_TAG=$IMAGE_TAG ssh ...`: the value set elsewhere, judged there
        if resolved.inputs:
            message = f"a dispatch input sets {variable}: anyone dispatching picks the image"
            violations.append(assignment.flag(message))
        elif any(not is_commit_tag(choice, images.tag_format) for choice in _literal(resolved)):
            fixed = "".join(_literal(resolved)[0])
            message = f"{variable} is fixed to `{fixed}`, not taken from the commit"
            violations.append(assignment.flag(message))
    for use in image_uses(workflow):
        if use.ref is not None:
            reaching |= resolve_ref(workflow, use).inputs
    violations += _tag_inputs(workflow, reaching)
    violations += _latest(workflow, variable)
    violations += _untagged(workflow, images.names)
    hint = f"Set `{variable}={from_commit}`; no tag input, no `latest`."
    return with_hint(unique(violations), hint)


def _forwards(spot, variable):
    """`$IMAGE_TAG`, `${IMAGE_TAG}`, `${{ env.IMAGE_TAG }}`: the variable passed on."""
    if spot.word is not None and len(spot.word.parts) == 1:
        part = spot.word.parts[0]
        if isinstance(part, Variable) and part.name == variable and part.operator == "":
            return True
    text = str(spot.value).strip().strip("'\"")
    return text == f"${{{{ env.{variable} }}}}"


def _literal(resolved):
    return [c for c in resolved.choices if all(isinstance(p, str) for p in c)]


def _tag_inputs(workflow, reaching):
    """The dispatch inputs whose value reaches the tag variable or an image reference
    (by data flow, not by name: `image_wait_seconds` passed to a sleep is harmless)."""
    inputs = workflow.dispatch_inputs_container
    by_name = {name.lower(): name for name in workflow.dispatch_inputs}
    for name in sorted(reaching, key=str.lower):
        declared = by_name.get(name.lower())
        if declared is not None:
            message = f"dispatch input `{declared}` can override the image tag"
            key_path = f"on.workflow_dispatch.inputs.{declared}"
            yield flag_key(inputs, declared, key_path, message)


def _latest(workflow, variable):
    """`latest` as a tag or a value in the code of a script (not in echoed text)."""
    for job in workflow.jobs:
        for step in job.steps:
            if step.run is None or "latest" not in step.run:
                continue
            for offset in _latest_offsets(read_script(step.run), variable):
                message = "an image reference uses `latest`: deploy the commit's tag"
                yield flag_text(step.run, offset, step.script_path, message)


def _latest_offsets(script, variable):
    """Offsets of `latest` after `:`, `:-` or `=` in the words commands run with (not
    the text echo and printf print), and in values set in the script (assignments,
    prefixes, lines written to $GITHUB_ENV/$GITHUB_OUTPUT): there a whole value
    `latest` counts for the tag variable and names that speak of a tag or an image
    (`tag`, `IMAGE_TAGS`), not for others (`version="latest"` names no image)."""
    for command in script.commands:
        if not command.prints_text:
            for word in command.words[1:]:
                yield from _latest_in(word.parts)
    settings = [*script.assignments, *(a for c in script.commands for a in c.env)]
    named = [(a.name, a.value) for a in settings if a.value is not None]
    named += [(write.key, write.value) for write in script.output_writes]
    for name, value in named:
        names_a_tag = name == variable or TAG_NAME.search(name) is not None
        yield from _latest_in(value.parts, "=" if names_a_tag else "")


def _latest_in(parts, before=""):
    """Offsets of `latest` tags in a word's parts; `before`: what the word follows."""
    text, offsets = "x" + before, [None] * (1 + len(before))
    for part in parts:
        if isinstance(part, Literal):
            exact = part.end - part.start == len(part.value)  # one offset per character
            text += part.value
            offsets += [part.start + i if exact else part.start for i in range(len(part.value))]
            continue
        if isinstance(part, Variable) and part.operator in (":-", "-"):
            yield from _latest_in(part.default, part.operator)
        text += "}"  # an expansion: `${IMAGE}:latest`
        offsets.append(None)
    for match in LATEST.finditer(text):
        if offsets[match.start(1)] is not None:
            yield offsets[match.start(1)]


def _untagged(workflow, names):
    """A pack image that a docker command pulls, runs, creates, tags or pushes with no tag
    (and no digest): docker reads it as `:latest`."""
    names = frozenset(names)
    for job in workflow.jobs:
        for step in job.steps:
            run = step.run
            if run is None or "docker" not in run or not any(n in run for n in names):
                continue
            script = read_script(run)
            for command in script.commands:
                for offset, ref in _untagged_refs(script, command, names):
                    message = f"`{ref}` has no tag: docker uses `latest`; deploy the commit's tag"
                    yield flag_text(run, offset, step.script_path, message)


def _untagged_refs(script, command, names):
    """(offset, reference) of each untagged pack image the command uses."""
    docker = docker_invocation(command)
    if docker is None:
        return
    subcommand, args = docker.subcommand, docker.args
    if subcommand in ("image", "container") and args:  # `docker container create`
        subcommand, args = args[0].text, args[1:]
    if subcommand not in IMAGE_COMMANDS:
        return
    # pull/push/tag take only image references; run/create also take option values (a
    # container named like the image), so there only a path (`$REGISTRY/catscan-api`) counts.
    bare_names = subcommand in ("pull", "push", "tag")
    for word in args:
        ref = word.shown
        if ref.startswith("-") or not word.parts or "@" in ref:
            continue
        name, tag = image_name_and_tag(ref)
        if name in names and tag is None and (bare_names or "/" in ref):
            yield word.parts[0].start, ref
