"""The read-only guard: a write never reaches the reference target."""

import pytest
import requests

from driftgate.checks.api import WriteRefused, read_only_session, scrub
from driftgate.reference_target import ReferenceTarget

SHA = "94e9cbb0" + "0" * 32


@pytest.fixture
def target():
    with ReferenceTarget(SHA) as running:
        yield running


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH", "OPTIONS"])
def test_write_is_refused_before_it_is_sent(target, method):
    session = read_only_session(token=None)
    session.get(target.url + "/buyers", timeout=5)
    before = len(target.requests)
    with pytest.raises(WriteRefused, match=f"refused {method} "):
        session.request(method, target.url + "/buyers", timeout=5)
    assert len(target.requests) == before  # nothing reached the server
    assert set(target.methods_seen()) <= {"GET", "HEAD"}


def test_get_and_head_go_through_with_token():
    with ReferenceTarget(SHA, token="s3cr3t-canary") as running:
        assert read_only_session(token=None).get(running.url + "/buyers", timeout=5).ok is False
        session = read_only_session(token="s3cr3t-canary")
        assert session.get(running.url + "/buyers", timeout=5).status_code == 200
        session.head(running.url + "/buyers", timeout=5)
        assert running.methods_seen() == {"GET", "HEAD"}


def test_redirect_is_not_followed():
    session = read_only_session(token=None)
    with ReferenceTarget(SHA) as running:
        running.set_mode("redirect")
        response = session.get(running.url + "/health", timeout=5)
    assert 300 <= response.status_code < 400


def test_scrub_removes_token():
    assert "s3cr3t" not in scrub("curl -H 'Authorization: Bearer s3cr3t'", "s3cr3t")


def test_unreachable_target_fails_without_sending_elsewhere():
    session = read_only_session(token=None)
    with pytest.raises(requests.ConnectionError):
        session.get("http://127.0.0.1:9/buyers", timeout=1)
