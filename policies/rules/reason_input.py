"""Deploy workflows ask for an optional free-text reason, for the audit trail.

Rationale:
    The operator's reason for a deploy (`-f reason="..."`) is
    the audit trail of who deployed what and why; it is optional so an
    urgent rollback is never blocked on writing prose.

Remediation:
    Add a `reason` input (the pack's deploy.reason_input) with
    `required: false` and `type: string` to `workflow_dispatch`.

Accepts / rejects:
    - Accepted: the input with `required: false` or no `required` (GitHub's
      default is false), and `type: string` or no type.
    - Rejected, at the value: `required` anything but false; a `type` other
      than string (a choice or boolean is not a reason).
    - Rejected, at `inputs` (or `workflow_dispatch`, or `on`): no such input.

Bad:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          reason:
            required: true
            type: string
    jobs: {}
    ```

Good:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          reason:
            description: Why (kept in the audit trail)
            required: false
            type: string
    jobs: {}
    ```
"""

from ..lint.violation import flag_value, with_hint
from ..lint.workflow import flag_missing_input, is_free_text

ID = "DG104"
NAME = "reason-input"
SUMMARY = "Deploy workflows ask for an optional free-text reason, for the audit trail."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Add an optional `reason` input: `required: false`, `type: string`."


def check_workflow(workflow, context):
    name = context.pack.deploy.reason_input
    hint = f"Add an optional `{name}` input: `required: false`, `type: string`."
    spec = workflow.dispatch_inputs.get(name)
    if spec is None:
        message = f"no `{name}` input: the audit trail has no reason"
        return with_hint([flag_missing_input(workflow, message)], hint)
    key_path = f"on.workflow_dispatch.inputs.{name}"
    violations = []
    if "required" in spec and spec["required"] is not False:
        message = f"the `{name}` input must be optional (`required: false`)"
        violations.append(flag_value(spec, "required", f"{key_path}.required", message))
    if not is_free_text(spec):
        message = f"the `{name}` input must be free text (`type: string`)"
        violations.append(flag_value(spec, "type", f"{key_path}.type", message))
    return with_hint(violations, hint)
