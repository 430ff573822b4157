"""Health polling against the reference target on loopback: every variant judged right.

Each variant fails closed with the right reason, within the deadline, and the
server saw nothing but GET.
"""

import time

import pytest
from gate_helpers import NEW_SHA, OLD_SHA

from driftgate.checks.health import poll_health, probe_health
from driftgate.policies.health import ProbeFailure
from driftgate.policies.pack import load_pack
from driftgate.reference_target import ReferenceTarget

SCHEMA = dict(load_pack().health_schema)
MARGIN = 5  # a deadline may overrun this many times on a loaded CI machine, never more

PASSING = ("healthy", "git-sha-tagged", "full-sha", "semver-version")

# mode -> (probe failure reason, or None for a payload judged not passing; words of the reason)
FAILING = {
    "manual": (None, "'status' is a required property"),
    "unknown": (None, "git_sha 'unknown' is not a SHA"),
    "ref-ref": (None, "git_sha 'ref: ref' is not a SHA"),
    "disagree": (None, "disagrees with git_sha"),
    "db-down": (None, "database_exists is not true"),
    "wrong-types": (None, "'yes' is not of type 'boolean'"),
    "not-object": (ProbeFailure.BAD_SHAPE, "not an object"),
    "garbage": (ProbeFailure.NOT_JSON, "not JSON"),
    "huge": (ProbeFailure.TOO_LARGE, "bytes"),
    "endless": (ProbeFailure.TOO_LARGE, "body over 1048576 bytes"),
    "slow": (ProbeFailure.TIMEOUT, "no answer before the deadline"),
    "slow-body": (ProbeFailure.TIMEOUT, "body still arriving at the deadline"),
    "http-500": (ProbeFailure.HTTP_STATUS, "HTTP 500"),
    "redirect": (ProbeFailure.REDIRECT, "203.0.113.7"),
    "refused": (ProbeFailure.REFUSED, "Connection refused"),
}


@pytest.fixture(scope="module")
def served():
    # One server for the module: stopping one takes half a second (serve_forever's poll).
    with ReferenceTarget(sha=NEW_SHA) as target:
        yield target


@pytest.fixture
def target(served):
    served.set_mode("healthy")
    served.slow_seconds = 0.2
    with served._lock:
        served.requests.clear()
    return served


def test_every_mode_of_the_reference_target_is_covered():
    from driftgate.reference_target import HEALTH_MODES

    assert set(HEALTH_MODES) == set(PASSING) | set(FAILING)


@pytest.mark.parametrize("mode", PASSING)
def test_healthy_variants_pass(target, mode):
    target.set_mode(mode)
    probe = probe_health(target.url + "/health", NEW_SHA, SCHEMA, timeout=2)
    assert probe.failure is None, probe.summary
    assert probe.verdict.passed, probe.verdict.problems
    assert target.methods_seen() == {"GET"}


@pytest.mark.parametrize("mode", sorted(FAILING))
def test_failing_variants_fail_closed_with_the_reason(target, mode):
    reason, words = FAILING[mode]
    target.set_mode(mode)
    if mode == "slow":
        target.slow_seconds = 3.0
    timeout = 0.6
    probe = probe_health(target.url + "/health", NEW_SHA, SCHEMA, timeout=timeout)
    if mode in ("slow", "slow-body"):  # the deadline, not the 3 s answer or ~14 s body
        assert probe.seconds < timeout * 4
    if reason is None:
        assert probe.failure is None, probe.summary
        assert not probe.verdict.passed
        assert any(words in problem for problem in probe.verdict.problems), probe.verdict.problems
    else:
        assert probe.failure is not None and probe.failure.reason == reason, probe.summary
        assert words in probe.failure.detail
    assert target.methods_seen() <= {"GET"}  # refused: the server saw nothing at all


def test_tls_error_is_classified(target):
    # TLS spoken to a plain HTTP listener: a real handshake failure on loopback.
    https = target.url.replace("http://", "https://") + "/health"
    probe = probe_health(https, NEW_SHA, SCHEMA, timeout=2)
    assert probe.failure is not None and probe.failure.reason == ProbeFailure.TLS


@pytest.mark.parametrize("mode", ["refused", "slow-body", "endless", "redirect", "db-down"])
def test_poll_gives_up_at_the_deadline(target, mode):
    target.set_mode(mode)
    poll = poll_health(target.url + "/health", NEW_SHA, SCHEMA, deadline=0.8, poll_interval=0.05)
    assert not poll.passed
    assert poll.seconds_to_verdict is None
    assert 0.5 <= poll.seconds <= 0.8 * MARGIN
    assert target.methods_seen() <= {"GET"}


def test_old_sha_answering_healthy_never_passes():
    with ReferenceTarget(sha=OLD_SHA) as target:
        poll = poll_health(
            target.url + "/health", NEW_SHA, SCHEMA, deadline=0.6, poll_interval=0.05
        )
    assert not poll.passed
    assert poll.attempts > 3  # it kept polling until the deadline
    assert poll.last_verdict.healthy and poll.last_verdict.deployed_sha == OLD_SHA[:8]
    assert f"deployed SHA {OLD_SHA[:8]} is not the expected {NEW_SHA}" in poll.last.summary


def test_deploy_flipping_mid_poll_passes_and_times_the_verdict():
    with ReferenceTarget(sha=OLD_SHA) as target:
        target.deploy(NEW_SHA, after=0.3, downtime=0.2)
        poll = poll_health(target.url + "/health", NEW_SHA, SCHEMA, deadline=30, poll_interval=0.05)
        methods = target.methods_seen()
    assert poll.passed
    # The old SHA answered first; the new one only after the flip (0.3 s + 0.2 s down).
    assert 0.5 <= poll.seconds_to_verdict <= poll.seconds
    summaries = [summary for _, summary in poll.transitions]
    assert summaries[0].startswith("deployed SHA 0123abcd is not the expected")
    assert summaries[-1] == "healthy with 94e9cbb0"
    assert methods == {"GET"}


def test_poll_stops_at_the_first_passing_answer(target):
    poll = poll_health(target.url + "/health", NEW_SHA, SCHEMA, deadline=60, poll_interval=30)
    assert poll.passed and poll.attempts == 1
    assert poll.seconds < 10  # it did not wait out the 30 s interval after passing


def test_hung_name_resolution_is_cut_at_the_deadline(monkeypatch):
    # No resolver can be made to hang here, so getaddrinfo itself stands still
    # (and never looks anything up): the probe must give up at its deadline anyway.
    import socket

    def hung_resolver(*args, **kwargs):
        time.sleep(3)
        raise socket.gaierror("still hung")

    monkeypatch.setattr(socket, "getaddrinfo", hung_resolver)
    probe = probe_health("http://deploy-target.invalid/health", NEW_SHA, SCHEMA, timeout=0.5)
    assert probe.failure is not None and probe.failure.reason == ProbeFailure.TIMEOUT
    assert probe.seconds <= 0.5 * MARGIN  # the 0.5 s timeout, not the 3 s hang
