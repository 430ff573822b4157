"""Deploys to one target queue: a concurrency group keyed by the target, never cancelled.

Rationale:
    With `cancel-in-progress: true`, a second dispatch kills a deploy half
    way through `up --force-recreate`; without a group keyed by the target,
    two deploys to one VM run at once (the January 2026
    incident). Deploys to one target must queue.

Remediation:
    Add `concurrency: {group: deploy-${{ inputs.target }}, cancel-in-progress: false}`
    at the top of the workflow (or on each deploying job).

Accepts / rejects:
    What it sees: every script a step runs (its `run:`, or the script input
    of a catalogued action, such as an SSH action's `script:`), nested
    scripts included (ssh heredocs, `ssh host '...'`, `gcloud compute ssh
    --command`, `bash -c`), wrappers taken off (`sudo -u USER`, `env`,
    `nohup`, `time`); what `echo` or `printf` prints and comments are not
    commands. Not seen: scripts in files the step runs (`bash deploy.sh`),
    shell functions and aliases.
    The deploying jobs are the jobs with a step running `docker compose ... up`
    (every job when none does).
    - Accepted: each deploying job is covered by the workflow-level
      `concurrency` or its own, whose group (the string form, or `group:`) holds
      a `${{ }}` expression using the pack's target input (`inputs.target`,
      `github.event.inputs.target`), and `cancel-in-progress` is absent,
      `false` or `${{ false }}`.
    - Rejected, at the value: `cancel-in-progress` anything else (true, an
      expression), at any level.
    - Rejected, at the group: a group without the target, when no keyed group
      covers the job; at the job's key: a deploying job with no concurrency.

Bad:
    ```yaml
    concurrency:
      group: deploy
      cancel-in-progress: true
    ```

Good:
    ```yaml
    concurrency:
      group: deploy-${{ inputs.target }}
      cancel-in-progress: false
    ```
"""

from ..lint.placement import input_names, unique
from ..lint.violation import flag_key, flag_value, with_hint
from ..lint.workflow import deploy_steps

ID = "DG111"
NAME = "deploy-concurrency"
SUMMARY = "Deploys to one target queue: a concurrency group keyed by the target, never cancelled."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Set `concurrency: {group: deploy-${{ inputs.target }}, cancel-in-progress: false}`."

NOT_CANCELLING = ("false", "${{ false }}")


def check_workflow(workflow, context):
    target = context.pack.deploy.target_input
    violations = list(_cancelling(workflow))
    deploying = {step.job_id for step in deploy_steps(workflow)}
    jobs = [job for job in workflow.jobs if job.id in deploying] or workflow.jobs
    top = _keyed(workflow.document, target)
    for job in jobs:
        if top or _keyed(job.body, target):
            continue
        holders = ((job.body, job.key_path), (workflow.document, ""))
        unkeyed = [(holder, path) for holder, path in holders if "concurrency" in holder]
        if unkeyed:
            message = f"the concurrency group is not keyed by the {target} input"
            violations.append(_flag_group(*unkeyed[0], message))
        else:
            message = f"job {job.id} has no concurrency group keyed by the {target} input"
            violations.append(flag_key(workflow.document["jobs"], job.id, job.key_path, message))
    hint = (
        f"Set `concurrency: {{group: deploy-${{{{ inputs.{target} }}}}, "
        "cancel-in-progress: false}`."
    )
    return with_hint(unique(violations), hint)


def _cancelling(workflow):
    """`cancel-in-progress` that is not plainly false, at the workflow or any job."""
    levels = [(workflow.document, "")] + [(job.body, job.key_path) for job in workflow.jobs]
    for holder, path in levels:
        concurrency = holder.get("concurrency")
        if isinstance(concurrency, dict) and "cancel-in-progress" in concurrency:
            value = concurrency["cancel-in-progress"]
            if value is not False and str(value).strip() not in NOT_CANCELLING:
                key_path = f"{path}.concurrency.cancel-in-progress".lstrip(".")
                message = "cancel-in-progress can kill a deploy half way through `up`"
                yield flag_value(concurrency, "cancel-in-progress", key_path, message)


def _group(holder):
    concurrency = holder.get("concurrency")
    if isinstance(concurrency, dict):
        return concurrency.get("group")
    return concurrency


def _keyed(holder, target):
    group = _group(holder)
    return isinstance(group, str) and target in input_names(group) and "${{" in group


def _flag_group(holder, path, message):
    concurrency = holder["concurrency"]
    prefix = f"{path}.concurrency".lstrip(".")
    if isinstance(concurrency, dict) and "group" in concurrency:
        return flag_value(concurrency, "group", f"{prefix}.group", message)
    return flag_value(holder, "concurrency", prefix, message)
