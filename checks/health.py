"""Poll a target's health endpoint until the expected SHA answers healthy, or the deadline.

This module only moves bytes: `policies.health_fetch` decides what to send,
which answers to read and how (decompression, the size cap), and
`policies.health` judges the payload. Each attempt has its own cap, the probe
timeout, never past the deadline: name resolution (the probe runs in a worker
given up at its cap), connect and read timeouts, and the body, read in chunks
with the clock checked between them. Only GET, no redirects followed (a
redirect is a failure), no proxies or netrc.

>>> poll = poll_health("http://127.0.0.1:8000/health", "94e9cbb", deadline=5)  # doctest: +SKIP
>>> poll.passed, poll.seconds_to_verdict  # doctest: +SKIP
(True, 0.41)
"""

import threading
import time
from dataclasses import dataclass

import requests
import urllib3

from driftgate.policies.health import (
    HealthProbeError,
    ProbeFailure,
    decode_health_body,
    evaluate_health,
)
from driftgate.policies.health_fetch import (
    DEFAULT_PROBE_TIMEOUT,
    READ_SIZE,
    attempt_timeout,
    check_head,
    request_headers,
)

MIN_SLICE = 0.5  # seconds (or a quarter of the deadline) left for a last attempt
MAX_TRANSITIONS = 20  # a poll's history keeps only when the answer changed
JOIN_GRACE = 0.1  # seconds a probe's own timeouts get to fire before it is abandoned
USER_AGENT = "driftgate-verify"


@dataclass(frozen=True)
class Probe:
    """One GET of the health URL: a verdict, or the reason it gave none."""

    seconds: float  # since the poll started
    verdict: object = None  # policies.health.HealthVerdict
    failure: HealthProbeError | None = None

    @property
    def summary(self):
        if self.failure is not None:
            return f"{self.failure.reason}: {self.failure.detail}"
        if self.verdict.passed:
            return f"healthy with {self.verdict.deployed_sha}"
        return "; ".join(self.verdict.problems)


@dataclass(frozen=True)
class HealthPoll:
    """The outcome of polling: passed only when the expected SHA answered healthy."""

    url: str
    expected_sha: str
    deadline: float
    attempts: int
    seconds: float  # wall time of the whole poll
    last: Probe  # the last probe (its failure, or its verdict)
    last_verdict: object = None  # the last payload judged, even if a later probe failed
    transitions: tuple = ()  # (seconds, summary) each time the answer changed
    previous_sha: str | None = None  # the last other SHA that answered healthy before

    @property
    def passed(self):
        return self.last.failure is None and self.last.verdict.passed

    @property
    def seconds_to_verdict(self):
        """Seconds until the expected SHA answered healthy; None when it never did."""
        return self.last.seconds if self.passed else None


def poll_record(poll):
    """The recorded `health` property of a gate run (artifact, timings, console footer)."""
    verdict = poll.last_verdict
    return {
        "url": poll.url,
        "expected_sha": poll.expected_sha,
        "deployed_sha": verdict.deployed_sha if verdict else None,
        "git_sha": verdict.raw_git_sha if verdict else None,
        "version": verdict.raw_version if verdict else None,
        "passed": poll.passed,
        "attempts": poll.attempts,
        "seconds": round(poll.seconds, 3),
        "seconds_to_verdict": round(poll.seconds_to_verdict, 3) if poll.passed else None,
        "problems": list(verdict.problems) if verdict else [],
        "last_failure": poll.last.summary if poll.last.failure else None,
        "history": [list(t) for t in poll.transitions],
        "previous_sha": poll.previous_sha,
    }


def poll_health(
    url,
    expected_sha,
    schema=None,
    deadline=120.0,
    poll_interval=0.5,
    probe_timeout=DEFAULT_PROBE_TIMEOUT,
):
    """GET `url` every `poll_interval` s until a passing verdict or `deadline` s passed.

    An old SHA answering healthy is not a pass: polling goes on until the deadline.
    Each attempt waits at most `probe_timeout` s (less when less time is left).
    """
    start = time.monotonic()
    attempts, transitions, last_verdict, previous_sha, probe = 0, [], None, None, None
    for probe in poll_attempts(url, expected_sha, schema, deadline, poll_interval, probe_timeout):
        attempts += 1
        last_verdict = probe.verdict or last_verdict
        previous_sha = _other_healthy_sha(probe.verdict) or previous_sha
        if not transitions or transitions[-1][1] != probe.summary:
            transitions = [*transitions, (round(probe.seconds, 3), probe.summary)]
            transitions = transitions[-MAX_TRANSITIONS:]
    return HealthPoll(
        url=url,
        expected_sha=expected_sha,
        deadline=deadline,
        attempts=attempts,
        seconds=time.monotonic() - start,
        last=probe,
        last_verdict=last_verdict,
        transitions=tuple(transitions),
        previous_sha=previous_sha,
    )


def _other_healthy_sha(verdict):
    """The SHA of a verdict that passes in every way but the SHA: what ran before."""
    if verdict is None or verdict.sha_matches:
        return None
    ok = verdict.healthy and verdict.sha_valid and verdict.versions_agree
    return verdict.deployed_sha if ok else None


def poll_attempts(url, expected_sha, schema, deadline, poll_interval, probe_timeout):
    """Yield the Probe of every attempt, in order, until one passes or the deadline.

    What each attempt saw (e.g. which SHAs answered healthy before the expected
    one) is read off the yielded probes; `poll_health` summarises them.
    """
    start = time.monotonic()
    while True:
        time_left = deadline - (time.monotonic() - start)
        probe = _probe(url, expected_sha, schema, start, attempt_timeout(probe_timeout, time_left))
        yield probe
        if probe.verdict is not None and probe.verdict.passed:
            return
        # The last attempt keeps a slice of the deadline: a probe cut off at once
        # would only report "timeout" and hide what the target last answered.
        time_left = deadline - (time.monotonic() - start) - min(MIN_SLICE, deadline / 4)
        if time_left <= 0:
            return
        time.sleep(min(poll_interval, time_left))


def probe_health(url, expected_sha, schema=None, timeout=10.0):
    """One GET, judged: a Probe (used where the answer must hold already, e.g. promotion)."""
    return _probe(url, expected_sha, schema, time.monotonic(), timeout)


def _session():
    session = requests.Session()
    session.trust_env = False  # no proxy, no netrc: never another host, never extra auth
    session.headers.clear()  # requests' defaults would add their own Accept-Encoding
    session.headers.update(request_headers(USER_AGENT))
    return session


def _probe(url, expected_sha, schema, start, timeout):
    timeout = max(timeout, 0.001)
    try:
        body = _bounded_fetch(url, timeout)
        payload = decode_health_body(200, body)
    except HealthProbeError as failure:
        return Probe(seconds=time.monotonic() - start, failure=failure)
    verdict = evaluate_health(payload, expected_sha=expected_sha, schema=schema)
    return Probe(seconds=time.monotonic() - start, verdict=verdict)


def _bounded_fetch(url, timeout):
    """_fetch in a worker thread, given up after `timeout` s whatever it waits for.

    Socket timeouts bound connect and read; name resolution has no timeout of
    its own, so a hung resolver is cut off here (the daemon thread is abandoned).
    """
    outcome = {}

    def fetch():
        try:
            outcome["answer"] = _fetch(url, timeout)
        except BaseException as exc:  # noqa: BLE001 - handed to the polling thread
            outcome["error"] = exc

    worker = threading.Thread(target=fetch, name="driftgate-health-probe", daemon=True)
    worker.start()
    worker.join(timeout + JOIN_GRACE)
    if worker.is_alive():
        raise HealthProbeError(ProbeFailure.TIMEOUT, "no answer before the deadline")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def _fetch(url, timeout):
    """The decoded body of a 200 answer, never past `timeout` s (HealthProbeError otherwise)."""
    deadline_at = time.monotonic() + timeout
    with _session() as session:
        try:
            response = session.get(url, stream=True, allow_redirects=False, timeout=timeout)
        except requests.exceptions.SSLError as exc:
            raise HealthProbeError(ProbeFailure.TLS, f"TLS error: {_first_line(exc)}") from None
        except requests.exceptions.Timeout:
            raise HealthProbeError(ProbeFailure.TIMEOUT, "no answer before the deadline") from None
        except requests.exceptions.RequestException as exc:
            raise HealthProbeError(ProbeFailure.REFUSED, f"cannot connect: {_cause(exc)}") from None
        with response:
            reader = check_head(response.status_code, response.headers)
            try:
                _feed(response.raw, reader, deadline_at)
            except urllib3.exceptions.ReadTimeoutError:
                raise HealthProbeError(
                    ProbeFailure.TIMEOUT, "body still arriving at the deadline"
                ) from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise HealthProbeError(
                    ProbeFailure.REFUSED, f"connection broken: {_cause(exc)}"
                ) from None
            return reader.finish()


def _feed(raw, reader, deadline_at):
    """Hand the body's bytes, as they arrive on the wire, to `reader` until it ends."""
    sock = getattr(raw.connection, "sock", None)
    while not reader.done:
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            raise HealthProbeError(ProbeFailure.TIMEOUT, "body still arriving at the deadline")
        if sock is not None:  # each recv waits at most until the attempt's end
            sock.settimeout(remaining)
        chunk = raw.read1(READ_SIZE, decode_content=False)  # decoding is the reader's
        if not chunk:
            return
        reader.feed(chunk)


def _cause(exc):
    """The innermost reason of a requests/urllib3 error, one short line."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    reason = getattr(exc, "reason", None) or exc
    return _first_line(reason)


def _first_line(exc):
    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return text[:160]
