"""Before a production deploy, a step checks that staging already runs the commit.

Rationale:
    The manual's rule is "deploy to staging first, verify, then deploy to
    production". A production deploy of a commit staging
    never ran healthy skips the only rehearsal.

Remediation:
    Before the step that runs `docker compose up`, add (for production)
    `driftgate verify --target staging --expected-sha "$GITHUB_SHA" --groups health`,
    or `driftgate verify --target production --groups promotion`.

Accepts / rejects:
    What it sees: every script a step runs (its `run:`, or the script input
    of a catalogued action, such as an SSH action's `script:`), nested
    scripts included (ssh heredocs, `ssh host '...'`, `gcloud compute ssh
    --command`, `bash -c`), wrappers taken off (`sudo -u USER`, `env`,
    `nohup`, `time`); what `echo` or `printf` prints and comments are not
    commands. Not seen: scripts in files the step runs (`bash deploy.sh`),
    shell functions and aliases.
    For every pack target with `promoted_from` (Cat-Scan: production, from
    staging), a check must run BEFORE the first `docker compose ... up`
    (earlier in that script, earlier in the job, or in a job it needs).
    Silent when no step runs `up`, or when the target input's `options`
    leave the promoted target out (a staging-only deploy workflow).
    - Accepted: `driftgate verify --target <source>` (staging) whose groups
      include health, with no `--expected-sha` (it defaults to GITHUB_SHA) or
      one using `GITHUB_SHA`/`github.sha`.
    - Accepted: `driftgate verify` whose groups include `promotion` and whose
      `--target` is the promoted target (production), the target input
      (`${{ inputs.target }}`) or a shell variable (`"$TARGET"`): for
      production it checks staging first.
    - Accepted: a curl/wget/httpie of a URL holding the source target's host
      (from its base_url) or VM name and the pack's health path, in a step that
      compares the answer with the commit and can fail (as DG109 accepts).
    - Rejected, on the check: a `||` fallback that swallows it,
      `continue-on-error`, and (at the `if:`) a step `if:` that names targets
      but never admits the promoted one (e.g. `inputs.target == 'staging'`).
    - Rejected, at the `up` word of the first `up`: no accepted check before it.
    The issue's "`driftgate verify` run for production (which checks staging
    first) satisfies it" is read with its "before": the post-deploy gate after
    `up` checks promotion too, but by then production already runs the commit.

Bad:
    ```yaml
    - name: Deploy
      run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
    ```

Good:
    ```yaml
    - name: Staging already runs this commit
      if: inputs.target == 'production'
      run: driftgate verify --target staging --expected-sha "$GITHUB_SHA" --groups health
    - name: Deploy
      run: ssh "$VM" 'docker compose pull && docker compose up -d --force-recreate'
    ```
"""

import re
from urllib.parse import urlsplit

from ..lint.deploy_checks import (
    COMMIT_SHA,
    Check,
    health_checks,
    is_health_fetch,
    option_value,
    run_with,
    verify_arguments,
    verify_groups,
)
from ..lint.placement import commands_before, unique, up_commands
from ..lint.violation import flag_value, with_hint

ID = "DG112"
NAME = "staging-first"
SUMMARY = "Before a production deploy, a step checks that staging already runs the commit."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = 'Before `up`, run `driftgate verify --target staging --expected-sha "$GITHUB_SHA"`.'


def check_workflow(workflow, context):
    pack = context.pack
    ups = up_commands(workflow)
    if not ups:
        return []
    before = commands_before(workflow, ups[0])
    violations = []
    for target in pack.targets.values():
        if not target.promoted_from or not _can_deploy(workflow, pack, target):
            continue
        source = pack.targets[target.promoted_from]
        checks = list(_checks(workflow, before, pack, source, target))
        if any(not check.problems for check in checks):
            continue
        hint = (
            f"Before `up`, run `driftgate verify --target {source.name} "
            '--expected-sha "$GITHUB_SHA"`.'
        )
        if checks:
            problems = [problem for check in checks for problem in check.problems]
            violations.extend(with_hint(problems, hint))
        else:
            message = (
                f"before a {target.name} deploy, no step checks that {source.name} runs the commit"
            )
            violations.append(ups[0].flag_up(message)._replace(hint=hint))
    return unique(violations)


def _checks(workflow, commands, pack, source, target):
    host = urlsplit(source.base_url).hostname or source.name
    markers = [m for m in (host, source.vm) if m]

    def is_fetch(command):
        if not is_health_fetch(command, pack.health_path):
            return False
        return any(m in word.shown for word in run_with(command) for m in markers)

    wanted = frozenset({"health", "promotion"})
    for check in health_checks(workflow, commands, is_fetch, wanted):
        arguments = verify_arguments(check.placed.command)
        if arguments is not None and not _checks_source(arguments, source, target):
            continue
        problems = list(check.problems)
        condition = check.placed.step.body.get("if")
        if condition is not None and _skips(str(condition), pack, target):
            where = check.placed.step
            message = f"this check's `if:` never runs it for {target.name}"
            problems.append(flag_value(where.body, "if", f"{where.key_path}.if", message))
        yield Check(check.placed, tuple(problems))


def _can_deploy(workflow, pack, target):
    """False only when the target input's options leave the promoted target out."""
    spec = workflow.dispatch_inputs.get(pack.deploy.target_input)
    options = spec.get("options") if spec is not None else None
    return not isinstance(options, list) or target.name in map(str, options)


def _checks_source(arguments, source, target):
    """verify --target <source> for health, or verify for the promoted target with promotion."""
    named = option_value(arguments, "--target", "--dg-target") or ""
    sha = option_value(arguments, "--expected-sha", "--dg-expected-sha")
    chosen = verify_groups(arguments)
    if named == source.name:
        return "health" in chosen and (sha is None or bool(COMMIT_SHA.search(sha)))
    variable = named.startswith("$") or "inputs." in named
    return "promotion" in chosen and (named == target.name or variable)


def _skips(condition, pack, target):
    """An `if:` that compares with target names but never admits the promoted one."""
    names = [name for name in pack.targets if re.search(rf"['\"]{re.escape(name)}['\"]", condition)]
    if not names:
        return False
    admits = re.search(rf"==\s*['\"]{re.escape(target.name)}['\"]", condition)
    excludes_others = any(
        re.search(rf"!=\s*['\"]{re.escape(n)}['\"]", condition) for n in names if n != target.name
    )
    return not (admits or excludes_others)
