"""Loopback ports for the tests.

Prefer a server that binds port 0 itself and reports the port it got
(ReferenceTarget, http.server, `driftgate monitor --listen 127.0.0.1:0`): no
other process can take the port in between. free_port() is for what cannot
report its port (sshd, Prometheus, Pushgateway) and for a closed port to
connect to.
"""

import re
import selectors
import socket
import time


def free_port():
    """A loopback TCP port nothing listened on a moment ago (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def announced_port(stream, pattern, seconds):
    """Read text lines from `stream` until `pattern` matches one; return its `port` group.

    Gives up after `seconds` with an AssertionError quoting what was read.
    """
    deadline = time.monotonic() + seconds
    seen = []
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                break
            line = stream.readline()
            if not line:
                break  # the process closed the stream: it ended
            seen.append(line)
            if match := re.search(pattern, line):
                return int(match["port"])
    raise AssertionError(f"no port announced in {seconds} s; read: {''.join(seen)[-500:]!r}")
