"""The examples in the pack modules' docstrings run (they are documentation: keep them true)."""

import doctest
import importlib

import pytest

MODULES = [
    "driftgate.policies.pack",
    "driftgate.policies.compose",
    "driftgate.policies.host_rules",
    "driftgate.policies.pack_check",
    "driftgate.policies.pack_docs",
    "driftgate.policies.pack_render",
    "driftgate.policies.lint.images",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    results = doctest.testmod(importlib.import_module(name))
    assert results.attempted > 0 and results.failed == 0
