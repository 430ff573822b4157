"""The suite keeps one copy of its shared machinery (golden files, ports, doctests)."""

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SHARED = {
    "golden.py": "the golden-file check",
    "ports.py": "the free loopback port",
    "test_doctests.py": "the doctest collector",
}
FORBIDDEN = {
    r"def _?free_port\(": "use `from ports import free_port` (tests/ports.py)",
    r"GOLDEN\w*\s*=\s*os\.environ|os\.environ\.get\([\"']\w*GOLDEN": "use the golden fixture",
    r"doctest\.testmod\(": "tests/test_doctests.py runs every module's examples",
}


def suite_files():
    return [
        path
        for path in sorted(TESTS.rglob("*.py"))
        if "fixtures" not in path.parts and path.name not in SHARED and path != Path(__file__)
    ]


@pytest.mark.parametrize("pattern", sorted(FORBIDDEN))
def test_no_second_copy(pattern):
    copies = [
        f"{path.relative_to(TESTS)}:{number}"
        for path in suite_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert copies == [], f"{FORBIDDEN[pattern]}: {copies}"


def test_the_scan_reads_the_suite():
    names = {path.name for path in suite_files()}
    assert {"conftest.py", "test_outputs.py", "test_monitor_collector.py"} <= names
