"""The gate's verdict (the contract bypass) and its renderings, from report objects."""

import io

import pytest

from driftgate.checks import artifact, github
from driftgate.checks.report import CheckResult, decide
from driftgate.checks.secrets import ScrubbingStream
from driftgate.commands.verify import exit_code


def check(group, outcome, name="test_x"):
    return CheckResult(f"test_{group}.py::{name}", group, outcome, f"{group} {outcome}")


CONTRACT_FAIL = CheckResult(
    "test_contracts.py::test_contract[C-ING-001]",
    "contracts",
    "failed",
    "C-ING-001 ingestion runs logged: FAIL: no runs",
    properties=(
        (
            "contract",
            {
                "contract_id": "C-ING-001",
                "name": "ingestion runs logged",
                "status": "FAIL",
                "message": "no runs",
                "details": {},
            },
        ),
    ),
)


def test_all_passed_passes():
    verdict = decide([check("health", "passed"), check("contracts", "passed")], False)
    assert verdict.passed and not verdict.bypassed


def test_nothing_run_is_no_pass():
    assert not decide([], True).passed


def test_contract_failure_fails_without_the_bypass():
    verdict = decide([check("health", "passed"), CONTRACT_FAIL], False)
    assert not verdict.passed and verdict.failures == (CONTRACT_FAIL,)


def test_bypass_lets_only_contract_failures_through():
    verdict = decide([check("health", "passed"), CONTRACT_FAIL], True)
    assert verdict.passed and verdict.bypassed
    assert verdict.bypassed_failures == (CONTRACT_FAIL,)


@pytest.mark.parametrize(
    "unrun",
    [
        # No DSN, or the database unreachable: the test records that it gave no verdict.
        CheckResult(
            CONTRACT_FAIL.id,
            "contracts",
            "failed",
            "cannot connect",
            properties=(*CONTRACT_FAIL.properties, ("contract_not_evaluated", True)),
        ),
        check("contracts", "error"),  # a fixture error: no verdict recorded at all
        CheckResult("test_contracts.py", "contracts", "error", "collection error"),
    ],
    ids=["not-evaluated", "no-verdict-recorded", "collection-error"],
)
def test_bypass_never_covers_a_contract_that_gave_no_verdict(unrun):
    verdict = decide([check("health", "passed"), CONTRACT_FAIL, unrun], True)
    assert not verdict.passed and not verdict.bypassed
    assert unrun in verdict.failures


@pytest.mark.parametrize("group", ["health", "promotion", "host", "api"])
@pytest.mark.parametrize("outcome", ["failed", "error"])
def test_bypass_never_covers_other_groups(group, outcome):
    other = check(group, outcome)
    verdict = decide([other, CONTRACT_FAIL], True)
    assert not verdict.passed and not verdict.bypassed
    assert other in verdict.failures and CONTRACT_FAIL in verdict.failures


def test_broken_contract_module_is_not_bypassed():
    collection_error = CheckResult("test_contracts.py", "contracts", "error", "ImportError")
    assert not decide([collection_error], True).passed


def test_annotations_error_and_loud_warning():
    results = [check("health", "failed"), CONTRACT_FAIL]
    failed = github.annotations(results, decide(results, True))
    assert failed == [
        "::error title=driftgate verify::test_health.py::test_x: health failed",
        "::error title=driftgate verify::" + CONTRACT_FAIL.id + ": " + CONTRACT_FAIL.message,
    ]
    bypassed = github.annotations([CONTRACT_FAIL], decide([CONTRACT_FAIL], True))
    assert bypassed[0].startswith("::warning title=driftgate%3A contract failure BYPASSED::")
    assert bypassed[1].startswith("::warning title=driftgate%3A ALLOW_CONTRACT_FAILURE=true::")


def test_annotation_data_is_escaped():
    sneaky = CheckResult("test_api.py::t", "api", "failed", "100%\n::error::forged")
    (line,) = github.annotations([sneaky], decide([sneaky], False))
    assert line.endswith("100%25%0A::error::forged") and "\n" not in line


def test_table_wraps_a_long_message_under_its_column_never_cuts_it():
    message = "word " * 80 + "THE-REASON"
    rows = artifact.table(
        [check("health", "passed"), CheckResult("t.py::x", "t", "not_checked", message)]
    )
    assert rows[1].split()[:2] == ["test_health.py::test_x", "PASSED"]
    assert rows[2].startswith("t.py::x") and "NOT CHECKED" in rows[2]
    assert all(len(row) <= 160 for row in rows) and len(rows) > 4
    column = rows[2].index("word")
    assert all(row[:column].strip() == "" for row in rows[3:])
    assert rows[-1].endswith("THE-REASON") and "…" not in "".join(rows)


def test_markdown_escapes_cells():
    document = {
        "passed": False,
        "bypassed": False,
        "target": "production",
        "expected_sha": "a" * 40,
        "timings": {"seconds_to_verdict": None, "total_seconds": 1.0},
        "deployed": {"git_sha": None, "version": None},
        "checks": [{"id": "t.py::x", "outcome": "failed", "message": "a | b\nc"}],
    }
    text = github.markdown(document)
    assert "FAILED" in text and "| `t.py::x` | ❌ failed | a \\| b c |" in text
    assert "None" not in text and "health not polled; total 1.0 s." in text


def test_scrubbed_reaches_nested_values_and_keys():
    document = {"a": ["x s3cret y", {"s3cret": ("s3cret",)}], "n": 1}
    assert artifact.scrubbed(document, ("s3cret",)) == {"a": ["x *** y", {"***": ["***"]}], "n": 1}


def test_scrub_xml_catches_escaped_forms():
    secret = 'p&ss"<w>'
    xml = '<p value="p&amp;ss&quot;&lt;w&gt;">p&amp;ss"&lt;w&gt;</p>'
    assert "***" in artifact.scrub_xml(xml, (secret,))
    assert "p&amp;ss" not in artifact.scrub_xml(xml, (secret,))


def test_scrubbing_stream_never_splits_a_secret():
    out = io.StringIO()
    stream = ScrubbingStream(out, ("canary-token",))
    for piece in ["a canary-", "tok", "en here\nand canary-token", " again"]:
        stream.write(piece)
    stream.close_line()
    assert out.getvalue() == "a *** here\nand *** again"


@pytest.mark.parametrize(("pytest_code", "gate_code"), [(0, 0), (1, 1), (3, 1), (4, 2), (5, 1)])
def test_exit_codes(pytest_code, gate_code):
    assert exit_code(pytest_code) == gate_code


def test_contract_warn_is_a_warning_annotation():
    warned = CheckResult(
        "test_contracts.py::test_contract[C-DAT-001]",
        "contracts",
        "passed",
        properties=(
            (
                "contract",
                {
                    "contract_id": "C-DAT-001",
                    "name": "per-seat freshness",
                    "status": "WARN",
                    "message": "b1: 4 days old",
                },
            ),
        ),
    )
    (line,) = github.annotations([warned], decide([warned], False))
    assert line == (
        "::warning title=driftgate%3A contract WARN::test_contracts.py::test_contract[C-DAT-001]: "
        "C-DAT-001 per-seat freshness: b1: 4 days old"
    )
