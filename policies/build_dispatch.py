"""A build a person dispatches and confirms (a pack with `build.trigger: dispatch`).

Such a build starts only from `workflow_dispatch`; its confirm input is
required and has no default that is the confirm word; and every job that
pushes images runs only when the input holds the word, compared in the job's
own `if:` or in that of a job it needs. Pure: the build-trigger rule (DG201)
asks it instead of checking the release-branch pushes.
"""

from .lint.images import image_uses
from .lint.violation import Violation, flag_key, flag_value, with_hint
from .lint.workflow import flag_missing_input, flag_trigger
from .rules.confirm_guard import _guard, _guarded_jobs

MANUAL = "workflow_dispatch"


def dispatch_violations(workflow, build):
    """The Violations of a build workflow against a pack's `build` settings (dispatch)."""
    name, word = build.confirm_input, build.confirm_word
    hint = f"Start the build only by {MANUAL}, with `if: inputs.{name} == '{word}'` on it."
    return with_hint(
        [*_trigger_violations(workflow), *_input_violations(workflow, name, word)]
        + _unguarded_pushes(workflow, name, word),
        hint,
    )


def _trigger_violations(workflow):
    document = workflow.document
    if "on" not in document:
        return [Violation(f"no `on:`: the build must start from {MANUAL}", 1, 1, "on")]
    violations = []
    for trigger in workflow.triggers:
        if trigger.name == MANUAL:
            continue
        message = f"trigger `{trigger.name}` builds images nobody dispatched: only {MANUAL}"
        violations.append(flag_trigger(workflow, trigger, message))
    if workflow.trigger(MANUAL) is None and not violations:
        message = f"`on:` has no {MANUAL}: the build must start from a manual dispatch"
        violations.append(flag_key(document, "on", "on", message))
    return violations


def _input_violations(workflow, name, word):
    if workflow.trigger(MANUAL) is None:
        return []
    spec = workflow.dispatch_inputs.get(name)
    if spec is None:
        return [flag_missing_input(workflow, f"no `{name}` input: a build must be confirmed")]
    key_path = f"on.{MANUAL}.inputs.{name}"
    message = f"the `{name}` input must be required (`required: true`)"
    if "required" not in spec:
        return [flag_key(workflow.dispatch_inputs_container, name, key_path, message)]
    violations = []
    if spec["required"] is not True:
        violations.append(flag_value(spec, "required", f"{key_path}.required", message))
    default = spec.get("default")
    if isinstance(default, str) and default.strip().lower() == word.lower():
        message = f"the `{name}` default is the confirm word: nobody has to type it"
        violations.append(flag_value(spec, "default", f"{key_path}.default", message))
    return violations


def _unguarded_pushes(workflow, name, word):
    guarded = _guarded_jobs(workflow, _guard(name, word))
    pushing = dict.fromkeys(u.spot.job_id for u in image_uses(workflow) if u.action == "push")
    jobs = workflow.document.get("jobs")
    violations = []
    for job_id in pushing:
        if job_id in guarded:
            continue
        job = workflow.job(job_id)
        message = f"job {job_id} pushes images without `{name} == '{word}'` in its `if:` or needs"
        if "if" in job.body:
            violations.append(flag_value(job.body, "if", f"{job.key_path}.if", message))
        else:
            violations.append(flag_key(jobs, job_id, job.key_path, message))
    return violations
