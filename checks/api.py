"""The API group's read-only transport: a requests session that refuses writes before sending.

PARTIAL (see docs/verify-api.md): the guard and the session exist; the schemathesis
run that uses this session is not written yet.

Example:
    >>> session = read_only_session(token=None)
    >>> session.post("http://127.0.0.1:1/buyers")  # doctest: +SKIP
    Traceback (most recent call last):
    WriteRefused: refused POST http://127.0.0.1:1/buyers: the API gate sends GET and HEAD only
"""

from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from driftgate.policies.errors import DriftgateError

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


class WriteRefused(DriftgateError):
    """A request with a method other than GET/HEAD reached the transport: it is never sent."""


class ReadOnlyAdapter(HTTPAdapter):
    """Transport adapter that raises on any non-GET/HEAD request, before any byte is sent.

    It sits below every caller (schemathesis's phases included), so no filter upstream
    can be bypassed by a phase that picks its own methods.
    """

    def send(self, request, **kwargs):
        method = (request.method or "").upper()
        if method not in READ_ONLY_METHODS:
            raise WriteRefused(
                f"refused {method} {_without_query(request.url)}: "
                "the API gate sends GET and HEAD only"
            )
        return super().send(request, **kwargs)


def read_only_session(token):
    """A requests session: read-only adapter, Bearer token if given, no redirects followed.

    Redirects are not followed at all, so a redirect to another host is seen as a 3xx
    answer (which fails the status-code check), never fetched.
    """
    session = _NoRedirectSession()
    adapter = ReadOnlyAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False  # no proxies from the environment: loopback stays loopback
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


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
