"""Options and fixtures for the whole suite.

`pytest --update-golden` is the one command that rewrites golden files (see
tests/golden.py); every other run only compares.
"""

import pytest
from golden import check_golden


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files that differ (the tests that rewrote one are skipped)",
    )


@pytest.fixture
def golden(request):
    """golden(path, actual): compare `actual` with the file, or rewrite it under --update-golden."""
    update = request.config.getoption("--update-golden")

    def compare(path, actual):
        check_golden(path, actual, update)

    return compare
