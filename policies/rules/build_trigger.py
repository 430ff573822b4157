"""The build workflow runs on every push to each of the pack's release branches.

Rationale:
    Deploys pull prebuilt images tagged with the commit; a
    release-branch commit whose push built nothing cannot be deployed, and
    the manual and the code disagree on the branch (`unified-platform`,
    `main`), so the pack lists every branch that must build.

Remediation:
    Add `on: push: branches: [...]` naming every release branch of the pack,
    with no `paths` filter.

Accepts / rejects:
    - Accepted: `on: push` (string or list form), `push:` with no filter, or
      `branches:` patterns matching each release branch. Patterns follow
      GitHub's: `*` matches within one path segment, `**` across them, `?`/`+`
      zero-or-one/one-or-more of the character before, `[...]` a range; a
      later `!pattern` excludes; `branches-ignore` excludes.
    - Rejected, at `on`: no push trigger.
    - Rejected, at the filter's key: a release branch not matched by `branches` or
      excluded (`branches-ignore`, `!pattern`); only `tags:` (a push of a
      branch then builds nothing); `paths` / `paths-ignore` (a commit touching
      other files is never built).
    - A pack with `build.trigger: dispatch` asks the opposite: only
      `workflow_dispatch` (another trigger is rejected at its key), a required
      confirm input whose default is not the word, and every job that pushes
      images guarded by `if: inputs.confirm == '<word>'` (its own or a needed
      job's; rejected at the job's `if:` or key). See policies/build_dispatch.py.

Bad:
    ```yaml
    on:
      push:
        branches: [develop]
    jobs: {}
    ```

Good:
    ```yaml
    on:
      push:
        branches: [unified-platform, main]
    jobs: {}
    ```
"""

import re

from ..build_dispatch import dispatch_violations
from ..lint.violation import Violation, flag_key

ID = "DG201"
NAME = "build-trigger"
SUMMARY = "The build workflow runs on every push to each of the pack's release branches."
SEVERITY = "error"
APPLIES_TO = "build"
OPTIONS = {}
REMEDIATION = "Trigger the build with `on: push: branches: [<every release branch>]`."


def check_workflow(workflow, context):
    if context.pack.build.trigger == "dispatch":  # a person dispatches and confirms the build
        return dispatch_violations(workflow, context.pack.build)
    branches = context.pack.release_branches
    push = workflow.trigger("push")
    if push is None:
        message = f"the build never runs on push to {', '.join(branches)}"
        if "on" in workflow.document:
            return [flag_key(workflow.document, "on", "on", message)]
        return [Violation(message, 1, 1, "on")]
    config = push.config
    if config is None:
        return []
    violations = []
    for key in ("paths", "paths-ignore"):
        if key in config:
            message = f"`{key}` skips commits: every release-branch push must build"
            violations.append(flag_key(config, key, f"{push.key_path}.{key}", message))
    missed = [b for b in branches if not _builds(config, b)]
    if missed:
        key = next((k for k in ("branches", "branches-ignore", "tags") if k in config), None)
        message = f"a push to {', '.join(missed)} does not build"
        if key is None:  # only other filters: not reached (no filter builds every branch)
            violations.append(flag_key(push.container, push.key, push.key_path, message))
        else:
            violations.append(flag_key(config, key, f"{push.key_path}.{key}", message))
    return violations


def _builds(config, branch):
    """Whether a push to `branch` runs the workflow, per GitHub's branch filters."""
    if "branches-ignore" in config:
        return not any(_matches(p, branch) for p in _patterns(config["branches-ignore"]))
    if "branches" not in config:
        return "tags" not in config and "tags-ignore" not in config
    included = False
    for pattern in _patterns(config["branches"]):
        if pattern.startswith("!"):
            included = included and not _matches(pattern[1:], branch)
        elif _matches(pattern, branch):
            included = True
    return included


def _patterns(value):
    if isinstance(value, str):
        return [value]
    return [str(p) for p in value] if isinstance(value, list) else []


def _matches(pattern, branch):
    regex = ""
    for token in re.findall(r"\*\*|\*|[^*]+", pattern):
        # `?` and `+` quantify the character before them; `[...]` is a range, as in GitHub
        literal = re.sub(r"\\([?+\[\]-])", r"\1", re.escape(token))
        regex += {"**": ".*", "*": "[^/]*"}.get(token, literal)
    return re.fullmatch(regex, branch) is not None
