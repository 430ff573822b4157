"""What the deploy-step rules count as a check, and what runs before or after `up`."""

import pytest

from driftgate.policies.lint.bash import read_script
from driftgate.policies.lint.deploy_checks import (
    can_fail,
    commit_variables,
    compares_commit,
    health_checks,
    script_facts,
    verify_arguments,
    verify_groups,
)
from driftgate.policies.lint.placement import (
    commands_after,
    commands_before,
    continue_on_error,
    place,
    up_commands,
)
from driftgate.policies.lint.workflow import Workflow, deploy_steps
from driftgate.policies.yamlsource import parse_yaml

WORKFLOW = """\
on: {workflow_dispatch: {}}
jobs:
  staging-first:
    runs-on: ubuntu-latest
    steps:
      - run: driftgate verify --target staging --groups health
  deploy:
    needs: staging-first
    runs-on: ubuntu-latest
    steps:
      - run: echo start
      - run: |
          ssh "$VM" bash -s <<'REMOTE'
          docker compose pull
          docker compose up -d --force-recreate
          REMOTE
          echo after-up
      - run: driftgate verify --target "$TARGET"
  report:
    needs: deploy
    runs-on: ubuntu-latest
    continue-on-error: true
    steps:
      - run: echo report
  unrelated:
    runs-on: ubuntu-latest
    steps:
      - run: echo unrelated
"""


@pytest.fixture
def workflow():
    return Workflow(parse_yaml(WORKFLOW, "deploy.yml"), "deploy.yml")


def test_the_deploy_step_is_found_inside_the_ssh_heredoc(workflow):
    assert [s.key_path for s in deploy_steps(workflow)] == ["jobs.deploy.steps[1]"]
    [up] = up_commands(workflow)
    assert [wrapper.kind for wrapper in up.command.wrappers] == ["heredoc"]
    flagged = up.flag_up("x")
    assert (flagged.line, flagged.column) == (15, 26)  # the `up` word in the file


def test_after_and_before_follow_jobs_needs(workflow):
    [up] = up_commands(workflow)
    after = [shown(p.command) for p in commands_after(workflow, up)]
    before = [shown(p.command) for p in commands_before(workflow, up)]
    assert after == ["echo after-up", "driftgate verify --target $TARGET", "echo report"]
    assert "driftgate verify --target staging --groups health" in before
    assert "echo start" in before and "docker compose pull" in before
    assert "echo unrelated" not in before + after


def test_continue_on_error_of_the_job_counts(workflow):
    report = workflow.job("report").steps[0]
    assert continue_on_error(workflow, report) is not None
    assert continue_on_error(workflow, workflow.job("deploy").steps[0]) is None


def test_health_checks_after_up(workflow):
    [up] = up_commands(workflow)
    checks = list(health_checks(workflow, commands_after(workflow, up), lambda command: False))
    assert [(shown(c.placed.command), c.problems) for c in checks] == [
        ("driftgate verify --target $TARGET", ())
    ]


def shown(command):
    return " ".join(word.shown for word in command.words)


@pytest.mark.parametrize(
    "command, arguments",
    [
        ("driftgate verify", []),
        ("DRIFTGATE_DEADLINE=60 driftgate verify --target x", ["--target", "x"]),
        ("python -m driftgate verify --groups=health", ["--groups=health"]),
        ("/usr/local/bin/driftgate verify -v", ["-v"]),
        ("driftgate lint", None),
        ("echo driftgate verify", None),
        ("sudo -E driftgate verify --target x", ["--target", "x"]),
        ("ssh vm 'driftgate verify --target x'", ["--target", "x"]),
    ],
)
def test_verify_arguments(command, arguments):
    assert verify_arguments(read_script(command).commands[-1]) == arguments


def test_verify_groups():
    assert "contracts" in verify_groups([])
    assert verify_groups(["--groups", "health, promotion"]) == {"health", "promotion"}
    assert verify_groups([], "contracts") == {"contracts"}
    assert verify_groups(["--dg-groups=api"], "contracts") == {"api"}


@pytest.mark.parametrize(
    "script, compares",
    [
        ('test "$deployed" = "$GITHUB_SHA"', True),
        ('grep -q "${{ github.sha }}" health.json', True),
        ('want=${GITHUB_SHA::7}\n[ "$got" = "$want" ]', True),
        ('[[ "$got" == "${GITHUB_SHA::8}" ]]', True),
        ('echo "$GITHUB_SHA"', False),
        ('[ "$got" = "$OTHER" ]', False),
        ('want=$(echo "$GITHUB_SHA" | cut -c1-7)\n[ "$got" = "$want" ]', True),
        ('echo "[ $got = $GITHUB_SHA ]"', False),
    ],
)
def test_compares_commit(script, compares):
    parsed = read_script(script)
    variables = commit_variables(parsed)
    assert compares_commit(parsed.commands[-1], variables) is compares


@pytest.mark.parametrize(
    "script, fails",
    [
        ('[ "$(curl -fsS "$URL/health" | jq -r .git_sha)" = "$GITHUB_SHA" ]', True),
        ('[ "$deployed" = "$GITHUB_SHA" ] || echo "mismatch"', False),
        ('ssh vm "[ \\"\\$(cat sha)\\" = $GITHUB_SHA ]" || true', False),
        ('if [ "$deployed" != "$GITHUB_SHA" ]; then echo "mismatch"; fi', False),
        ('if [ "$deployed" != "$GITHUB_SHA" ]; then exit 1; fi', True),
        ('set +e\n[ "$deployed" = "$GITHUB_SHA" ]\necho "compared"', False),
        ('set +e\n[ "$deployed" = "$GITHUB_SHA" ]\nrc=$?\nset -e\n[ "$rc" = 0 ] || exit 1', True),
    ],
)
def test_a_sha_comparison_can_fail_the_step_unless_something_swallows_it(script, fails):
    text = "jobs:\n  d:\n    steps:\n      - run: |\n" + "".join(
        f"          {line}\n" for line in script.splitlines()
    )
    workflow = Workflow(parse_yaml(text, "deploy.yml"), "deploy.yml")
    step = workflow.steps[0]
    [first, *_] = script_facts(step.run).comparisons
    placed = place(step, read_script(step.run).commands, first)
    assert can_fail(placed) is fails
