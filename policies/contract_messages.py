"""Contract messages: pack templates filled from parameters and rows, and rows made JSON.

A template is `str.format` text with the contract's parameters, {count},
{rows} (listed, up to the query's `show`) and {row[column]} (the first row);
attribute access is refused and a missing field reads "?".

>>> render("{count} stale: {rows}", {}, [{"run": "a", "age_h": 3}, {"run": "b"}], show=1)
'2 stale: a (age_h=3) and 1 more'
"""

import datetime
import decimal
import math
import string


class _MessageFormatter(string.Formatter):
    """str.format for pack messages: no attribute access, a missing key reads '?'."""

    def get_field(self, field_name, args, kwargs):
        if "." in field_name:
            raise ValueError("attribute access in a message")
        return super().get_field(field_name, args, kwargs)

    def get_value(self, key, args, kwargs):
        return kwargs.get(key, "?")


class _Row(dict):
    def __missing__(self, key):
        return "?"


def render(template, params, rows=(), show=10):
    """A message from its template: parameters, {count}, {rows} (listed), {row[column]}."""
    values = {
        **params,
        "count": len(rows),
        "rows": listed(rows, show),
        "row": _Row(rows[0] if rows else {}),
    }
    try:
        return _MessageFormatter().vformat(template, (), values)
    except (ValueError, TypeError, IndexError):
        return template  # a template that does not fit its values still says something


def listed(rows, show=10):
    """Rows for a message: the first non-null value, the others as name=value."""
    parts = []
    for row in rows[:show]:
        items = [(k, v) for k, v in row.items() if v is not None]
        if not items:
            parts.append("(no values)")
            continue
        head = str(items[0][1])
        rest = ", ".join(f"{k}={v}" for k, v in items[1:])
        parts.append(f"{head} ({rest})" if rest else head)
    more, text = len(rows) - show, ", ".join(parts)
    if more > 0:
        return f"{text} and {more} more" if text else f"{more} row(s)"
    return text


def jsonable(value):
    """A database value for JSON: times in ISO 8601, decimals as numbers, the rest text.

    >>> jsonable(decimal.Decimal("20.0")), jsonable(datetime.date(2026, 11, 28))
    (20, '2026-11-28')
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return str(value)  # UUID, interval, bytes...
