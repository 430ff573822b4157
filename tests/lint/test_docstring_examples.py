"""The examples in the lint engine's docstrings run (they are documentation: keep them true)."""

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    "driftgate.policies.yamlsource",
    "driftgate.lint.config",
    "driftgate.lint.discovery",
    "driftgate.policies.lint.engine",
    "driftgate.policies.lint.finding",
    "driftgate.lint.runner",
    "driftgate.policies.lint.ruledocs",
    "driftgate.policies.lint.suppressions",
    "driftgate.policies.lint.actions",
    "driftgate.policies.lint.model",
    "driftgate.policies.lint.values",
    "driftgate.policies.lint.images",
    "driftgate.policies.lint.workflow",
    "driftgate.lint.output.github",
    "driftgate.lint.output.json",
    "driftgate.lint.output.sarif",
    "driftgate.lint.output.text",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples lint examples/catscan
    results = doctest.testmod(importlib.import_module(name))
    assert results.attempted > 0 and results.failed == 0
