"""The sans-I/O core of the health GET: head checks, bounded decompression, attempt timeouts."""

import gzip
import zlib

import pytest

from driftgate.policies.health import MAX_BODY_BYTES, HealthProbeError, ProbeFailure
from driftgate.policies.health_fetch import (
    BodyReader,
    attempt_timeout,
    check_head,
    request_headers,
)


def test_request_asks_for_json_and_the_encodings_it_can_decode():
    headers = request_headers("driftgate-test")
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert headers["Accept"] == "application/json" and headers["Connection"] == "close"


@pytest.mark.parametrize(
    ("probe_timeout", "time_left", "expected"), [(5, 30, 5), (5, 1.5, 1.5), (5, -1, 0)]
)
def test_an_attempt_waits_its_own_cap_never_past_the_deadline(probe_timeout, time_left, expected):
    assert attempt_timeout(probe_timeout, time_left) == expected


@pytest.mark.parametrize(
    ("status", "headers", "reason", "words"),
    [
        (302, {"Location": "http://203.0.113.7/"}, ProbeFailure.REDIRECT, "203.0.113.7"),
        (503, {}, ProbeFailure.HTTP_STATUS, "HTTP 503"),
        (200, {"Content-Length": str(MAX_BODY_BYTES + 1)}, ProbeFailure.TOO_LARGE, "declares"),
        (200, {"Content-Encoding": "br"}, ProbeFailure.NOT_JSON, "unsupported"),
    ],
)
def test_heads_refused_before_any_body(status, headers, reason, words):
    with pytest.raises(HealthProbeError) as caught:
        check_head(status, headers)
    assert caught.value.reason == reason and words in caught.value.detail


def test_gzip_fed_in_pieces_is_decoded():
    compressed = gzip.compress(b'{"status": "healthy"}')
    reader = check_head(200, {"Content-Encoding": "gzip"})
    for i in range(len(compressed)):
        reader.feed(compressed[i : i + 1])
    assert reader.done and reader.finish() == b'{"status": "healthy"}'


def test_bomb_stops_at_the_cap_without_inflating_it_all():
    bomb = zlib.compress(b"0" * (50 * MAX_BODY_BYTES), 9)
    reader = BodyReader("deflate")
    with pytest.raises(HealthProbeError) as caught:
        reader.feed(bomb)
    assert caught.value.reason == ProbeFailure.TOO_LARGE
    assert sum(map(len, reader._pieces)) <= MAX_BODY_BYTES + 1


def test_plain_body_over_the_cap_is_too_large():
    reader = BodyReader()
    reader.feed(b"x" * MAX_BODY_BYTES)
    with pytest.raises(HealthProbeError, match="body over 1048576 bytes"):
        reader.feed(b"x")


def test_stream_cut_short_is_not_json():
    reader = BodyReader("gzip")
    reader.feed(gzip.compress(b"{}")[:5])
    with pytest.raises(HealthProbeError) as caught:
        reader.finish()
    assert caught.value.reason == ProbeFailure.NOT_JSON
