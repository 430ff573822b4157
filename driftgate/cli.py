"""The `driftgate` command: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 clean or passed, 1 findings or failed checks, 2 usage, config
or input error. Reports go to stdout, messages to stderr. Each subcommand is
one module in driftgate/commands/ with `register(subparsers)`; its parser's
`run(args) -> int` does the work by calling policies/, checks/ or monitor/.
"""

import argparse
import sys

from driftgate import __version__
from driftgate.commands import demo, lint, monitor, verify
from driftgate.policies.errors import DriftgateError

COMMANDS = (lint, verify, monitor, demo)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser():
    parser = argparse.ArgumentParser(
        prog="driftgate",
        description="Deployment policy as code: lint workflows, gate deploys, monitor drift.",
    )
    parser.add_argument("--version", action="version", version=f"driftgate {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 on a usage error
    try:
        return args.run(args)
    except DriftgateError as exc:
        print(f"driftgate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
