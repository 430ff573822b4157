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

import io
import logging
import threading
import time
from urllib.parse import parse_qs

import waitress.server
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
    """The exporter's HTTP face on waitress: one event loop holds every connection,
    a fixed pool of threads answers complete requests.

    Idle, slow and silent clients cost a file descriptor and a few bytes in the
    loop, never a thread: a request reaches a thread only once its head has
    arrived whole (at most MAX_HEAD_BYTES). A connection with no activity for
    IDLE_SECONDS is closed, keep-alive ones included, and at most
    MAX_CONNECTIONS are open at once (more wait in the listen backlog). Same
    interface as socketserver's servers.
    """

    IDLE_SECONDS = 10
    MAX_HEAD_BYTES = 16 * 1024
    MAX_CONNECTIONS = 1000
    threads = 64  # a /probe holds one for up to --timeout

    def __init__(self, exporter, host, port):
        self._connections = {}  # waitress's socket map: the listener and every connection
        self._server = waitress.server.create_server(
            _wsgi_app(exporter),
            map=self._connections,
            host=host,
            port=port,
            threads=self.threads,
            connection_limit=self.MAX_CONNECTIONS,
            channel_timeout=self.IDLE_SECONDS,
            cleanup_interval=1,
            max_request_header_size=self.MAX_HEAD_BYTES,
            max_request_body_size=self.MAX_HEAD_BYTES,
            backlog=1024,
            asyncore_use_poll=True,  # select() cannot watch more than 1,024 sockets
            ident="driftgate",
            expose_tracebacks=False,
        )
        self.server_address = (self._server.effective_host, int(self._server.effective_port))
        self._stopped = threading.Event()

    def serve_forever(self, poll_interval=None):
        """Answer requests until shutdown(); `poll_interval` is accepted and unused."""
        try:
            self._server.run()
        finally:
            self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
            self._stopped.set()

    def shutdown(self):
        """Close every connection from inside the event loop; serve_forever() returns."""
        if not self._stopped.is_set():
            trigger = self._server.trigger
            # Queue and pull under the trigger's own lock (the one that guards its
            # `thunks`): a worker's wake-up could otherwise run the thunk, which
            # closes the trigger, before our pull writes to it (EBADF, or a write
            # to whatever reused that descriptor).
            with trigger.lock:
                trigger.thunks.append(self._close_everything)
                trigger.pull_trigger()
            self._stopped.wait(5)

    def server_close(self):
        if not self._stopped.is_set():  # never served: stop the threads waitress started
            self._close_everything()
            self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)

    def _close_everything(self):
        for dispatcher in list(self._connections.values()):
            dispatcher.close()


def _wsgi_app(exporter):
    def app(environ, start_response):
        method = environ["REQUEST_METHOD"]
        try:
            status, content_type, body = exporter.respond(
                method,
                environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""),
                environ.get("HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS"),
            )
        except Exception as exc:  # noqa: BLE001 - a bug: answer 500, keep serving
            # The class name only: a message could carry a target URL and its credentials.
            _log.warning("unexpected error answering a request: %s", exc.__class__.__name__)
            status, content_type, body = "500 Internal Server Error", _TEXT, b"internal error\n"
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        if method == "HEAD":
            return []
        if len(body) > _LARGE_BODY_BYTES:  # sent from the bytes, not copied into a buffer
            return environ["wsgi.file_wrapper"](io.BytesIO(body), _LARGE_BODY_BYTES)
        return [body]

    return app


_log = logging.getLogger(__name__)
_LARGE_BODY_BYTES = 256 * 1024


def serve(exporter, host, port):
    """Bind the exporter's HTTP server; the caller runs `serve_forever()` and `shutdown()`."""
    return HttpServer(exporter, host, port)
