"""Free-text dispatch inputs never reach a script through `${{ }}`.

Rationale:
    GitHub pastes `${{ inputs.reason }}` into the script text before the shell
    runs it, so whoever can dispatch the workflow can run commands in a job
    that holds production credentials (in the real deploy workflow, `reason`, a
    wait-seconds input and an `image_tag` input were interpolated so).

Remediation:
    Pass the input through `env:` and quote it in the script:
    `env: {REASON: ${{ inputs.reason }}}` then `echo "$REASON"`.

Accepts / rejects:
    Free-text inputs are the `workflow_dispatch` inputs of `type: string`,
    with no type, or with a type GitHub does not know (`type: text`: failing
    safe); choice, boolean, number and environment inputs are not free text.
    Context and input names compare ignoring case, as GitHub does.
    What it sees: every `${{ }}` of every script a step runs (its `run:` in any
    shell, or the script input of a catalogued action: an SSH action's
    `script:`, `actions/github-script`'s `script:`), parsed as an expression.
    - Rejected, at the `${{` of the expression (its line inside a `run: |`
      block): an expression whose value can carry a free-text input:
      `inputs.X`, `github.event.inputs.X`, `inputs['X']`, through `format()`,
      `join()`, `a || b`, and the whole context (`toJSON(inputs)`,
      `toJSON(github.event.inputs)`, `toJSON(github.event)`). An expression
      that does not parse is read as using every input it names.
    - Accepted: a comparison or test of the input (`inputs.x == 'a'`,
      `contains(inputs.x, 'y')`: its value is true or false); the same
      expression in `env:`, `with:` of other actions, `name:`, `if:` or
      `concurrency:`; a choice/boolean/number/environment input in a script;
      `$REASON` from the environment.
    - Not seen: a script read from a file the step runs (`bash deploy.sh`).

Bad:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          reason:
            type: string
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - run: echo "reason ${{ github.event.inputs.reason }}"
    ```

Good:
    ```yaml
    on:
      workflow_dispatch:
        inputs:
          reason:
            type: string
    jobs:
      deploy:
        runs-on: ubuntu-latest
        steps:
          - env:
              REASON: ${{ inputs.reason }}
            run: echo "reason $REASON"
    ```
"""

import re
from dataclasses import fields, is_dataclass, replace
from functools import lru_cache

from ..lint.expressions import (
    ExpressionError,
    Property,
    exposes,
    find_expressions,
    parse_expression,
)
from ..lint.violation import flag_text
from ..lint.workflow import INPUT_REFERENCE, is_free_text

ID = "DG105"
NAME = "input-injection"
SUMMARY = "Free-text dispatch inputs never reach a script through `${{ }}`."
SEVERITY = "error"
APPLIES_TO = "workflow"
OPTIONS = {}
REMEDIATION = 'Pass the input through `env:` and quote it: `"$REASON"`.'

# GitHub reads context and property names in any case: `${{ INPUTS.Reason }}` works.
ANY_CASE_REFERENCE = re.compile(INPUT_REFERENCE.pattern, re.IGNORECASE)


def check_workflow(workflow, context):
    free_text = [n for n, spec in workflow.dispatch_inputs.items() if is_free_text(spec)]
    if not free_text:
        return
    for job in workflow.jobs:
        for step in job.steps:
            if step.script is not None and "${{" in step.script:
                yield from _pasted(step.script, step.script_path, free_text)


def _pasted(script, key_path, free_text):
    for found in find_expressions(script):
        names = _exposed(found, free_text)
        if not names:
            continue
        listed = ", ".join(f"`{name}`" for name in names)
        noun = "input" if len(names) == 1 else "inputs"
        message = f"free-text {noun} {listed} pasted into the script: shell injection"
        variable = re.sub(r"\W", "_", names[0].upper())
        hint = f'Pass the input through `env:` and quote it: `"${variable}"`.'
        yield flag_text(script, found.start, key_path, message)._replace(hint=hint)


def _exposed(found, free_text):
    """The free-text inputs whose data the expression's value can carry (in input order).

    A comparison or test (`inputs.x == 'a'`, `contains(inputs.x, 'y')`) gives true or
    false, not the input; `toJSON(inputs)` and `toJSON(github.event)` carry them all. An
    expression that does not parse (or is never closed) is read as using every input
    it names: failing safe."""
    return list(_exposed_by(found.source, found.closed, tuple(free_text)))


# The answer depends on the expression's text only (not where it stands), and a few
# expressions recur in step after step: `${{ inputs.target }}`...
@lru_cache(maxsize=1024)
def _exposed_by(source, closed, free_text):
    try:
        if not closed:
            raise ExpressionError("never closed", 0)
        node = _lowered(parse_expression(source))
    except ExpressionError:
        named = {(m.group(1) or m.group(2)).lower() for m in ANY_CASE_REFERENCE.finditer(source)}
        return tuple(name for name in free_text if name.lower() in named)
    return tuple(
        name
        for name in free_text
        if exposes(node, ("inputs", name.lower()))
        or exposes(node, ("github", "event", "inputs", name.lower()))
    )


def _lowered(node):
    """The expression with property names in lower case (GitHub ignores their case)."""
    if not is_dataclass(node):
        return node
    changes = {}
    for field in fields(node):
        value = getattr(node, field.name)
        if is_dataclass(value):
            changes[field.name] = _lowered(value)
        elif isinstance(value, tuple) and value and is_dataclass(value[0]):
            changes[field.name] = tuple(_lowered(v) for v in value)
    if isinstance(node, Property):
        changes["name"] = node.name.lower()
    return replace(node, **changes) if changes else node
