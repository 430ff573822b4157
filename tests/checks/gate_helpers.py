"""Constants and helpers of the gate tests (conftest.py holds the fixtures)."""

import json

NEW_SHA = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
OLD_SHA = "0123abcd99887766554433221100ffeeddccbbaa"
FAST = ["--deadline", "2", "--poll-interval", "0.05"]


def target_args(production, staging, *extra):
    """`driftgate verify` options for production on loopback, staging as its source."""
    return [
        "--target",
        "production",
        "--expected-sha",
        NEW_SHA,
        "--base-url",
        production.url,
        "--url",
        f"staging={staging.url}",
        *FAST,
        *extra,
    ]


def read_json(path):
    return json.loads(path.read_text("utf-8"))
