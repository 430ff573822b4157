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
      `cmp` or a command with `=`/`==`/`!=` uses `GITHUB_SHA`/`github.sha` (or
      a shell variable assigned from it, also through `$(...)`) and can fail.
    - Rejected, at the fallback: a `||` fallback that does not `exit N`
      (N != 0) or `false` (`|| true`, `|| echo`, `|| :`, `|| exit 0`) after
      `driftgate verify` or the SHA comparison, after the pipeline it ends, or
      after the command carrying it (`gcloud compute ssh --command "curl ..."
      || echo`). A fallback on the fetch alone (`sha=$(curl ...) || true` in a
      polling loop) is tolerated when the comparison can fail: an empty answer
      fails it.
    - Rejected, at the comparison: a SHA comparison only tested by `if`,
      `while`, `until` or `!`, or run after `set +e`, with no later
      `exit N`/`false` in the script.
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

from bisect import bisect_right

from ..lint.deploy_checks import health_checks, is_health_fetch
from ..lint.placement import container_starts, runs_on_success, unique, workflow_commands

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

    last_per_step = {}
    for placed in container_starts(workflow):
        last_per_step[placed.step.key_path] = placed
    if not last_per_step:
        return []
    # Every check of the workflow, found once; then, per start, what runs after it is
    # read from per-job suffixes (linear, however many deploy steps a workflow has).
    checks = list(health_checks(workflow, workflow_commands(workflow), is_fetch))
    index = _ChecksByJob(workflow, checks)
    violations = []
    for last_up in last_per_step.values():
        success_only = runs_on_success(workflow, last_up.step)  # else a rollback's start
        if index.clean_after(last_up, success_only):
            continue
        problems = index.new_problems_after(last_up, success_only)
        if problems is not None:
            violations.extend(problems)
            continue
        message = "no check of health and the deployed SHA runs after the containers are brought up"
        if index.relevant_before(last_up):
            message += " (a check before `up` does not count)"
        violations.append(last_up.flag_up(message))
    return unique(violations)


def _order(placed):
    return (placed.step.index, placed.index)


class _ChecksByJob:
    """The health checks of each job in order, with suffix answers: is there a check
    without problems after a spot (among all checks, or those on the success path)."""

    def __init__(self, workflow, checks):
        self.workflow = workflow
        self.by_job = {}
        for check in sorted(checks, key=lambda c: _order(c.placed)):
            self.by_job.setdefault(check.placed.step.job_id, []).append(check)
        self.keys = {job: [_order(c.placed) for c in found] for job, found in self.by_job.items()}
        self.clean = {}  # (job, success_only) -> suffix: a check without problems from k on
        self.any = {}  # (job, success_only) -> suffix: a counted check from k on
        for job, found in self.by_job.items():
            for success_only in (False, True):
                clean_from, any_from = [False] * (len(found) + 1), [False] * (len(found) + 1)
                for k in range(len(found) - 1, -1, -1):
                    counted = self._is_counted(found[k], success_only)
                    clean_from[k] = clean_from[k + 1] or (counted and not found[k].problems)
                    any_from[k] = any_from[k + 1] or counted
                self.clean[(job, success_only)] = clean_from
                self.any[(job, success_only)] = any_from
        self.downstream = {}
        for job in workflow.jobs:
            for upstream in workflow.upstream(job):
                self.downstream.setdefault(upstream.id, []).append(job.id)
        self.emitted_from = {}  # (job, success_only) -> the first check already emitted
        self.emitted_jobs = set()  # (downstream job, success_only) whose problems are given

    def _position(self, up):
        keys = self.keys.get(up.step.job_id, [])
        return bisect_right(keys, _order(up))

    def clean_after(self, up, success_only):
        job = up.step.job_id
        if job in self.by_job and self.clean[(job, success_only)][self._position(up)]:
            return True
        return any(
            self.clean[(other, success_only)][0]
            for other in self.downstream.get(job, ())
            if other in self.by_job
        )

    def _is_counted(self, check, success_only):
        return not success_only or runs_on_success(self.workflow, check.placed.step)

    def new_problems_after(self, up, success_only):
        """The problems of the checks after `up` not given before (the checks after an
        earlier start of the job include these); None when no check runs after it."""
        job, start = up.step.job_id, self._position(up)
        later_jobs = [j for j in self.downstream.get(job, ()) if j in self.by_job]
        here = job in self.by_job and self.any[(job, success_only)][start]
        if not here and not any(self.any[(j, success_only)][0] for j in later_jobs):
            return None
        problems, own = [], self.by_job.get(job, [])
        stop = self.emitted_from.get((job, success_only), len(own))
        for check in own[start:stop]:  # each check of the job is read once in all
            if self._is_counted(check, success_only):
                problems.extend(check.problems)
        self.emitted_from[(job, success_only)] = min(start, stop)
        for other in later_jobs:
            if (other, success_only) not in self.emitted_jobs:
                self.emitted_jobs.add((other, success_only))
                for check in self.by_job[other]:
                    if self._is_counted(check, success_only):
                        problems.extend(check.problems)
        return problems

    def relevant_before(self, up):
        job, start = up.step.job_id, self._position(up)
        if any(check.relevant for check in self.by_job.get(job, [])[:start]):
            return True
        return any(
            check.relevant
            for upstream in self.workflow.upstream(self.workflow.job(job))
            for check in self.by_job.get(upstream.id, [])
        )
