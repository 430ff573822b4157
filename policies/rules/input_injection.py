"""Free-text dispatch inputs never reach a script through `${{ }}`.

Rationale:
    GitHub pastes `${{ inputs.reason }}` into the script text before the shell
    runs it, so whoever can dispatch the workflow can run commands in a job
    that holds production credentials (SPEC section 4: `reason`, a
    wait-seconds input and an `image_tag` input were interpolated so).

Remediation:
    Pass the input through `env:` and quote it in the script:
    `env: {REASON: ${{ inputs.reason }}}` then `echo "$REASON"`.

Accepts / rejects:
    Free-text inputs are the `workflow_dispatch` inputs of `type: string`,
    with no type, or with a type GitHub does not know (`type: text`: failing
    safe); choice, boolean, number and environment inputs are not free text.
    Context and input names compare ignoring case, as GitHub does.
    - Rejected, at the `${{` of the expression (its line inside a `run: |`
      block): any `${{ }}` expression that uses a free-text input
      (`inputs.X`, `github.event.inputs.X`, `inputs['X']`, also inside a
      function call or a comparison) in a step's `run:` or in the `script:`
      of an `actions/github-script` step.
    - Accepted: the same expression in `env:`, `with:` of other actions,
      `name:`, `if:` or `concurrency:`; a choice/boolean/number input in a
      script; `$REASON` from the environment.

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

from ..lint.violation import flag_text
from ..lint.workflow import INPUT_REFERENCE, expressions, is_free_text

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
    free_text = {n.lower() for n, spec in workflow.dispatch_inputs.items() if is_free_text(spec)}
    if not free_text:
        return
    for job in workflow.jobs:
        for step in job.steps:
            for script, key_path in _scripts(step):
                yield from _pasted(script, key_path, free_text)


def _pasted(script, key_path, free_text):
    if "${{" not in script:
        return
    flagged = set()
    for offset, name in _references(script):
        if name.lower() in free_text and offset not in flagged:
            flagged.add(offset)
            message = f"free-text input `{name}` is pasted into the script: shell injection"
            variable = re.sub(r"\W", "_", name.upper())
            hint = f'Pass the input through `env:` and quote it: `"${variable}"`.'
            yield flag_text(script, offset, key_path, message)._replace(hint=hint)


def _references(script):
    """(offset of the `${{`, input name) of each input an expression uses, in any case."""
    for start, inner in expressions(script):
        for ref in ANY_CASE_REFERENCE.finditer(inner):
            yield start, ref.group(1) or ref.group(2)


def _scripts(step):
    """(script text, key path) of the script a step runs: its `run:` (any shell), or the
    script input of a catalogued action (an SSH action's `script:`, `actions/github-script`)."""
    if step.script is not None:
        yield step.script, step.script_path
