"""Every docstring example in the shipped code runs (they are documentation: keep them true).

The modules are found, not listed: each room named in setup.py's ROOMS (so a
new room is picked up when it is added there) is walked with pkgutil.
"""

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Modules that run something when imported.
NOT_IMPORTABLE = {"driftgate.__main__"}
# Modules known to carry examples: if the walk stops finding one, it is broken.
KNOWN_WITH_EXAMPLES = {
    "driftgate.policies.sha",
    "driftgate.policies.pack",
    "driftgate.policies.health",
    "driftgate.policies.compose",
    "driftgate.checks.report",
    "driftgate.monitor.collector",
    "driftgate.reference_target",
}


def rooms():
    """The package names of setup.py's ROOMS mapping."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["ROOMS"]:
            return sorted(ast.literal_eval(node.value))
    raise AssertionError("setup.py has no ROOMS mapping")


def shipped_modules():
    names = set()
    for room in rooms():
        package = importlib.import_module(room)
        names.add(room)
        for info in pkgutil.walk_packages(package.__path__, f"{room}."):
            names.add(info.name)
    return sorted(names - NOT_IMPORTABLE)


def examples(name):
    """The docstring tests of a module that run at least one example (+SKIP ones do not)."""
    module = importlib.import_module(name)
    return [
        test
        for test in doctest.DocTestFinder().find(module)
        if any(not example.options.get(doctest.SKIP) for example in test.examples)
    ]


MODULES_WITH_EXAMPLES = [name for name in shipped_modules() if examples(name)]


def test_the_walk_finds_the_modules_with_examples():
    assert len(MODULES_WITH_EXAMPLES) >= 40
    assert KNOWN_WITH_EXAMPLES <= set(MODULES_WITH_EXAMPLES)


@pytest.mark.parametrize("name", MODULES_WITH_EXAMPLES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # some examples lint examples/catscan
    runner = doctest.DocTestRunner()
    for test in examples(name):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0 and results.failed == 0
