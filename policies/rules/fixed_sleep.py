"""No fixed sleep of 30 s or more as the wait before a health check; poll instead.

Rationale:
    The manual's "wait 60 s, then curl" is both too slow (the new container
    usually answers within seconds) and too short (a slow start fails a good
    deploy), and the old container can still answer after it. A gate that
    polls until a deadline does neither.

Remediation:
    Remove the sleep; `driftgate verify` polls the health endpoint until the
    expected SHA answers healthy or its `--deadline` passes.

Accepts / rejects:
    What it sees: every script a step runs (its `run:`, or the script input
    of a catalogued action, such as an SSH action's `script:`), nested
    scripts included (ssh heredocs, `ssh host '...'`, `gcloud compute ssh
    --command`, `bash -c`), wrappers taken off (`sudo -u USER`, `env`,
    `nohup`, `time`); what `echo` or `printf` prints and comments are not
    commands. Not seen: scripts in files the step runs (`bash deploy.sh`),
    shell functions and aliases.
    - Warned, at the `sleep`: a `sleep` with literal durations (`60`, `1m`,
      `1.5m`, `90s`, `1h`, several summed: `sleep 1m 30s`) totalling at least
      the `min_seconds` option (default 30), that runs after a
      `docker compose ... up` or a restart (`docker restart`, `docker compose
      restart`, `systemctl restart`; later in that script, or a later step) and
      before a health check (`driftgate verify`, or a curl/wget/httpie of a URL
      holding the pack's health path). Nested scripts count
      (policies/lint/bash); so does a long sleep inside a polling loop.
    - Not warned: shorter sleeps (poll intervals), a variable duration
      (`sleep "$WAIT"`), sleeps before `up` or with no health check after
      them, `timeout N ...`.

Bad:
    ```yaml
    - run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
    - run: sleep 60 && curl -fsS http://localhost:8000/health
    ```

Good:
    ```yaml
    - run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
    - run: driftgate verify --target "$TARGET" --expected-sha "$GITHUB_SHA" --deadline 120
    ```
"""

import re

from ..lint.deploy_checks import is_health_fetch, verify_arguments
from ..lint.placement import commands_after, first_start_per_step, unique

ID = "DG113"
NAME = "fixed-sleep"
SUMMARY = "No fixed sleep of 30 s or more as the wait before a health check; poll instead."
SEVERITY = "warning"
APPLIES_TO = "deploy"
OPTIONS = {"min_seconds": 30}
REMEDIATION = "Replace the sleep with `driftgate verify`, which polls until a deadline."

DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def check_workflow(workflow, context):
    minimum = float(context.options.get("min_seconds", OPTIONS["min_seconds"]))
    violations = []
    # The first start of each job is enough: what runs after a later start of the same
    # job also runs after the first, so its sleeps are among the first one's (one pass
    # per job, not per step: linear in a workflow of thousands of deploy steps).
    firsts = {}
    for up in first_start_per_step(workflow):
        firsts.setdefault(up.step.job_id, up)
    for up in firsts.values():
        commands = commands_after(workflow, up)
        # Only a sleep before the last health check waits for one: find it from the end.
        last_check = next(
            (
                index
                for index in range(len(commands) - 1, -1, -1)
                if _is_health_check(commands[index].command, context)
            ),
            0,
        )
        for placed in reversed(commands[:last_check]):
            seconds = sleep_seconds(placed.command)
            if seconds is not None and seconds >= minimum:
                message = f"fixed `sleep` of {seconds:g} s before the health check; poll instead"
                violations.append(placed.flag(message))
    return unique(violations)


def sleep_seconds(command):
    """Seconds of a `sleep` with literal durations, else None.

    >>> from driftgate.policies.lint.bash import read_script
    >>> [sleep_seconds(c) for c in read_script('sleep 1m 30s; sleep "$WAIT"').commands]
    [90.0, None]
    """
    if command.program != "sleep" or len(command.words) < 2:
        return None
    total = 0.0
    for argument in command.argv[1:]:
        match = DURATION.fullmatch(argument) if argument is not None else None
        if match is None:
            return None
        total += float(match.group(1)) * UNIT_SECONDS[match.group(2)]
    return total


def _is_health_check(command, context):
    health_path = context.pack.health_path
    return verify_arguments(command) is not None or is_health_fetch(command, health_path)
