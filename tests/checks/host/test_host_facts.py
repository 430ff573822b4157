"""Parsing real docker/ss/df output; anything else fails closed with a HostFactError."""

import json
from pathlib import Path

import pytest

from driftgate.checks.host_facts import (
    HostFactError,
    Listener,
    parse_container,
    parse_free_mb,
    parse_head,
    parse_image,
    parse_listeners,
    parse_ps,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_container_from_real_docker_inspect():
    state = parse_container("catscan-api", (FIXTURES / "container-catscan-api.json").read_text())
    assert (state.status, state.restarting, state.restart_count) == ("running", False, 0)
    assert state.image_ref == "europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:sha-94e9cbb"
    assert state.image_id.startswith("sha256:8c1d2e3f")
    assert state.env["GIT_SHA"] == state.env["APP_VERSION"] == "sha-94e9cbb"
    assert state.env["PATH"].startswith("/usr/local/bin")  # values keep their own `=`-free text
    assert state.published == (("127.0.0.1", 8000),)


def test_container_with_missing_fields_is_not_fine():
    state = parse_container("x", json.dumps([{"Id": "abc"}]))
    assert state.status is None and state.restarting and state.restart_count is None
    assert state.image_ref is None and dict(state.env) == {} and state.published == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "expected one container, got 0"),
        ("not json", "output is not JSON"),
        ('{"Id": "abc"}', "expected a JSON array"),
        ("[1]", "expected one container"),
    ],
)
def test_unusable_docker_inspect_output(text, message):
    with pytest.raises(HostFactError, match=message):
        parse_container("catscan-api", text)


def test_image_from_real_docker_image_inspect():
    text = (FIXTURES / "image-catscan-api.json").read_text()
    image = parse_image("sha256:8c1d", text)
    assert image.image_id.startswith("sha256:8c1d2e3f")
    assert image.repo_tags == (
        "europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:sha-94e9cbb",
    )
    assert len(image.repo_digests) == 1 and "@sha256:" in image.repo_digests[0]


def test_locally_built_image_has_null_digests():
    # `docker build` images print "RepoDigests": [] (and old engines null).
    image = parse_image("sha256:1", json.dumps([{"Id": "sha256:1", "RepoDigests": None}]))
    assert image.repo_digests == ()


# Lines as docker 24-27 print them; the last two are from docker 1.12, which has no State.
PS_OUTPUT = "\n".join(
    [
        '{"Command":"\\"uvicorn api.main:app…\\"","CreatedAt":"2026-11-28 09:58:41 +0000 UTC",'
        '"ID":"3f2a1b4c5d6e","Image":"europe-west1-docker.pkg.dev/catscan/catscan/catscan-api:'
        'sha-94e9cbb","Labels":"com.docker.compose.project=catscan","LocalVolumes":"0",'
        '"Mounts":"/opt/catscan/data","Names":"catscan-api","Networks":"catscan_default",'
        '"Ports":"127.0.0.1:8000->8000/tcp","RunningFor":"2 hours ago","Size":"0B",'
        '"State":"running","Status":"Up 2 hours"}',
        '{"Command":"\\"docker-entrypoint.s…\\"","ID":"7b6a5c4d3e2f","Names":"catscan-dashboard",'
        '"State":"restarting","Status":"Restarting (1) 4 seconds ago"}',
        '{"ID":"0a1b2c3d4e5f","Names":"catscan-cloudsql-proxy","Status":"Up 2 hours (Paused)"}',
        '{"ID":"1a1b2c3d4e5f","Names":"old-worker","Status":"Exited (137) 3 days ago"}',
        "",
    ]
)


def test_ps_states_from_real_json_lines():
    assert dict(parse_ps(PS_OUTPUT)) == {
        "catscan-api": "running",
        "catscan-dashboard": "restarting",
        "catscan-cloudsql-proxy": "paused",
        "old-worker": "exited",
    }


@pytest.mark.parametrize("line", ["CONTAINER ID   IMAGE", '{"ID": "x"}', "[]"])
def test_ps_output_in_another_format_is_refused(line):
    with pytest.raises(HostFactError, match="docker ps: line 1"):
        parse_ps(line)


SS_OUTPUT = """\
LISTEN 0      4096       127.0.0.1:8000       0.0.0.0:*
LISTEN 0      511        127.0.0.1:3000       0.0.0.0:*
LISTEN 0      128          0.0.0.0:22         0.0.0.0:*
LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*
LISTEN 0      128             [::]:22            [::]:*
LISTEN 0      4096           [::1]:9100          [::]:*
LISTEN 0      4096               *:9090             *:*
"""


def test_listeners_from_real_ss_output():
    assert parse_listeners(SS_OUTPUT) == (
        Listener("127.0.0.1", 8000),
        Listener("127.0.0.1", 3000),
        Listener("0.0.0.0", 22),
        Listener("127.0.0.53%lo", 53),
        Listener("[::]", 22),
        Listener("[::1]", 9100),
        Listener("*", 9090),
    )


def test_ss_header_is_skipped_and_garbage_refused():
    header = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
    assert parse_listeners(header + SS_OUTPUT.splitlines()[0]) == (Listener("127.0.0.1", 8000),)
    with pytest.raises(HostFactError, match="ss: unexpected line"):
        parse_listeners("LISTEN 0 128 nonsense\n")


def test_free_disk_from_real_df_output():
    text = (
        "Filesystem     1024-blocks     Used Available Capacity Mounted on\n"
        "/dev/sda1        101430960 62154032  39260144      62% /\n"
    )
    assert parse_free_mb("/opt/catscan", text) == 39260144 // 1024


@pytest.mark.parametrize("text", ["", "Filesystem 1K-blocks\n", "a\nb\nc\n"])
def test_unusable_df_output(text):
    with pytest.raises(HostFactError, match="df /opt/catscan: unexpected output"):
        parse_free_mb("/opt/catscan", text)


def test_head_must_be_a_full_commit_id():
    sha = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
    assert parse_head("/opt/catscan", sha + "\n") == sha
    with pytest.raises(HostFactError, match="not a commit id: 'HEAD'"):
        parse_head("/opt/catscan", "HEAD\n")
