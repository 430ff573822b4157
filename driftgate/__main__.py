import sys

from driftgate.cli import main

sys.exit(main())
