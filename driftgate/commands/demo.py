"""`driftgate demo`: lint, verify and monitor on the embedded default (see driftgate/demo.py)."""

from driftgate.commands import help_of


def register(subparsers):
    parser = subparsers.add_parser("demo", help=help_of("demo"))
    parser.set_defaults(run=run)


def run(args):
    from driftgate.cli import main
    from driftgate.demo import run_demo

    return run_demo(main)
