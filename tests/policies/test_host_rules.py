"""Host judgements (SPEC section 3): each rule passes what holds and fails what does not."""

import pytest

from driftgate.policies import host_rules
from driftgate.policies.errors import InputError
from driftgate.policies.pack import load_pack

FULL = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
REGISTRY = "europe-west1-docker.pkg.dev/catscan/catscan"
API = f"{REGISTRY}/catscan-api:sha-94e9cbb"
DIGEST = f"{REGISTRY}/catscan-api@sha256:" + "4a" * 32


@pytest.fixture(scope="module")
def images():
    return load_pack().images


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        (("running", False, 0, "running"), None),
        (("restarting", True, 4, "restarting"), "is restarting (state 'restarting')"),
        (("running", True, 0, "running"), "is restarting (state 'running')"),
        (("exited", False, 0, "exited"), "is not running (state 'exited')"),
        ((None, True, None, None), "is restarting (state None)"),
        (("running", False, 2, "running"), "restarted 2 times since it was created"),
        (("running", False, None, "running"), "restarted None times"),
        (("running", False, 0, None), "is not listed by docker ps"),
        (("running", False, 0, "paused"), "is listed as 'paused' by docker ps"),
    ],
)
def test_container_problems(state, problem):
    problems = host_rules.container_problems("catscan-api", *state)
    if problem is None:
        assert problems == ()
    else:
        assert any(problem in p for p in problems), problems


def test_image_tag_is_the_expected_commits(images):
    assert host_rules.image_tag_problems("catscan-api", API, [API], images, FULL) == ()
    old = f"{REGISTRY}/catscan-api:sha-1a2b3c4"
    (problem,) = host_rules.image_tag_problems("catscan-api", old, [old], images, FULL)
    assert problem == "catscan-api runs tag 'sha-1a2b3c4', expected 'sha-94e9cbb'"


@pytest.mark.parametrize(
    ("image_ref", "repo_tags", "problem"),
    [
        (f"{REGISTRY}/catscan-api:latest", [], "runs tag 'latest', expected 'sha-94e9cbb'"),
        (f"{REGISTRY}/catscan-api", [], "runs tag '(none)'"),
        ("docker.io/someone/catscan-api:sha-94e9cbb", [], "not from " + REGISTRY),
        ("localhost:5000/catscan-api:sha-94e9cbb", [], "not from "),
        (API, [f"{REGISTRY}/catscan-api:sha-1a2b3c4"], "is no longer tagged"),
        (None, [], "runs image None"),
    ],
)
def test_image_tag_problems(images, image_ref, repo_tags, problem):
    problems = host_rules.image_tag_problems("catscan-api", image_ref, repo_tags, images, FULL)
    assert any(problem in p for p in problems), problems


def test_image_pulled_from_the_registry(images):
    assert host_rules.image_pulled_problems("catscan-api", API, [DIGEST], images) == ()
    (built,) = host_rules.image_pulled_problems("catscan-api", API, [], images)
    assert built == "catscan-api's image has no repo digest: built on the VM, not pulled"
    elsewhere = "docker.io/someone/catscan-api@sha256:" + "4a" * 32
    (problem,) = host_rules.image_pulled_problems("catscan-api", API, [elsewhere], images)
    assert "was pulled from docker.io/someone/catscan-api, not from" in problem


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"GIT_SHA": "sha-94e9cbb", "APP_VERSION": "sha-94e9cbb"}, None),
        ({"GIT_SHA": "94e9cbb0", "APP_VERSION": FULL}, None),
        ({"GIT_SHA": "sha-1a2b3c4", "APP_VERSION": "sha-94e9cbb"}, "GIT_SHA='sha-1a2b3c4'"),
        ({"GIT_SHA": "sha-94e9cbb"}, "has no APP_VERSION"),
        ({"GIT_SHA": "unknown", "APP_VERSION": "sha-94e9cbb"}, "GIT_SHA='unknown' is not a SHA"),
        ({"GIT_SHA": "latest", "APP_VERSION": "latest"}, "APP_VERSION='latest' is not a SHA"),
    ],
)
def test_env_problems(env, problem):
    problems = host_rules.env_problems("catscan-api", env, FULL)
    assert problems == () if problem is None else any(problem in p for p in problems)


def test_head_problems():
    assert host_rules.head_problems("/opt/catscan", FULL, "94e9cbb") == ()
    other = "1a2b3c4" + FULL[7:]
    assert host_rules.head_problems("/opt/catscan", other, FULL) == (
        f"/opt/catscan: git HEAD is {other}, expected {FULL}",
    )
    assert "is not a commit SHA" in host_rules.head_problems("/opt/catscan", "", FULL)[0]


@pytest.mark.parametrize(
    ("addresses", "problem"),
    [
        (["127.0.0.1"], None),
        (["127.0.0.1", "[::1]", "127.0.0.1"], None),
        ([], "nothing listens on port 8000"),
        (["0.0.0.0"], "port 8000 listens on 0.0.0.0, not on 127.0.0.1 only"),
        (["127.0.0.1", "[::]"], "listens on [::], not"),
        (["*"], "listens on *, not"),
        ([""], "listens on *, not"),  # docker's HostIp "" publishes on every interface
        (["10.132.0.7"], "listens on 10.132.0.7"),
    ],
)
def test_port_problems(addresses, problem):
    problems = host_rules.port_problems(8000, addresses)
    assert problems == () if problem is None else problem in problems[0]


def test_compose_problems_name_file_line_and_fix(images):
    text = "services:\n  api:\n    image: reg/catscan-api:${IMAGE_TAG:-latest}\n"
    (problem,) = host_rules.compose_problems("/opt/catscan/docker-compose.gcp.yml", text, images)
    assert problem.startswith("/opt/catscan/docker-compose.gcp.yml:3:12: service api: ")
    assert "${IMAGE_TAG:-latest}" in problem and "use ${IMAGE_TAG:?...}" in problem
    pinned = text.replace(":-latest", ":?set IMAGE_TAG")
    assert host_rules.compose_problems("c.yml", pinned, images) == ()


def test_compose_that_is_not_yaml_is_an_input_error(images):
    with pytest.raises(InputError, match=r"^c\.yml:2: invalid YAML"):
        host_rules.compose_problems("c.yml", "services: [\n", images)


def test_disk_problems():
    assert host_rules.disk_problems("/opt/catscan", 2048, 2048) == ()
    assert host_rules.disk_problems("/opt/catscan", 2047, 2048) == (
        "/opt/catscan: 2047 MiB free, below the minimum of 2048 MiB",
    )
    assert host_rules.disk_problems("/opt/catscan", None, 0) != ()


GHCR_FULL_TAG = "sha-" + FULL
PINNED = "ghcr.io/catscan-team/catscan-api@sha256:" + "4a" * 32


@pytest.fixture(scope="module")
def ghcr_images():
    return load_pack("catscan-ghcr").images


def test_a_digest_pinned_image_from_the_registry_passes_the_tag_check(ghcr_images):
    assert host_rules.image_tag_problems("catscan-api", PINNED, [], ghcr_images, FULL) == ()
    tagged = f"ghcr.io/catscan-team/catscan-api:{GHCR_FULL_TAG}"
    assert host_rules.image_tag_problems("catscan-api", tagged, [tagged], ghcr_images, FULL) == ()
    short = "ghcr.io/catscan-team/catscan-api:sha-94e9cbb"
    (problem,) = host_rules.image_tag_problems("catscan-api", short, [short], ghcr_images, FULL)
    assert problem == f"catscan-api runs tag 'sha-94e9cbb', expected '{GHCR_FULL_TAG}'"


@pytest.mark.parametrize(
    ("image_ref", "problem"),
    [
        ("ghcr.io/catscan-team/catscan-api@sha256:abc", "not a sha256 digest"),
        ("docker.io/someone/catscan-api@sha256:" + "4a" * 32, "not from ghcr.io/*/catscan-api"),
        ("ghcr.io/a/b/catscan-api@sha256:" + "4a" * 32, "not from"),  # `*` is one path part
        ("ghcr.io/catscan-team/other@sha256:" + "4a" * 32, "not from"),
    ],
)
def test_a_digest_pinned_image_elsewhere_or_malformed_fails(ghcr_images, image_ref, problem):
    problems = host_rules.image_tag_problems("catscan-api", image_ref, [], ghcr_images, FULL)
    assert any(problem in p for p in problems), problems


def test_a_digest_pinned_container_must_run_that_digest(ghcr_images):
    assert host_rules.image_pulled_problems("catscan-api", PINNED, [PINNED], ghcr_images) == ()
    other = "ghcr.io/catscan-team/catscan-api@sha256:" + "5b" * 32
    (problem,) = host_rules.image_pulled_problems("catscan-api", PINNED, [other], ghcr_images)
    assert problem == f"catscan-api should run {PINNED!r}, but its image is {other}"


def test_compose_problems_accept_digest_pins_and_manifest_variables(ghcr_images):
    text = (
        "services:\n"
        "  api:\n    image: ${API_IMAGE:?set API_IMAGE}\n"
        f"  mcp:\n    image: {PINNED.replace('catscan-api', 'catscan-mcp')}\n"
        "  dashboard:\n    image: ${DASHBOARD_IMAGE:-ghcr.io/x/catscan-dashboard:latest}\n"
    )
    (problem,) = host_rules.compose_problems("c.yml", text, ghcr_images)
    assert problem.startswith("c.yml:7:12: service dashboard: the image falls back to a default")
