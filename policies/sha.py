"""Deployed-SHA normalisation and matching: the one implementation.

>>> normalise_sha("sha-94E9CBB")
'94e9cbb'
>>> normalise_sha("ref: ref") is None
True
>>> shas_match("94e9cbb0", "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6")
True
"""

import re

from .errors import DriftgateError

MIN_SHA_LENGTH = 7
_HEX_SHA = re.compile(r"[0-9a-f]{7,40}")


class NotASha(DriftgateError, ValueError):
    """An expected SHA given by the user that is not 7 to 40 hex characters."""


def normalise_sha(raw):
    """Return the lowercase hex SHA in `raw`, or None when it is not a SHA.

    An optional `sha-` prefix is stripped and case is folded; what remains
    must be 7 to 40 hex characters. `unknown`, `ref: ref`, "", None and any
    non-string are not SHAs.
    """
    if not isinstance(raw, str):
        return None
    candidate = raw.strip().lower()
    candidate = candidate.removeprefix("sha-")
    return candidate if _HEX_SHA.fullmatch(candidate) else None


def shas_match(a, b):
    """True when both are SHAs and the shorter is a prefix of the longer.

    Anything that is not a SHA never matches anything, itself included.
    """
    a, b = normalise_sha(a), normalise_sha(b)
    if a is None or b is None:
        return False
    shorter, longer = sorted((a, b), key=len)
    return longer.startswith(shorter)


def short_sha(raw):
    """The 7-hex short form of a SHA, or None when `raw` is not a SHA."""
    sha = normalise_sha(raw)
    return sha[:MIN_SHA_LENGTH] if sha else None


def image_tag(sha, tag_format="sha-{sha7}"):
    """The image tag a commit deploys as: `sha-<first 7 hex>` by default.

    >>> image_tag("94E9CBB0D1C2")
    'sha-94e9cbb'
    """
    short = short_sha(sha)
    if short is None:
        raise NotASha(f"not a commit SHA (7 to 40 hex): {sha!r}")
    return tag_format.format(sha7=short, sha=normalise_sha(sha))
