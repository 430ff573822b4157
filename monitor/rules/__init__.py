"""The Prometheus rules shipped with driftgate (package data, proven by promtool).

>>> RULES_FILE.name
'driftgate.rules.yml'
"""

from importlib import resources

RULES_FILE = resources.files(__package__) / "driftgate.rules.yml"
RULES_TEST_FILE = resources.files(__package__) / "driftgate.rules.test.yml"
