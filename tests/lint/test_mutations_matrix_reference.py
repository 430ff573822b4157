"""One-change violations of the second reference (examples/catscan-matrix) are caught.

The same policies as examples/catscan, written in another style: a matrix build
with docker/build-push-action whose tag comes from a step output, and a deploy
whose whole VM script sits in an SSH action's `script:`, fed by step outputs.
Each row replaces one exact snippet and expects the rule's findings exactly on
the lines holding the markers; the unmodified reference is clean.
"""

import pytest
from reference_mutations import MATRIX_REFERENCE, assert_caught_at_lines, lint_copy

from driftgate.policies.rules import REGISTRY

DEPLOY = ".github/workflows/deploy.yml"
BUILD = ".github/workflows/build-and-push.yml"
COMPOSE = "docker-compose.gcp.yml"
UP = "docker compose -f docker-compose.gcp.yml up -d --force-recreate"
GATE = 'run: driftgate verify --target "$TARGET" --expected-sha "$GITHUB_SHA" --json-out'

ROLLBACK = (MATRIX_REFERENCE / DEPLOY).read_text().split("      # A failed gate after")[1]
ROLLBACK = "      # A failed gate after" + ROLLBACK

# (id, rule, file, snippet, replacement, a snippet on each line that must be flagged)
MUTATIONS = [
    (
        "push-trigger",
        "DG101",
        DEPLOY,
        "on:\n  workflow_dispatch:\n",
        "on:\n  push:\n  workflow_dispatch:\n",
        ["  push:"],
    ),
    (
        "fixed-environment",
        "DG102",
        DEPLOY,
        "environment: ${{ inputs.target }}",
        "environment: production",
        ["environment: production"],
    ),
    (
        "no-confirm-guard",
        "DG103",
        DEPLOY,
        "    if: ${{ inputs.confirm == 'DEPLOY' }}\n",
        "",
        ["  deploy:\n    runs-on"],
    ),
    (
        "reason-required",
        "DG104",
        DEPLOY,
        "Why (kept in the audit trail)\n        required: false",
        "Why (kept in the audit trail)\n        required: true",
        ["required: true\n        type: string\n\npermissions"],
    ),
    (
        "reason-pasted",
        "DG105",
        DEPLOY,
        "for ${GITHUB_ACTOR} - ${REASON}",
        "for ${GITHUB_ACTOR} - ${{ inputs.reason }}",
        ['${{ inputs.reason }}"'],
    ),
    (
        "tag-output-fixed",
        "DG106",
        DEPLOY,
        'echo "tag=sha-${GITHUB_SHA::7}"',
        'echo "tag=latest"',
        ["jobs:", "export IMAGE_TAG", 'echo "tag=latest"'],
    ),
    (
        "build-on-vm",
        "DG107",
        DEPLOY,
        "docker-compose.gcp.yml pull",
        "docker-compose.gcp.yml build",
        ["gcp.yml build", UP, "--file docker-compose.gcp.yml up"],
    ),
    (
        "no-force-recreate",
        "DG108",
        DEPLOY,
        UP,
        "docker compose -f docker-compose.gcp.yml up -d",
        ["-f docker-compose.gcp.yml up -d"],
    ),
    (
        "gate-or-true",
        "DG109",
        DEPLOY,
        "--json-out verify.json",
        "--json-out verify.json || true",
        ["|| true"],
    ),
    (
        "bypass-true",
        "DG110",
        DEPLOY,
        "vars.ALLOW_CONTRACT_FAILURE || 'false'",
        "vars.ALLOW_CONTRACT_FAILURE || 'true'",
        ["|| 'true'"],
    ),
    (
        "fixed-concurrency",
        "DG111",
        DEPLOY,
        "group: deploy-${{ inputs.target }}",
        "group: deploy",
        ["group: deploy"],
    ),
    (
        "no-staging-check",
        "DG112",
        DEPLOY,
        "--target staging --expected-sha",
        "--target production --expected-sha",
        [UP],
    ),
    (
        "fixed-sleep",
        "DG113",
        DEPLOY,
        GATE,
        GATE.replace("run: ", "run: sleep 60 && "),
        ["sleep 60"],
    ),
    ("no-rollback", "DG114", DEPLOY, ROLLBACK, "", [UP]),
    (
        "build-branch",
        "DG201",
        BUILD,
        "branches: [unified-platform, main]",
        "branches: [develop]",
        ["branches: [develop]"],
    ),
    ("push-before-tests", "DG202", BUILD, "    needs: test\n", "", ["tags: europe-west1"]),
    (
        "latest-tag",
        "DG203",
        BUILD,
        ":${{ steps.vars.outputs.tag }}",
        ":latest",
        ["tags: europe-west1"],
    ),
    (
        "dashboard-dropped",
        "DG204",
        BUILD,
        "          - image: catscan-dashboard\n            context: dashboard\n",
        "",
        ["jobs:"],
    ),
    (
        "latest-image",
        "DG401",
        COMPOSE,
        "catscan-api:${IMAGE_TAG:?",
        "catscan-api:${IMAGE_TAG:-latest",
        ["catscan-api:${IMAGE_TAG:-latest"],
    ),
]


def test_the_second_reference_is_clean(tmp_path):
    report, _, _ = lint_copy(tmp_path, reference=MATRIX_REFERENCE)
    assert len(report.files) == 3 and report.unmatched == ()
    assert report.findings == ()


@pytest.mark.parametrize(
    "rule, file, snippet, replacement, on_lines",
    [row[1:] for row in MUTATIONS],
    ids=[row[0] for row in MUTATIONS],
)
def test_one_change_is_caught_at_the_line(tmp_path, rule, file, snippet, replacement, on_lines):
    assert_caught_at_lines(
        tmp_path, rule, file, snippet, replacement, on_lines, reference=MATRIX_REFERENCE
    )


def test_every_deploy_build_and_image_rule_has_a_mutation():
    covered = {row[1] for row in MUTATIONS}
    wanted = {i for i, rule in REGISTRY.items() if rule.APPLIES_TO in ("deploy", "build")}
    assert wanted <= covered, sorted(wanted - covered)
