"""A reference Cat-Scan target on loopback, for the demo, the tests and the benchmarks.

It answers like the real API behind nginx: `GET /health` (every variant the
real handler has answered with, switchable at run time), `GET /openapi.json`, and a few GET
endpoints that honour that document. It records every request it sees, so a
test can prove that driftgate only ever sent GET and HEAD.

>>> with ReferenceTarget(sha="94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6") as target:
...     target.set_mode("db-down")
...     target.deploy("aaaaaaa0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6", after=0.2, downtime=0.3)

The control surface is this Python object, never HTTP: the served API stays
read-only, like the deployment driftgate guards.
"""

import http.server
import json
import sys
import threading
import time

HEALTH_MODES = (
    "healthy",  # the real handler's full payload
    "manual",  # the manual's two-field example: {"git_sha", "version"}
    "git-sha-tagged",  # git_sha taken from the image tag: "sha-94e9cbb"
    "full-sha",  # git_sha and version carry all 40 hex
    "semver-version",  # version is a release number: "0.9.5"
    "unknown",  # git_sha and version "unknown"
    "ref-ref",  # the packed-refs bug: git_sha "ref: ref"
    "disagree",  # version names another commit than git_sha
    "db-down",  # status healthy, database_exists false
    "wrong-types",  # database_exists "yes", git_sha a number
    "not-object",  # a JSON array
    "garbage",  # not JSON at all
    "huge",  # a 2 MiB JSON body
    "endless",  # a chunked body that never ends (until the client goes away)
    "slow",  # answers after `slow_seconds`
    "slow-body",  # headers at once, then one byte every `slow_seconds`
    "http-500",  # an error status with a healthy-looking body
    "redirect",  # 302 to another host
    "refused",  # nothing listens: connection refused
)

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Cat-Scan reference API", "version": "1.0.0"},
    "paths": {
        "/health": {
            "get": {
                "operationId": "health",
                "responses": {
                    "200": {
                        "description": "health",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/buyers": {
            "get": {
                "operationId": "listBuyers",
                "parameters": [
                    {
                        "name": "active",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "boolean"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "buyer seats",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Buyer"},
                                }
                            }
                        },
                    },
                    "401": {"description": "no or wrong token"},
                },
            },
            "post": {
                "operationId": "createBuyer",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Buyer"}}
                    }
                },
                "responses": {"201": {"description": "created"}},
            },
        },
        "/buyers/{buyer_id}": {
            "get": {
                "operationId": "getBuyer",
                "parameters": [
                    {
                        "name": "buyer_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "one buyer seat",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Buyer"}}
                        },
                    },
                    "401": {"description": "no or wrong token"},
                    "404": {"description": "no such buyer"},
                },
            },
            "delete": {
                "operationId": "deleteBuyer",
                "parameters": [
                    {
                        "name": "buyer_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {"204": {"description": "deleted"}},
            },
        },
    },
    "components": {
        "schemas": {
            "Buyer": {
                "type": "object",
                "required": ["buyer_id", "bidder_id", "active"],
                "properties": {
                    "buyer_id": {"type": "string"},
                    "bidder_id": {"type": "string"},
                    "active": {"type": "boolean"},
                },
            }
        }
    },
}

BUYERS = [
    {"buyer_id": "1111111111", "bidder_id": "1111111111", "active": True},
    {"buyer_id": "2222222222", "bidder_id": "2222222222", "active": False},
]


def health_payload(mode, sha, old_sha=None):
    """The JSON value the real handler would answer in `mode` while running `sha`."""
    short = sha[:7]
    payload = {
        "status": "healthy",
        "version": f"sha-{short}",
        "git_sha": sha[:8],
        "release_version": "0.9.5",
        "configured": True,
        "has_credentials": True,
        "database_exists": True,
    }
    match mode:
        case "manual":
            return {"git_sha": sha[:8], "version": f"sha-{short}"}
        case "git-sha-tagged":
            payload["git_sha"] = f"sha-{short}"
        case "full-sha":
            payload.update(git_sha=sha, version=f"sha-{sha}")
        case "semver-version":
            payload["version"] = "0.9.5"
        case "unknown":
            payload.update(git_sha="unknown", version="unknown")
        case "ref-ref":
            payload["git_sha"] = "ref: ref"
        case "disagree":
            payload["version"] = f"sha-{(old_sha or 'f' * 40)[:7]}"
        case "db-down":
            payload["database_exists"] = False
        case "wrong-types":
            payload.update(database_exists="yes", git_sha=int("1234567"))
        case "not-object":
            return [payload]
    return payload


class ReferenceTarget:
    """A Cat-Scan stand-in served on 127.0.0.1 from a background thread."""

    def __init__(self, sha, host="127.0.0.1", port=0, token=None, slow_seconds=5.0):
        self.sha = sha
        self.old_sha = None
        self.mode = "healthy"
        self.token = token  # when set, /buyers* need "Authorization: Bearer <token>"
        self.slow_seconds = slow_seconds
        self.api_broken = False  # True: /buyers answers against its schema
        self.openapi_body = None  # bytes: served as /openapi.json instead of OPENAPI
        self.requests = []  # (method, path) of every request, in order
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._server = None
        self._deploy_timer = None

    # -- lifecycle -------------------------------------------------------
    def start(self):
        self._listen()
        return self

    def stop(self):
        if self._deploy_timer:
            self._deploy_timer.cancel()
        self._close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        """The base URL (what a pack's `base_url` would hold); health is at url + "/health"."""
        return f"http://{self._host}:{self._port}"

    # -- control ---------------------------------------------------------
    def set_mode(self, mode):
        if mode not in HEALTH_MODES:
            raise ValueError(f"unknown health mode {mode!r}; one of {', '.join(HEALTH_MODES)}")
        with self._lock:
            previous, self.mode = self.mode, mode
        if mode == "refused" and previous != "refused":
            self._close()
        elif previous == "refused" and mode != "refused":
            self._listen()

    def deploy(self, new_sha, after=0.0, downtime=0.0):
        """Simulate `up -d --force-recreate`: the old SHA answers for `after` seconds,
        then nothing listens for `downtime` seconds, then `new_sha` answers healthy."""

        def recreate():
            if downtime > 0:
                self.set_mode("refused")
                time.sleep(downtime)
            with self._lock:
                self.old_sha, self.sha = self.sha, new_sha
            self.set_mode("healthy")

        self._deploy_timer = threading.Timer(after, recreate)
        self._deploy_timer.daemon = True
        self._deploy_timer.start()

    def methods_seen(self):
        with self._lock:
            return {method for method, _ in self.requests}

    # -- serving ---------------------------------------------------------
    def _listen(self):
        handler = type("Handler", (_Handler,), {"target": self})
        _Server.allow_reuse_address = True
        self._server = _Server((self._host, self._port), handler)
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _close(self):
        server, self._server = self._server, None
        if server:
            server.shutdown()
            server.server_close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer (a size cap doing its job) is not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    target: ReferenceTarget
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: tests read .requests instead
        pass

    def _record(self):
        with self.target._lock:
            self.target.requests.append((self.command, self.path))

    def do_GET(self):
        self._record()
        path = self.path.split("?", 1)[0]
        if path == "/health":
            self._health()
        elif path == "/openapi.json" and self.target.openapi_body is not None:
            self._raw(200, self.target.openapi_body)
        elif path == "/openapi.json":
            self._json(200, OPENAPI)
        elif path == "/buyers" or path.startswith("/buyers/"):
            self._buyers(path)
        else:
            self._json(404, {"detail": "Not Found"})

    def do_HEAD(self):
        self._record()
        known = self.path.split("?", 1)[0] in ("/health", "/openapi.json")
        self.send_response(200 if known else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _refuse_write(self):
        self._record()
        self._json(405, {"detail": "Method Not Allowed"})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _refuse_write

    def _buyers(self, path):
        target = self.target
        if target.token and self.headers.get("Authorization") != f"Bearer {target.token}":
            return self._json(401, {"detail": "Not authenticated"})
        if path == "/buyers":
            body = BUYERS if not target.api_broken else [{"buyer_id": 1, "active": "yes"}]
            return self._json(200, body)
        buyer_id = path.removeprefix("/buyers/")
        match = [b for b in BUYERS if b["buyer_id"] == buyer_id]
        return self._json(200, match[0]) if match else self._json(404, {"detail": "Not Found"})

    def _health(self):
        target = self.target
        with target._lock:
            mode, sha, old_sha = target.mode, target.sha, target.old_sha
        match mode:
            case "garbage":
                return self._raw(200, b"<html>502 Bad Gateway</html>\x00\xff", "text/html")
            case "huge":
                return self._raw(200, b'{"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}')
            case "endless":
                return self._endless()
            case "slow":
                time.sleep(target.slow_seconds)
            case "slow-body":
                return self._trickle(json.dumps(health_payload("healthy", sha)).encode())
            case "http-500":
                return self._json(500, health_payload("healthy", sha))
            case "redirect":
                self.send_response(302)
                self.send_header("Location", "http://203.0.113.7/health")
                self.send_header("Content-Length", "0")
                return self.end_headers()
        return self._json(200, health_payload(mode, sha, old_sha))

    def _json(self, status, value):
        self._raw(status, json.dumps(value).encode())

    def _raw(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._write(body)

    def _endless(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 65536
        while self._write(b"%x\r\n%s\r\n" % (len(chunk), chunk)):
            pass

    def _trickle(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for byte in body:
            if not self._write(bytes([byte])):
                return
            time.sleep(self.target.slow_seconds)

    def _write(self, data):
        """Write, and say whether the client is still there."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return False
