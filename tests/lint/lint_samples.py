"""Small workflow and compose texts shared by the lint engine tests."""

CI_WITH_PUSH = "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: x\n"
CLEAN_CI = "name: CI\non: [pull_request]\njobs:\n  test:\n    runs-on: x\n"
DEPLOY = """\
name: Deploy
on:
  workflow_dispatch:
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: |
          set -e
          echo "deploying"
"""
COMPOSE_LATEST = "services:\n  api:\n    image: registry/api:latest\n"


def lint_file(path, kind, pack=None, rules=None):
    """Lint one file as `kind` with the rules named (ids or names; default: all)."""
    from pathlib import Path

    from driftgate.policies.lint.engine import RuleSettings, default_pack, lint_source, select_rules

    settings = RuleSettings(tuple(select_rules(rules)))
    text = Path(path).read_text()
    return lint_source(text, str(path), kind, pack or default_pack(), settings)


# A repository whose files match every glob of the bundled pack, clean under the fake rules.
CLEAN_REPO = {
    ".github/workflows/ci.yml": CLEAN_CI,
    ".github/workflows/deploy.yml": "on: workflow_dispatch\njobs:\n  d:\n    runs-on: x\n",
    ".github/workflows/build-and-push.yml": (
        "on: pull_request\njobs:\n  b:\n    runs-on: x\n    timeout-minutes: 5\n"
    ),
    "docker-compose.gcp.yml": "services:\n  api:\n    image: registry/api:sha-1234567\n",
}


def error_lines(stderr):
    """The `driftgate: error:` lines of stderr (not the notices of unmatched globs)."""
    return [line for line in stderr.splitlines() if line.startswith("driftgate: error:")]
