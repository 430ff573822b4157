"""One-change violations of the reference (examples/catscan) are caught at the right line.

Rules DG101-DG106 and DG201-DG204. Each row copies the reference to a temporary
repository, replaces one exact snippet (it must occur exactly once), lints the
copy with the engine as `driftgate lint` would, and asserts the rule's findings
are exactly at the expected lines (an empty list: a near miss the rule must
accept). The unmodified reference is clean.
"""

import importlib

import pytest
from reference_mutations import REFERENCE, assert_caught_at_lines, lint_copy

from driftgate.policies.lint.engine import default_pack, lint_document, select_rules
from driftgate.policies.yamlsource import parse_yaml

DEPLOY = ".github/workflows/deploy.yml"
BUILD = ".github/workflows/build-and-push.yml"
RULES = ("DG101", "DG102", "DG103", "DG104", "DG105", "DG106")
RULES += ("DG201", "DG202", "DG203", "DG204")

GUARD = "    if: inputs.confirm == 'DEPLOY'\n"
TAG_STEP = 'echo "IMAGE_TAG=sha-${GITHUB_SHA::7}" >> "$GITHUB_ENV"'
API_PUSH = 'docker push "$REGISTRY/catscan-api:$IMAGE_TAG"'
DASHBOARD_PUSH = '          docker push "$REGISTRY/catscan-dashboard:$IMAGE_TAG"\n'
ON_DISPATCH = "on:\n  workflow_dispatch:\n"

# (id, rule, file, snippet, replacement, snippet that must be on each expected line)
MUTATIONS = [
    (
        "push-next-to-dispatch",
        "DG101",
        DEPLOY,
        ON_DISPATCH,
        "on:\n  push:\n    branches: [main]\n  workflow_dispatch:\n",
        ["  push:"],
    ),
    (
        "deploy-after-build",
        "DG101",
        DEPLOY,
        ON_DISPATCH,
        "on:\n  workflow_run:\n    workflows: [Build and push]\n  workflow_dispatch:\n",
        ["  workflow_run:"],
    ),
    (
        "default-production",
        "DG102",
        DEPLOY,
        "default: staging",
        "default: production",
        ["default: production"],
    ),
    (
        "extra-option",
        "DG102",
        DEPLOY,
        "options: [staging, production]",
        "options: [staging, production, dev]",
        ["options: [staging, production, dev]"],
    ),
    (
        "target-free-text",
        "DG102",
        DEPLOY,
        "type: choice",
        "type: string",
        ["type: string\n        options"],
    ),
    (
        "literal-environment",
        "DG102",
        DEPLOY,
        "environment: ${{ inputs.target }}",
        "environment: production",
        ["environment: production"],
    ),
    ("no-guard", "DG103", DEPLOY, GUARD, "", ["  deploy:\n    runs-on"]),
    (
        "guard-with-bypass",
        "DG103",
        DEPLOY,
        GUARD,
        "    if: inputs.confirm == 'DEPLOY' || inputs.target == 'staging'\n",
        ["if: inputs.confirm"],
    ),
    (
        "confirm-defaults-to-word",
        "DG103",
        DEPLOY,
        "        description: Type DEPLOY to confirm\n",
        "        description: Type DEPLOY to confirm\n        default: DEPLOY\n",
        ["default: DEPLOY"],
    ),
    (
        "reason-required",
        "DG104",
        DEPLOY,
        "audit trail)\n        required: false",
        "audit trail)\n        required: true",
        ["required: true\n        type: string\n\npermissions"],
    ),
    (
        "reason-interpolated",
        "DG105",
        DEPLOY,
        "reason ${REASON}",
        "reason ${{ inputs.reason }}",
        ['${{ inputs.reason }}"'],
    ),
    (
        "confirm-interpolated",
        "DG105",
        DEPLOY,
        'driftgate verify --target "$TARGET"',
        'echo "${{ github.event.inputs.confirm }}"; driftgate verify --target "$TARGET"',
        ["${{ github.event.inputs.confirm }}"],
    ),
    (
        "choice-interpolated-is-not-free-text",
        "DG105",
        DEPLOY,
        'driftgate verify --target "$TARGET"',
        "driftgate verify --target ${{ inputs.target }}",
        [],
    ),
    (
        "tag-fixed-to-latest",
        "DG106",
        DEPLOY,
        TAG_STEP,
        'echo "IMAGE_TAG=latest" >> "$GITHUB_ENV"',
        ["IMAGE_TAG=latest", "IMAGE_TAG=latest", "jobs:"],
    ),
    (
        "tag-input",  # the input reaches the tag (an input merely named so does not)
        "DG106",
        DEPLOY,
        'echo "IMAGE_TAG=sha-${GITHUB_SHA::7}"',
        "echo \"IMAGE_TAG=${{ inputs.reason || format('sha-{0}', github.sha) }}\"",
        ["IMAGE_TAG=${{ inputs.reason", "      reason:", "jobs:"],
    ),
    (
        "latest-fallback-on-vm",
        "DG106",
        DEPLOY,
        'export IMAGE_TAG="$2"',
        'export IMAGE_TAG="${2:-latest}"',
        ["${2:-latest}"],
    ),
    (
        "one-release-branch",
        "DG201",
        BUILD,
        "branches: [unified-platform, main]",
        "branches: [main]",
        ["branches: [main]"],
    ),
    (
        "paths-filter",
        "DG201",
        BUILD,
        "branches: [unified-platform, main]\n",
        "branches: [unified-platform, main]\n    paths: [api/**]\n",
        ["paths: [api/**]"],
    ),
    ("push-without-needs", "DG202", BUILD, "    needs: test\n", "", [API_PUSH]),
    (
        "contract-tests-cannot-fail",
        "DG202",
        BUILD,
        "python -m pytest tests/contracts",
        "python -m pytest tests/contracts || true",
        [API_PUSH],
    ),
    (
        "latest-pushed",
        "DG203",
        BUILD,
        API_PUSH,
        'docker push "$REGISTRY/catscan-api:latest"',
        ['docker push "$REGISTRY/catscan-api:latest"'],
    ),
    (
        "tag-from-branch",
        "DG203",
        BUILD,
        TAG_STEP,
        'echo "IMAGE_TAG=${GITHUB_REF_NAME}" >> "$GITHUB_ENV"',
        [API_PUSH, DASHBOARD_PUSH.strip()],
    ),
    ("dashboard-not-pushed", "DG204", BUILD, DASHBOARD_PUSH, "", ["jobs:"]),
]


def test_reference_is_clean_for_these_rules(tmp_path):
    report, _, _ = lint_copy(tmp_path)
    assert len(report.files) == 3
    assert [f for f in report.findings if f.rule_id in RULES] == []


@pytest.mark.parametrize(
    "rule, file, snippet, replacement, on_lines",
    [row[1:] for row in MUTATIONS],
    ids=[row[0] for row in MUTATIONS],
)
def test_one_change_is_caught_at_the_line(tmp_path, rule, file, snippet, replacement, on_lines):
    assert_caught_at_lines(tmp_path, rule, file, snippet, replacement, on_lines)


def test_every_rule_has_a_mutation():
    assert {row[1] for row in MUTATIONS} == set(RULES)


BLOCK_TAGS = """\
on:
  push:
    branches: [unified-platform, main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "IMAGE_TAG=sha-${GITHUB_SHA::7}" >> "$GITHUB_ENV"
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: |
            europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:${{ env.IMAGE_TAG }}
            europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:latest
"""


def test_a_tag_inside_a_block_is_flagged_on_its_own_line():
    # Fixture markers cannot sit inside a `tags: |` block (they would be tags).
    document = parse_yaml(BLOCK_TAGS, "build-and-push.yml")
    findings = lint_document(
        document, "build-and-push.yml", "build", modules=select_rules(["DG203"])
    )
    assert [(f.line, f.column, f.key_path) for f in findings] == [
        (14, 13, "jobs.build.steps[1].with.tags")
    ]


def test_tests_before_push_reads_its_suites_option_when_the_pack_names_none():
    path = REFERENCE / BUILD
    document = parse_yaml(path.read_text(), str(path))
    modules = select_rules(["DG202"])
    pack = default_pack()._replace(test_suites=())
    assert lint_document(document, str(path), "build", pack, modules=modules) == []
    options = {"DG202": {"suites": ["contract", "smoke"]}}
    findings = lint_document(document, str(path), "build", pack, modules, options)
    assert [f.message for f in findings] == [
        "job build-and-push pushes images before the smoke tests pass"
    ]


NAMED_TEST_JOB = """\
on:
  push:
    branches: [main]
jobs:
  checks:
    name: Contract and Recovery Tests
    runs-on: ubuntu-latest
    steps:
      - run: python -m pytest tests/api_contracts tests/restore
  build:
    needs: checks
    runs-on: ubuntu-latest
    steps:
      - run: docker push "$REGISTRY/catscan-api:$IMAGE_TAG"
"""


def test_tests_before_push_knows_the_suites_the_pack_names_by_job():
    """A job named "Contract and Recovery Tests" runs both suites when the pack says so
    (the bundled pack names jobs by pattern: `*contract*`, `*recovery*`)."""
    suites = importlib.import_module("driftgate.policies.pack").TestSuite
    document = parse_yaml(NAMED_TEST_JOB, "build-and-push.yml")
    modules = select_rules(["DG202"])
    assert lint_document(document, "build-and-push.yml", "build", default_pack(), modules) == []
    by_path = default_pack()._replace(
        test_suites=(suites("contract", ("*contract*",)), suites("recovery", ("*recovery*",)))
    )
    findings = lint_document(document, "build-and-push.yml", "build", by_path, modules)
    assert [(f.line, f.message) for f in findings] == [
        (14, "job build pushes images before the recovery tests pass")
    ]
