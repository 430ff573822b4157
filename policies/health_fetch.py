"""The bounded health GET, without the I/O: every decision the gate and the exporter share.

Both rooms open their own socket (the gate through requests, the exporter
through http.client) and feed what arrives here; this module decides what to
send, whether an answer's head is acceptable, how its body is decompressed and
capped, and how long one attempt may wait. So compressed answers, the size cap
and the per-attempt timeout behave the same in both.

>>> head = check_head(200, {"Content-Encoding": "gzip", "Content-Length": "31"})
>>> import gzip
>>> head.feed(gzip.compress(b'{"status": "healthy"}'))
>>> head.finish()
b'{"status": "healthy"}'
>>> attempt_timeout(5.0, time_left=1.5)
1.5
"""

import zlib

from .health import MAX_BODY_BYTES, HealthProbeError, ProbeFailure

READ_SIZE = 64 * 1024  # bytes asked of the socket at a time
DEFAULT_PROBE_TIMEOUT = 5.0  # seconds one attempt may take, unless less time is left
# Compressed answers are decoded (nginx `gzip_types application/json` and gzip
# middlewares compress health answers); the cap applies to the decoded size.
ACCEPT_ENCODING = "gzip, deflate"


def request_headers(user_agent):
    """The headers of every health GET: JSON asked, one request per connection."""
    return {
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "User-Agent": user_agent,
        "Connection": "close",
    }


def attempt_timeout(probe_timeout, time_left):
    """Seconds one attempt may take: its own cap, never past the poll's deadline.

    A server that holds a connection open costs one attempt, not the whole deadline.
    """
    return max(0.0, min(probe_timeout, time_left))


def check_head(status, headers):
    """A BodyReader for an answer worth reading, or a HealthProbeError.

    A redirect is never followed; any status but 200 decides alone (the body is
    not read); a declared length over the cap is refused before a byte of body.
    `headers` is any mapping with `.get` (case-insensitive in both rooms).
    """
    if 300 <= status < 400:
        location = str(headers.get("Location") or "")[:120]
        raise HealthProbeError(
            ProbeFailure.REDIRECT, f"HTTP {status} redirect to {location!r}, not followed"
        )
    if status != 200:
        raise HealthProbeError(ProbeFailure.HTTP_STATUS, f"HTTP {status}, expected 200")
    declared = str(headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HealthProbeError(ProbeFailure.TOO_LARGE, f"declares {declared} bytes")
    return BodyReader(str(headers.get("Content-Encoding") or ""))


class BodyReader:
    """Collects a body fed in pieces, decoding gzip/deflate; at most MAX_BODY_BYTES decoded.

    Decompression is incremental and bounded: a gzip bomb stops at the cap
    (TOO_LARGE) without inflating further.
    """

    def __init__(self, content_encoding=""):
        encoding = content_encoding.strip().lower()
        if encoding in ("", "identity"):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflater = "deflate"  # zlib-wrapped or raw: told by the first bytes
        else:
            raise HealthProbeError(
                ProbeFailure.NOT_JSON, f"unsupported Content-Encoding {content_encoding[:40]!r}"
            )
        self.encoding = encoding or "identity"
        self._pieces = []
        self._size = 0
        self.wire_bytes = 0

    @property
    def done(self):
        """True once a compressed stream ended: nothing more needs reading."""
        return self._inflater is not None and getattr(self._inflater, "eof", False)

    def feed(self, data):
        """Add the next bytes off the wire; raises TOO_LARGE past the cap."""
        self.wire_bytes += len(data)
        if self.wire_bytes > MAX_BODY_BYTES:  # also bounds compressed data that never ends
            raise HealthProbeError(ProbeFailure.TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes")
        if self._inflater is None:
            self._keep(data)
            return
        if self.done:
            return  # bytes after the end of the stream are not part of the body
        if self._inflater == "deflate":
            # RFC 9110 says zlib format; some servers send raw deflate.
            raw = len(data) > 0 and (data[0] & 0x0F) != 8
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        try:
            room = MAX_BODY_BYTES + 1 - self._size
            self._keep(self._inflater.decompress(data, room))
            if self._inflater.unconsumed_tail:  # more output than the cap allows
                self._keep(b"x")
        except zlib.error:
            raise HealthProbeError(
                ProbeFailure.NOT_JSON, f"body is not valid {self.encoding} data"
            ) from None

    def _keep(self, data):
        self._pieces.append(data)
        self._size += len(data)
        if self._size > MAX_BODY_BYTES:
            decoded = "" if self._inflater is None else "decompressed "
            raise HealthProbeError(
                ProbeFailure.TOO_LARGE, f"{decoded}body over {MAX_BODY_BYTES} bytes"
            )

    def finish(self):
        """The whole decoded body; a compressed stream cut short is NOT_JSON."""
        if self._inflater is not None and self.wire_bytes and not self.done:
            raise HealthProbeError(
                ProbeFailure.NOT_JSON, f"{self.encoding} body ends before its stream does"
            )
        return b"".join(self._pieces)
