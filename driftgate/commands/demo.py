"""`driftgate demo`: lint, verify and monitor on the embedded default (see driftgate/demo.py)."""

HELP = {"demo": "run lint, verify and monitor on the bundled Cat-Scan reference (loopback only)"}


def register(subparsers):
    parser = subparsers.add_parser("demo", help=HELP["demo"])
    parser.set_defaults(run=run)


def run(args):
    from driftgate.cli import main
    from driftgate.demo import run_demo

    return run_demo(main)
