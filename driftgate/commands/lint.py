"""`driftgate lint`: placeholder until its issue lands (registers nothing yet)."""


def register(subparsers):
    pass
