"""One-change violations of the reference (examples/catscan) are caught at the right line.

Rules DG107-DG114, DG401, DG402. Each row copies the reference to a temporary
repository, replaces one exact snippet (it must occur exactly once), lints the
copy with the engine as `driftgate lint` would, and asserts the rule's findings
are exactly at the expected lines. The unmodified reference is clean.
"""

import pytest
from reference_mutations import assert_caught_at_lines, lint_copy

DEPLOY = ".github/workflows/deploy.yml"
COMPOSE = "docker-compose.gcp.yml"
RULES = ("DG107", "DG108", "DG109", "DG110", "DG111", "DG112", "DG113", "DG114", "DG401", "DG402")
ROLLBACK_IF = "        if: failure() && steps.gate.outcome == 'failure'\n"

UP = "          docker compose -f docker-compose.gcp.yml up -d --force-recreate\n"
GATE = 'driftgate verify --target "$TARGET" --expected-sha "$GITHUB_SHA"\n'
ARTIFACTS = "--json-out driftgate-verify.json --junitxml driftgate-verify.xml"

# (id, rule, file, snippet, replacement, snippet that must be on each expected line)
MUTATIONS = [
    (
        "build-on-vm",
        "DG107",
        DEPLOY,
        "docker compose -f docker-compose.gcp.yml pull",
        "docker compose -f docker-compose.gcp.yml build",
        ["docker-compose.gcp.yml build", "up -d --force-recreate"],
    ),
    (
        "up-build",
        "DG107",
        DEPLOY,
        "up -d --force-recreate",
        "up -d --build --force-recreate",
        ["up -d --build"],
    ),
    ("no-force-recreate", "DG108", DEPLOY, "up -d --force-recreate", "up -d", ["yml up -d"]),
    ("not-detached", "DG108", DEPLOY, "up -d --force-recreate", "up --force-recreate", ["yml up"]),
    ("gate-or-true", "DG109", DEPLOY, ARTIFACTS, ARTIFACTS + " || true", ["|| true"]),
    # The way back: a rollback that never runs after a failure, or runs every time.
    (
        "rollback-never-runs",
        "DG114",
        DEPLOY,
        ROLLBACK_IF,
        "        if: steps.gate.outcome == 'failure'\n",
        ["yml up -d --force-recreate"],
    ),
    ("rollback-always", "DG114", DEPLOY, ROLLBACK_IF, "        if: always()\n", [UP.strip()]),
    (
        "gate-continue-on-error",
        "DG109",
        DEPLOY,
        "      - name: Post-deploy gate\n",
        "      - name: Post-deploy gate\n        continue-on-error: true\n",
        ["continue-on-error: true"],
    ),
    (
        "no-gate",
        "DG109",
        DEPLOY,
        GATE,
        'echo "deployed $GITHUB_SHA to $TARGET"\n',
        ["up -d --force-recreate"],
    ),
    (
        "bypass-defaults-true",
        "DG110",
        DEPLOY,
        "|| 'false' }}",
        "|| 'true' }}",
        ["ALLOW_CONTRACT_FAILURE: ${{"],
    ),
    (
        "gate-without-contracts",
        "DG110",
        DEPLOY,
        GATE,
        GATE.replace("\n", " --groups health,promotion,host,api\n"),
        ['driftgate verify --target "$TARGET"'],
    ),
    (
        "gate-skipped-for-staging",
        "DG110",
        DEPLOY,
        "      - name: Post-deploy gate\n",
        "      - name: Post-deploy gate\n        if: inputs.target == 'production'\n",
        ["if: inputs.target == 'production'\n        env"],
    ),
    (
        "cancel-in-progress",
        "DG111",
        DEPLOY,
        "cancel-in-progress: false",
        "cancel-in-progress: true",
        ["cancel-in-progress"],
    ),
    (
        "group-not-keyed",
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
        ["up -d --force-recreate"],
    ),
    (
        "staging-check-only-for-staging",
        "DG112",
        DEPLOY,
        "        if: inputs.target == 'production'\n        run: driftgate verify --target staging",
        "        if: inputs.target == 'staging'\n        run: driftgate verify --target staging",
        ["if: inputs.target == 'staging'"],
    ),
    ("sleep-before-gate", "DG113", DEPLOY, UP, UP + "          sleep 60\n", ["sleep 60"]),
    (
        "api-tag-defaults-latest",
        "DG401",
        COMPOSE,
        "catscan-api:${IMAGE_TAG:?set IMAGE_TAG to sha-<7 hex>}",
        "catscan-api:${IMAGE_TAG:-latest}",
        ["catscan-api:${IMAGE_TAG:-latest}"],
    ),
    (
        "dashboard-literal-latest",
        "DG401",
        COMPOSE,
        "catscan-dashboard:${IMAGE_TAG:?set IMAGE_TAG to sha-<7 hex>}",
        "catscan-dashboard:latest",
        ["catscan-dashboard:latest"],
    ),
    ("api-port-public", "DG402", COMPOSE, '"127.0.0.1:8000:8000"', '"8000:8000"', ['"8000:8000"']),
    (
        "dashboard-port-any",
        "DG402",
        COMPOSE,
        '"127.0.0.1:3000:3000"',
        '"0.0.0.0:3000:3000"',
        ["0.0.0.0:3000"],
    ),
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
