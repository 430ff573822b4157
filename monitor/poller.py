"""Running probes: a bounded thread pool, one probe in flight per target.

`Prober` runs probes concurrently on at most `config.workers` threads and
folds each result into the Observations; a target whose previous probe is
still running is not probed again, so a hanging target costs one worker at
most and never piles up. `Poller` drives the Prober every `interval` seconds
(background mode); the /probe endpoint calls `Prober.probe_now` (the
blackbox_exporter pattern, where Prometheus drives).

>>> from driftgate.monitor.config import build_config
>>> from driftgate.monitor.state import Observations
>>> config = build_config(overrides={"staging": "http://127.0.0.1:9", "production": "http://127.0.0.1:9"})
>>> observations = Observations(config.targets)
>>> with Prober(config, observations) as prober:
...     str(prober.probe_now("staging").failure)
'refused'
"""

import concurrent.futures
import threading
import time

from driftgate.policies.health import ProbeFailure

from .probe import ProbeResult, probe_health

_GRACE_SECONDS = 1.0  # beyond the probe's own deadline, before /probe gives up waiting


class Prober:
    def __init__(self, config, observations, probe=probe_health):
        self._config = config
        self._observations = observations
        self._probe = probe
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=config.workers, thread_name_prefix="driftgate-probe"
        )
        self._lock = threading.Lock()
        self._in_flight = {}  # target name -> Future

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, name, timeout=None):
        """Start a probe of `name` unless one is already running; return its Future."""
        with self._lock:
            running = self._in_flight.get(name)
            if running is not None:
                return running
            future = self._pool.submit(self._run, name, timeout or self._config.timeout)
            self._in_flight[name] = future
            return future

    def probe_now(self, name, timeout=None):
        """Probe `name` in the calling thread and return its result.

        Used by /probe, whose request already runs on a bounded pool of threads: no
        hand-off to the probe pool. A probe of `name` already running is joined
        instead (it reads as a timeout if it does not end in time). `timeout` (at
        most the configured one) lets a scraper with a shorter scrape timeout get
        an answer before it gives up, as blackbox_exporter does.
        """
        timeout = min(timeout or self._config.timeout, self._config.timeout)
        with self._lock:
            running = self._in_flight.get(name)
            if running is None:
                mine = concurrent.futures.Future()
                self._in_flight[name] = mine
        if running is None:
            result = self._run(name, timeout)
            mine.set_result(result)
            return result
        try:
            return running.result(timeout=timeout + _GRACE_SECONDS)
        except concurrent.futures.TimeoutError:
            result = ProbeResult(
                success=False,
                duration_seconds=timeout,
                finished_at=time.time(),
                failure=ProbeFailure.TIMEOUT,
                detail="an earlier probe of this target is still running",
            )
            self._observations.record(name, result)
            return result

    def _run(self, name, timeout):
        target = self._config.targets[name]
        try:
            result = self._probe(target.health_url, timeout, self._config.health_schema)
            self._observations.record(name, result)
            return result
        finally:
            with self._lock:
                self._in_flight.pop(name, None)


class Poller:
    """Probe every target every `interval` seconds from a background thread."""

    def __init__(self, config, prober, on_progress=None):
        self._config = config
        self._prober = prober
        # Called about once a second while a cycle's probes finish, and at its end.
        self._on_progress = on_progress or (lambda: None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="driftgate-poller", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self):
        next_cycle = time.monotonic()
        while not self._stop.is_set():
            self._cycle(next_cycle + self._config.interval)
            next_cycle += self._config.interval
            # A cycle that overran (many hanging targets) starts the next one at once,
            # without trying to catch up the missed ones.
            next_cycle = max(next_cycle, time.monotonic())
            self._stop.wait(next_cycle - time.monotonic())

    def _cycle(self, cycle_end):
        pending = [self._prober.submit(name) for name in self._config.targets]
        while pending and not self._stop.is_set():
            remaining = cycle_end - time.monotonic()
            if remaining <= 0:
                break  # stragglers stay in flight; the next cycle skips them
            _, pending = concurrent.futures.wait(pending, timeout=min(1.0, remaining))
            self._on_progress()
        self._on_progress()
