"""Refuse contract SQL that is not one read-only SELECT, when the pack is loaded.

The SQL is parsed (sqlglot, PostgreSQL dialect), so a write hidden in a CTE, a
subquery's `FOR UPDATE` or a `SELECT ... INTO` is seen in the tree, not
guessed from words. Functions whose effect reaches outside the data a READ
ONLY transaction protects (other sessions, locks, server files, settings,
notifications, other databases) are refused by name: SIDE_EFFECT_FUNCTIONS and
SIDE_EFFECT_PREFIXES, listed in docs/contracts.md. What no parser can see (a
user-defined function that writes) is refused by the database: checks/contracts.py
runs every contract inside a READ ONLY transaction and releases session state
after it. This is the early, friendly guard; that is the real one.

Parameters are psycopg's named placeholders, `%(days)s`; a literal `%` is `%%`.

>>> read_only_select("SELECT buyer_id FROM buyer_seats WHERE active AND %(days)s > 0")
('days',)
>>> try:
...     read_only_select("WITH gone AS (DELETE FROM buyer_seats RETURNING 1) SELECT * FROM gone")
... except UnsafeSql as exc:
...     print(exc)
writes: a DELETE (data-modifying statement)
>>> try:
...     read_only_select("SELECT pg_catalog.pg_advisory_lock(42)")
... except UnsafeSql as exc:
...     print(exc, exc.offset)
calls pg_advisory_lock(): takes an advisory lock other sessions wait on 18
"""

import logging
import re

import sqlglot
from sqlglot import exp

# psycopg's placeholder syntax: %(name)s named, %% a literal percent sign.
_PLACEHOLDER = re.compile(r"%%|%\((?P<name>[^)]*)\)(?P<kind>.)?|%(?P<other>.?)")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Nodes that write, lock or are no query, anywhere in the tree (first match wins).
_WRITES = (
    (exp.Insert, "an INSERT (data-modifying statement)"),
    (exp.Update, "an UPDATE (data-modifying statement)"),
    (exp.Delete, "a DELETE (data-modifying statement)"),
    (exp.Merge, "a MERGE (data-modifying statement)"),
    (exp.Lock, "a row lock (FOR UPDATE/SHARE)"),
    (exp.Into, "SELECT ... INTO (creates a table)"),
    (exp.Copy, "a COPY"),
    (exp.Command, "a statement that is not a query"),
)
_SQLGLOT_LOG = logging.getLogger("sqlglot")

# Functions a READ ONLY transaction still lets act outside the data, and what they reach.
_LOCK = "takes an advisory lock other sessions wait on"
_UNLOCK = "releases an advisory lock another contract may rely on"
SIDE_EFFECT_FUNCTIONS = {
    "pg_terminate_backend": "ends another session",
    "pg_cancel_backend": "cancels another session's query",
    "pg_reload_conf": "reloads the server configuration",
    "pg_rotate_logfile": "rotates the server log",
    "pg_notify": "notifies listening sessions",
    "set_config": "changes a setting of the session",
    **{
        f"pg_{attempt}advisory_{scope}lock{mode}": _LOCK
        for attempt in ("", "try_")
        for scope in ("", "xact_")
        for mode in ("", "_shared")
    },
    "pg_advisory_unlock": _UNLOCK,
    "pg_advisory_unlock_shared": _UNLOCK,
    "pg_advisory_unlock_all": _UNLOCK,
    "loread": "reads a large object",
    "lowrite": "writes a large object",
}
SIDE_EFFECT_PREFIXES = {
    "lo_": "a large-object function (reads or writes server files and large objects)",
    "dblink": "a dblink function (reaches another database, outside the transaction)",
}


class UnsafeSql(ValueError):
    """Contract SQL that is not one read-only SELECT; the message says why.

    `offset` is where in the SQL text the refused part starts, when known.
    """

    def __init__(self, message, offset=None):
        super().__init__(message)
        self.offset = offset


def placeholders(sql):
    """(names of the named parameters in order of first use, SQL with $n for parsing)."""
    names = []

    def replace(match):
        if match.group(0) == "%%":
            return "%"
        if match.group("other") is not None:
            raise UnsafeSql(f"stray {match.group(0)!r}: parameters are %(name)s, a literal % is %%")
        name, kind = match.group("name"), match.group("kind")
        if not _PARAM_NAME.fullmatch(name) or kind != "s":
            raise UnsafeSql(f"bad placeholder {match.group(0)!r}: write %(name)s")
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    parsable = _PLACEHOLDER.sub(replace, sql)
    return tuple(names), parsable


def read_only_select(sql):
    """The parameter names of `sql`, or UnsafeSql when it is not one read-only SELECT."""
    names, parsable = placeholders(sql)
    quiet, _SQLGLOT_LOG.disabled = _SQLGLOT_LOG.disabled, True  # it logs what we raise
    try:
        statements = [s for s in sqlglot.parse(parsable, read="postgres") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        reason = str(exc).splitlines()[0][:200]
        raise UnsafeSql(f"not valid SQL (PostgreSQL dialect): {reason}") from None
    finally:
        _SQLGLOT_LOG.disabled = quiet
    if len(statements) != 1:
        raise UnsafeSql(f"{len(statements)} statements; a contract query is exactly one SELECT")
    statement = statements[0]
    if not isinstance(statement, (exp.Select, exp.SetOperation, exp.Subquery, exp.Values)):
        kind = statement.key.upper() if isinstance(statement, exp.Expression) else "unknown"
        if isinstance(statement, exp.Command):
            kind = str(statement.this).upper()
        raise UnsafeSql(f"{kind} statement; only SELECT is allowed")
    found = _first_write(statement)
    if found:
        raise UnsafeSql(f"writes: {found}")
    _refuse_side_effects(statement, sql)
    return names


def side_effect_of(function_name):
    """Why a function is refused in contract SQL, or None when it is not.

    >>> side_effect_of("PG_NOTIFY"), side_effect_of("count")
    ('notifies listening sessions', None)
    """
    name = function_name.lower()
    if name in SIDE_EFFECT_FUNCTIONS:
        return SIDE_EFFECT_FUNCTIONS[name]
    prefixes = SIDE_EFFECT_PREFIXES.items()
    return next((why for prefix, why in prefixes if name.startswith(prefix)), None)


def _refuse_side_effects(tree, sql):
    for node in tree.walk():
        if not isinstance(node, exp.Func):
            continue
        name = str(node.name if isinstance(node, exp.Anonymous) else node.sql_name())
        why = side_effect_of(name)
        if why:
            found = re.search(rf'"?{re.escape(name)}"?\s*\(', sql, re.IGNORECASE)
            raise UnsafeSql(f"calls {name.lower()}(): {why}", found.start() if found else None)


def _first_write(tree):
    """The description of the first writing node in a parsed statement, or None."""
    for node in tree.walk():
        for kind, description in _WRITES:
            if isinstance(node, kind):
                return description
    return None
