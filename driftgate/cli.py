"""The `driftgate` command: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 clean or passed, 1 findings or failed checks, 2 usage, config
or input error. Reports go to stdout, messages to stderr. Each subcommand is
one module in driftgate/commands/ with `register(subparsers)`; its parser's
`run(args) -> int` does the work by calling policies/, checks/ or monitor/.
driftgate/commands/__init__.py names each command's module and one-line help,
so a run imports only the module of its own subcommand, and that module
imports nothing heavy until its command runs.
"""

import argparse
import gc
import importlib
import os
import sys

from driftgate import __version__
from driftgate.commands import COMMANDS
from driftgate.policies.errors import DriftgateError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser(command=None):
    """The argument parser: every subcommand's options, or only `command`'s.

    With a command name (or "" for none), the other subcommands are listed with
    their help but get no options, and their modules are not imported:
    registering verify's and monitor's options imports the gate's settings,
    prometheus_client and jsonschema (about 100 ms), which a lint run must not
    pay for.
    """
    parser = ArgumentParser(
        prog="driftgate",
        description="Deployment policy as code: lint workflows, gate deploys, monitor drift.",
    )
    parser.add_argument("--version", action="version", version=f"driftgate {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.commands = subparsers.choices  # name -> the subcommand's own parser
    wanted = COMMANDS[command][0] if command in COMMANDS else None
    registered = set()  # modules whose register() added their commands (rules adds two)
    for name, (module, text) in COMMANDS.items():
        if module in registered:
            continue
        if command is None or module == wanted:
            importlib.import_module(f"driftgate.commands.{module}").register(subparsers)
            registered.add(module)
        else:
            subparsers.add_parser(name, help=text, add_help=False)  # never parses
    return parser


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter, minus its `import shutil` (~1.7 ms of every run).

    argparse builds a formatter for each option it registers, and asks shutil
    for the terminal width each time; this computes the same width with os.
    """

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        width = terminal_columns() - 2 if width is None else width  # argparse's margin
        super().__init__(prog, indent_increment, max_help_position, width)


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser (and subcommand parsers) using HelpFormatter by default."""

    def __init__(self, *args, formatter_class=HelpFormatter, **kwargs):
        super().__init__(*args, formatter_class=formatter_class, **kwargs)


def terminal_columns():
    """shutil.get_terminal_size().columns: $COLUMNS, else the terminal's width, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def command_in(argv):
    """The subcommand named in argv, or "" (then `--version`, `-h` or a usage error).

    The top-level options (-h, --version) take no value, so the first word that
    is not an option is the subcommand.
    """
    word = next((arg for arg in argv if not arg.startswith("-")), "")
    return word if word in COMMANDS else ""


def refuse_unknown_command(parser, argv):
    """Exit 2 when argv names no known subcommand, suggesting the closest one."""
    import difflib  # only on an error: ~1.7 ms a run otherwise

    word = next((arg for arg in argv if not arg.startswith("-")), "")
    if word:
        names = list(parser.commands)
        close = difflib.get_close_matches(word.lower(), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (one of: {', '.join(names)})"
        parser.error(f"unknown command {word!r}{hint}")


def refuse_unknown_options(subparser, extras):
    """Exit 2 with the subcommand's own usage (argparse would show the top-level one)."""
    import difflib  # only on an error: ~1.7 ms a run otherwise

    known = [option for option in subparser._option_string_actions if option.startswith("--")]
    hints = []
    for extra in extras:
        close = difflib.get_close_matches(extra.partition("=")[0], known, n=1)
        hints += [f"did you mean {close[0]}?"] if extra.startswith("-") and close else []
    message = f"unrecognized arguments: {' '.join(extras)}"
    subparser.error("; ".join([message, *hints]))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    command = command_in(argv)
    parser = build_parser(command)
    if not command:
        refuse_unknown_command(parser, argv)
    # argparse itself exits 2 on a usage error, with the usage of the parser that failed.
    args, extras = parser.parse_known_args(argv)
    if extras:
        refuse_unknown_options(parser.commands[args.command], extras)
    try:
        return args.run(args)
    except DriftgateError as exc:
        print(f"driftgate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def console_script():
    """The `driftgate` program: main(), then an exit that skips the last collection.

    At exit the interpreter scans every object still alive for reference
    cycles: 7 ms of a 90 ms lint run. The process is ending and the operating
    system frees its memory anyway, so the objects are frozen out of that scan.
    """
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(console_script())
