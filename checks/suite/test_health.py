"""Health group: the target answers healthy with the expected SHA within the deadline.

The endpoint is polled once per gate run (the `health_poll` fixture, shared
with the API group); each
test judges one part of the outcome, so JUnit and the artifact name what
failed. The parts judge the last payload received; the gate's verdict is
`test_answers_expected_sha`: an old SHA answering healthy never passes it.
"""

import pytest

from driftgate.checks.health import poll_record
from driftgate.checks.plugin import expected_sha_poll, not_checked

HEALTH_FAILED = "health failed: no payload (see test_health.py::test_reachable)"
DEADLINE_GRACE = 1.0  # seconds a poll may overrun its deadline (one last read, scheduling)


@pytest.fixture(scope="session")
def health_poll(request, gate):
    """The one poll of this gate run: until the expected SHA answers healthy, or the deadline."""
    return expected_sha_poll(request.config)


def _require(ok, message):
    __tracebackhide__ = True
    if not ok:
        pytest.fail(message, pytrace=False)


def _last_verdict(poll, request):
    """The last payload judged; with none, the check is not checked (the root cause is
    test_reachable's, said once)."""
    __tracebackhide__ = True
    if poll.last_verdict is None:
        not_checked(request.node, HEALTH_FAILED)
    return poll.last_verdict


def test_reachable(health_poll):
    last = health_poll.last
    _require(
        last.failure is None,
        f"{health_poll.url} gave no usable answer ({health_poll.attempts} attempts): "
        f"{last.summary}",
    )


def test_payload_shape(health_poll, request):
    verdict = _last_verdict(health_poll, request)
    _require(
        verdict.shape_ok,
        "payload does not match the pack's health schema: " + "; ".join(verdict.shape_problems),
    )


def test_sha_parseable(health_poll, request):
    verdict = _last_verdict(health_poll, request)
    _require(verdict.sha_valid, f"git_sha {verdict.raw_git_sha!r} is not a SHA (7 to 40 hex)")


def test_version_agrees(health_poll, request):
    verdict = _last_verdict(health_poll, request)
    _require(
        verdict.versions_agree,
        f"version {verdict.raw_version!r} does not agree with git_sha {verdict.raw_git_sha!r}",
    )


def test_healthy_with_database(health_poll, request):
    verdict = _last_verdict(health_poll, request)
    _require(verdict.status_ok, "status is not 'healthy'")
    _require(verdict.database_ok, "database_exists is not true (database unreachable)")


def test_answers_expected_sha(health_poll, gate, request, record_property):
    verdict = health_poll.last_verdict
    record_property("health", poll_record(health_poll))
    if health_poll.passed:
        return
    if verdict is None:
        not_checked(request.node, HEALTH_FAILED)
    problems = "; ".join(verdict.problems)
    last = f"; last probe: {health_poll.last.summary}" if health_poll.last.failure else ""
    pytest.fail(
        f"expected SHA {gate.expected_sha} did not answer healthy within "
        f"{gate.deadline:g} s ({health_poll.attempts} attempts); last payload: "
        f"{problems}{last}",
        pytrace=False,
    )


def test_time_recorded(health_poll, gate, record_property):
    record_property("seconds_to_verdict", health_poll.seconds_to_verdict)
    _require(
        health_poll.seconds <= gate.deadline + DEADLINE_GRACE,
        f"the poll took {health_poll.seconds:.1f} s, over its {gate.deadline:g} s deadline",
    )
