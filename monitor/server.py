"""The exporter's HTTP face: /metrics, /probe?target=NAME, /-/healthy.

Two modes. `poll`: a background Poller probes every target each interval and
/metrics carries every target's metrics. `probe`: nothing runs in the
background; Prometheus asks /probe?target=NAME (the blackbox_exporter
pattern) and /metrics carries only the exporter's own metrics and the target
list. /probe works in both modes and only for targets in the configuration:
the exporter never fetches a URL a scraper chose.

>>> from driftgate.monitor.config import build_config
>>> exporter = Exporter(build_config(), mode="probe")
>>> status, _, body = exporter.respond("GET", "/-/healthy", "")
>>> status, body
('200 OK', b'OK\\n')
"""

import logging
import re
import socket
import threading
import time
from urllib.parse import parse_qs, unquote

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.process_collector import ProcessCollector

from .collector import PollIntervalCollector, TargetsCollector, render_observations
from .poller import Poller, Prober
from .state import Observations

MODES = ("poll", "probe")
_SCRAPE_MARGIN_SECONDS = 0.5  # blackbox_exporter's default --timeout-offset
_TEXT = "text/plain; charset=utf-8"
_INDEX = (
    "driftgate monitor\n\n/metrics   targets and exporter metrics\n"
    "/probe?target=NAME   probe one configured target now\n/-/healthy   liveness\n"
)


class Exporter:
    """The exporter's state, probes and pages; `respond` is the whole HTTP surface."""

    def __init__(self, config, mode="poll", probe=None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.config, self.mode = config, mode
        self.observations = Observations(config.targets)
        kwargs = {"probe": probe} if probe is not None else {}
        self.prober = Prober(config, self.observations, **kwargs)
        # The exporter's own metrics; in poll mode /metrics adds every target's
        # (the exposition of ObservationsCollector, rendered by render_observations).
        self.registry = CollectorRegistry()
        self.registry.register(TargetsCollector(config))
        if mode == "poll":
            self.registry.register(PollIntervalCollector(config.interval))
        self.registry.register(ProcessCollector(registry=None))
        self._cache = _CachedExposition(self._render_metrics, self.observations, config.interval)
        self.poller = Poller(config, self.prober, on_progress=self._cache.refresh)

    def start(self):
        if self.mode == "poll":
            self.poller.start()
        return self

    def stop(self):
        if self.mode == "poll":
            self.poller.stop()
        self.prober.close()

    def respond(self, method, path, query, scrape_timeout=None):
        """(status line, content type, body bytes) for one request."""
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", _TEXT, b"only GET and HEAD\n"
        if path == "/metrics":
            # Probe mode's /metrics is a few lines: rendered per scrape, never stale.
            body = self._cache.render() if self.mode == "poll" else self._render_metrics()
            return "200 OK", CONTENT_TYPE_LATEST, body
        if path == "/probe":
            return self._probe_page(parse_qs(query).get("target", []), scrape_timeout)
        if path == "/-/healthy":
            return "200 OK", _TEXT, b"OK\n"
        if path == "/":
            return "200 OK", _TEXT, _INDEX.encode()
        return "404 Not Found", _TEXT, b"not found\n"

    def _render_metrics(self):
        body = generate_latest(self.registry)
        if self.mode == "poll":
            body += render_observations(self.observations)
        return body

    def _probe_page(self, names, scrape_timeout=None):
        if len(names) != 1 or names[0] not in self.config.targets:
            known = ", ".join(self.config.targets)
            message = f"target parameter must name one configured target ({known})\n"
            return "400 Bad Request", _TEXT, message.encode()
        self.prober.probe_now(names[0], _probe_timeout(scrape_timeout))
        return "200 OK", CONTENT_TYPE_LATEST, render_observations(self.observations, names)


def _probe_timeout(header):
    """Prometheus' scrape timeout minus a margin to answer in (None: the configured one)."""
    try:
        seconds = float(header) - _SCRAPE_MARGIN_SECONDS
    except (TypeError, ValueError):
        return None
    return seconds if 0 < seconds < float("inf") else None


class _CachedExposition:
    """/metrics bytes in poll mode, rendered by the poller, and by a scrape only after a deploy.

    Rendering 1,000 targets costs tens of milliseconds. The poller re-renders
    at most once a second while its probes finish (and once more at the end of
    each cycle), so a scrape usually only copies bytes. A deployed SHA that
    changed since the last render is the exception: that scrape renders, so
    the new SHA is visible as soon as its probe ended.
    """

    def __init__(self, render, observations, max_age):
        self._render, self._observations, self._max_age = render, observations, max_age
        self._lock = threading.Lock()
        self._body, self._version, self._sha_version, self._rendered_at = None, None, None, 0.0

    def refresh(self):
        """Render again if an observation changed (or the process metrics aged)."""
        with self._lock:
            observations = self._observations
            version, sha_version = observations.version, observations.sha_version
            aged = time.monotonic() - self._rendered_at >= self._max_age
            if self._body is None or version != self._version or aged:
                self._body = self._render()
                self._version, self._sha_version = version, sha_version
                self._rendered_at = time.monotonic()
            return self._body

    def render(self):
        body = self._body
        if body is None or self._observations.sha_version != self._sha_version:
            return self.refresh()
        return body


class HttpServer:
    """A small HTTP/1.1 server for the exporter: a fixed set of threads, each one
    accepting a connection, answering one request and closing it.

    Not wsgiref or http.server: their generic request parsing (email headers,
    the WSGI environ) and the hand-off of every connection to another thread
    cost more CPU than the health probe's own GET, and a /probe request is one
    GET with one header that matters. What a client can cost is bounded: the
    request head must arrive within CLIENT_SECONDS and fit in MAX_HEAD_BYTES,
    at most `threads` requests run at once and further connections wait in
    the listen backlog. Same interface as socketserver's servers.
    """

    CLIENT_SECONDS = 10.0  # a slow or silent client holds a thread at most this long
    MAX_HEAD_BYTES = 16 * 1024
    threads = 64
    request_queue_size = 128

    def __init__(self, exporter, host, port):
        self._exporter = exporter
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(self.request_queue_size)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self._stopping = threading.Event()

    def serve_forever(self, poll_interval=None):
        """Answer requests until shutdown(); `poll_interval` is accepted and unused."""
        for number in range(self.threads):
            name = f"driftgate-http-{number}"
            threading.Thread(target=self._accept_loop, name=name, daemon=True).start()
        self._stopping.wait()

    def shutdown(self):
        self._stopping.set()
        self._wake_acceptors()

    def server_close(self):
        self._stopping.set()
        self._wake_acceptors()
        self.socket.close()

    def _wake_acceptors(self):
        try:  # on Linux this ends every accept() blocked on the socket
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # never listened, or closed already

    def _accept_loop(self):
        while not self._stopping.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                if not self._stopping.is_set():
                    time.sleep(0.1)  # e.g. out of file descriptors: let some close
                continue
            with connection:
                try:
                    self._answer(connection)
                except OSError:
                    pass  # the client went away or was too slow: its problem
                except Exception as exc:  # noqa: BLE001 - a bug must not end the thread
                    _log.warning("unexpected error reading a request: %s", exc.__class__.__name__)

    def _answer(self, connection):
        try:
            request = _read_request(connection, time.monotonic() + self.CLIENT_SECONDS)
        except _BadRequest as exc:
            body = f"{exc}\n".encode()
            connection.sendall(_http_head(exc.status, _TEXT, len(body)) + body)
            _discard_rest(connection)
            return
        if request is None:
            return  # closed before sending a whole request
        method, path, query, scrape_timeout = request
        try:
            status, content_type, body = self._exporter.respond(method, path, query, scrape_timeout)
        except Exception as exc:  # noqa: BLE001 - a bug: answer 500, keep serving
            # The class name only: a message could carry a target URL and its credentials.
            _log.warning("unexpected error answering a request: %s", exc.__class__.__name__)
            status, content_type, body = "500 Internal Server Error", _TEXT, b"internal error\n"
        if method == "HEAD":
            connection.sendall(_http_head(status, content_type, len(body)))
        elif len(body) <= _SMALL_BODY_BYTES:
            connection.sendall(_http_head(status, content_type, len(body)) + body)  # one segment
        else:  # no copy of a large /metrics; MSG_MORE sends the head along with the body
            connection.sendall(_http_head(status, content_type, len(body)), _MSG_MORE)
            connection.sendall(body)


class _BadRequest(Exception):
    def __init__(self, status, message):
        self.status = status
        super().__init__(message)


_log = logging.getLogger(__name__)
_END_OF_HEAD = re.compile(rb"\r?\n\r?\n")
_SCRAPE_TIMEOUT_HEADER = "x-prometheus-scrape-timeout-seconds"
_SMALL_BODY_BYTES = 64 * 1024
_MSG_MORE = getattr(socket, "MSG_MORE", 0)  # Linux


def _read_request(connection, deadline):
    """(method, path, query, scrape timeout header) of the request on `connection`,
    None if it closed first; a malformed or oversized request raises _BadRequest."""
    head, end = b"", None
    while end is None or end.start() > HttpServer.MAX_HEAD_BYTES:
        if len(head) > HttpServer.MAX_HEAD_BYTES:
            raise _BadRequest("431 Request Header Fields Too Large", "request head too large")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request head too slow")
        connection.settimeout(remaining)
        piece = connection.recv(HttpServer.MAX_HEAD_BYTES)
        if not piece:
            return None
        head += piece
        end = _END_OF_HEAD.search(head)
    lines = head[: end.start()].decode("latin-1").split("\n")
    words = lines[0].rstrip("\r").split(" ")
    if len(words) != 3 or not words[2].startswith("HTTP/1."):
        raise _BadRequest("400 Bad Request", "malformed request line")
    method, target, _ = words
    path, _, query = target.partition("?")
    if "%" in path:
        path = unquote(path, "latin-1")  # as wsgiref's PATH_INFO
    scrape_timeout = None
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise _BadRequest("400 Bad Request", "malformed header line")
        if name.strip().lower() == _SCRAPE_TIMEOUT_HEADER:
            scrape_timeout = value.strip()
    return method, path, query, scrape_timeout


def _discard_rest(connection, limit=64 * 1024):
    """Read what the client still sends (briefly, boundedly) before closing.

    Closing with unread bytes makes the kernel send a reset, which can destroy
    the error answer before the client reads it.
    """
    connection.shutdown(socket.SHUT_WR)
    connection.settimeout(1.0)
    while limit > 0:
        piece = connection.recv(min(limit, 16 * 1024))
        if not piece:
            return
        limit -= len(piece)


def _http_head(status, content_type, length):
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")


def serve(exporter, host, port):
    """Bind the exporter's HTTP server; the caller runs `serve_forever()` and `shutdown()`."""
    return HttpServer(exporter, host, port)
