"""`driftgate verify`: the post-deploy gate, as a thin front to the pytest suite.

    driftgate verify --target production --expected-sha "$GITHUB_SHA"
    driftgate verify --target production --adopt  # first rollout: vouch for what runs

The options are the plugin's `--dg-*` options without the prefix (same env
fallbacks). Settings are validated first, by the plugin's own resolver, so a
config error is one line and exit 2; then pytest runs the gate suite.
Exit codes: 0 passed (or contract failures bypassed), 1 failed, 2 usage/config.
"""

import os
import sys

from driftgate.commands import help_of

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers):
    # Imported here, not at module level: the gate's settings cost about 25 ms,
    # which the other subcommands must not pay (see driftgate/cli.py).
    from driftgate.checks.settings import declare_options

    parser = subparsers.add_parser(
        "verify",
        help=help_of("verify"),
        description="Verify a deployment: exit 0 when it passed, 1 when it failed, "
        "2 on a usage or configuration error.",
    )
    declare_options(parser.add_argument, prefix="--")
    parser.add_argument("--junitxml", metavar="PATH", help="write a JUnit XML report here")
    parser.set_defaults(run=run)


def run(args):
    from driftgate.checks.secrets import ScrubbingStream
    from driftgate.checks.settings import OPTIONS, require_group_inputs, resolve_settings

    raw = {option.name: getattr(args, option.dest) for option in OPTIONS}
    settings = resolve_settings(raw)  # a DriftgateError here is the CLI's one-line exit 2
    require_group_inputs(settings)
    import pytest  # only a gate run pays for pytest and its plugins

    secrets = settings.secrets()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = ScrubbingStream(stdout, secrets), ScrubbingStream(stderr, secrets)
    try:
        code = pytest.main(pytest_args(raw, args.junitxml))
    finally:
        sys.stdout.close_line()
        sys.stderr.close_line()
        sys.stdout, sys.stderr = stdout, stderr
    return exit_code(code)


def pytest_args(raw, junitxml=None):
    """The pytest command line of a gate run: the suite, compact output, our options."""
    from driftgate.checks.settings import OPTIONS, resolve_groups
    from driftgate.checks.suite import SUITE_DIR

    args = [
        str(SUITE_DIR),
        "-q",
        "--tb=no",  # the gate's table names each failure with its message
        "-rN",  # the gate prints its own summary table
        "-p",
        "no:cacheprovider",  # never write .pytest_cache next to the installed suite
        "-c",
        os.devnull,  # ignore the caller's pytest.ini / pyproject addopts
        f"--rootdir={SUITE_DIR}",
        f"--confcutdir={SUITE_DIR}",
        "--import-mode=importlib",
        # The suite fails with messages, never bare asserts; without this, pytest rewrites
        # every module of each pytest11 plugin's package (schemathesis: ~340, ~2 s a run).
        "--assert=plain",
        "--continue-on-collection-errors",  # a broken group fails; the others still report
        "-o",
        "junit_family=xunit1",  # keeps each check's recorded properties in the JUnit XML
        "-W",
        # Run in-process after driftgate was imported (the demo does): harmless, not news.
        "ignore::pytest.PytestAssertRewriteWarning",
    ]
    for option in OPTIONS:
        value = raw.get(option.name)
        if value is None or value == []:
            continue
        for item in value if isinstance(value, list) else [value]:
            args.append(f"--dg-{option.name}={item}")
    if junitxml:
        args.append(f"--junitxml={junitxml}")
    groups = resolve_groups(raw.get("groups") or os.environ.get("DRIFTGATE_GROUPS"))
    if "api" not in groups:
        # Only the API group uses schemathesis/hypothesis: loading their pytest plugins
        # costs more than the rest of a gate run.
        args += ["-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:anyio"]
    return args


def exit_code(pytest_code):
    """pytest's exit code as the gate's: usage errors are 2, anything not passed is 1."""
    code = int(pytest_code)
    if code == 0:
        return EXIT_OK
    if code == 4:  # pytest.ExitCode.USAGE_ERROR
        return EXIT_USAGE
    if code == 2:  # interrupted
        return 130
    return EXIT_FAILED  # failed, internal error, or nothing collected: never a pass
