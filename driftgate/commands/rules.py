"""`driftgate rules` (list, or generate docs/rules.md) and `driftgate explain RULE`."""

import sys

HELP = {
    "rules": "list the lint rules (or write docs/rules.md)",
    "explain": "print one lint rule's documentation",
}


def register(subparsers):
    parser = subparsers.add_parser("rules", help=HELP["rules"])
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    parser.add_argument(
        "--check",
        metavar="FILE",
        help="with --format markdown: exit 1 when FILE differs from the generated docs",
    )
    parser.set_defaults(run=run_rules)
    explain = subparsers.add_parser("explain", help=HELP["explain"])
    explain.add_argument("rule", metavar="RULE", help="rule id or name, e.g. DG105")
    explain.set_defaults(run=run_explain)


def run_rules(args):
    from driftgate.policies.lint import ruledocs
    from driftgate.policies.lint.known_rules import all_rules

    rules = list(all_rules().values())
    if args.format == "text":
        if args.check:
            print("driftgate: error: --check needs --format markdown", file=sys.stderr)
            return 2
        sys.stdout.write(ruledocs.table(rules))
        return 0
    generated = ruledocs.markdown(rules)
    if not args.check:
        sys.stdout.write(generated)
        return 0
    try:
        with open(args.check, encoding="utf-8") as handle:
            current = handle.read()
    except OSError as exc:
        current = None
        print(f"driftgate: {args.check}: cannot read: {exc.strerror or exc}", file=sys.stderr)
    if current != generated:
        print(
            f"driftgate: {args.check} is stale; regenerate it with: "
            f"driftgate rules --format markdown > {args.check}",
            file=sys.stderr,
        )
        return 1
    return 0


def run_explain(args):
    from driftgate.policies.lint import ruledocs
    from driftgate.policies.lint.known_rules import resolve

    rule = resolve(args.rule)
    if rule is None:
        print(
            f"driftgate: error: unknown rule {args.rule!r} (see `driftgate rules`)", file=sys.stderr
        )
        return 2
    sys.stdout.write(ruledocs.explain(rule))
    return 0
