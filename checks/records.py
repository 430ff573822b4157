"""The gate's own records: the verdicts `driftgate verify` pushed, read back.

Two sources answer "which SHA last passed the gate on this target?":

- Prometheus, which scraped the Pushgateway and keeps the history of every
  pushed verdict (its HTTP API, `/api/v1/query`);
- the Pushgateway itself, which keeps only the latest verdict per (target,
  SHA) (`/api/v1/metrics`).

A verdict is known good when it passed with no contract bypass
(`driftgate_verify_passed` 1 and `driftgate_verify_contract_bypass` 0);
deploy and rollback verdicts both count. Reading is GET only, no redirects,
no proxy or netrc, every answer bounded in time and size. A source URL may
carry credentials (`https://user:pass@host`): they are sent as basic auth,
never printed.

>>> history = [Verdict("94e9cbb", True, False, "deploy", 100.0),
...            Verdict("aaaaaaa", False, False, "deploy", 200.0)]
>>> last_good(history).sha, last_good(history, before="94e9cbb") is None
('94e9cbb', True)
"""

import json
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
import urllib3

from driftgate.policies.errors import DriftgateError
from driftgate.policies.sha import short_sha

from .bounded_read import read_body
from .pushgateway import JOB
from .secrets import scrub, secret_values

MAX_ANSWER_BYTES = 8 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0
LOOKBACK = "30d"  # how far back Prometheus is asked; its retention usually is shorter
RESOLUTION = "1m"  # a pushed verdict stays exported for far longer than this
PASSED, BYPASS, TIMESTAMP = (
    "driftgate_verify_passed",
    "driftgate_verify_contract_bypass",
    "driftgate_verify_timestamp_seconds",
)


class RecordsError(DriftgateError):
    """The records could not be read: one line, naming the source, never its credentials."""


@dataclass(frozen=True)
class Verdict:
    """One pushed verdict of the gate, as the records keep it."""

    sha: str  # 7 hex, as labelled
    passed: bool
    bypassed: bool
    kind: str  # deploy | rollback | adopt
    timestamp: float  # Unix time of the verdict (driftgate_verify_timestamp_seconds)

    @property
    def known_good(self):
        """Passed with no contract bypass: only such a verdict vouches for a SHA."""
        return self.passed and not self.bypassed


def last_good(history, before=None):
    """The newest known-good verdict in `history`, or None.

    With `before` (a SHA), only verdicts of other SHAs older than that SHA's
    first verdict count (all other SHAs when it has none).
    """
    before = short_sha(before) if before else None
    cutoff = min((v.timestamp for v in history if v.sha == before), default=None)
    good = [
        v
        for v in history
        if v.known_good and v.sha != before and (cutoff is None or v.timestamp < cutoff)
    ]
    return max(good, key=lambda v: v.timestamp, default=None)


@dataclass(frozen=True)
class Source:
    """Where the records are read from: kind (prometheus | pushgateway) and its URL."""

    kind: str
    url: str  # as given, credentials included: never print it, print `display`

    @property
    def display(self):
        """The URL without credentials: what messages may show."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def history(self, target, before=None, timeout=DEFAULT_TIMEOUT):
        """The verdicts of `target` this source knows (see `last_good`), or RecordsError."""
        reader = _prometheus_history if self.kind == "prometheus" else _pushgateway_history
        return reader(self, target, short_sha(before) if before else None, timeout)


def parse_source(kind, url):
    """A Source, or a RecordsError naming the option (nothing secret in it)."""
    parts = urlsplit(str(url))
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise RecordsError(f"--{kind}: bad port in the URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RecordsError(f"--{kind}: not an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise RecordsError(f"--{kind}: the URL must not carry a query or fragment")
    return Source(kind, str(url).rstrip("/"))


# -- Prometheus ---------------------------------------------------------------


def _prometheus_history(source, target, before, timeout):
    """The newest known-good verdict per (sha, kind), and `before`'s first verdict.

    The subquery walks the history, so a verdict replaced or pruned on the
    Pushgateway since still counts. Evaluated at `before`'s first verdict (when
    given), it returns only what was known good by then.
    """
    selector = f'{{target="{_promql_string(target)}"}}'
    history, at = [], None
    if before:
        of_before = selector[:-1] + f',sha="{before}"}}'
        first = f"min(min_over_time({TIMESTAMP}{of_before}[{LOOKBACK}]))"
        for item in _query(source, first, None, timeout):
            at = float(item["value"][1])
            history.append(Verdict(before, False, False, "deploy", at))
    good = (
        f"{TIMESTAMP}{selector}"
        f" and on(target, sha) ({PASSED}{selector} == 1)"
        f" and on(target, sha) ({BYPASS}{selector} == 0)"
    )
    # The subquery's steps sit on whole minutes: it misses a verdict scraped since the
    # last one, which the instant query (the verdicts exported now) adds.
    history_query = f"max by (sha, kind) (max_over_time(({good})[{LOOKBACK}:{RESOLUTION}]))"
    now_query = f"max by (sha, kind) ({good})"
    answers = _query(source, history_query, at, timeout) + _query(source, now_query, at, timeout)
    for item in answers:
        labels = item.get("metric", {})
        history.append(
            Verdict(
                str(labels.get("sha", "")),
                True,
                False,
                str(labels.get("kind") or "deploy"),
                float(item["value"][1]),
            )
        )
    return history


def _query(source, expr, at, timeout):
    params = {"query": expr}
    if at is not None:
        params["time"] = f"{at:.3f}"
    answer = _get_json(source, "/api/v1/query", params, timeout)
    data = answer.get("data") if isinstance(answer, dict) else None
    if answer.get("status") != "success" or not isinstance(data, dict):
        error = str(answer.get("error", "no data"))[:160]
        raise RecordsError(f"{source.display}: Prometheus refused the query: {error}")
    if data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        raise RecordsError(f"{source.display}: not a Prometheus instant-vector answer")
    try:
        for item in data["result"]:
            float(item["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        raise RecordsError(f"{source.display}: malformed Prometheus answer") from None
    return data["result"]


def _promql_string(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


# -- Pushgateway --------------------------------------------------------------


def _pushgateway_history(source, target, before, timeout):
    """The latest verdict of each (target, SHA) group the Pushgateway holds."""
    answer = _get_json(source, "/api/v1/metrics", None, timeout)
    groups = answer.get("data") if isinstance(answer, dict) else None
    if answer.get("status") != "success" or not isinstance(groups, list):
        raise RecordsError(f"{source.display}: not a Pushgateway /api/v1/metrics answer")
    history = []
    for group in groups:
        labels = group.get("labels", {}) if isinstance(group, dict) else {}
        if labels.get("job") != JOB or labels.get("target") != target:
            continue
        try:
            passed, passed_labels = _gauge(group, PASSED)
            bypass, _ = _gauge(group, BYPASS)
            stamp, _ = _gauge(group, TIMESTAMP)
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # an incomplete group vouches for nothing
        kind = str(passed_labels.get("kind") or "deploy")
        history.append(Verdict(str(labels.get("sha")), passed == 1, bypass != 0, kind, stamp))
    return history


def _gauge(group, name):
    metric = group[name]["metrics"][0]
    return float(metric["value"]), metric.get("labels", {})


# -- HTTP ---------------------------------------------------------------------


def _get_json(source, path, params, timeout):
    """GET source.url + path: the JSON answer, or RecordsError. Never anything but GET."""
    parts = urlsplit(source.url)
    auth = None
    if parts.username or parts.password:
        auth = (_unquote(parts.username), _unquote(parts.password))
    url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path + path, "", ""))
    deadline_at = time.monotonic() + timeout
    secrets = secret_values(source.url)  # the URL and its password, raw and decoded
    try:
        with requests.Session() as session:
            session.trust_env = False  # no proxy, no netrc
            session.headers["User-Agent"] = "driftgate-records"
            response = session.get(
                url,
                params=params,
                auth=auth,
                stream=True,
                allow_redirects=False,
                timeout=(timeout, timeout),
            )
            with response:
                body = read_body(response, deadline_at, MAX_ANSWER_BYTES, decode=True)
                status = response.status_code
    except TimeoutError:
        raise RecordsError(f"{source.display}: no complete answer in {timeout:g} s") from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        reason = scrub(_cause(exc), secrets)
        raise RecordsError(f"{source.display}: cannot connect: {reason}") from None
    if len(body) > MAX_ANSWER_BYTES:
        raise RecordsError(f"{source.display}: answer larger than {MAX_ANSWER_BYTES} bytes")
    if status != 200 and not (status in (400, 422) and path == "/api/v1/query"):
        raise RecordsError(f"{source.display}{path}: HTTP {status}")
    try:
        answer = json.loads(body)
    except ValueError:
        raise RecordsError(f"{source.display}{path}: the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise RecordsError(f"{source.display}{path}: the answer is not a JSON object")
    return answer


def _unquote(text):
    return unquote(text or "")


def _cause(exc):
    """The innermost reason of a requests/urllib3 error, one short line."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    reason = getattr(exc, "reason", None) or exc
    text = str(reason).splitlines()[0] if str(reason) else reason.__class__.__name__
    return text[:160]
