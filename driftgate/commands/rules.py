"""`driftgate rules` (list, or generate docs/rules.md) and `driftgate explain RULE`."""

import sys

from driftgate.commands import help_of


def register(subparsers):
    parser = subparsers.add_parser("rules", help=help_of("rules"))
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    parser.add_argument(
        "--check",
        metavar="FILE",
        help="with --format markdown: exit 1 when FILE differs from the generated docs",
    )
    parser.set_defaults(run=run_rules)
    explain = subparsers.add_parser("explain", help=help_of("explain"))
    explain.add_argument(
        "rule", metavar="RULE", help="rule id or name, e.g. DG105 or input-injection"
    )
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
    from driftgate.policies.lint.known_rules import all_rules, resolve

    rules = all_rules()
    # A name as written in Python or in capitals (fixed_sleep, FIXED-SLEEP) is the name too.
    rule = resolve(args.rule, rules) or resolve(spelled(args.rule), rules)
    if rule is None:
        print(f"driftgate: error: {unknown_rule(args.rule, rules.values())}", file=sys.stderr)
        return 2
    sys.stdout.write(ruledocs.explain(rule))
    return 0


def spelled(word):
    return word.strip().lower().replace("_", "-")


def unknown_rule(word, rules):
    """`unknown rule 'x'`, with the closest ids or names when some are close."""
    import difflib  # only on an error: ~1.7 ms a run otherwise

    by_spelling = {spelled(key): key for rule in rules for key in (rule.ID, rule.NAME)}
    close = difflib.get_close_matches(spelled(word), list(by_spelling), n=3)
    hint = f"; did you mean {' or '.join(by_spelling[c] for c in close)}?" if close else ""
    return f"unknown rule {word!r}{hint} (see `driftgate rules`)"
