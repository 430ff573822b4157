"""The examples in the gate's docstrings run (they are documentation: keep them true)."""

import doctest
import importlib

import pytest

MODULES = [
    "driftgate.checks.api",
    "driftgate.checks.artifact",
    "driftgate.checks.host",
    "driftgate.checks.report",
    "driftgate.checks.settings",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    results = doctest.testmod(importlib.import_module(name))
    assert results.attempted > 0 and results.failed == 0
