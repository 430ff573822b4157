"""driftgate.checks: verify now. The post-deploy gate (a pytest plugin) does I/O, asks policies/."""
