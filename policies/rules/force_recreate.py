"""The deploy brings containers up with `up -d --force-recreate`.

Rationale:
    Without `--force-recreate`, compose keeps a container whose configuration
    it thinks unchanged, so the old image can keep running after a deploy;
    without `-d` the step blocks on the containers' logs until the job times
    out (the release process: `docker compose up -d --force-recreate`).

Remediation:
    Run `docker compose -f <file> up -d --force-recreate` in the deploy step.

Accepts / rejects:
    What it sees: every script a step runs (its `run:`, or the script input
    of a catalogued action, such as an SSH action's `script:`), nested
    scripts included (ssh heredocs, `ssh host '...'`, `gcloud compute ssh
    --command`, `bash -c`), wrappers taken off (`sudo -u USER`, `env`,
    `nohup`, `time`); what `echo` or `printf` prints and comments are not
    commands. Not seen: scripts in files the step runs (`bash deploy.sh`),
    shell functions and aliases.
    Every `docker compose ... up` / `docker-compose ... up` command (`-f`,
    `-p`, `--project-directory` before `up` allowed):
    - Accepted: `-d` (or `--detach`, or a short flag cluster holding `d`) and
      `--force-recreate`, in any order, with any other options.
    - Rejected, at the `up` word: a missing `-d` or `--force-recreate`, and
      `--no-recreate`.
    - Rejected, at the `jobs` key: a deploy workflow with no `up` command at all
      (nothing brings the containers up).

Bad:
    ```yaml
    - run: ssh "$VM" 'docker compose pull && docker compose up -d'
    ```

Good:
    ```yaml
    - run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
    ```
"""

import re

from ..lint.bash import compose_invocation
from ..lint.placement import flag_missing, up_commands

ID = "DG108"
NAME = "force-recreate"
SUMMARY = "The deploy brings containers up with `up -d --force-recreate`."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Bring containers up with `docker compose up -d --force-recreate`."


def check_workflow(workflow, context):
    ups = up_commands(workflow)
    if not ups:
        yield flag_missing(workflow, "no step runs `docker compose up -d --force-recreate`")
    for placed in ups:
        arguments = [word.shown for word in compose_invocation(placed.command).args]
        missing = [flag for flag, present in _flags(arguments) if not present]
        if "--no-recreate" in arguments:
            yield placed.flag_up("`up --no-recreate` keeps the old containers")
        elif missing:
            yield placed.flag_up(f"`up` without {' and '.join(missing)}")


def _flags(arguments):
    detached = any(
        a in ("--detach", "--detach=true") or re.fullmatch(r"-[A-Za-z]*d[A-Za-z]*", a)
        for a in arguments
    )
    recreated = any(a in ("--force-recreate", "--force-recreate=true") for a in arguments)
    return (("-d", detached), ("--force-recreate", recreated))
