"""Constants and helpers the exporter tests import (conftest.py only holds fixtures:
a module named `conftest` is ambiguous when several test folders run together)."""

import os

import pytest

SHA_A = "94e9cbb0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
SHA_B = "aaaaaaa0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6"
PROMTOOL = "/usr/bin/promtool"
PROMETHEUS = "/usr/bin/prometheus"
PUSHGATEWAY = "/usr/bin/prometheus-pushgateway"


def require_binary(path, package):
    """Fail (never skip) when a binary CI needs is missing."""
    __tracebackhide__ = True
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"{path} is missing: install Debian's {package!r} package (apt-get install {package})"
        )
    return path


ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
AMTOOL = "/usr/bin/amtool"
