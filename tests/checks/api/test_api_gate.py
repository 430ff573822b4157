"""The API group end to end: `driftgate verify --groups api` against the reference target.

Every test runs the real gate (in this process, as the other gate tests do; one in a
real process for the canary) against ReferenceTarget on loopback, and asserts the
server saw nothing but GET and HEAD.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import requests
import yaml
from gate_helpers import NEW_SHA, OLD_SHA, read_json

from driftgate.checks import api as api_module
from driftgate.checks.api import (
    ReadOnlyAdapter,
    ResponseTooLarge,
    read_only_operations,
    read_only_session,
)
from driftgate.checks.api import run_operation as run_one
from driftgate.policies.pack import DEFAULT_PACK
from driftgate.reference_target import OPENAPI, ReferenceTarget

CANARY_TOKEN = "canary-api-token-4e1d9b27"
OPERATIONS = ("GET /health", "GET /buyers", "GET /buyers/{buyer_id}")
ONE_EXAMPLE = 3  # max_examples in the small test pack: keeps each run well under a second


@pytest.fixture
def small_pack(tmp_path):
    """The bundled pack with few examples per operation and no rate limit to wait on."""
    pack = yaml.safe_load(DEFAULT_PACK.read_text())
    pack["api"].update(max_examples=ONE_EXAMPLE, rate_limit="1000/s")
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(pack, sort_keys=False))
    return path


@pytest.fixture
def api_gate(verify, small_pack, tmp_path):
    """Run the API group against `target`: (exit code, stdout, artifact document)."""

    def run(target, *extra):
        artifact = tmp_path / "verify.json"
        code, out, err = verify(
            "--pack", small_pack, "--target", "staging", "--expected-sha", NEW_SHA,
            "--base-url", target.url, "--groups", "api", "--deadline", "1",
            "--poll-interval", "0.05", "--json-out", artifact, *extra,
        )  # fmt: skip
        assert "Traceback" not in out + err
        return code, out, read_json(artifact) if artifact.exists() else None

    return run


def outcomes(document):
    return {check["id"].split("::", 1)[1]: check for check in document["checks"]}


def test_conforming_target_passes_every_operation(api_gate, monkeypatch):
    monkeypatch.setenv("DRIFTGATE_API_TOKEN", CANARY_TOKEN)
    with ReferenceTarget(sha=NEW_SHA, token=CANARY_TOKEN) as target:
        code, out, document = api_gate(target)
        assert target.methods_seen() <= {"GET", "HEAD"}
        buyer_requests = [p for m, p in target.requests if p.startswith("/buyers")]
    assert code == 0, out
    checks = outcomes(document)
    assert {f"test_operation[{label}]" for label in OPERATIONS} <= set(checks)
    assert all(check["outcome"] == "passed" for check in checks.values())
    runs = {run["operation"]: run for run in document["api"]["operations"]}
    assert set(runs) == set(OPERATIONS)
    for run in runs.values():
        assert 1 <= run["requests"] <= ONE_EXAMPLE and run["failures"] == []
    # The token reached the server: /buyers answered 200, not the 401 of a missing token.
    assert runs["GET /buyers"]["statuses"] == [200]
    assert buyer_requests and "gate PASSED" in out


def test_a_refused_token_fails_instead_of_passing_on_documented_401s(api_gate, monkeypatch):
    monkeypatch.setenv("DRIFTGATE_API_TOKEN", "expired-" + CANARY_TOKEN[::-1])
    with ReferenceTarget(sha=NEW_SHA, token=CANARY_TOKEN) as target:
        code, out, document = api_gate(target)
    assert code == 1
    checks = outcomes(document)
    assert checks["test_operation[GET /buyers]"]["message"] == (
        "GET /buyers: the API token was refused (HTTP 401)"
    )
    assert checks["test_operation[GET /health]"]["outcome"] == "passed"  # needs no token


def test_broken_operation_fails_naming_operation_and_check(api_gate):
    with ReferenceTarget(sha=NEW_SHA) as target:
        target.api_broken = True
        code, out, document = api_gate(target)
        assert target.methods_seen() <= {"GET", "HEAD"}
    assert code == 1
    checks = outcomes(document)
    broken = checks["test_operation[GET /buyers]"]
    assert broken["outcome"] == "failed"
    assert broken["message"].startswith(
        "GET /buyers: response_schema_conformance failed (HTTP 200): Response violates schema"
    )
    assert "\n" not in broken["message"]
    assert checks["test_operation[GET /health]"]["outcome"] == "passed"
    assert document["failures"] == ["test_api.py::test_operation[GET /buyers]"]


def test_unreachable_target_is_one_clear_failure(api_gate):
    with ReferenceTarget(sha=NEW_SHA) as target:
        target.set_mode("refused")
        code, out, document = api_gate(target)
    assert code == 1
    # Alone in the run, the API group's one row carries the root cause.
    failed = [c for c in document["checks"] if c["outcome"] in ("failed", "not_checked")]
    assert [c["id"] for c in failed] == ["test_api.py::test_openapi_loads"]
    assert failed[0]["outcome"] == "not_checked"
    assert failed[0]["message"].startswith(
        "not checked because health failed: staging did not answer"
    )
    assert "refused" in failed[0]["message"] and "Traceback" not in out


def test_a_failing_deploy_is_polled_once_for_health_and_api(api_gate):
    """The API group waits on the health group's poll: one deadline, not one per group."""
    with ReferenceTarget(sha=OLD_SHA) as target:
        code, _, document = api_gate(target, "--groups", "health,api")
        health_requests = [path for _, path in target.requests if path.endswith("/health")]
    assert code == 1
    checks = outcomes(document)
    assert checks["test_openapi_loads"]["outcome"] == "not_checked"
    assert checks["test_openapi_loads"]["message"] == (
        "not checked because health failed (see test_health.py)"
    )
    assert checks["test_answers_expected_sha"]["outcome"] == "failed"
    (poll,) = [
        v for name, v in checks["test_answers_expected_sha"]["properties"] if name == "health"
    ]
    assert len(health_requests) == poll["attempts"] > 1


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"<html>502 Bad Gateway</html>\xff", "not a JSON document"),
        (b'{"swagger_ui": true}', "not an OpenAPI document"),
        (b'{"openapi": "9.9.9", "paths": {}}', "unusable OpenAPI document"),
        (b'{"openapi": "3.0.3", "info": {}, "paths": {"/x": {"post": {}}}}', "no GET or HEAD"),
    ],
)
def test_garbage_document_is_one_clear_failure(api_gate, body, reason):
    with ReferenceTarget(sha=NEW_SHA) as target:
        target.openapi_body = body
        code, out, document = api_gate(target)
        assert target.methods_seen() <= {"GET", "HEAD"}
    assert code == 1
    failed = [c for c in document["checks"] if c["outcome"] == "failed"]
    assert [c["id"] for c in failed] == ["test_api.py::test_openapi_loads"]
    assert reason in failed[0]["message"] and "\n" not in failed[0]["message"]


def test_oversized_document_is_refused(api_gate):
    with ReferenceTarget(sha=NEW_SHA) as target:
        target.openapi_body = b'{"pad": "' + b"x" * (6 * 1024 * 1024) + b'"}'
        code, _, document = api_gate(target)
    assert code == 1
    assert "over 5 MiB" in outcomes(document)["test_openapi_loads"]["message"]


def test_document_from_a_file(api_gate, tmp_path):
    """--openapi-file: the operations come from the file, the requests go to the target."""
    only_buyers = {**OPENAPI, "paths": {"/buyers": OPENAPI["paths"]["/buyers"]}}
    document_file = tmp_path / "openapi.yaml"
    document_file.write_text(yaml.safe_dump(only_buyers))
    with ReferenceTarget(sha=NEW_SHA) as target:
        code, _, document = api_gate(target, "--openapi-file", document_file)
        assert ("GET", "/openapi.json") not in target.requests
    assert code == 0
    assert [run["operation"] for run in document["api"]["operations"]] == ["GET /buyers"]
    assert document["api"]["source"] == str(document_file)


def test_document_file_named_by_the_pack_is_relative_to_it(verify, tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    only_health = {**OPENAPI, "paths": {"/health": OPENAPI["paths"]["/health"]}}
    (packs / "catscan-openapi.json").write_text(json.dumps(only_health))
    pack = yaml.safe_load(DEFAULT_PACK.read_text())
    pack["api"].update(openapi_file="catscan-openapi.json", max_examples=1)
    (packs / "pack.yaml").write_text(yaml.safe_dump(pack, sort_keys=False))
    artifact = tmp_path / "verify.json"
    with ReferenceTarget(sha=NEW_SHA) as target:
        code, out, _ = verify(
            "--pack", packs / "pack.yaml", "--target", "staging", "--expected-sha", NEW_SHA,
            "--base-url", target.url, "--groups", "api", "--json-out", artifact,
        )  # fmt: skip
        assert ("GET", "/openapi.json") not in target.requests
    assert code == 0, out
    document = read_json(artifact)
    assert [run["operation"] for run in document["api"]["operations"]] == ["GET /health"]


def test_token_canary_in_no_output_of_a_real_process_that_writes_nothing_in_cwd(
    small_pack, tmp_path
):
    artifact, junit = tmp_path / "v.json", tmp_path / "j.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTGATE_", "GITHUB_"))}
    env["DRIFTGATE_API_TOKEN"] = CANARY_TOKEN
    with ReferenceTarget(sha=NEW_SHA, token=CANARY_TOKEN) as target:
        target.api_broken = True  # a failure message too, not only passes
        command = [
            sys.executable, "-m", "driftgate", "verify", "--pack", str(small_pack),
            "--target", "staging", "--expected-sha", NEW_SHA, "--base-url", target.url,
            "--groups", "api", "--deadline", "2", "--json-out", str(artifact),
            "--junitxml", str(junit),
        ]  # fmt: skip
        env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
        workdir = tmp_path / "checkout"
        workdir.mkdir()
        done = subprocess.run(
            command, env=env, cwd=workdir, capture_output=True, text=True, timeout=120
        )
        assert target.methods_seen() <= {"GET", "HEAD"}
    assert done.returncode == 1, done.stdout + done.stderr
    assert list(workdir.iterdir()) == []  # nothing written where the gate runs (.hypothesis)
    assert "GET /buyers: response_schema_conformance failed" in done.stdout
    for name, text in {
        "stdout": done.stdout,
        "stderr": done.stderr,
        "junit": junit.read_text("utf-8"),
        "artifact": artifact.read_text("utf-8"),
    }.items():
        assert CANARY_TOKEN not in text, name


def test_guard_refuses_a_write_operation_whatever_produced_it():
    """Hand the runner a POST operation (the selection never does): nothing is sent."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    schema = schemathesis.openapi.from_dict(dict(OPENAPI), config=SchemathesisConfig())
    post = schema["/buyers"]["POST"]
    with ReferenceTarget(sha=NEW_SHA) as target:
        run = run_one(post, read_only_session(None), target.url, max_examples=2)
        assert target.requests == []
    assert run.examples == 0
    refused = f"refused POST {target.url}/buyers: the API gate sends GET and HEAD only"
    assert run.failures == (f"POST /buyers: request failed: WriteRefused: {refused}",)


def test_only_get_and_head_operations_are_selected():
    operations = read_only_operations(dict(OPENAPI), "reference")
    assert [op.label for op in operations] == list(OPERATIONS)


def test_a_trickling_body_is_cut_off_at_the_request_timeout(monkeypatch):
    """requests bounds each read, not the body: the adapter bounds the whole answer."""
    monkeypatch.setattr(api_module, "REQUEST_TIMEOUT", 1.0)
    with ReferenceTarget(sha=NEW_SHA, slow_seconds=0.3) as target:  # ~70 bytes: ~20 s
        target.set_mode("slow-body")
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout, match="body still arriving"):
            read_only_session(None).get(target.url + "/health", timeout=1.0)
        assert time.monotonic() - started < 10.0  # a 1 s timeout, not the ~20 s body


def test_an_endless_body_is_cut_off_at_the_size_cap():
    with ReferenceTarget(sha=NEW_SHA) as target:
        target.set_mode("endless")
        with pytest.raises(ResponseTooLarge, match="over 5 MiB"):
            read_only_session(None).get(target.url + "/health", timeout=5.0)


def test_rate_limit_spaces_requests():
    with ReferenceTarget(sha=NEW_SHA) as target:
        session = read_only_session(None, rate_limit="10/s")
        started = time.monotonic()
        for _ in range(4):
            session.get(target.url + "/health", timeout=5)
        elapsed = time.monotonic() - started
    assert elapsed >= 0.3  # 4 requests at 10/s: three gaps of 0.1 s
    assert isinstance(session.get_adapter("http://x"), ReadOnlyAdapter)


def _document_with(tmp_path, edit):
    document = json.loads(json.dumps(OPENAPI))
    edit(document)
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    return path


def test_the_documents_example_values_check_the_success_response(api_gate, tmp_path):
    def with_example(document):
        (parameter,) = document["paths"]["/buyers/{buyer_id}"]["get"]["parameters"]
        parameter["example"] = "1111111111"  # a buyer the target has: HTTP 200

    document_file = _document_with(tmp_path, with_example)
    with ReferenceTarget(sha=NEW_SHA) as target:
        code, out, document = api_gate(target, "--openapi-file", document_file)
        asked = [path for _, path in target.requests]
    assert code == 0, out
    assert "/buyers/1111111111" in asked
    runs = {run["operation"]: run for run in document["api"]["operations"]}
    one_buyer = runs["GET /buyers/{buyer_id}"]
    assert one_buyer["document_examples"] == 1 and 200 in one_buyer["statuses"]
    assert one_buyer["success_checked"] is True
    assert "GET /buyers/{buyer_id}" not in document["api"]["success_never_checked"]


def test_an_operation_that_never_saw_a_2xx_is_reported_unchecked(api_gate, tmp_path):
    junit = tmp_path / "junit.xml"
    with ReferenceTarget(sha=NEW_SHA) as target:
        code, out, document = api_gate(target, "--junitxml", junit)
    assert code == 0, out  # conforming answers: reported, not failed
    runs = {run["operation"]: run for run in document["api"]["operations"]}
    assert runs["GET /buyers/{buyer_id}"]["statuses"] == [404]  # random ids: never a buyer
    assert runs["GET /buyers/{buyer_id}"]["success_checked"] is False
    assert document["api"]["success_never_checked"] == ["GET /buyers/{buyer_id}"]
    check = outcomes(document)["test_operation[GET /buyers/{buyer_id}]"]
    assert check["message"] == "success response never checked (HTTP 404)"
    (row,) = [line for line in out.splitlines() if "test_operation[GET /buyers/{buyer_id}]" in line]
    assert "PASSED" in row and "success response never checked (HTTP 404)" in row
    assert 'name="success_response" value="success response never checked (HTTP 404)"' in (
        junit.read_text("utf-8")
    )


def test_secured_operations_without_a_token_are_not_checked_not_passed(
    api_gate, tmp_path, monkeypatch
):
    monkeypatch.delenv("DRIFTGATE_API_TOKEN", raising=False)

    def secured(document):
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"bearer": []}]
        document["paths"]["/health"]["get"]["security"] = []  # public

    document_file = _document_with(tmp_path, secured)
    with ReferenceTarget(sha=NEW_SHA, token=CANARY_TOKEN) as target:
        code, out, document = api_gate(target, "--openapi-file", document_file)
        asked = [path for _, path in target.requests]
    checks = outcomes(document)
    for label in ("GET /buyers", "GET /buyers/{buyer_id}"):
        check = checks[f"test_operation[{label}]"]
        assert check["outcome"] == "skipped"
        assert check["message"].startswith("not checked: no API token")
        assert document["api"]["not_checked"][label] == "no API token"
    assert checks["test_operation[GET /health]"]["outcome"] == "passed"
    assert not any(path.startswith("/buyers") for path in asked)  # no 401s collected as passes
    assert "not checked: no API token" in out
