"""Read an HTTP body without letting the server decide how long or how much.

requests' timeouts bound each socket read, not the whole body: a server that
trickles a byte a second keeps `response.content` reading forever, and one
that streams without end fills memory. The API group reads bodies through
`read_body` (the health probe feeds policies.health_fetch instead).
"""

import time

import urllib3

CHUNK_BYTES = 16 * 1024


def read_body(response, deadline_at, limit, decode=False):
    """Up to `limit + 1` bytes of a streamed requests response, never past `deadline_at`.

    One byte over `limit` tells the caller the body was too large. `deadline_at`
    is a time.monotonic() instant; `decode` undoes gzip/deflate. Raises
    TimeoutError when the body is still arriving at the deadline; a broken
    connection raises urllib3.exceptions.HTTPError or OSError.
    """
    body = bytearray()
    raw = response.raw
    try:
        while len(body) <= limit:
            remaining = deadline_at - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("body still arriving at the deadline")
            _bound_socket(raw, remaining)
            chunk = raw.read1(min(CHUNK_BYTES, limit + 1 - len(body)), decode_content=decode)
            if not chunk:
                break
            body += chunk
    except urllib3.exceptions.ReadTimeoutError:
        raise TimeoutError("body still arriving at the deadline") from None
    return bytes(body[: limit + 1])


def _bound_socket(raw, remaining):
    # Each recv may block at most until the deadline, however slowly bytes trickle.
    # urllib3's public `connection` is an http.client connection; `sock` is its socket.
    sock = getattr(raw.connection, "sock", None)
    if sock is not None:
        sock.settimeout(remaining)
