"""Linting a file leaves no reference cycle behind.

The runner turns the cyclic garbage collector off while it lints (a large
repository lints faster), so a cycle through a file's workflow model would
keep every file's model alive to the end: hundreds of MB on a repository of a
thousand deploy workflows, and a slower run as the heap grows.
"""

import gc
from pathlib import Path

from driftgate.policies.errors import InputError
from driftgate.policies.lint.engine import RuleSettings, default_pack, lint_source, select_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_no_driftgate_object_is_left_in_a_cycle():
    workflows = sorted((FIXTURES / "realistic").glob("*.yml"))
    workflows += sorted(EXAMPLES.glob("*/.github/workflows/*.yml"))
    settings = RuleSettings(tuple(select_rules(None)))
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for path in workflows:
            kind = "build" if "build" in path.name else "deploy"
            try:
                lint_source(path.read_text(), path.name, kind, default_pack(), settings)
            except InputError:  # some realistic fixtures are bad input on purpose
                pass
        gc.collect()
        cyclic = {type(o).__qualname__ for o in gc.garbage if _ours(o)}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert len(workflows) > 30
    assert not cyclic, f"left in reference cycles: {sorted(cyclic)}"


def _ours(thing):
    return type(thing).__module__.startswith("driftgate")
