"""One health probe: a bounded HTTP GET, judged by `driftgate.policies.health`.

A probe costs bounded time and memory whatever the target does: the connect
and every read wait at most until the probe's deadline, and every failure
becomes a ProbeFailure reason (a small fixed set, so label values stay
bounded). What to send, which answers to read, decompression and the size cap
are `driftgate.policies.health_fetch`'s (the gate uses the same); payload
verdicts come only from `decode_health_body` and `evaluate_health`: this
module does the I/O.

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
    HealthProbeError,
    HealthVerdict,
    ProbeFailure,
    decode_health_body,
    evaluate_health,
)
from driftgate.policies.health_fetch import READ_SIZE, check_head, request_headers

USER_AGENT = "driftgate-monitor"
_TLS_CONTEXT = ssl.create_default_context()
_HEADERS = request_headers(USER_AGENT)
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
        payload = decode_health_body(200, _fetch(url, started + timeout))
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


class _BoundedConnection(http.client.HTTPConnection):
    """An HTTP connection whose name resolution and connect end at the probe's deadline.

    http.client has no socket-factory hook: `connect()` is the documented method
    to override, and setting `self.sock` in it is what http.client's own
    HTTPSConnection does (stable across the Python versions driftgate supports).
    """

    def __init__(self, host, port, deadline, tls_context=None):
        super().__init__(host, port, timeout=_remaining(deadline))
        self.deadline = deadline
        self.tls_context = tls_context
        if tls_context is not None:
            self.default_port = http.client.HTTPS_PORT  # the Host header omits :443

    def connect(self):
        sock = _connect((self.host, self.port), self.deadline)
        if self.tls_context is not None:
            sock = self.tls_context.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock


def _fetch(url, deadline):
    """The decoded body of a 200 answer (HealthProbeError for any other)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.rstrip(".").lower().endswith(".invalid") or host.lower() == "invalid":
        # RFC 6761 6.4: ".invalid" never resolves; answer so without asking a resolver.
        raise socket.gaierror(socket.EAI_NONAME, "name under .invalid")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    conn = _BoundedConnection(host, port, deadline, _TLS_CONTEXT if https else None)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", path, headers=_HEADERS)
        # Keep the socket: getresponse() detaches it from `conn` when the server closes.
        sock = conn.sock
        sock.settimeout(_remaining(deadline))
        response = conn.getresponse()
        reader = check_head(response.status, response.headers)
        while not reader.done:
            sock.settimeout(_remaining(deadline))
            piece = response.read1(READ_SIZE)
            if not piece:
                break
            reader.feed(piece)
        return reader.finish()
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


def _remaining(deadline):
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        raise TimeoutError("probe deadline passed")
    return remaining
