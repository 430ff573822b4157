"""The exporter's HTTP face: /metrics, /probe?target=NAME, /-/healthy (a small WSGI app).

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

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.process_collector import ProcessCollector

from .collector import ObservationsCollector, TargetsCollector
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
        self.registry = CollectorRegistry()
        self.registry.register(TargetsCollector(config))
        self.registry.register(ProcessCollector(registry=None))
        if mode == "poll":
            self.registry.register(ObservationsCollector(self.observations))
        self._cache = _CachedExposition(self.registry, self.observations, config.interval)
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
            body = self._cache.render() if self.mode == "poll" else generate_latest(self.registry)
            return "200 OK", CONTENT_TYPE_LATEST, body
        if path == "/probe":
            return self._probe_page(parse_qs(query).get("target", []), scrape_timeout)
        if path == "/-/healthy":
            return "200 OK", _TEXT, b"OK\n"
        if path == "/":
            return "200 OK", _TEXT, _INDEX.encode()
        return "404 Not Found", _TEXT, b"not found\n"

    def _probe_page(self, names, scrape_timeout=None):
        if len(names) != 1 or names[0] not in self.config.targets:
            known = ", ".join(self.config.targets)
            message = f"target parameter must name one configured target ({known})\n"
            return "400 Bad Request", _TEXT, message.encode()
        self.prober.probe_now(names[0], _probe_timeout(scrape_timeout))
        registry = CollectorRegistry()
        registry.register(ObservationsCollector(self.observations, [names[0]]))
        return "200 OK", CONTENT_TYPE_LATEST, generate_latest(registry)

    def wsgi(self, environ, start_response):
        status, content_type, body = self.respond(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS"),
        )
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]


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

    def __init__(self, registry, observations, max_age):
        self._registry, self._observations, self._max_age = registry, observations, max_age
        self._lock = threading.Lock()
        self._body, self._version, self._sha_version, self._rendered_at = None, None, None, 0.0

    def refresh(self):
        """Render again if an observation changed (or the process metrics aged)."""
        with self._lock:
            book = self._observations
            version, sha_version = book.version, book.sha_version
            aged = time.monotonic() - self._rendered_at >= self._max_age
            if self._body is None or version != self._version or aged:
                self._body = generate_latest(self._registry)
                self._version, self._sha_version = version, sha_version
                self._rendered_at = time.monotonic()
            return self._body

    def render(self):
        body = self._body
        if body is None or self._observations.sha_version != self._sha_version:
            return self.refresh()
        return body


class _Server(WSGIServer):
    """The WSGI server, answering on a bounded pool of threads.

    A new thread per request (socketserver.ThreadingMixIn) costs about as much
    CPU as a whole probe; a pool halves the cost of a /probe request and bounds
    the threads a flood of connections can create.
    """

    allow_reuse_address = True
    request_queue_size = 128
    handler_threads = 64

    def __init__(self, *args, **kwargs):
        # Before binding: a failed bind calls server_close(), which shuts the pool down.
        self._pool = ThreadPoolExecutor(self.handler_threads, thread_name_prefix="driftgate-http")
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        self._pool.submit(self._answer, request, client_address)

    def _answer(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except OSError:
            pass  # the client went away: its problem, not a traceback on stderr
        finally:
            self.shutdown_request(request)

    def server_close(self):
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    timeout = 10  # seconds a client may take to send its request: a pool thread is precious

    def log_message(self, *args):  # one line per scrape would drown the real messages
        pass


def serve(exporter, host, port):
    """Bind the exporter's WSGI app; the caller runs `serve_forever()` and `shutdown()`."""
    server_class = _Server6 if ":" in host else _Server
    return make_server(host, port, exporter.wsgi, server_class, handler_class=_QuietHandler)
