"""With another team's pack, the hints carry that pack's values, not Cat-Scan's.

The rule's REMEDIATION (its documentation, rules.md, SARIF's rule help) stays
static; each finding's hint uses the pack (confirm word, inputs, tag variable,
tag format, targets) or the finding itself (the input's name for DG105).
"""

import json

import pytest
import yaml

from driftgate.lint.runner import lint_paths
from driftgate.policies.pack import DEFAULT_PACK

DEPLOY = """\
name: Deploy
on:
  workflow_dispatch:
    inputs:
      ticket-id:
        type: string
        required: true  # as `reason` (Cat-Scan's pack below): DG104 wants it optional
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo "ticket ${{ inputs.ticket-id }}"
      - run: ssh "$VM" "docker compose pull && docker compose up -d --force-recreate"
"""

BUILD = """\
name: Build
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: |
          docker build -t "$REGISTRY/acme-api" .
          docker push "$REGISTRY/acme-api"
"""

COMPOSE = """\
services:
  api:
    image: registry.example/acme/acme-api:${ACME_TAG:-latest}
"""

EXPECTED = {
    "DG102": "Add a required choice input of the targets; `environment: ${{ inputs.where }}`.",
    "DG103": "Require a `approval` input and give every job `if: inputs.approval == 'SHIPIT'`.",
    "DG104": "Add an optional `why` input: `required: false`, `type: string`.",
    "DG105": 'Pass the input through `env:` and quote it: `"$TICKET_ID"`.',
    "DG106": "Set `ACME_TAG=v${GITHUB_SHA::7}`; no tag input, no `latest`.",
    "DG111": "Set `concurrency: {group: deploy-${{ inputs.where }}, cancel-in-progress: false}`.",
    "DG112": 'Before `up`, run `driftgate verify --target qa --expected-sha "$GITHUB_SHA"`.',
    "DG203": "Push `<registry>/<image>:$ACME_TAG` with `ACME_TAG=v${GITHUB_SHA::7}`.",
    "DG401": "Tag the image with `${ACME_TAG:?set ACME_TAG}` (no default, no literal tag).",
}
CATSCAN_VALUES = (
    "DEPLOY",
    "IMAGE_TAG",
    "staging",
    "$REASON",
    "reason",
    "inputs.target",
    "inputs.confirm",
)


@pytest.fixture
def acme(tmp_path):
    """A repository linted with a pack whose every deploy-specific value differs."""
    pack = yaml.safe_load(DEFAULT_PACK.read_text())
    pack["name"] = "acme"
    pack["targets"] = {
        "qa": {"vm": "acme-qa", "base_url": "http://acme-qa.internal"},
        "live": {"vm": "acme-live", "base_url": "https://acme.example", "promoted_from": "qa"},
    }
    pack["images"].update(names=["acme-api"], tag_format="v{sha7}", tag_variable="ACME_TAG")
    pack["deploy"].update(
        confirm_word="SHIPIT",
        target_input="where",
        confirm_input="approval",
        reason_input="why",
    )
    pack["host"].update(containers=["acme-api"], api_container="acme-api")
    pack_file = tmp_path / "acme-pack.yaml"
    pack_file.write_text(json.dumps(pack))  # JSON is YAML
    files = {
        ".github/workflows/deploy.yml": DEPLOY,
        ".github/workflows/build-and-push.yml": BUILD,
        "docker-compose.gcp.yml": COMPOSE,
    }
    for relative, text in files.items():
        path = tmp_path / "repo" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return lint_paths([tmp_path / "repo"], pack_path=pack_file)


def test_each_hint_uses_the_pack_and_the_finding(acme):
    assert acme.errors == ()
    hints = {}
    for finding in acme.findings:
        hints.setdefault(finding.rule_id, set()).add(finding.remediation)
    for rule_id, hint in EXPECTED.items():
        assert hints.get(rule_id) == {hint}, (rule_id, hints.get(rule_id))


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_no_cat_scan_value_in_the_hints(acme, rule_id):
    remediations = {f.remediation for f in acme.findings if f.rule_id == rule_id}
    assert remediations
    for remediation in remediations:
        assert not any(value in remediation for value in CATSCAN_VALUES), remediation


def test_the_bundled_pack_keeps_the_documented_hints(tmp_path):
    """With Cat-Scan's pack each hint is the rule's REMEDIATION, word for word."""
    catscan = {
        ".github/workflows/deploy.yml": DEPLOY.replace("ticket-id", "reason"),
        ".github/workflows/build-and-push.yml": BUILD.replace("acme-api", "catscan-api"),
        "docker-compose.gcp.yml": COMPOSE.replace("acme", "catscan").replace("ACME", "IMAGE"),
    }
    for relative, text in catscan.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    report = lint_paths([tmp_path])
    documented = {m.ID: m.REMEDIATION for m in report.rules}
    hints = {f.rule_id: f.remediation for f in report.findings if f.rule_id in EXPECTED}
    assert hints == {rule_id: documented[rule_id] for rule_id in EXPECTED}
