"""The deploy pulls prebuilt images and never builds them.

Rationale:
    Images built on the VM (`docker-compose build`, `up --build`) are not the
    images the build workflow tested and pushed, and their tag no longer maps
    to one commit. The deploy pulls the `sha-<7 hex>` images
    the build workflow pushed.

Remediation:
    Run `docker compose pull` before `docker compose up -d --force-recreate`,
    and remove every build from the deploy workflow.

Accepts / rejects:
    What it sees: every script a step runs (its `run:`, or the script input
    of a catalogued action, such as an SSH action's `script:`), nested
    scripts included (ssh heredocs, `ssh host '...'`, `gcloud compute ssh
    --command`, `bash -c`), wrappers taken off (`sudo -u USER`, `env`,
    `nohup`, `time`); what `echo` or `printf` prints and comments are not
    commands. Not seen: scripts in files the step runs (`bash deploy.sh`),
    shell functions and aliases.
    - Rejected, at the command: `docker build`, `docker buildx build|bake`,
      `docker image build`, `docker compose build`, `docker-compose build`.
    - Rejected, at the `up` word: `docker compose ... up --build`, and an `up`
      with no `docker compose pull` / `docker-compose pull` before it (earlier
      in the same script, or in an earlier step or upstream job).
    - Rejected, at `uses`: a `docker/build-push-action` step.
    - Accepted as the pull: `compose pull`, or `up --pull always` itself.
    - Not seen: builds in script files (`./deploy.sh`) or behind variables.

Bad:
    ```yaml
    - run: |
        ssh "$VM" 'cd /opt/catscan && docker-compose build && docker-compose up -d'
    ```

Good:
    ```yaml
    - run: |
        ssh "$VM" bash -s <<'REMOTE'
        cd /opt/catscan
        docker compose -f docker-compose.gcp.yml pull
        docker compose -f docker-compose.gcp.yml up -d --force-recreate
        REMOTE
    ```
"""

from ..lint.bash import compose_invocation, docker_invocation
from ..lint.placement import unique, workflow_commands
from ..lint.violation import flag_value

ID = "DG107"
NAME = "prebuilt-images"
SUMMARY = "The deploy pulls prebuilt images and never builds them."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Use `docker compose pull` then `up -d --force-recreate`; build nothing on deploy."


def check_workflow(workflow, context):
    violations = []
    for step in workflow.steps:
        if step.uses and step.uses.split("@")[0] == "docker/build-push-action":
            message = "the deploy builds an image (docker/build-push-action)"
            violations.append(flag_value(step.body, "uses", f"{step.key_path}.uses", message))
    first_pull = {}  # step key path -> index of its first pull command
    commands = []  # (placed, compose subcommand, its arguments) of docker commands
    for placed in workflow_commands(workflow):
        compose = compose_invocation(placed.command)
        if compose is not None:
            arguments = tuple(word.shown for word in compose.args)
            commands.append((placed, compose.subcommand, arguments))
        elif _docker_build(placed.command):
            commands.append((placed, "build", ()))
    for placed, subcommand, arguments in commands:
        if subcommand == "pull" or subcommand == "up" and _pulls(arguments):
            first_pull.setdefault(placed.step.key_path, placed.index)
    pulled = _PullsBefore(workflow, first_pull)
    for placed, subcommand, arguments in commands:
        if subcommand == "build":
            violations.append(placed.flag("the deploy builds images instead of pulling them"))
        elif subcommand == "up":
            if "--build" in arguments:
                violations.append(placed.flag_up("`up --build` builds images on the deploy"))
            elif not pulled.before(placed):
                message = "containers are brought up without `docker compose pull` first"
                violations.append(placed.flag_up(message))
    return unique(violations)


class _PullsBefore:
    """Whether a pull runs before a command: earlier in its step, in an earlier step of
    its job, or in a job it needs. Answered from per-job prefixes (linear in the steps)."""

    def __init__(self, workflow, first_pull):
        self.first_pull = first_pull
        self.earlier_in_job = {}  # step key path -> a pull in an earlier step of the job
        self.job_pulls = {}
        for job in workflow.jobs:
            seen = False
            for step in job.steps:
                self.earlier_in_job[step.key_path] = seen
                seen = seen or step.key_path in first_pull
            self.job_pulls[job.id] = seen
        self.upstream_pulls = {
            job.id: any(self.job_pulls.get(u.id) for u in workflow.upstream(job))
            for job in workflow.jobs
        }

    def before(self, placed):
        step = placed.step
        if self.first_pull.get(step.key_path, placed.index + 1) <= placed.index:
            return True
        return self.earlier_in_job.get(step.key_path, False) or self.upstream_pulls.get(
            step.job_id, False
        )


def _docker_build(command):
    """`docker build`, `docker buildx build|bake`, `docker image build`."""
    docker = docker_invocation(command)
    if docker is None:
        return False
    return (
        docker.subcommand == "build"
        or docker.subcommand == "buildx"
        and any(word.text == "bake" for word in docker.args[:1])
    )


def _pulls(up_arguments):
    for index, argument in enumerate(up_arguments):
        if argument == "--pull=always":
            return True
        if argument == "--pull" and up_arguments[index + 1 : index + 2] == ("always",):
            return True
    return False
