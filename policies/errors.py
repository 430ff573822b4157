"""The one exception base of driftgate: raised in the library, caught at the command line."""


class DriftgateError(Exception):
    """A user's mistake or an unusable input: the CLI prints it on one line and exits 2."""


class InputError(DriftgateError):
    """A file that cannot be used: unreadable, not YAML, too large, binary, wrong shape.

    The message always names the file, and the line where there is one.
    """

    def __init__(self, path, message, line=None):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class PackError(InputError):
    """A policy pack or config file whose content breaks the format (names the field)."""
