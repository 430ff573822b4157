"""The arrows between rooms: each room that does I/O asks policies/ only, and nothing in
policies/ imports a room (docs/architecture.md)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ("driftgate.checks", "driftgate.monitor", "driftgate.lint")


def imported_modules(folder):
    """(file, module) of every absolute import under a folder."""
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                yield from ((path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path, node.module


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("policies", (*ROOMS, "driftgate.commands")),
        ("lint", ("driftgate.checks", "driftgate.monitor", "driftgate.commands")),
        ("checks", ("driftgate.lint", "driftgate.monitor", "driftgate.commands")),
        ("monitor", ("driftgate.lint", "driftgate.checks", "driftgate.commands")),
    ],
)
def test_imports_point_one_way(folder, forbidden):
    found = [
        f"{path.relative_to(ROOT)}: {module}"
        for path, module in imported_modules(folder)
        if module.startswith(forbidden)
    ]
    assert found == []


def test_the_probe_sees_imports():
    modules = {module for _, module in imported_modules("lint")}
    assert "driftgate.policies.lint.engine" in modules
