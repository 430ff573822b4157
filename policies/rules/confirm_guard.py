"""Every deploy job runs only when the dispatcher typed the confirm word.

Rationale:
    Typing `DEPLOY` in a `confirm` input is the deliberate act that stands
    between a misclick and a production deploy. A default of
    `DEPLOY`, or a job that runs without checking it, removes that act.

Remediation:
    Add a required `confirm` input (the pack's deploy.confirm_input) with no
    default, and give every job `if: inputs.confirm == 'DEPLOY'` (the pack's
    confirm word), or make it need a job that has it.

Accepts / rejects:
    - Accepted input: `required: true`, and no `default` or one that is not
      the confirm word. GitHub compares strings ignoring case, so a default
      of `deploy` counts as the word.
    - A job is guarded when its own `if:` (with or without `${{ }}`) is a
      chain of `&&` conditions, one of them `inputs.confirm == 'DEPLOY'`
      (also `github.event.inputs.confirm`, `inputs['confirm']`, either side of
      `==`, either quote, the word in any case), or when it needs a guarded job
      and its `if:` does not run it anyway (`always()`, `failure()`,
      `cancelled()` run a job whose needs were skipped). Needs are followed
      transitively.
    - Rejected, at the job's `if:` (or its key when it has none): an
      unguarded job; an `if:` holding `||` is not a guard (either side can
      let the job run).
    - Rejected, at the value: `required` not true, a default equal to the
      word; at the input's key: no `required`; at `inputs` (or
      `workflow_dispatch`, or `on`): no confirm input.

Bad:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          confirm:
            required: true
            type: string
            default: DEPLOY
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - run: echo deploy
    ```

Good:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          confirm:
            description: Type DEPLOY to confirm
            required: true
            type: string
    jobs:
      deploy:
        if: inputs.confirm == 'DEPLOY'
        runs-on: ubuntu-latest
        steps:
          - run: echo deploy
      announce:
        needs: deploy
        runs-on: ubuntu-latest
        steps:
          - run: echo done
    ```
"""

import re

from ..lint.violation import flag_key, flag_value, with_hint
from ..lint.workflow import flag_missing_input, runs_despite_needs

ID = "DG103"
NAME = "confirm-guard"
SUMMARY = "Every deploy job runs only when the dispatcher typed the confirm word."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Require a `confirm` input and give every job `if: inputs.confirm == 'DEPLOY'`."


def check_workflow(workflow, context):
    name, word = context.pack.deploy.confirm_input, context.pack.deploy.confirm_word
    violations = list(_input_violations(workflow, name, word))
    guarded = _guarded_jobs(workflow, _guard(name, word))
    jobs = workflow.document.get("jobs")
    for job in workflow.jobs:
        if job.id in guarded:
            continue
        message = f"job {job.id} runs without `{name} == '{word}'` in its `if:` or its needs"
        if "if" in job.body:
            violations.append(flag_value(job.body, "if", f"{job.key_path}.if", message))
        else:
            violations.append(flag_key(jobs, job.id, job.key_path, message))
    hint = f"Require a `{name}` input and give every job `if: inputs.{name} == '{word}'`."
    return with_hint(violations, hint)


def _input_violations(workflow, name, word):
    spec = workflow.dispatch_inputs.get(name)
    if spec is None:
        yield flag_missing_input(workflow, f"no `{name}` input: a deploy must be confirmed")
        return
    key_path = f"on.workflow_dispatch.inputs.{name}"
    if "required" not in spec:
        message = f"the `{name}` input must be required (`required: true`)"
        yield flag_key(workflow.dispatch_inputs_container, name, key_path, message)
    elif spec["required"] is not True:
        message = f"the `{name}` input must be required (`required: true`)"
        yield flag_value(spec, "required", f"{key_path}.required", message)
    default = spec.get("default")
    if isinstance(default, str) and default.strip().lower() == word.lower():
        message = f"the `{name}` default is the confirm word: nobody has to type it"
        yield flag_value(spec, "default", f"{key_path}.default", message)


def _guard(name, word):
    """A regex for one `inputs.<name> == '<word>'` condition, either way round."""
    key = re.escape(name)
    ref = rf"(?:github\.event\.)?inputs(?:\.{key}(?![\w-])|\[\s*['\"]{key}['\"]\s*\])"
    literal = rf"(?:'{re.escape(word)}'|\"{re.escape(word)}\")"
    return re.compile(rf"\(*\s*(?:{ref}\s*==\s*{literal}|{literal}\s*==\s*{ref})\s*\)*", re.I)


def _checks_confirm(condition, guard):
    if not isinstance(condition, str):
        return False
    text = condition.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if "||" in text:
        return False
    return any(guard.fullmatch(part.strip()) for part in text.split("&&"))


def _guarded_jobs(workflow, guard):
    """Ids of the jobs that run only after the confirm word was checked."""
    guarded = {job.id for job in workflow.jobs if _checks_confirm(job.body.get("if"), guard)}
    changed = True
    while changed:  # follow needs transitively; a fixed point, so cycles end
        changed = False
        for job in workflow.jobs:
            if job.id in guarded or runs_despite_needs(job):
                continue
            if any(need in guarded for need in job.needs):
                guarded.add(job.id)
                changed = True
    return guarded
