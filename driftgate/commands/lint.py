"""`driftgate lint [PATH ...]`: lint workflows and compose files against a policy pack.

Thin: parses arguments, calls the lint runner (driftgate.lint), prints the report,
maps the outcome to an exit code (0 clean, 1 findings at or above --fail-on,
2 usage/config/input error). `rules` and `explain` (driftgate/commands/rules.py)
document the same rules.
"""

import os
import sys

from driftgate.commands import help_of

FORMATS = ("auto", "text", "json", "sarif", "github")
SEVERITIES = ("error", "warning", "note")


def register(subparsers):
    parser = subparsers.add_parser(
        "lint",
        help=help_of("lint"),
        description="Lint a repository (default: the current directory), directories "
        "(repository roots) or single workflow/compose files.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or repository roots")
    parser.add_argument("--config", metavar="FILE", help="config file (default: found at the root)")
    parser.add_argument("--pack", metavar="FILE", help="policy pack (overrides the config's)")
    parser.add_argument("--format", choices=FORMATS, default="auto", help="report format")
    parser.add_argument(
        "--fail-on", choices=SEVERITIES, default="error", help="lowest severity that fails"
    )
    parser.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: CPUs)")
    parser.set_defaults(run=run)


def run(args):
    from driftgate import __version__
    from driftgate.lint.output import choose, render
    from driftgate.lint.runner import lint_paths
    from driftgate.policies.lint.finding import SEVERITY_RANK

    if args.jobs is not None and args.jobs < 1:
        from driftgate.policies.errors import DriftgateError

        raise DriftgateError(f"--jobs: must be 1 or more (got {args.jobs})")
    report = lint_paths(args.paths, config_path=args.config, pack_path=args.pack, jobs=args.jobs)
    fmt = choose(args.format, os.environ)
    colour = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    options = {"colour": colour} if fmt == "text" else {}
    sys.stdout.write(render(report, fmt, __version__, **options))
    for error in report.errors:
        print(f"driftgate: error: {error}", file=sys.stderr)
    for gap in report.unmatched:
        print(f"driftgate: warning: {gap.root}: {gap.message}", file=sys.stderr)
    if report.errors:
        return 2
    threshold = SEVERITY_RANK[args.fail_on]
    failing = any(SEVERITY_RANK.get(f.severity, 2) >= threshold for f in report.findings)
    return 1 if failing else 0
