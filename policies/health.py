"""Health payload evaluation: the one implementation (the `/health` answer's rules).

Both the gate (checks/) and the exporter (monitor/) fetch the bytes through
`policies.health_fetch`, then hand them here: `decode_health_body` turns a response into a
payload or a `HealthProbeError` with a reason from a small fixed set, and
`evaluate_health` turns a payload into a `HealthVerdict`.

>>> v = evaluate_health({"status": "healthy", "git_sha": "94e9cbb0",
...                      "version": "sha-94e9cbb", "database_exists": True},
...                     expected_sha="94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6")
>>> v.passed, v.deployed_sha
(True, '94e9cbb0')
"""

import enum
import json
from dataclasses import dataclass, field, replace

import jsonschema

from .sha import normalise_sha, shas_match

MAX_BODY_BYTES = 1024 * 1024  # a health answer is ~200 bytes; 1 MiB is already hostile


class ProbeFailure(enum.StrEnum):
    """Why a probe produced no usable payload: a small fixed set (bounded label values)."""

    TIMEOUT = "timeout"
    REFUSED = "refused"
    HTTP_STATUS = "http_status"
    NOT_JSON = "not_json"
    BAD_SHAPE = "bad_shape"
    TOO_LARGE = "too_large"
    TLS = "tls"
    REDIRECT = "redirect"


class HealthProbeError(Exception):
    """A probe that failed; `reason` is a ProbeFailure, `detail` a one-line message."""

    def __init__(self, reason, detail):
        self.reason = ProbeFailure(reason)
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}")


def decode_health_body(status_code, body):
    """Return the JSON payload of a health response, or raise HealthProbeError.

    `body` is the bytes read so far; a caller that stopped reading at
    MAX_BODY_BYTES + 1 passes what it has and gets TOO_LARGE.
    """
    if len(body) > MAX_BODY_BYTES:
        raise HealthProbeError(ProbeFailure.TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes")
    if status_code != 200:
        raise HealthProbeError(ProbeFailure.HTTP_STATUS, f"HTTP {status_code}, expected 200")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        # ValueError covers undecodable UTF-8, malformed JSON and numbers past
        # Python's integer-digit limit: all of them a body that is not usable JSON.
        detail = f"body is not JSON ({exc.__class__.__name__})"
        raise HealthProbeError(ProbeFailure.NOT_JSON, detail) from None
    if not isinstance(payload, dict):
        raise HealthProbeError(ProbeFailure.BAD_SHAPE, "body is JSON but not an object")
    return payload


@dataclass(frozen=True)
class HealthVerdict:
    """What a health payload says, judged. Every flag fails closed."""

    shape_problems: tuple[str, ...]
    status_ok: bool  # status == "healthy"
    database_ok: bool  # database_exists is true
    deployed_sha: str | None  # normalised git_sha, None when it is not a SHA
    version_sha: str | None  # normalised version, None when it is not a SHA
    raw_git_sha: str | None
    raw_version: str | None
    expected_sha: str | None = None  # as given; an invalid one never matches
    problems: tuple[str, ...] = field(default=())

    @property
    def shape_ok(self):
        return not self.shape_problems

    @property
    def healthy(self):
        """Status healthy *and* the database reachable: HTTP 200 alone is not enough."""
        return self.shape_ok and self.status_ok and self.database_ok

    @property
    def sha_valid(self):
        return self.deployed_sha is not None

    @property
    def versions_agree(self):
        """`version` and `git_sha` agree when both are SHAs; a non-SHA version is no conflict."""
        if self.version_sha is None:
            return self.sha_valid
        return shas_match(self.deployed_sha, self.version_sha)

    @property
    def sha_matches(self):
        """Deployed matches expected; False when either is missing (never a pass by default)."""
        return shas_match(self.deployed_sha, self.expected_sha)

    @property
    def passed(self):
        """Healthy, a valid SHA that agrees with `version`, and (if expected) the expected SHA."""
        ok = self.healthy and self.sha_valid and self.versions_agree
        return ok and (self.expected_sha is None or self.sha_matches)


def _text_or_none(value):
    return value if isinstance(value, str) else None


_VALIDATORS = {}  # id(schema) -> (schema, its validator)


def _validator(schema):
    """The compiled validator of `schema`, built once per schema object.

    The exporter judges every probe against the same pack schema; building a
    validator each time costs a noticeable share of a probe's CPU. The entry
    keeps the schema alive, so its id cannot be reused by another object.
    """
    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        if len(_VALIDATORS) >= 32:
            _VALIDATORS.clear()  # many schemas (tests building their own): stay bounded
        cached = (schema, jsonschema.Draft202012Validator(schema))
        _VALIDATORS[id(schema)] = cached
    return cached[1]


def evaluate_health(payload, expected_sha=None, schema=None):
    """Judge a decoded health payload against the pack's schema and an expected SHA."""
    shape_problems = []
    if not isinstance(payload, dict):
        shape_problems.append("payload is not a JSON object")
        payload = {}
    elif schema is not None:
        validator = _validator(schema)
        for error in sorted(validator.iter_errors(payload), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.path) or "(root)"
            shape_problems.append(f"{where}: {error.message[:200]}")
    raw_git_sha = _text_or_none(payload.get("git_sha"))
    raw_version = _text_or_none(payload.get("version"))
    verdict = HealthVerdict(
        shape_problems=tuple(shape_problems),
        status_ok=payload.get("status") == "healthy",
        database_ok=payload.get("database_exists") is True,
        deployed_sha=normalise_sha(raw_git_sha),
        version_sha=normalise_sha(raw_version),
        raw_git_sha=raw_git_sha,
        raw_version=raw_version,
        expected_sha=expected_sha,
    )
    return _with_problems(verdict, expected_sha)


def _with_problems(verdict, expected_sha):
    """Attach one human sentence per failed rule, for reports and annotations."""
    problems = [f"payload shape: {p}" for p in verdict.shape_problems]
    if not verdict.status_ok:
        problems.append("status is not 'healthy'")
    if not verdict.database_ok:
        problems.append("database_exists is not true (database unreachable)")
    if not verdict.sha_valid:
        problems.append(f"git_sha {verdict.raw_git_sha!r} is not a SHA (7 to 40 hex)")
    elif not verdict.versions_agree:
        problems.append(
            f"version {verdict.raw_version!r} disagrees with git_sha {verdict.raw_git_sha!r}"
        )
    if expected_sha is not None and verdict.sha_valid and not verdict.sha_matches:
        problems.append(f"deployed SHA {verdict.deployed_sha} is not the expected {expected_sha}")
    return replace(verdict, problems=tuple(problems))
