"""A post-deploy contract check runs, no input can skip it, its bypass defaults to false.

Rationale:
    The data contracts are the non-negotiable rules from import to API output.
    Versions of the real deploy had an input that let the dispatcher skip the
    check; ALLOW_CONTRACT_FAILURE is a temporary, audited bypass that must
    default to false.

Remediation:
    After `docker compose up`, run `driftgate verify` (contracts group on) or
    `scripts/contracts_check.py`, unconditionally, without `continue-on-error`
    or `|| ...`; set ALLOW_CONTRACT_FAILURE only as
    `${{ vars.ALLOW_CONTRACT_FAILURE || 'false' }}`.

Accepts / rejects:
    What it sees: every script a step runs (its `run:`, or the script input
    of a catalogued action, such as an SSH action's `script:`), nested
    scripts included (ssh heredocs, `ssh host '...'`, `gcloud compute ssh
    --command`, `bash -c`), wrappers taken off (`sudo -u USER`, `env`,
    `nohup`, `time`); what `echo` or `printf` prints and comments are not
    commands. Not seen: scripts in files the step runs (`bash deploy.sh`),
    shell functions and aliases.
    - Accepted contract checks, after the last `up` of the workflow (anywhere
      when nothing runs `up`): `driftgate verify` whose groups include
      `contracts` (no `--groups`, or one listing contracts), or a command
      naming the file of the pack's `deploy.contract_check` (Cat-Scan:
      `contracts_check.py`, run anywhere: `docker exec catscan-api python ...`),
      nested scripts included (policies/lint/bash).
    - Rejected, at the `up` word (else the `jobs` key): no such check (a check
      before `up` does not count).
    - Rejected on the check: a `||` fallback that does not `exit N` (N != 0)
      or `false` (also on the command carrying it: ssh, `sh -c`);
      `continue-on-error` not plainly false on its step or job; `--groups`
      leaving out contracts; `--allow-contract-failure` (unless `=false`).
    - Rejected, at the `if:`: a dispatch input other than the confirm input in
      the check step's `if:` (or its job's, when that job is not the one
      running `up`); at the env/with value: an input whose name or description
      mentions contract, skip or bypass reaching the check step.
    - Rejected anywhere in the workflow, for the bypass variable (pack
      `deploy.contract_bypass_variable`): an `env:` setting it to true, to an
      expression with `|| 'true'` (or `|| true`), or from a dispatch input;
      in scripts `VAR=true`, `export VAR=${{ inputs.x }}`, `VAR=1 cmd`,
      `echo "VAR=true" >> "$GITHUB_ENV"` (it sets VAR for the later steps),
      `${VAR:-true}`, `${VAR-true}` (true also as 1, yes, on), nested scripts
      included.
    - Accepted for the bypass: words that an `echo` or `printf` prints, comments
      and heredocs that are not run (`echo "::error::Set VAR=true to bypass"`
      is text); `${{ vars.VAR || 'false' }}`, `${{ vars.VAR }}`,
      `false`.

Bad:
    ```yaml
    - name: Contracts
      if: ${{ !inputs.skip_contracts }}
      env:
        ALLOW_CONTRACT_FAILURE: ${{ vars.ALLOW_CONTRACT_FAILURE || 'true' }}
      run: docker exec catscan-api python scripts/contracts_check.py || true
    ```

Good:
    ```yaml
    - name: Post-deploy gate
      env:
        ALLOW_CONTRACT_FAILURE: ${{ vars.ALLOW_CONTRACT_FAILURE || 'false' }}
      run: driftgate verify --target "$TARGET" --expected-sha "$GITHUB_SHA"
    ```
"""

import re

from ..lint.bash import Variable, read_script
from ..lint.deploy_checks import (
    Check,
    failure_problems,
    verify_arguments,
    verify_checks,
)
from ..lint.placement import (
    carries_script,
    commands_after,
    commands_before,
    flag_missing,
    input_names,
    runs_on_success,
    unique,
    up_commands,
    workflow_commands,
)
from ..lint.values import Input, Resolved, resolve_template, unknown
from ..lint.violation import flag_text, flag_value

ID = "DG110"
NAME = "contract-gate"
SUMMARY = "A post-deploy contract check runs, no input can skip it, its bypass defaults to false."
SEVERITY = "error"
APPLIES_TO = "deploy"
OPTIONS = {}
REMEDIATION = "Run the contract check after `up`, unconditionally; default the bypass to 'false'."

SKIP_WORDS = re.compile(r"contract|skip|bypass", re.IGNORECASE)
TRUE = re.compile(r"(?:true|1|yes|on)\b", re.IGNORECASE)
NAMING_ONLY = frozenset({"echo", "printf", "cat", "ls"})  # they name the script, not run it
DEFAULTING = frozenset({"-", ":-", "=", ":="})  # `${NAME:-true}` and the like
INPUT_EXPRESSION = re.compile(r"\$\{\{[^}]*inputs\.")


def check_workflow(workflow, context):
    bypass = context.pack.deploy.contract_bypass_variable
    violations = list(_bypass_settings(workflow, bypass))
    # The last `up` of the deploy itself: a rollback's (on failure only) is the way back.
    ups = [p for p in up_commands(workflow) if runs_on_success(workflow, p.step)]
    candidates = commands_after(workflow, ups[-1]) if ups else _anywhere(workflow, context)
    confirm = context.pack.deploy.confirm_input
    checks = [
        _with_skips(workflow, check, ups, confirm, bypass)
        for check in _contract_checks(workflow, candidates, context)
    ]
    if not checks:
        message = "no post-deploy contract check (driftgate verify or the contracts script)"
        earlier = (
            _contract_checks(workflow, commands_before(workflow, ups[-1]), context) if ups else ()
        )
        if any(check.relevant for check in earlier):
            message += " (the contract check runs before `up`)"
        violations.append(ups[-1].flag_up(message) if ups else flag_missing(workflow, message))
    elif all(check.problems for check in checks):
        violations.extend(problem for check in checks for problem in check.problems)
    return unique(violations)


def _anywhere(workflow, context):
    """Commands of the steps that name driftgate or the contract script (no `up` to follow)."""
    names = ["driftgate", (context.pack.deploy.contract_check or "driftgate").rsplit("/", 1)[-1]]
    steps = [s for s in workflow.steps if s.run and any(n in s.run for n in names)]
    return workflow_commands(workflow, steps)


def _contract_checks(workflow, commands, context):
    yield from verify_checks(workflow, commands, frozenset({"contracts"}))
    script = context.pack.deploy.contract_check
    if not script:
        return
    script = script.rsplit("/", 1)[-1]  # the file, wherever the deploy runs it from
    for placed in commands:
        command = placed.command
        if not any(script in word.shown for word in command.words):
            continue
        if verify_arguments(command) is not None or carries_script(placed):
            continue
        if command.program not in NAMING_ONLY:
            yield Check(placed, tuple(failure_problems(workflow, placed)))


def _with_skips(workflow, check, ups, confirm_input, bypass):
    """Add to a check's problems the ways a dispatcher can skip or bypass it."""
    placed, problems = check.placed, list(check.problems)
    arguments = verify_arguments(placed.command) or []
    if any(_bypass_flag(argument) for argument in arguments):
        at_flag = next(
            (word.start for word in placed.command.words if _bypass_flag(word.shown)),
            None,  # behind a variable: the command's start
        )
        message = "`--allow-contract-failure` hard-codes the contract bypass"
        problems.append(placed.flag(message, at_flag))
    inputs = workflow.dispatch_inputs
    skippers = {
        name
        for name, spec in inputs.items()
        if SKIP_WORDS.search(f"{name} {spec.get('description', '')}")
    }
    step, confirm = placed.step, {confirm_input}
    job = workflow.job(step.job_id)
    conditions = [(step.body, step.key_path)]
    if job is not None and all(up.step.job_id != job.id for up in ups):
        conditions.append((job.body, job.key_path))
    for holder, path in conditions:
        condition = holder.get("if")
        if set(input_names(str(condition))) - confirm:
            problems.append(
                flag_value(
                    holder, "if", f"{path}.if", "a dispatch input can skip the contract check"
                )
            )
    for key in ("env", "with"):
        mapping = step.body.get(key)
        for name, value in mapping.items() if isinstance(mapping, dict) else ():
            if name != bypass and set(input_names(str(value))) & skippers:
                message = "an input meant to skip or bypass the contracts reaches the check"
                problems.append(flag_value(mapping, name, f"{step.key_path}.{key}.{name}", message))
    return Check(placed, tuple(problems))


def _bypass_settings(workflow, bypass):
    """Places that set the bypass variable to true, or let an input or a `|| 'true'` set it."""
    holders = [(workflow.document, "")] + [(job.body, job.key_path) for job in workflow.jobs]
    holders += [(step.body, step.key_path) for step in workflow.steps]
    for holder, path in holders:
        env = holder.get("env")
        if isinstance(env, dict) and bypass in env:
            problem = _bad_value(env[bypass])
            if problem:
                key_path = f"{path}.env.{bypass}".lstrip(".")
                yield flag_value(env, bypass, key_path, f"{bypass} {problem}")
    message = f"{bypass} defaults or is set to true (or from an input) in the script"
    for step in workflow.steps:
        if step.run and bypass.lower() in step.run.lower():  # the cheap first test
            for offset in _script_settings(read_script(step.run), bypass.lower()):
                yield flag_text(step.run, offset, step.script_path, message)


def _script_settings(script, name):
    """Offsets where a script sets the bypass (`name`, lower case) to true or from an
    input: `NAME=true`, `export NAME=${{ inputs.x }}`, `NAME=1 cmd`, `echo "NAME=true"
    >> "$GITHUB_ENV"`, or a `${NAME:-true}` default. What an echo or printf prints is
    text, not a setting."""
    commands = [c for c in script.commands if not c.prints_text]
    assignments = [*script.assignments, *(a for c in script.commands for a in c.env)]
    for assignment in assignments:
        value = assignment.value
        if assignment.name.lower() == name and value is not None and _sets(value.shown):
            yield assignment.start
    for write in script.output_writes:
        if write.file == "GITHUB_ENV" and write.key.lower() == name and _sets(write.value.shown):
            yield write.start
    words = [w for c in commands for w in c.words] + [a.value for a in assignments if a.value]
    for part in _variables(part for word in words for part in word.parts):
        if part.name.lower() == name and part.operator in DEFAULTING:
            if TRUE.match(part.argument.strip("'\"")):
                yield part.start


def _sets(value):
    return TRUE.match(value) is not None or INPUT_EXPRESSION.match(value) is not None


def _variables(parts):
    """The `${...}` parts, those in defaults (`${A:-${B:-true}}`) too."""
    for part in parts:
        if isinstance(part, Variable):
            yield part
            yield from _variables(part.default)


def _bypass_flag(argument):
    """`--allow-contract-failure` (or `--dg-...`), bare or `=` a value that is not false."""
    name, equals, value = argument.partition("=")
    if name not in ("--allow-contract-failure", "--dg-allow-contract-failure"):
        return False
    return not equals or value.strip().lower() not in ("false", "0", "no", "off", "")


def _bad_value(value):
    """What is wrong with an `env:` value of the bypass variable, by what it resolves to
    (policies/lint/values.py): true, `x || 'true'`, or a dispatch input."""
    if value is True:
        return "is hard-coded true"
    resolved = resolve_template(str(value), _InputsOnly())
    truthy = [c for c in resolved.choices if _is_true(c)]
    if truthy and len(truthy) == len(resolved.choices):
        return "is hard-coded true"
    if truthy:
        return "defaults to true (`|| 'true'`)"
    if resolved.inputs:
        return "is set from a dispatch input"
    return None


def _is_true(choice):
    text = "".join(p for p in choice if isinstance(p, str))
    return len(choice) == 1 and TRUE.fullmatch(text.strip()) is not None


class _InputsOnly:
    """Resolves only what an `env:` value needs here: inputs; other contexts are unknown."""

    def reference(self, parts, depth=0):
        if parts[0] == "inputs" and len(parts) == 2:
            return Resolved(((Input(parts[1]),),))
        if parts[:3] == ("github", "event", "inputs") and len(parts) == 4:
            return Resolved(((Input(parts[3]),),))
        return unknown(".".join(parts))
