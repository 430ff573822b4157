"""Load the `contracts:` section of a policy pack into a contracts.Catalogue.

The pack's JSON Schema checks the shapes; this checks what a schema cannot:
each SQL is one read-only SELECT (contract_sql.py), every %(name)s it uses is
a known parameter, each query has exactly one verdict rule, message templates
name only known fields, ids are unique. A wrong field is one PackError naming
the file, the field path and, for located YAML, the line.

>>> section = {"defaults": {"days": 7}, "catalogue": [{"id": "C-X-001", "name": "x",
...     "queries": [{"sql": "SELECT 1 FROM t WHERE %(weeks)s > 0", "fail_if_rows": "bad"}]}]}
>>> try:
...     parse_catalogue(section, "pack.yaml")
... except PackError as exc:
...     print(exc.reason.split(" (")[0])
contracts.catalogue.0.queries.0.sql: unknown parameter %(weeks)s
"""

import string
from collections.abc import Mapping
from types import MappingProxyType

from .contract_sql import UnsafeSql, read_only_select
from .contracts import MESSAGE_FIELDS, RUN_PARAMS, Catalogue, Contract, Query, Status
from .errors import PackError

EMPTY_RULES = {
    "fail_if_empty": Status.FAIL,
    "warn_if_empty": Status.WARN,
    "skip_if_empty": Status.SKIP,
}
ROW_RULES = {"fail_if_rows": Status.FAIL, "warn_if_rows": Status.WARN}
_QUERY_KEYS = {"sql", "verdict_column", "show", "strict_fail", *EMPTY_RULES, *ROW_RULES}
_CONTRACT_KEYS = {"id", "name", "description", "thresholds", "pass_message", "queries"}
_SECTION_KEYS = {"defaults", "requires", "catalogue", "connect_timeout_s", "statement_timeout_ms"}


def parse_catalogue(section, source="", required=False):
    """A Catalogue from a pack's `contracts:` mapping (located YAML or plain dicts)."""
    if not section:
        if required:
            raise PackError(source, "contracts: this pack has no contracts section")
        return Catalogue(contracts=())
    loader = _Loader(source)
    loader.keys(section, _SECTION_KEYS, "contracts")
    defaults = loader.params(section.get("defaults", {}), "contracts.defaults")
    requires = loader.contracts(section, "requires", defaults)
    contracts = loader.contracts(section, "catalogue", defaults)
    if not contracts:
        raise PackError(source, "contracts.catalogue: at least one contract", _line(section))
    return Catalogue(
        contracts=contracts,
        requires=requires,
        defaults=MappingProxyType(defaults),
        connect_timeout_s=float(section.get("connect_timeout_s", 5.0)),
        statement_timeout_ms=int(section.get("statement_timeout_ms", 10_000)),
    )


class _Loader:
    def __init__(self, source):
        self.source = source
        self.seen_ids = {}

    def fail(self, where, message, node=None):
        raise PackError(self.source, f"{where}: {message}", _line(node))

    def keys(self, mapping, allowed, where):
        if not isinstance(mapping, Mapping):
            self.fail(where, "must be a mapping", mapping)
        for key in mapping:
            if key not in allowed:
                self.fail(
                    f"{where}.{key}", f"unknown field (one of: {', '.join(sorted(allowed))})", key
                )

    def params(self, mapping, where):
        if not isinstance(mapping, Mapping):
            self.fail(where, "must be a mapping of parameter names to values", mapping)
        for key, value in mapping.items():
            if key in RUN_PARAMS:
                self.fail(f"{where}.{key}", "reserved: the run sets it", key)
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                self.fail(f"{where}.{key}", "a number or a string", _located(mapping, key))
        return {str(k): _plain(v) for k, v in mapping.items()}

    def contracts(self, section, key, defaults):
        items = section.get(key, [])
        if not isinstance(items, list):
            self.fail(f"contracts.{key}", "must be a list of contracts", items)
        return tuple(
            self.contract(item, f"contracts.{key}.{i}", defaults) for i, item in enumerate(items)
        )

    def contract(self, spec, where, defaults):
        self.keys(spec, _CONTRACT_KEYS, where)
        for key in ("id", "name", "queries"):
            if not spec.get(key):
                self.fail(f"{where}.{key}", "missing or empty", spec)
        contract_id = str(spec["id"])
        if contract_id in self.seen_ids:
            self.fail(
                f"{where}.id",
                f"duplicate id {contract_id} (first at {self.seen_ids[contract_id]})",
                spec["id"],
            )
        self.seen_ids[contract_id] = where
        thresholds = self.params(spec.get("thresholds", {}), f"{where}.thresholds")
        known = (*dict.fromkeys([*defaults, *thresholds]), *RUN_PARAMS)
        if not isinstance(spec["queries"], list):
            self.fail(f"{where}.queries", "must be a list", spec["queries"])
        queries = tuple(
            self.query(q, f"{where}.queries.{i}", known) for i, q in enumerate(spec["queries"])
        )
        pass_message = str(spec.get("pass_message", "ok"))
        self.template(pass_message, f"{where}.pass_message", known, spec.get("pass_message"))
        return Contract(
            id=contract_id,
            name=str(spec["name"]),
            description=str(spec.get("description", "")).strip(),
            queries=queries,
            thresholds=MappingProxyType(thresholds),
            pass_message=pass_message,
        )

    def query(self, spec, where, known):
        self.keys(spec, _QUERY_KEYS, where)
        sql = spec.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            self.fail(f"{where}.sql", "missing or empty", spec)
        try:
            names = read_only_select(sql)
        except UnsafeSql as exc:
            self.fail(
                f"{where}.sql", str(exc), sql if exc.offset is None else _Spot(sql, exc.offset)
            )
        for name in names:
            if name not in known:
                message = f"unknown parameter %({name})s (known: {', '.join(known)})"
                self.fail(f"{where}.sql", message, _Spot(sql, sql.index(f"%({name})s")))
        empty_rules = [k for k in EMPTY_RULES if k in spec]
        row_rules = [k for k in ROW_RULES if k in spec]
        column = spec.get("verdict_column")
        if column is not None and (empty_rules or not row_rules):
            self.fail(f"{where}.verdict_column", "goes with fail_if_rows/warn_if_rows only", column)
        if column is None and len(empty_rules) + len(row_rules) != 1:
            rules = ", ".join([*EMPTY_RULES, *ROW_RULES])
            self.fail(where, f"exactly one verdict rule ({rules}), or verdict_column", spec)
        for key in empty_rules + row_rules:
            self.template(spec[key], f"{where}.{key}", known, spec[key])
        show = spec.get("show", 10)
        if isinstance(show, bool) or not isinstance(show, int) or not 0 <= show <= 100:
            self.fail(f"{where}.show", "an integer from 0 to 100", _located(spec, "show"))
        strict_fail = spec.get("strict_fail", False)
        if not isinstance(strict_fail, bool):
            self.fail(f"{where}.strict_fail", "true or false", strict_fail)
        return Query(
            sql=str(sql),
            params=names,
            if_empty=(EMPTY_RULES[empty_rules[0]], str(spec[empty_rules[0]]))
            if empty_rules
            else None,
            if_rows=MappingProxyType({ROW_RULES[k]: str(spec[k]) for k in row_rules}),
            verdict_column=str(column) if column is not None else None,
            show=int(show),
            strict_fail=strict_fail,
        )

    def template(self, text, where, known, node):
        if not isinstance(text, str):
            self.fail(where, "a message template (string)", node)
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            self.fail(where, f"bad message template: {exc} (write {{{{ for a literal brace)", node)
        for name in fields:
            root = name.split("[", 1)[0]
            if (
                "." in name
                or root not in (*known, *MESSAGE_FIELDS)
                or (root == "row") != ("[" in name)
            ):
                allowed = ", ".join([*known, "count", "rows", "row[column]"])
                self.fail(where, f"unknown message field {{{name}}} (known: {allowed})", node)


def _line(node):
    return getattr(node, "line", None) or None


def _located(mapping, key):
    """The value at `key`, or the key itself when the value has no line (true, false, null)."""
    value = mapping[key]
    if _line(value):
        return value
    return next((k for k in mapping if k == key), None)


class _Spot:
    """A character of a located YAML string, for an error pointing inside a SQL block."""

    def __init__(self, text, offset):
        locate = getattr(text, "locate", None)
        self.line = locate(offset)[0] if locate else None


def _plain(value):
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value
