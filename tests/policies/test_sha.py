"""SHA normalisation and matching: SPEC section 2, every form seen in the wild."""

import pytest

from driftgate.policies.sha import NotASha, image_tag, normalise_sha, shas_match, short_sha

FULL = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("94e9cbb0", "94e9cbb0"),  # 8 hex, the handler's usual git_sha
        ("sha-94e9cbb", "94e9cbb"),  # taken from the image tag
        ("SHA-94E9CBB", "94e9cbb"),  # case folded, prefix too
        (FULL, FULL),
        (f"sha-{FULL}", FULL),
        (" 94e9cbb\n", "94e9cbb"),
    ],
)
def test_sha_forms_normalise(raw, expected):
    assert normalise_sha(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "unknown",
        "ref: ref",
        "",
        None,
        "0.9.5",
        "94e9cb",
        FULL + "a",
        "sha-",
        "g4e9cbb",
        9449,
        "sha-sha-94e9cbb",
    ],
)
def test_non_shas_are_rejected(raw):
    assert normalise_sha(raw) is None


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        ("94e9cbb0", FULL, True),
        ("sha-94e9cbb", FULL, True),
        (FULL, "94E9CBB", True),
        ("94e9cbb1", FULL, False),  # same 7, differs at the 8th
        ("aaaaaaa", FULL, False),
        ("unknown", "unknown", False),  # a non-SHA never matches, not even itself
        ("ref: ref", FULL, False),
        (None, FULL, False),
    ],
)
def test_matching_is_prefix_of_the_longer(a, b, match):
    assert shas_match(a, b) is match
    assert shas_match(b, a) is match


def test_short_sha_and_image_tag():
    assert short_sha(FULL) == "94e9cbb"
    assert short_sha("unknown") is None
    assert image_tag(FULL) == "sha-94e9cbb"
    assert image_tag(FULL, "v-{sha}") == f"v-{FULL}"


def test_image_tag_refuses_a_non_sha():
    with pytest.raises(NotASha, match="not a commit SHA"):
        image_tag("latest")
