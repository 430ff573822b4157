"""One health probe: a bounded HTTP GET, judged by `driftgate.policies.health`.

A probe costs bounded time and memory whatever the target does: the connect
and every read wait at most until the probe's deadline, the body is read in
pieces and abandoned at MAX_BODY_BYTES + 1 or at the deadline, redirects are
never followed, and every failure becomes a ProbeFailure reason (a small fixed
set, so label values stay bounded). Payload verdicts come only from
`decode_health_body` and `evaluate_health`: this module does the I/O.

>>> result = probe_health("http://127.0.0.1:9/health", timeout=1.0)
>>> result.success, str(result.failure)
(False, 'refused')
"""

import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from driftgate.policies.health import (
    MAX_BODY_BYTES,
    HealthProbeError,
    HealthVerdict,
    ProbeFailure,
    decode_health_body,
    evaluate_health,
)

READ_SIZE = 64 * 1024
USER_AGENT = "driftgate-monitor"
_TLS_CONTEXT = ssl.create_default_context()
_log = logging.getLogger(__name__)
# Name resolution has no timeout of its own: it runs in a daemon thread that the probe
# gives up at its deadline. At most MAX_RESOLVERS such threads exist at once (a hung
# resolver's threads are abandoned, not piled up): past that, a probe fails as a timeout
# without starting another.
MAX_RESOLVERS = 16
_resolver_slots = threading.BoundedSemaphore(MAX_RESOLVERS)


@dataclass(frozen=True)
class ProbeResult:
    """What one probe saw. `verdict` is set when the body decoded to a JSON object."""

    success: bool
    duration_seconds: float
    finished_at: float  # unix time
    failure: ProbeFailure | None = None
    detail: str = ""
    verdict: HealthVerdict | None = None


def probe_health(url, timeout, schema=None):
    """GET `url` within `timeout` seconds and judge the answer; never raises."""
    started = time.perf_counter()
    try:
        status, body = _fetch(url, started + timeout)
        payload = decode_health_body(status, body)
        verdict = evaluate_health(payload, schema=schema)
        failure, detail = None, ""
    except HealthProbeError as exc:
        verdict, failure, detail = None, exc.reason, exc.detail
    except Exception as exc:  # noqa: BLE001 - every failure is data, never a crash
        verdict, (failure, detail) = None, classify(exc)
        if failure == ProbeFailure.BAD_SHAPE:  # not a transport failure: a driftgate bug
            _log.warning("unexpected probe failure: %s", exc.__class__.__name__)
    return ProbeResult(
        success=failure is None,
        duration_seconds=time.perf_counter() - started,
        finished_at=time.time(),
        failure=failure,
        detail=detail[:200],
        verdict=verdict,
    )


def classify(exc):
    """Map a transport exception to (ProbeFailure, one-line detail)."""
    if isinstance(exc, TimeoutError):
        return ProbeFailure.TIMEOUT, "no complete answer before the probe timeout"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return ProbeFailure.TLS, f"TLS failed ({exc.__class__.__name__})"
    if isinstance(exc, socket.gaierror):
        return ProbeFailure.REFUSED, "host name does not resolve"
    if isinstance(exc, http.client.RemoteDisconnected):
        return ProbeFailure.REFUSED, "connection closed before any answer"
    if isinstance(exc, http.client.HTTPException):
        return ProbeFailure.HTTP_STATUS, f"malformed HTTP answer ({exc.__class__.__name__})"
    if isinstance(exc, OSError | ValueError):
        return ProbeFailure.REFUSED, f"cannot connect ({exc.__class__.__name__})"
    return ProbeFailure.BAD_SHAPE, f"unexpected failure ({exc.__class__.__name__})"


def _fetch(url, deadline):
    """(status, body bytes) of a GET; the body stops at MAX_BODY_BYTES + 1."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.rstrip(".").lower().endswith(".invalid") or host.lower() == "invalid":
        # RFC 6761 6.4: ".invalid" never resolves; answer so without asking a resolver.
        raise socket.gaierror(socket.EAI_NONAME, "name under .invalid")
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            host, parts.port, timeout=_remaining(deadline), context=_TLS_CONTEXT
        )
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=_remaining(deadline))
    # Connect through a resolution bounded by the deadline (TLS still checks `host`).
    conn._create_connection = lambda address, timeout, source=None: _connect(address, deadline)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(
            "GET",
            path,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT, "Connection": "close"},
        )
        # Keep the socket: getresponse() detaches it from `conn` when the server closes.
        sock = conn.sock
        sock.settimeout(_remaining(deadline))
        response = conn.getresponse()
        if 300 <= response.status < 400:
            raise HealthProbeError(ProbeFailure.REDIRECT, f"HTTP {response.status}, not followed")
        if response.status != 200:
            return response.status, b""  # the status alone decides; the body is not read
        return response.status, _read_capped(sock, response, deadline)
    finally:
        conn.close()


def _connect(address, deadline):
    """A connected socket to (host, port), resolution and connect bounded by the deadline."""
    host, port = address
    last_error = None
    for family, kind, proto, _, sockaddr in _resolve(host, port, deadline):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(_remaining(deadline))
            sock.connect(sockaddr)
            return sock
        except OSError as exc:  # TimeoutError included: the next address, if time is left
            sock.close()
            last_error = exc
    raise last_error or OSError("no address to connect to")


def _resolve(host, port, deadline):
    """getaddrinfo in a daemon thread, given up (TimeoutError) at the deadline."""
    if _is_ip_literal(host):  # nothing to look up: no thread (it would double a probe's CPU)
        return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    if not _resolver_slots.acquire(blocking=False):
        raise TimeoutError("name resolution: too many resolutions still pending")
    outcome = {}
    done = threading.Event()

    def resolve():
        try:
            outcome["answer"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except BaseException as exc:  # noqa: BLE001 - handed to the probing thread
            outcome["error"] = exc
        finally:
            _resolver_slots.release()
            done.set()

    try:
        threading.Thread(target=resolve, name="driftgate-resolve", daemon=True).start()
    except BaseException:
        _resolver_slots.release()
        raise
    if not done.wait(_remaining(deadline)):
        raise TimeoutError("name resolution did not finish before the probe timeout")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def _is_ip_literal(host):
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _read_capped(sock, response, deadline):
    """Read at most MAX_BODY_BYTES + 1 bytes, each read bounded by the deadline."""
    pieces, size = [], 0
    while size <= MAX_BODY_BYTES:
        sock.settimeout(_remaining(deadline))
        piece = response.read1(READ_SIZE)
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)


def _remaining(deadline):
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        raise TimeoutError("probe deadline passed")
    return remaining
