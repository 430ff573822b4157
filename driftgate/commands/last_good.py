"""`driftgate last-good`: the newest SHA that passed the gate on a target.

    driftgate last-good --target production --prometheus http://prometheus:9090
    driftgate last-good --target production --before 94e9cbb --pushgateway URL

It reads the gate's own records (the verdicts `driftgate verify` pushed): a
verdict that passed with no contract bypass. Exit codes: 0 with the answer,
1 when there is none, 2 on a usage or connection error (one line, the
source's credentials never in it).
"""

import json
import sys
from datetime import UTC, datetime

from driftgate.commands import help_of

EXIT_OK, EXIT_NONE, EXIT_USAGE = 0, 1, 2


def register(subparsers):
    parser = subparsers.add_parser(
        "last-good",
        help=help_of("last-good"),
        description="Print the newest SHA that passed the gate on a target with no contract "
        "bypass, and when: exit 0 with the answer, 1 when there is none, 2 on a usage or "
        "connection error.",
    )
    parser.add_argument("--target", required=True, help="deploy target named in the pack")
    parser.add_argument("--before", metavar="SHA", help="the last good SHA before this one")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--pack", help="policy pack file (default: the bundled Cat-Scan pack)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--prometheus", metavar="URL", help="Prometheus holding the pushed verdicts' history"
    )
    source.add_argument(
        "--pushgateway", metavar="URL", help="Pushgateway (only the latest verdict per SHA)"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS", help="per request (default 10)"
    )
    parser.set_defaults(run=run)


def run(args):
    from driftgate.checks.records import RecordsError, last_good, parse_source
    from driftgate.policies.pack import load_pack
    from driftgate.policies.sha import normalise_sha

    target = load_pack(args.pack).target(args.target).name  # unknown target: exit 2
    if args.before is not None and normalise_sha(args.before) is None:
        return _usage(f"--before: not a commit SHA (7 to 40 hex): {args.before[:60]!r}")
    if not 0 < args.timeout <= 300:
        return _usage("--timeout: must be above 0 and at most 300 s")
    kind = "prometheus" if args.prometheus else "pushgateway"
    try:
        source = parse_source(kind, args.prometheus or args.pushgateway)
        history = source.history(target, args.before, timeout=args.timeout)
    except RecordsError as exc:
        return _usage(str(exc))
    found = last_good(history, before=args.before)
    before = normalise_sha(args.before) if args.before else None
    if args.format == "json":
        print(json.dumps(_document(target, before, found, source), indent=2))
    elif found is not None:
        print(f"{found.sha} {_iso(found.timestamp)} {found.kind}")
    if found is None:
        where = f" before {before}" if before else ""
        message = f"no SHA passed the gate on {target}{where} in {source.display} ({kind})"
        print(f"driftgate: {message}", file=sys.stderr)
        return EXIT_NONE
    return EXIT_OK


def _document(target, before, found, source):
    return {
        "target": target,
        "before": before,
        "sha": found.sha if found else None,
        "passed_at": _iso(found.timestamp) if found else None,
        "timestamp": found.timestamp if found else None,
        "kind": found.kind if found else None,
        "source": {"kind": source.kind, "url": source.display},
    }


def _iso(seconds):
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _usage(message):
    print(f"driftgate: error: {message}", file=sys.stderr)
    return EXIT_USAGE
