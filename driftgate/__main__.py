import sys

from driftgate.cli import console_script

sys.exit(console_script())
