"""Poll a target's health endpoint until the expected SHA answers healthy, or the deadline.

This module only fetches bytes; `policies.health` judges them. Every bound is
the deadline: name resolution (the probe runs in a worker given up at the
deadline), connect and read timeouts, and the body, read in chunks with the
clock checked between them, so a slow or endless answer cannot outlast it.
Only GET, no redirects followed (a redirect is a failure), no proxies or netrc.

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
    MAX_BODY_BYTES,
    HealthProbeError,
    ProbeFailure,
    decode_health_body,
    evaluate_health,
)

from .bounded_read import read_body

MIN_SLICE = 0.5  # seconds (or a quarter of the deadline) left for a last attempt
MAX_TRANSITIONS = 20  # a poll's history keeps only when the answer changed
JOIN_GRACE = 0.1  # seconds a probe's own timeouts get to fire before it is abandoned


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


def poll_health(url, expected_sha, schema=None, deadline=120.0, poll_interval=0.5):
    """GET `url` every `poll_interval` s until a passing verdict or `deadline` s passed.

    An old SHA answering healthy is not a pass: polling goes on until the deadline.
    """
    start = time.monotonic()
    attempts, transitions, last_verdict, previous_sha = 0, [], None, None
    while True:
        remaining = deadline - (time.monotonic() - start)
        probe = _probe(url, expected_sha, schema, start, remaining)
        attempts += 1
        last_verdict = probe.verdict or last_verdict
        previous_sha = _other_healthy_sha(probe.verdict) or previous_sha
        if not transitions or transitions[-1][1] != probe.summary:
            transitions = [*transitions, (round(probe.seconds, 3), probe.summary)]
            transitions = transitions[-MAX_TRANSITIONS:]
        if probe.verdict is not None and probe.verdict.passed:
            break
        # The last attempt keeps a slice of the deadline: a probe cut off at once
        # would only report "timeout" and hide what the target last answered.
        remaining = deadline - (time.monotonic() - start) - min(MIN_SLICE, deadline / 4)
        if remaining <= 0:
            break
        time.sleep(min(poll_interval, remaining))
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


def probe_health(url, expected_sha, schema=None, timeout=10.0):
    """One GET, judged: a Probe (used where the answer must hold already, e.g. promotion)."""
    return _probe(url, expected_sha, schema, time.monotonic(), timeout)


def _session():
    session = requests.Session()
    session.trust_env = False  # no proxy, no netrc: never another host, never extra auth
    session.headers["User-Agent"] = "driftgate-verify"
    return session


def _probe(url, expected_sha, schema, start, remaining):
    remaining = max(remaining, 0.001)
    try:
        status, body = _bounded_fetch(url, remaining)
        payload = decode_health_body(status, body)
    except HealthProbeError as failure:
        return Probe(seconds=time.monotonic() - start, failure=failure)
    verdict = evaluate_health(payload, expected_sha=expected_sha, schema=schema)
    return Probe(seconds=time.monotonic() - start, verdict=verdict)


def _bounded_fetch(url, remaining):
    """_fetch in a worker thread, given up at the deadline whatever it waits for.

    Socket timeouts bound connect and read; name resolution has no timeout of
    its own, so a hung resolver is cut off here (the daemon thread is abandoned).
    """
    outcome = {}

    def fetch():
        try:
            outcome["answer"] = _fetch(url, remaining)
        except BaseException as exc:  # noqa: BLE001 - handed to the polling thread
            outcome["error"] = exc

    worker = threading.Thread(target=fetch, name="driftgate-health-probe", daemon=True)
    worker.start()
    worker.join(remaining + JOIN_GRACE)
    if worker.is_alive():
        raise HealthProbeError(ProbeFailure.TIMEOUT, "no answer before the deadline")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def _fetch(url, remaining):
    """(status, body up to MAX_BODY_BYTES + 1 bytes), never past the deadline."""
    with _session() as session:
        return _get(session, url, remaining)


def _get(session, url, remaining):
    deadline_at = time.monotonic() + remaining
    try:
        response = session.get(
            url, stream=True, allow_redirects=False, timeout=(remaining, remaining)
        )
    except requests.exceptions.SSLError as exc:
        raise HealthProbeError(ProbeFailure.TLS, f"TLS error: {_first_line(exc)}") from None
    except requests.exceptions.Timeout:
        raise HealthProbeError(ProbeFailure.TIMEOUT, "no answer before the deadline") from None
    except requests.exceptions.RequestException as exc:
        raise HealthProbeError(ProbeFailure.REFUSED, f"cannot connect: {_cause(exc)}") from None
    with response:
        if response.is_redirect or 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")[:120]
            detail = f"HTTP {response.status_code} redirect to {location!r}, not followed"
            raise HealthProbeError(ProbeFailure.REDIRECT, detail)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise HealthProbeError(ProbeFailure.TOO_LARGE, f"declares {declared} bytes")
        return response.status_code, _read_body(response, deadline_at)


def _read_body(response, deadline_at):
    """The body, up to MAX_BODY_BYTES + 1 bytes, as HealthProbeErrors when it cannot be had."""
    try:
        return read_body(response, deadline_at, MAX_BODY_BYTES)
    except TimeoutError:
        raise HealthProbeError(
            ProbeFailure.TIMEOUT, "body still arriving at the deadline"
        ) from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise HealthProbeError(ProbeFailure.REFUSED, f"connection broken: {_cause(exc)}") from None


def _cause(exc):
    """The innermost reason of a requests/urllib3 error, one short line."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    reason = getattr(exc, "reason", None) or exc
    return _first_line(reason)


def _first_line(exc):
    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return text[:160]
