"""driftgate: deployment policy as code (lint, verify, monitor)."""

__version__ = "0.1.0"
