"""The gate suite: one module per group (test_<group>.py), run by `driftgate verify`.

The plugin (driftgate.checks.plugin) gives the fixtures `gate`, `pack` and
`target`; `--dg-groups` deselects modules by file name. The suite is only
collected when it is named on the pytest command line.
"""

from pathlib import Path

SUITE_DIR = Path(__file__).resolve().parent
GROUPS = ("health", "promotion", "host", "contracts", "api")
