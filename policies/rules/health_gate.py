"""After `up`, a step checks health and the deployed SHA against the commit, and can fail.

Rationale:
    A deploy that never looks, or looks and cannot fail (`curl ... || echo`),
    reports success while the old SHA, or nothing, answers. Just after `up
    --force-recreate` the old container can still answer, so the check must
    compare the deployed SHA with the commit.

Remediation:
    Run `driftgate verify --target "$TARGET" --expected-sha "$GITHUB_SHA"`
    right after the step that runs `docker compose up`, with no `|| ...`
    fallback and no `continue-on-error`.

Accepts / rejects:
    For each deploy step (a step whose script, nested scripts included, runs
    `docker compose ... up` or restarts the containers: `docker restart`,
    `docker compose restart`, `systemctl restart`, `service NAME restart`), a
    check must run after its last such command: later in that script, later in
    the job, or in a job that needs that job.
    - Accepted: `driftgate verify` (or `python -m driftgate verify`) whose
      groups include `health` (no `--groups`, one listing health, or a literal
      DRIFTGATE_GROUPS in env: that does).
    - Accepted: a curl/wget/httpie command whose URL holds the pack's health
      path, in a step where a test (`[`, `[[`, `test`), `grep`, `jq`, `diff`,
      `cmp` or a command with `==`/`!=` uses `GITHUB_SHA`/`github.sha` (or a
      shell variable assigned from it) and can fail.
    - Rejected, at the fallback: a `||` fallback that does not `exit N`
      (N != 0) or `false` (`|| true`, `|| echo`, `|| :`, `|| exit 0`) after
      `driftgate verify` or the SHA comparison, after the pipeline it ends, or
      after the command carrying it (`gcloud compute ssh --command "curl ..."
      || echo`). A fallback on the fetch alone (`sha=$(curl ...) || true` in a
      polling loop) is tolerated when the comparison can fail: an empty answer
      fails it.
    - Rejected, at the comparison: a SHA comparison only tested by `if`,
      `while`, `until` or `!` with no later `exit N`/`false` in the script.
    - Rejected, at the key: `continue-on-error` not plainly false on the step
      or its job.
    - Rejected, at the fetch: a health fetch with no SHA comparison; at the
      command: `driftgate verify --groups` leaving out health.
    - Rejected, at the `up` word: no check after `up` (a check before it does
      not count, nor one in a step or job that runs only on failure:
      `if: failure()`).
    - Not checked: which target a `driftgate verify` names.

Bad:
    ```yaml
    - run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
    - run: sleep 60; curl -fsS http://localhost:8000/health || echo "health check failed"
    ```

Good:
    ```yaml
    - run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
    - run: driftgate verify --target "$TARGET" --expected-sha "$GITHUB_SHA"
    ```
"""

from ..lint.deploy_checks import health_checks, is_health_fetch
from ..lint.placement import (
    commands_after,
    commands_before,
    container_starts,
    runs_on_success,
    unique,
)

ID = "DG109"
NAME = "health-gate"
SUMMARY = "After `up`, a step checks health and the deployed SHA against the commit, and can fail."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = (
    'After `up`, run `driftgate verify --expected-sha "$GITHUB_SHA"` with no `|| ...` fallback.'
)


def check_workflow(workflow, context):
    def is_fetch(text):
        return is_health_fetch(text, context.pack.health_path)

    violations = []
    last_per_step = {}
    for placed in container_starts(workflow):
        last_per_step[placed.step.key_path] = placed
    for last_up in last_per_step.values():
        after = commands_after(workflow, last_up)
        if runs_on_success(workflow, last_up.step):  # else a rollback: its checks run on failure
            after = [c for c in after if runs_on_success(workflow, c.step)]
        checks = list(health_checks(workflow, after, is_fetch))
        if any(not check.problems for check in checks):
            continue
        if checks:
            violations.extend(problem for check in checks for problem in check.problems)
            continue
        message = "no check of health and the deployed SHA runs after the containers are brought up"
        earlier = health_checks(workflow, commands_before(workflow, last_up), is_fetch)
        if any(check.relevant for check in earlier):
            message += " (a check before `up` does not count)"
        violations.append(last_up.flag_up(message))
    return unique(violations)
