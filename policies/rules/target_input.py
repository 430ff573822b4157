"""A deploy names its target from a fixed choice; every job binds its environment to it.

Rationale:
    A deploy must say where it goes: `staging` or `production`, chosen from
    the pack's targets, never typed free-hand and never production by default
    (one click on "Run workflow" must not deploy production). Binding each
    job's `environment:` to the target makes GitHub apply that environment's
    protection rules and secrets.

Remediation:
    Add a required `target` input (the pack's deploy.target_input) of type
    `choice` with the pack's targets as options and no production default
    (with no default, list staging first: the form preselects the first
    option), and set `environment: ${{ inputs.target }}` on every job.

Accepts / rejects:
    "Production" is every target of the pack that is `promoted_from` another
    (it must only run what an earlier target already runs); the first target
    of the promotion chain (staging) is an acceptable default.
    - Accepted: `required: true`, `type: choice`, `options` equal to the
      pack's targets as a set (any order), a default that is not a promoted
      target, or no `default` when the first option is not a promoted target
      (with no default, GitHub's "Run workflow" form preselects the first
      option); on every job `environment:` (or
      `environment.name`) holding one `${{ }}` expression that uses the input
      (`inputs.target`, `github.event.inputs.target`, `inputs['target']`),
      with no text around it.
    - Not judged: a job that calls a reusable workflow (`uses:` on the job;
      GitHub allows no `environment:` there): bind it in the called workflow's
      jobs and list that file among the pack's deploy workflows.
    - Rejected, at the `options` key: options not exactly the targets.
    - Rejected, at the value: `required` not true, `type` not choice, a
      default selecting production, an
      environment that does not come from the input (a literal, text around
      the expression).
    - Rejected, at the first option: a `choice` with no `default` (or
      `default:` with no value) whose first option is a promoted target
      (`options: [production, staging]`): the form preselects it.
    - Rejected, at the input's key: no `required`, `type` or `options`;
      at the job's key: a job without `environment:`; at `inputs`
      (or `workflow_dispatch`, or `on`): no target input.

Bad:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          target:
            required: true
            type: choice
            options: [staging, production]
            default: production
    jobs:
      deploy:
        runs-on: ubuntu-latest
        environment: production
        steps:
          - run: echo deploy
    ```

Good:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          target:
            required: true
            type: choice
            options: [staging, production]
            default: staging
    jobs:
      deploy:
        runs-on: ubuntu-latest
        environment: ${{ inputs.target }}
        steps:
          - run: echo deploy
    ```
"""

from ..lint.expressions import find_expressions
from ..lint.placement import input_names
from ..lint.violation import flag_key, flag_value, with_hint
from ..lint.workflow import flag_missing_input

ID = "DG102"
NAME = "target-input"
SUMMARY = "A deploy names its target from a fixed choice; every job binds its environment to it."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Add a required choice input of the targets; `environment: ${{ inputs.target }}`."


def check_workflow(workflow, context):
    name = context.pack.deploy.target_input
    spec = workflow.dispatch_inputs.get(name)
    if spec is None:
        message = f"no `{name}` input: a deploy must name its target"
        violations = [flag_missing_input(workflow, message)]
    else:
        violations = list(_input_violations(workflow, name, spec, context.pack))
    for job in workflow.jobs:
        if "uses" not in job.body:  # a reusable-workflow call cannot take `environment:`
            violations.extend(_environment_violations(workflow, job, name))
    hint = f"Add a required choice input of the targets; `environment: ${{{{ inputs.{name} }}}}`."
    return with_hint(violations, hint)


def _input_violations(workflow, name, spec, pack):
    key_path = f"on.workflow_dispatch.inputs.{name}"
    inputs = workflow.dispatch_inputs_container
    wanted = {
        "required": (True, "must be required (`required: true`)"),
        "type": ("choice", "must be a `choice` of the pack's targets"),
    }
    for field, (value, message) in wanted.items():
        if field not in spec:
            yield flag_key(inputs, name, key_path, f"the `{name}` input {message}")
        elif spec[field] != value:
            yield flag_value(spec, field, f"{key_path}.{field}", f"the `{name}` input {message}")
    targets = set(pack.targets)
    options = spec.get("options")
    listed = {str(o) for o in options} if isinstance(options, list) else None
    if "options" not in spec:
        yield flag_key(inputs, name, key_path, f"the `{name}` input has no options")
    elif listed != targets:
        message = f"the `{name}` options must be exactly the pack's targets: {sorted(targets)}"
        yield flag_key(spec, "options", f"{key_path}.options", message)
    promoted = {t.name for t in pack.targets.values() if t.promoted_from}
    default = spec.get("default")
    if default is not None and str(default) in promoted:
        message = f"the default `{default}` deploys a promoted target on one click"
        yield flag_value(spec, "default", f"{key_path}.default", message)
    elif default is None and spec.get("type") == "choice" and isinstance(options, list):
        # GitHub's "Run workflow" form preselects the first option when there is no default.
        if options and str(options[0]) in promoted:
            message = (
                f"with no default, GitHub preselects the first option `{options[0]}`: "
                "a promoted target on one click"
            )
            yield flag_value(options, 0, f"{key_path}.options[0]", message)


def _environment_violations(workflow, job, name):
    jobs = workflow.document["jobs"]
    if "environment" not in job.body:
        message = f"job {job.id} has no `environment:` bound to the `{name}` input"
        yield flag_key(jobs, job.id, job.key_path, message)
        return
    holder, key, key_path = job.body, "environment", f"{job.key_path}.environment"
    if isinstance(job.body["environment"], dict) and "name" in job.body["environment"]:
        holder, key, key_path = job.body["environment"], "name", f"{key_path}.name"
    value = holder[key]
    bound = isinstance(value, str) and _is_one_expression(value) and name in input_names(value)
    if not bound:
        message = f"job {job.id}'s environment must be `${{{{ inputs.{name} }}}}`"
        yield flag_value(holder, key, key_path, message)


def _is_one_expression(value):
    """Whether a value is exactly one `${{ }}` and nothing around it."""
    found = find_expressions(value.strip())
    return (
        len(found) == 1
        and found[0].closed
        and found[0].start == 0
        and (found[0].end == len(value.strip()))
    )
