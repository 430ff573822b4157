"""API group: the target's GET and HEAD operations conform to its OpenAPI document.

The document comes from the target (base URL + the pack's `api.openapi_path`),
or from a file (`--openapi-file`, else the pack's `api.openapi_file`). It is
loaded at collection, after the expected SHA answers healthy (the one poll the
health group shares, so the document and the requests are the new deployment's),
and each GET/HEAD operation becomes one test: `test_operation[GET /buyers]`.
When it cannot be loaded, `test_openapi_loads` fails with the reason.
Every request goes through driftgate.checks.api.read_only_session: a write is
refused before it is sent. Each operation records ("api", {operation, requests,
document_examples, statuses, success_checked, failures, seconds}) for the report
and the JSON artifact. An operation that passed on error statuses alone records
("success_response", "success response never checked (HTTP 404)"); one the
document secures, run without a token, is skipped "not checked: no API token".
"""

from pathlib import Path

import pytest

from driftgate.checks.api import (
    OpenApiUnavailable,
    fetch_document,
    read_document,
    read_only_operations,
    read_only_session,
    run_operation,
)
from driftgate.checks.health import poll_record
from driftgate.checks.plugin import HEALTH_POLL_KEY, SETTINGS_KEY, expected_sha_poll, not_checked
from driftgate.policies.errors import DriftgateError

API_KEY = pytest.StashKey()  # the ApiLoad of this gate run
NO_TOKEN = "no API token"
SUCCESS_NEVER_CHECKED = "success response never checked"


class ApiLoad:
    """The document's source and read-only operations, or why there are none."""

    def __init__(self, source, operations=(), error=None, health_failed=False):
        self.source, self.operations, self.error = source, tuple(operations), error
        self.health_failed = health_failed  # not loaded because the health poll failed

    def operation(self, label):
        return next((op for op in self.operations if op.label == label), None)


def load_api(config):
    """Load once per gate run (cached in the config's stash)."""
    if API_KEY not in config.stash:
        config.stash[API_KEY] = _load(config)
    return config.stash[API_KEY]


def _load(config):
    gate = config.stash[SETTINGS_KEY]
    api = gate.pack.api
    source = _document_file(gate) or gate.base_url + api.openapi_path
    try:
        _require_expected_sha(gate, expected_sha_poll(config))
        session = read_only_session(gate.token, api.rate_limit)
        if source.startswith(("http://", "https://")):
            document = fetch_document(source, session)
        else:
            document = read_document(source)
        return ApiLoad(source, read_only_operations(document, source))
    except HealthNotPassed as exc:
        return ApiLoad(source, error=str(exc), health_failed=True)
    except DriftgateError as exc:
        return ApiLoad(source, error=str(exc))


def _document_file(gate):
    if gate.openapi_file:
        return gate.openapi_file
    if gate.pack.api.openapi_file:
        return str(Path(gate.pack.source).parent / gate.pack.api.openapi_file)
    return None


def _require_expected_sha(gate, poll):
    if not poll.passed:
        raise HealthNotPassed(
            f"{gate.target.name} did not answer healthy with {gate.expected_sha} "
            f"within {gate.deadline:g} s (last probe: {poll.last.summary})"
        )


class HealthNotPassed(OpenApiUnavailable):
    """The expected SHA never answered healthy: the API is not checked (health says why)."""


def pytest_generate_tests(metafunc):
    # One test per GET/HEAD operation of the document, so each has its own stable id.
    if "operation_label" not in metafunc.fixturenames:
        return
    labels = []
    if SETTINGS_KEY in metafunc.config.stash:
        labels = [op.label for op in load_api(metafunc.config).operations]
    metafunc.parametrize("operation_label", labels or [None], ids=labels or ["none"])


@pytest.fixture(scope="session")
def api(request):
    return load_api(request.config)


@pytest.fixture(scope="session")
def api_session(gate):
    """One session for the whole group, so the rate limit holds across operations."""
    session = read_only_session(gate.token, gate.pack.api.rate_limit)
    yield session
    session.close()


def test_openapi_loads(api, gate, request, record_property):
    labels = [op.label for op in api.operations]
    record_property("openapi", {"source": api.source, "operations": labels, "error": api.error})
    if "health" not in gate.groups and HEALTH_POLL_KEY in request.config.stash:
        # The health group did not run: the poll this group waited on is the run's timing.
        record_property("health", poll_record(request.config.stash[HEALTH_POLL_KEY]))
    if api.health_failed:
        # With the health group in the run, its checks say why; alone, this is the root cause.
        why = "(see test_health.py)" if "health" in gate.groups else f": {api.error}"
        not_checked(request.node, f"health failed {why}".replace(" :", ":"))
    if api.error:
        pytest.fail(f"OpenAPI document: {api.error}", pytrace=False)


def test_operation(api, operation_label, api_session, gate, record_property):
    """One GET/HEAD operation: positive examples, four checks, stop at the first failure."""
    if operation_label is None:
        pytest.skip("no operation to check: the OpenAPI document did not load (test_openapi_loads)")
    operation = api.operation(operation_label)
    if operation.needs_token and not gate.token:
        # Without a token every answer is a 401: nothing behind it would be checked.
        record_property("api", {"operation": operation_label, "not_checked": NO_TOKEN})
        pytest.skip(f"not checked: {NO_TOKEN} (${gate.token_env} is empty)")
    if operation.problem:
        record_property("api", {"operation": operation_label, "failures": [operation.problem]})
        pytest.fail(operation.problem, pytrace=False)
    run = run_operation(
        operation.operation,
        api_session,
        gate.base_url,
        gate.pack.api.max_examples,
        token=gate.token,
    )
    record_property("api", run.as_dict())
    if run.failures:
        pytest.fail("; ".join(run.failures), pytrace=False)
    if not run.success_checked:
        # Every answer was an error status: conforming, but the success schema went unchecked.
        statuses = ", ".join(str(s) for s in sorted(set(run.statuses)))
        record_property("success_response", f"{SUCCESS_NEVER_CHECKED} (HTTP {statuses})")
