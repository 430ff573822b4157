"""The run's secrets, and removing them from text: the reports' second line of defence.

No check formats a DSN or token into a message; every output is scrubbed of
them anyway, in case a library error does.

>>> scrub("postgresql://u:hunter22@db/x", secret_values("postgresql://u:hunter22@db/x"))
'***'
"""

import re
from urllib.parse import quote, unquote, urlsplit

MIN_SECRET_LENGTH = 4  # shorter "secrets" would blank common letters in every report


def secret_values(*secrets):
    """Each secret and a DSN's password, as given, URL-decoded and URL-encoded; longest first.

    A library may print a password either way (a URL DSN holds it encoded, a
    key=value DSN as is), so every form is a secret.
    """
    found = set()
    for secret in filter(None, secrets):
        for value in (secret, *_dsn_passwords(secret)):
            found.update({value, unquote(value), quote(value, safe=""), quote(unquote(value))})
    return tuple(sorted((s for s in found if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True))


def _dsn_passwords(dsn):
    if "://" in dsn:
        password = urlsplit(dsn).password
        return {password} if password else set()
    match = re.search(r"(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", dsn)
    return {match.group(1).strip("'")} if match else set()


def scrub(text, secrets):
    """`text` with every secret replaced by ***.

    Scrub before any encoding (annotation %-escapes, XML, JSON, Markdown): an
    encoded secret no longer matches its plain form.
    """
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class ScrubbingStream:
    """A text stream that removes secret values, whole line by whole line.

    A second line of defence: no check formats a secret into a message, but a
    library error might. Partial lines wait for their newline, so a secret is
    never split across two writes.
    """

    def __init__(self, stream, secrets):
        self._stream, self._secrets, self._pending = stream, secrets, ""

    def write(self, text):
        if not self._secrets:
            return self._stream.write(text)
        self._pending += text
        lines, newline, self._pending = self._pending.rpartition("\n")
        if newline:
            self._stream.write(scrub(lines + newline, self._secrets))
        return len(text)

    def close_line(self):
        if self._pending:
            self._stream.write(scrub(self._pending, self._secrets))
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name):  # flush, isatty, fileno, encoding, ...
        return getattr(self._stream, name)
