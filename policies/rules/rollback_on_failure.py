"""A deploy that fails after recreating the containers brings back the previous version.

Rationale:
    A failed gate after `up --force-recreate` leaves the new, failing version
    running: the deploy is red, and production stays broken until someone
    notices and redeploys by hand. A step or job that runs only on failure and
    brings the previous version back turns a failed release into a short
    blip.

Remediation:
    Add a step (or a job that `needs:` the deploy job) with `if: failure()`
    that redeploys the previous version: recreate the containers with the
    previously deployed tag, dispatch the deploy workflow for the last good
    ref, or run `driftgate verify --rollback-from "$GITHUB_SHA"` after
    redeploying.

Accepts / rejects:
    What it sees: the scripts of the steps after the first command that
    recreates or restarts containers (`docker compose ... up`, `docker
    restart`, `systemctl restart`...; nested ssh and heredoc scripts
    included), and the `if:` of those steps and of the jobs that need the
    deploy job, parsed as expressions.
    - Accepted: a step later in the deploy job, or a job that needs it
      (directly or transitively), whose `if:` calls `failure()` (alone or
      combined: `${{ failure() && inputs.target == 'production' }}`), and
      that brings back the previous version:
      - it recreates or restarts containers while the tag variable resolves
        to a value not made from the dispatched commit (a previous tag read
        on the VM, a `last-good` answer; see policies/lint/values.py); a tag
        variable the step leaves unset does not count;
      - or it dispatches the deploy workflow for another ref (`gh workflow
        run ... --ref X`);
      - or it runs `driftgate verify --rollback-from ...`.
    - Warned, at the `up` (or `restart`) word of the first command that
      recreates containers: no such step or job.
    - Not seen: a rollback done by a script file the step runs (`bash
      rollback.sh`), or by a separate workflow triggered on `workflow_run`.

Bad:
    ```yaml
    on:
      workflow_dispatch:
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
          - run: driftgate verify --target production --expected-sha "$GITHUB_SHA"
    ```

Good:
    ```yaml
    on:
      workflow_dispatch:
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
          - run: driftgate verify --target production --expected-sha "$GITHUB_SHA"
          - if: failure()
            run: |
              ssh "$VM" 'IMAGE_TAG="$(cat last-good)" docker compose up -d --force-recreate'
              driftgate verify --target production --rollback-from "$GITHUB_SHA"
    ```
"""

from ..lint.deploy_checks import verify_arguments
from ..lint.model import scope
from ..lint.placement import (
    condition_status,
    container_starts,
    is_after,
    is_compose_up,
    is_restart,
    step_commands,
)
from ..lint.values import Commit

ID = "DG114"
NAME = "rollback-on-failure"
SUMMARY = "A deploy that fails after recreating the containers brings back the previous version."
SEVERITY = "warning"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Add an `if: failure()` step that redeploys the previous version."


def check_workflow(workflow, context):
    starts = container_starts(workflow)
    if not starts:
        return  # nothing is recreated (DG108 says so)
    first = starts[0]
    for step in workflow.steps:
        if step is first.step or not is_after(workflow, step, first.step):
            continue
        if _on_failure(workflow, step) and _brings_back(workflow, step, context.pack):
            return
    message = "nothing brings back the previous version when the deploy fails after this"
    yield first.flag_up(message)


def _on_failure(workflow, step):
    """Whether the step runs only when something failed: its `if:`, or its job's when the
    job is not the one that recreated the containers (a job that needs it)."""
    job = workflow.job(step.job_id)
    return _calls_failure(step.body.get("if")) or (
        job is not None and _calls_failure(job.body.get("if"))
    )


def _calls_failure(condition):
    status = condition_status(condition)
    return status is not None and "failure" in status


def _brings_back(workflow, step, pack):
    variable = pack.images.tag_variable
    for placed in step_commands(workflow, step):
        command = placed.command
        arguments = verify_arguments(command)
        if arguments is not None and any(a.startswith("--rollback-from") for a in arguments):
            return True
        found = [word.shown for word in command.words]
        if found[:3] == ["gh", "workflow", "run"] and any(
            w in ("--ref", "-r") or w.startswith("--ref=") for w in found
        ):
            return True
        if is_compose_up(command) or is_restart(command):
            resolved = scope(workflow, step, command.start).variable(variable)
            if resolved is not None and not any(
                isinstance(part, Commit) for choice in resolved.choices for part in choice
            ):
                return True  # a tag that is not made from the dispatched commit
    return False
