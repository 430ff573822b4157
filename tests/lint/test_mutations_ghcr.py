"""One-change violations of the GHCR reference (examples/catscan-ghcr) are caught at the right line.

The reference is Cat-Scan's pipeline since August 2026: a build a person
dispatches and confirms with PUBLISH_HETZNER, a test job the build needs, three
images pushed to GHCR tagged with the full commit, and a compose file taking
digest-pinned images from the release manifest. Under the bundled
`catscan-ghcr` pack it is clean; each row below changes one exact snippet and
the rule's findings must be exactly on the given lines (an empty list: a near
miss the rule must accept).
"""

from pathlib import Path

import pytest
from reference_mutations import lint_copy as reference_lint_copy

from driftgate.policies.pack import PACKS

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "catscan-ghcr"
BUILD = ".github/workflows/build-images.yml"
COMPOSE = "docker-compose.hetzner.yml"
PACK = "catscan-ghcr"

GUARD = "if: inputs.confirm == 'PUBLISH_HETZNER'"
API_TAG = "tags: ${{ env.PREFIX }}/catscan-api:${{ env.IMAGE_TAG }}"
DASHBOARD_TAG = "tags: ${{ env.PREFIX }}/catscan-dashboard:${{ env.IMAGE_TAG }}"
MCP_TAG = "tags: ${{ env.PREFIX }}/catscan-mcp:${{ env.IMAGE_TAG }}"
MCP_PUSH = "          file: mcp/Dockerfile\n          push: true\n"
MCP_STEP_START = "      - name: MCP server\n"
MCP_STEP_END = "          tags: ${{ env.PREFIX }}/catscan-mcp:${{ env.IMAGE_TAG }}\n"
API_IMAGE = "${API_IMAGE:?set API_IMAGE from release.env}"
MCP_IMAGE = "${MCP_IMAGE:?set MCP_IMAGE from release.env}"
DASHBOARD_IMAGE = "${DASHBOARD_IMAGE:?set DASHBOARD_IMAGE from release.env}"
DIGEST = "sha256:" + "0123456789abcdef" * 4

# (id, rule, file, snippet, replacement, snippet that must be on each expected line)
MUTATIONS = [
    (
        "push-trigger-too",
        "DG201",
        BUILD,
        "on:\n  workflow_dispatch:\n",
        "on:\n  push:\n    branches: [main]\n  workflow_dispatch:\n",
        ["  push:\n    branches: [main]"],
    ),
    (
        "confirm-optional",
        "DG201",
        BUILD,
        "        required: true\n",
        "        required: false\n",
        ["required: false"],
    ),
    (
        "confirm-defaults-to-the-word",
        "DG201",
        BUILD,
        "        type: string\n",
        "        type: string\n        default: PUBLISH_HETZNER\n",
        ["default: PUBLISH_HETZNER"],
    ),
    ("wrong-word", "DG201", BUILD, GUARD, "if: inputs.confirm == 'PUBLISH'", ["  publish:"]),
    (
        "or-lets-anyone-through",
        "DG201",
        BUILD,
        GUARD,
        f"{GUARD} || github.actor == 'release-bot'",
        ["  publish:"],
    ),
    (
        "publish-runs-anyway",
        "DG201",
        BUILD,
        "    needs: tests\n",
        "    needs: tests\n    if: always()\n",
        ["if: always()"],
    ),
    ("guard-in-an-expression", "DG201", BUILD, GUARD, f"if: ${{{{ {GUARD[4:]} }}}}", []),
    ("publish-without-tests", "DG202", BUILD, "    needs: tests\n", "", [API_TAG]),
    (
        "tests-may-fail",
        "DG202",
        BUILD,
        "tests/test_health_endpoint.py\n",
        "tests/test_health_endpoint.py || true\n",
        [API_TAG],
    ),
    (
        "tag-without-prefix",
        "DG203",
        BUILD,
        "IMAGE_TAG: sha-${{ github.sha }}",
        "IMAGE_TAG: ${{ github.sha }}",
        [API_TAG, DASHBOARD_TAG, MCP_TAG],
    ),
    (
        "latest-pushed-too",
        "DG203",
        BUILD,
        API_TAG,
        "tags: |\n            ${{ env.PREFIX }}/catscan-api:${{ env.IMAGE_TAG }}\n"
        "            ${{ env.PREFIX }}/catscan-api:latest",
        ["/catscan-api:latest"],
    ),
    (
        "short-sha-tag",
        "DG203",
        BUILD,
        MCP_TAG,
        "tags: ${{ env.PREFIX }}/catscan-mcp:sha-${GITHUB_SHA::7}",
        ["catscan-mcp:sha-${GITHUB_SHA::7}"],
    ),
    (
        "full-sha-spelt-out",
        "DG203",
        BUILD,
        MCP_TAG,
        "tags: ${{ env.PREFIX }}/catscan-mcp:sha-${{ github.sha }}",
        [],
    ),
    (
        "mcp-built-not-pushed",
        "DG204",
        BUILD,
        MCP_PUSH,
        MCP_PUSH.replace("true", "false"),
        ["jobs:"],
    ),
    (
        "mcp-digest-not-recorded",
        "DG204",
        BUILD,
        '            echo "MCP_IMAGE=${PREFIX}/catscan-mcp@${MCP_DIGEST}"\n',
        "",
        ["jobs:"],
    ),
    (
        "api-recorded-by-tag-not-digest",
        "DG204",
        BUILD,
        "API_IMAGE=${PREFIX}/catscan-api@${API_DIGEST}",
        "API_IMAGE=${PREFIX}/catscan-api:${IMAGE_TAG}",
        ["jobs:"],
    ),
    (
        "api-without-sbom",
        "DG204",
        BUILD,
        "          file: Dockerfile\n          push: true\n          provenance: mode=max\n"
        "          sbom: true\n",
        "          file: Dockerfile\n          push: true\n          provenance: mode=max\n",
        [API_TAG],
    ),
    (
        "mcp-provenance-off",
        "DG204",
        BUILD,
        "          file: mcp/Dockerfile\n          push: true\n          provenance: mode=max\n",
        "          file: mcp/Dockerfile\n          push: true\n          provenance: false\n",
        [MCP_TAG],
    ),
    ("api-image-defaults", "DG401", COMPOSE, API_IMAGE, "${API_IMAGE}", ["${API_IMAGE}"]),
    (
        "mcp-falls-back-to-latest",
        "DG401",
        COMPOSE,
        MCP_IMAGE,
        "${MCP_IMAGE:-ghcr.io/catscan/catscan-mcp:latest}",
        ["${MCP_IMAGE:-"],
    ),
    (
        "dashboard-short-digest",
        "DG401",
        COMPOSE,
        DASHBOARD_IMAGE,
        "ghcr.io/catscan/catscan-dashboard@sha256:0aafd2ae",
        ["catscan-dashboard@sha256:0aafd2ae"],
    ),
    (
        "dashboard-pinned-literally",
        "DG401",
        COMPOSE,
        DASHBOARD_IMAGE,
        f"ghcr.io/catscan/catscan-dashboard@{DIGEST}",
        [],
    ),
    (
        "mcp-on-every-interface",
        "DG402",
        COMPOSE,
        '"127.0.0.1:8765:8765"',
        '"8765:8765"',
        ['"8765:8765"'],
    ),
]


def lint_copy(tmp_path, file=None, snippet=None, replacement=None, pack=PACK):
    """Lint a copy of the GHCR reference under its pack; the changed file's text."""
    report, _, text = reference_lint_copy(
        tmp_path, file, snippet, replacement, reference=REFERENCE, pack=pack
    )
    return report, text


def _line_holding(text, marker):
    assert text.count(marker) == 1, marker
    return text[: text.index(marker)].count("\n") + 1


def test_reference_is_clean_under_the_ghcr_pack(tmp_path):
    report, _ = lint_copy(tmp_path)
    assert report.findings == ()
    assert sorted(Path(f).name for f in report.files) == [
        "build-images.yml",
        "docker-compose.hetzner.yml",
    ]


def test_the_build_trigger_is_the_packs(tmp_path):
    """The same workflow under a pack that builds on push: DG201 wants the push trigger."""
    pack = tmp_path / "push-pack.yaml"
    text = PACKS.joinpath("catscan-ghcr.yaml").read_text()
    pack.write_text(text.replace("  trigger: dispatch\n", "  trigger: push\n"))
    report, _ = lint_copy(tmp_path, pack=str(pack))
    (finding,) = report.findings
    assert (finding.rule_id, finding.line) == ("DG201", _line_holding(_build_text(), "\non:") + 1)
    assert finding.message == "the build never runs on push to main"


def _build_text():
    return (REFERENCE / BUILD).read_text()


@pytest.mark.parametrize(
    ("rule", "file", "snippet", "replacement", "on_lines"),
    [row[1:] for row in MUTATIONS],
    ids=[row[0] for row in MUTATIONS],
)
def test_one_change_is_caught_at_the_line(tmp_path, rule, file, snippet, replacement, on_lines):
    report, text = lint_copy(tmp_path, file, snippet, replacement)
    expected = sorted(_line_holding(text, marker) for marker in on_lines)
    found = [f for f in report.findings if f.rule_id == rule]
    assert sorted(f.line for f in found) == expected, [(f.line, f.message) for f in found]
    lines = text.splitlines()
    for finding in found:
        assert Path(finding.file).name == Path(file).name
        assert 1 <= finding.column <= len(lines[finding.line - 1])


def test_removing_the_mcp_build_is_caught_at_jobs(tmp_path):
    text = (REFERENCE / BUILD).read_text()
    start, end = text.index(MCP_STEP_START), text.index(MCP_STEP_END) + len(MCP_STEP_END)
    report, changed = lint_copy(tmp_path, BUILD, text[start:end], "")
    (finding,) = [f for f in report.findings if f.rule_id == "DG204"]
    assert finding.line == _line_holding(changed, "\njobs:") + 1
    assert "never builds `catscan-mcp`" in finding.message
