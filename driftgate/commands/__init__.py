"""The subcommands: one module each, imported only when its command runs.

The one-line help of every command lives here, not in its module, so that
`driftgate lint` can list the other commands without importing them (nor what
they import: json, datetime, pathlib, the gate's settings, prometheus_client).
"""

# command -> (its module in driftgate/commands/, its one-line help), in the help's order
COMMANDS = {
    "lint": ("lint", "lint GitHub workflows and compose files against the policy pack"),
    "rules": ("rules", "list the lint rules (or write docs/rules.md)"),
    "explain": ("rules", "print one lint rule's documentation"),
    "verify": ("verify", "post-deploy gate: health/SHA, promotion, host, data contracts, API"),
    "last-good": (
        "last_good",
        "the newest SHA that passed the gate on a target (from its records)",
    ),
    "monitor": ("monitor", "serve deployed-version and health metrics to Prometheus"),
    "demo": (
        "demo",
        "run lint, verify and monitor on the bundled Cat-Scan reference (loopback only)",
    ),
    "pack": ("pack", "check a policy pack, or write its documentation (docs/packs.md)"),
    "init": ("init", "write a starter driftgate.yaml and policy pack from this repository"),
}


def help_of(command):
    """The one-line help of a command, as `driftgate --help` lists it."""
    return COMMANDS[command][1]
