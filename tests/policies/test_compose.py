"""Compose-text judgements shared by lint (DG401, DG402) and the verify host check."""

import pytest

from driftgate.policies.compose import (
    app_services,
    compose_text_problems,
    image_name,
    image_tag_problem,
    is_loopback,
    published_ip,
    split_image,
)

REPO = "europe-west1-docker.pkg.dev/catscan/catscan/catscan-api"


@pytest.mark.parametrize(
    "image",
    [
        f"{REPO}:${{IMAGE_TAG:?set IMAGE_TAG to sha-<7 hex>}}",
        f"{REPO}:${{IMAGE_TAG?required}}",
        f"{REPO}:${{IMAGE_TAG:?}}",
        "registry.internal:5000/catscan-api:${IMAGE_TAG:?a/b:c}",
        f"  {REPO}:${{IMAGE_TAG:?x}}  ",
        f"{REPO}@sha256:{'a' * 64}",  # pinned by digest: as fixed as a required tag
        f"{REPO}:sha-94e9cbb@sha256:{'0123456789' * 6}abcd",
    ],
)
def test_required_forms_pass(image):
    assert image_tag_problem(image, "IMAGE_TAG") is None


@pytest.mark.parametrize(
    "image, words",
    [
        (f"{REPO}:${{IMAGE_TAG:-latest}}", "default"),
        (f"{REPO}:${{IMAGE_TAG-sha-0000000}}", "default"),
        (f"{REPO}:${{IMAGE_TAG:+x}}", "replaced"),
        (f"{REPO}:${{IMAGE_TAG}}", "empty"),
        (f"{REPO}:$IMAGE_TAG", "empty"),
        (f"{REPO}:latest", "literal tag `latest`"),
        (f"{REPO}:sha-94e9cbb", "literal tag `sha-94e9cbb`"),
        (REPO, "no tag"),
        ("${API_IMAGE:?x}", "no tag"),
        (f"{REPO}:${{API_TAG:?x}}", "from API_TAG"),
        (f"{REPO}:sha-${{IMAGE_TAG:?x}}", "not exactly"),
        (f"{REPO}@sha256:{'a' * 63}", "not a sha256 digest"),
        (f"{REPO}@sha256:{'A' * 64}", "not a sha256 digest"),
        (f"{REPO}@md5:{'a' * 32}", "not a sha256 digest"),
        (f"{REPO}@${{API_DIGEST:?x}}", "not a sha256 digest"),
    ],
)
def test_other_forms_are_problems(image, words):
    problem = image_tag_problem(image, "IMAGE_TAG")
    assert problem is not None and words in problem
    assert "${IMAGE_TAG:?...}" in problem  # the message says what to write


def test_tag_variable_comes_from_the_caller():
    assert image_tag_problem(f"{REPO}:${{TAG:?x}}", "TAG") is None
    assert image_tag_problem(f"{REPO}:${{IMAGE_TAG:?x}}", "TAG") is not None


def test_split_image_keeps_interpolations_whole():
    assert split_image("host:5000/a/b:${T:?x:y/z}") == ("host:5000/a/b", "${T:?x:y/z}", None)
    assert split_image("a/b") == ("a/b", None, None)
    assert image_name(f"{REPO}:latest") == "catscan-api"


@pytest.mark.parametrize(
    "port, ip, loopback",
    [
        ("127.0.0.1:8000:8000", "127.0.0.1", True),
        ("127.0.0.2:8000:8000/udp", "127.0.0.2", True),
        ("[::1]:8000:8000", "::1", True),
        ({"target": 8000, "host_ip": "127.0.0.1"}, "127.0.0.1", True),
        ("8000:8000", "", False),
        ("8000", "", False),
        (8000, "", False),
        ("0.0.0.0:8000:8000", "0.0.0.0", False),
        ("[::]:8000:8000", "::", False),
        ("${BIND:-127.0.0.1}:8000:8000", "${BIND:-127.0.0.1}", False),
        ({"target": 8000, "published": "8000"}, "", False),
    ],
)
def test_published_ip(port, ip, loopback):
    assert published_ip(port) == ip
    assert is_loopback(ip) is loopback


def test_app_services_by_image_or_container_name():
    services = {
        "api": {"image": f"{REPO}:x"},
        "dash": {"container_name": "catscan-dashboard", "build": "."},
        "proxy": {"image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0"},
        "broken": "not a mapping",
    }
    found = [name for name, _ in app_services(services, ("catscan-api",), ("catscan-dashboard",))]
    assert found == ["api", "dash"]


def test_compose_text_problems_for_the_host_check():
    from pathlib import Path

    from driftgate.policies.errors import InputError
    from driftgate.policies.pack import load_pack

    images = load_pack().images
    reference = (
        Path(__file__).resolve().parents[2] / "examples" / "catscan" / "docker-compose.gcp.yml"
    )
    text = reference.read_text()
    assert compose_text_problems(text, images) == []
    bad = text.replace(
        "catscan-dashboard:${IMAGE_TAG:?set IMAGE_TAG to sha-<7 hex>}",
        "catscan-dashboard:${IMAGE_TAG:-latest}",
    )
    [(line, column, message)] = compose_text_problems(bad, images)
    assert bad.splitlines()[line - 1][column - 1 :].startswith("europe-west1")
    assert "service dashboard" in message and "default" in message
    built = "services:\n  api:\n    container_name: catscan-api\n    build: .\n"
    assert compose_text_problems(built, images, ("catscan-api",)) == [
        (2, 3, "service api: no image tagged ${IMAGE_TAG:?...} (built, not pulled)")
    ]
    with pytest.raises(InputError):
        compose_text_problems("services: [", images)


MANIFEST = ("API_IMAGE", "MCP_IMAGE")


@pytest.mark.parametrize(
    ("image", "words"),
    [
        ("${API_IMAGE:?set API_IMAGE from release.env}", None),
        ("${MCP_IMAGE?required}", None),
        ("${API_IMAGE:-ghcr.io/o/catscan-api:latest}", "the image falls back to a default"),
        ("${API_IMAGE}", "silently becomes an empty image"),
        ("$API_IMAGE", "silently becomes an empty image"),
        ("${API_IMAGE:+x}", "the image is replaced when API_IMAGE is set"),
        ("${OTHER_IMAGE:?x}", "no tag"),  # not a manifest variable: an untagged name
        (f"{REPO}:latest", "or a manifest variable (${API_IMAGE:?...})"),
    ],
)
def test_manifest_variables_are_fixed_images(image, words):
    problem = image_tag_problem(image, "IMAGE_TAG", MANIFEST)
    assert problem is None if words is None else words in problem


def test_a_manifest_variable_needs_the_pack_to_have_that_manifest():
    assert image_tag_problem("${API_IMAGE:?x}", "IMAGE_TAG") is not None


def test_services_from_manifest_variables_are_app_services():
    services = {
        "api": {"image": "${API_IMAGE:?x}"},
        "mcp": {"image": "${MCP_IMAGE:-x}"},
        "db": {"image": "postgres:16"},
        "other": {"image": "${OTHER:?x}"},
    }
    found = [name for name, _ in app_services(services, ("catscan-api",), (), MANIFEST)]
    assert found == ["api", "mcp"]
    assert list(app_services(services, ("catscan-api",))) == []
