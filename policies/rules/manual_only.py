"""Deploy workflows run only when a person dispatches them.

Rationale:
    In January 2026 automatic deploys on push collided with manual deploys
    over SSH: containers were corrupted and data was lost.
    A deploy must start only from the "Run workflow" button or
    `gh workflow run`, never from a push, a schedule or another workflow.

Remediation:
    Remove every trigger but `workflow_dispatch` from the deploy workflow.

Accepts / rejects:
    - Accepted: `on: workflow_dispatch`, `on: [workflow_dispatch]`, and the
      mapping form with `workflow_dispatch` as its only key.
    - Rejected, at the trigger's name: any other trigger (push, pull_request,
      pull_request_target, schedule, workflow_run, workflow_call,
      repository_dispatch, release, ...) in the string, list or mapping form.
    - Rejected, at `on`: `on:` holding no trigger at all (empty, null).
    - Rejected, at the start of the file: no `on:` key. A key read as boolean
      `true` (a file written by a YAML 1.1 tool, where `on` became `true`) is
      pointed at instead, since GitHub would not read it as `on`.

Bad:
    ```yaml
    on:
      push:
        branches: [main]
      workflow_dispatch:
    jobs: {}
    ```

Good:
    ```yaml
    on:
      workflow_dispatch:
    jobs: {}
    ```
"""

from ..lint.violation import Violation, flag_key
from ..lint.workflow import flag_trigger

ID = "DG101"
NAME = "manual-only"
SUMMARY = "Deploy workflows run only when a person dispatches them."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Remove every trigger but workflow_dispatch."

MANUAL = "workflow_dispatch"


def check_workflow(workflow, context):
    document = workflow.document
    if "on" not in document:
        if True in document:
            message = "`true:` is not `on:` (a YAML 1.1 tool wrote it): the deploy has no trigger"
            return [flag_key(document, True, "true", message)]
        return [Violation("no `on:`: a deploy must be triggered by workflow_dispatch", 1, 1, "on")]
    violations = []
    for trigger in workflow.triggers:
        if trigger.name == MANUAL:
            continue
        message = f"trigger `{trigger.name}` starts a deploy without a person: only {MANUAL}"
        violations.append(flag_trigger(workflow, trigger, message))
    if not violations and workflow.trigger(MANUAL) is None:
        message = f"`on:` has no {MANUAL}: a deploy must start from a manual dispatch"
        violations.append(flag_key(document, "on", "on", message))
    return violations
