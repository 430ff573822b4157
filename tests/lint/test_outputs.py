"""Report formats: golden files per format, SARIF against the official schema, escaping.

The golden files come from linting tests/lint/golden/repo with the fake rule
set. After an intended change, regenerate them and review the diff:

    .venv/bin/pytest tests/lint/test_outputs.py --update-golden
"""

import json
from pathlib import Path

import jsonschema
import pytest

from driftgate import __version__
from driftgate.lint.output import choose
from driftgate.lint.output.github import escape_data, escape_property

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
SARIF_SCHEMA = HERE / "schemas" / "sarif-schema-2.1.0.json"
FORMATS = {
    "text": "output.txt",
    "json": "output.json",
    "sarif": "output.sarif",
    "github": "output.github",
}


@pytest.fixture
def golden_run(fake_rules, run_cli, monkeypatch):
    monkeypatch.chdir(GOLDEN / "repo")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def run(fmt):
        code, out, err = run_cli("lint", "--format", fmt)
        return code, out.replace(__version__, "<version>"), err

    return run


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden_output(golden_run, golden, fmt):
    code, out, err = golden_run(fmt)
    assert code == 2  # broken.yml is an input error; the findings are still reported
    assert err.strip().splitlines() == [
        "driftgate: error: .github/workflows/broken.yml:3: invalid YAML: did not find expected "
        "',' or ']', column 5"
    ]
    golden(GOLDEN / FORMATS[fmt], out)


def test_sarif_is_valid_against_the_official_schema(golden_run):
    _, out, _ = golden_run("sarif")
    document = json.loads(out)
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"DG001", "DG002", "DG901", "DG902", "DG903", "DG904"}
    result = next(r for r in run["results"] if r["ruleId"] == "DG903")
    assert rules[result["ruleIndex"]]["id"] == "DG903"
    assert result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": ".github/workflows/deploy.yml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 11, "startColumn": 11},
    }
    assert rules[result["ruleIndex"]]["helpUri"] == "https://driftgate.dev/rules/dg903/"
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_schema_rejects_a_broken_document():
    """The vendored schema really constrains: a result without a message is refused."""
    schema = json.loads(SARIF_SCHEMA.read_text())
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{}]}]}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_json_schema_version_and_fields(golden_run):
    _, out, _ = golden_run("json")
    document = json.loads(out)
    assert document["version"] == 1
    assert set(document) == {"version", "tool", "findings", "errors", "unmatched", "summary"}
    assert document["unmatched"] == []  # every glob of the pack matched a file
    assert set(document["findings"][0]) == {
        "rule_id", "rule_name", "severity", "message", "file", "line", "column",
        "key_path", "remediation", "doc_url",
    }  # fmt: skip
    assert document["errors"] == [
        {
            "file": ".github/workflows/broken.yml",
            "line": 3,
            "message": "invalid YAML: did not find expected ',' or ']', column 5",
        }
    ]
    assert document["summary"] == {
        "files": 4,
        "findings": 6,
        "by_severity": {"error": 4, "warning": 1, "note": 1},
        "errors": 1,
        "unmatched": 0,
    }


def test_github_escaping():
    assert escape_data("100% done\nnext\r") == "100%25 done%0Anext%0D"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_auto_format_picks_github_inside_actions():
    assert choose("auto", {"GITHUB_ACTIONS": "true"}) == "github"
    assert choose("auto", {}) == "text"
    assert choose("json", {"GITHUB_ACTIONS": "true"}) == "json"


def test_text_colour_only_on_a_terminal_without_no_color(fake_rules, monkeypatch, capsys):
    from driftgate import cli

    monkeypatch.chdir(GOLDEN / "repo")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    cli.main(["lint", "docker-compose.gcp.yml"])
    assert "\033[31merror\033[0m" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    cli.main(["lint", "docker-compose.gcp.yml"])
    assert "\033[" not in capsys.readouterr().out


def test_sarif_columns_are_code_points_and_say_so(tmp_path, run_cli):
    """SARIF counts UTF-16 code units unless columnKind says otherwise; an emoji (two
    UTF-16 units, one code point) before a finding must not shift it."""
    workflow = tmp_path / "ci.yml"
    workflow.write_text(
        "on:\n  workflow_dispatch:\n    inputs:\n      note: {type: string}\n"
        "jobs:\n  a:\n    runs-on: x\n    steps:\n"
        '      - run: echo "🚀 ${{ inputs.note }}"\n'
    )
    code, out, _ = run_cli("lint", "--format", "sarif", workflow)
    run = json.loads(out)["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    (result,) = [r for r in run["results"] if r["ruleId"] == "DG105"]
    region = result["locations"][0]["physicalLocation"]["region"]
    line = workflow.read_text().splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 :].startswith("${{ inputs.note }}")
