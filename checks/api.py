"""The API group: schemathesis against the target's OpenAPI document, read-only.

Every request, the document's included, goes through `read_only_session`: its
transport adapter refuses any method other than GET/HEAD before a byte is sent
(whatever produced the request), honours the pack's rate limit, never follows a
redirect and never reads proxies from the environment. Only the document's GET
and HEAD operations are exercised: first the document's own `example`/`examples`
values (random path ids mostly answer 404, so without them an operation's success
response may never be checked), then positive data, `max_examples` examples each
(hypothesis, derandomised, no example database), and four checks:
not_a_server_error, status_code_conformance, content_type_conformance and
response_schema_conformance.

Example:
    >>> session = read_only_session(token=None)
    >>> session.post("http://127.0.0.1:1/buyers")  # doctest: +SKIP
    Traceback (most recent call last):
    WriteRefused: refused POST http://127.0.0.1:1/buyers: the API gate sends GET and HEAD only
"""

import io
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from driftgate.policies.errors import DriftgateError

from .bounded_read import read_body

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
# Any response, the document's included: a FastAPI document of a few hundred routes is ~1 MiB.
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
REQUEST_TIMEOUT = 10.0  # seconds: connect, each read, and the whole body
_PER = {"s": 1.0, "m": 60.0, "h": 3600.0}


class ResponseTooLarge(requests.RequestException):
    """A response body over MAX_RESPONSE_BYTES: not read further."""


class WriteRefused(DriftgateError):
    """A request with a method other than GET/HEAD reached the transport: it is never sent."""


class OpenApiUnavailable(DriftgateError):
    """The OpenAPI document cannot be fetched, read or used; the message says why, in a line."""


class ReadOnlyAdapter(HTTPAdapter):
    """Transport adapter that raises on any non-GET/HEAD request, before any byte is sent.

    It sits below every caller (schemathesis's phases included), so no filter upstream
    can be bypassed by a phase that picks its own methods. It also spaces requests
    `min_interval` seconds apart (the pack's rate limit).
    """

    def __init__(self, *args, min_interval=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_interval = min_interval
        self._next_send = 0.0
        self._pace = threading.Lock()

    def send(self, request, stream=False, **kwargs):
        method = (request.method or "").upper()
        if method not in READ_ONLY_METHODS:
            raise WriteRefused(
                f"refused {method} {_without_query(request.url)}: "
                "the API gate sends GET and HEAD only"
            )
        self._wait_for_turn()
        response = super().send(request, stream=True, **kwargs)
        # The body is read here, whatever the caller asked, so a slow or endless
        # answer costs at most REQUEST_TIMEOUT and MAX_RESPONSE_BYTES.
        with response:
            try:
                body = read_body(
                    response, time.monotonic() + REQUEST_TIMEOUT, MAX_RESPONSE_BYTES, decode=True
                )
            except TimeoutError:
                raise requests.exceptions.ReadTimeout(
                    f"{method} {_without_query(request.url)}: body still arriving after "
                    f"{REQUEST_TIMEOUT:g} s",
                    request=request,
                ) from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise requests.exceptions.ConnectionError(
                    f"{method} {_without_query(request.url)}: connection broken: {exc}",
                    request=request,
                ) from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise ResponseTooLarge(
                f"{method} {_without_query(request.url)}: over {MAX_RESPONSE_BYTES // 2**20} MiB",
                request=request,
            )
        return self.build_response(request, _read_answer(response, body))

    def _wait_for_turn(self):
        with self._pace:
            now = time.monotonic()
            delay = self._next_send - now
            self._next_send = max(now, self._next_send) + self.min_interval
        if delay > 0:
            time.sleep(delay)


def _read_answer(response, body):
    """A urllib3 response holding the body already read (and decoded), for build_response.

    HTTPAdapter.build_response is requests' documented hook for adapters; the
    body is served from memory, so .content and .json() never touch the socket
    again, and its headers say what it now is (decoded, this long).
    """
    headers = urllib3.HTTPHeaderDict(response.raw.headers)
    headers.discard("Content-Encoding")
    headers.discard("Transfer-Encoding")
    headers["Content-Length"] = str(len(body))
    return urllib3.HTTPResponse(
        body=io.BytesIO(body),
        headers=headers,
        status=response.status_code,
        reason=response.reason,
        preload_content=False,
        decode_content=False,
    )


def read_only_session(token, rate_limit=None):
    """A requests session: read-only adapter, Bearer token if given, no redirects followed.

    Redirects are not followed at all, so a redirect to another host is seen as a 3xx
    answer (which fails the status-code check), never fetched. `rate_limit` is the
    pack's "N/s|m|h" (None: no limit).
    """
    session = _NoRedirectSession()
    adapter = ReadOnlyAdapter(max_retries=0, min_interval=min_interval(rate_limit))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False  # no proxies from the environment: loopback stays loopback
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def min_interval(rate_limit):
    """Seconds between two requests for a rate limit like "20/s" (the pack's format).

    >>> min_interval("20/s"), min_interval("120/m"), min_interval(None)
    (0.05, 0.5, 0.0)
    """
    if not rate_limit:
        return 0.0
    count, _, unit = str(rate_limit).partition("/")
    if not count.isdigit() or int(count) < 1 or unit not in _PER:
        raise DriftgateError(f"api.rate_limit: expected N/s, N/m or N/h, got {rate_limit!r}")
    return _PER[unit] / int(count)


class _NoRedirectSession(requests.Session):
    """A session that never follows a Location header, whatever the caller asks."""

    def get_redirect_target(self, resp):
        return None


def scrub(text, token):
    """Remove the token from text schemathesis produced (failure messages, curl commands).

    >>> scrub("curl -H 'Authorization: Bearer s3cr3t' http://x", "s3cr3t")
    "curl -H 'Authorization: Bearer ***' http://x"
    """
    if token:
        text = text.replace(token, "***")
    return text


def _without_query(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


# -- the OpenAPI document ---------------------------------------------------------


def fetch_document(url, session):
    """The JSON document at `url`, fetched with `session` (GET), or OpenApiUnavailable."""
    try:
        response = session.get(url, timeout=REQUEST_TIMEOUT)  # the adapter bounds the body
    except requests.RequestException as exc:
        raise OpenApiUnavailable(f"cannot fetch {url}: {_one_line(exc)}") from None
    if response.status_code != 200:
        raise OpenApiUnavailable(f"{url} answered HTTP {response.status_code}, not 200")
    try:
        return json.loads(response.content)
    except (UnicodeDecodeError, ValueError):
        raise OpenApiUnavailable(f"{url}: not a JSON document") from None


def read_document(path):
    """The JSON or YAML document in the file at `path`, or OpenApiUnavailable."""
    import yaml

    try:
        if Path(path).stat().st_size > MAX_RESPONSE_BYTES:
            raise OpenApiUnavailable(f"{path}: over {MAX_RESPONSE_BYTES // 2**20} MiB")
        return yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OpenApiUnavailable(f"{path}: cannot read: {_one_line(exc)}") from None


@dataclass(frozen=True)
class ReadOnlyOperation:
    """A GET or HEAD operation of the document; `problem` says why it cannot be tested."""

    label: str  # "GET /buyers/{buyer_id}": the test id
    operation: object = None  # schemathesis APIOperation
    problem: str | None = None
    needs_token: bool = False  # the document requires security for it (OpenAPI `security`)


def read_only_operations(document, source):
    """The document's GET/HEAD operations, in document order, or OpenApiUnavailable.

    Other methods are never turned into operations a test could send.
    """
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.core.errors import SchemathesisError
    from schemathesis.core.result import Err

    if not isinstance(document, dict) or not ("openapi" in document or "swagger" in document):
        raise OpenApiUnavailable(f"{source}: not an OpenAPI document (no 'openapi' field)")
    try:
        # An explicit config: never discover a schemathesis.toml in the working directory.
        schema = schemathesis.openapi.from_dict(document, config=SchemathesisConfig())
        results = list(schema.get_all_operations())
    except (SchemathesisError, TypeError, ValueError, AttributeError) as exc:
        raise OpenApiUnavailable(f"{source}: unusable OpenAPI document: {_one_line(exc)}") from None
    operations = []
    for result in results:
        if isinstance(result, Err):
            error = result.err()
            method = str(getattr(error, "method", "") or "").upper()
            path = getattr(error, "path", None) or "?"
            if method in READ_ONLY_METHODS:
                problem = f"invalid operation in {source}: {_one_line(error)}"
                operations.append(ReadOnlyOperation(f"{method} {path}", problem=problem))
            continue
        operation = result.ok()
        method = operation.method.upper()
        if method in READ_ONLY_METHODS:
            label = f"{method} {operation.path}"
            needs_token = requires_security(document, operation.path, method)
            operations.append(ReadOnlyOperation(label, operation, needs_token=needs_token))
    if not operations:
        raise OpenApiUnavailable(f"{source}: no GET or HEAD operation to check")
    return operations


def requires_security(document, path, method):
    """True when the document requires a security scheme for the operation.

    The operation's own `security` wins over the document's; an empty list or
    an empty requirement (`{}`) makes authentication optional.

    >>> doc = {"security": [{"bearer": []}], "paths": {"/a": {"get": {}}, "/b": {"get": {
    ...     "security": []}}}}
    >>> requires_security(doc, "/a", "GET"), requires_security(doc, "/b", "GET")
    (True, False)
    """
    definition = (document.get("paths") or {}).get(path, {}).get(method.lower(), {})
    security = definition.get("security", document.get("security"))
    if not isinstance(security, list) or not security:
        return False
    return all(isinstance(requirement, dict) and requirement for requirement in security)


# -- running one operation --------------------------------------------------------

CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@dataclass(frozen=True)
class OperationRun:
    """One operation's outcome: requests sent, statuses seen, failures (one line each)."""

    label: str
    examples: int
    statuses: tuple
    failures: tuple
    seconds: float
    document_examples: int = 0  # requests built from the document's example values

    @property
    def success_checked(self):
        """A 2xx answer was seen, so the success response's schema was checked."""
        return any(200 <= status < 300 for status in self.statuses)

    def as_dict(self):
        return {
            "operation": self.label,
            "requests": self.examples,
            "document_examples": self.document_examples,
            "statuses": sorted(set(self.statuses)),
            "success_checked": self.success_checked,
            "failures": list(self.failures),
            "seconds": round(self.seconds, 3),
        }


def run_operation(operation, session, base_url, max_examples, token=None):
    """Send up to `max_examples` positive examples of `operation`; stop at the first failure."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis.configuration import set_hypothesis_home_dir
    from schemathesis import GenerationMode

    # Hypothesis caches Unicode tables in <cwd>/.hypothesis: never in the deploy's checkout.
    set_hypothesis_home_dir(_cache_dir() / "hypothesis")

    checks = _checks()
    label = f"{operation.method.upper()} {operation.path}"
    statuses, failures = [], []
    started = time.monotonic()

    def send(case):
        try:
            response = case.call(base_url=base_url, session=session, timeout=REQUEST_TIMEOUT)
        except (requests.RequestException, WriteRefused) as exc:
            failures.append(f"{label}: request failed: {_one_line(exc)}")
            return
        statuses.append(response.status_code)
        if token and response.status_code == 401:
            # A documented 401 conforms, but with a token given it means the gate checked
            # nothing behind authentication: a wrong or expired token fails, never passes.
            failures.append(f"{label}: the API token was refused (HTTP 401)")
            return
        failures.extend(_check_response(label, case, response, checks))

    @given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=max_examples,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is the report
        database=None,  # never write .hypothesis/ next to the deployment's gate run
        derandomize=True,  # the same examples every run: a gate verdict is reproducible
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    def send_generated(case):
        if not failures:  # one failure is the verdict; no more requests
            send(case)

    document_cases = _document_examples(operation, max_examples, failures, label)
    for case in document_cases:
        if not failures:
            send(case)
    try:
        send_generated()
    except Exception as exc:  # noqa: BLE001 - generation errors fail the operation, in one line
        failures.append(f"{label}: cannot generate examples: {_one_line(exc)}")
    if not statuses and not failures:
        failures.append(f"{label}: no request was sent (no example could be generated)")
    seconds = time.monotonic() - started
    lines = tuple(scrub(line, token) for line in failures)
    return OperationRun(label, len(statuses), tuple(statuses), lines, seconds, len(document_cases))


def _document_examples(operation, limit, failures, label):
    """Up to `limit` cases built from the document's `example`/`examples` values.

    schemathesis turns each combination of example values into a strategy;
    hypothesis.find draws one case from each, deterministically.
    """
    from hypothesis import HealthCheck, find, settings

    quiet = settings(database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    try:
        strategies = operation.get_strategies_from_examples()[:limit]
        return [find(strategy, lambda case: True, settings=quiet) for strategy in strategies]
    except Exception as exc:  # noqa: BLE001 - an unusable example fails the operation, in a line
        failures.append(f"{label}: cannot use the document's examples: {_one_line(exc)}")
        return []


def _cache_dir():
    """$XDG_CACHE_HOME/driftgate, else ~/.cache/driftgate."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "driftgate"


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi import checks

    found = {"not_a_server_error": not_a_server_error}
    found.update({name: getattr(checks, name) for name in CHECK_NAMES[1:]})
    return found


def _check_response(label, case, response, checks):
    """One line per check that failed on `response`, naming the operation, check and status."""
    from schemathesis.core.failures import Failure, FailureGroup

    lines = []
    for name, check in checks.items():
        try:
            case.validate_response(response, checks=[check])
        except (Failure, FailureGroup) as exc:
            failure = exc.exceptions[0] if isinstance(exc, FailureGroup) else exc
            detail = " ".join(str(failure.message).split("\n\n", 1)[0].split())
            lines.append(
                f"{label}: {name} failed (HTTP {response.status_code}): {failure.title}: {detail}"[
                    :400
                ]
            )
    return lines


def _one_line(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text}"[:300]
