"""Read YAML safely and keep where every value came from.

Every mapping, list, string and number loaded here knows its 1-based line and
column, so a finding or a pack error can point at the exact spot. Scalars are
resolved with the YAML 1.2 core schema, as GitHub Actions reads workflows:
the key `on` stays the string "on" (a YAML 1.1 loader makes it `True`), and
`yes`/`no` stay strings.

Hostile input is refused with an InputError naming the file: over
MAX_FILE_BYTES, binary (NUL byte or not UTF-8), not YAML, or an alias graph
that would expand past MAX_EXPANDED_NODES (a "billion laughs" bomb).

>>> doc = parse_yaml("on:\\n  workflow_dispatch:\\n", "deploy.yml")
>>> list(doc), doc.key_position("on")
(['on'], (1, 1))
"""

import re

import yaml

from .errors import InputError

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_EXPANDED_NODES = 200_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# YAML 1.2 core schema, for plain (unquoted) scalars only.
_NULL = re.compile(r"~|null|Null|NULL|")
_TRUE = re.compile(r"true|True|TRUE")
_FALSE = re.compile(r"false|False|FALSE")
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


class YamlMap(dict):
    """A mapping that remembers where it, each key and each value start."""

    line = column = 0

    def key_position(self, key):
        return self._keys[key]

    def value_position(self, key):
        return self._values[key]


class YamlList(list):
    """A sequence that remembers where it and each item start."""

    line = column = 0

    def item_position(self, index):
        return self._items[index]


class YamlStr(str):
    """A string with its position, its scalar style and a way to place a character of it."""

    line = column = 0
    style = None  # None plain, "'" or '"' quoted, "|" literal, ">" folded

    def locate(self, offset):
        """The (line, column) in the file of character `offset` of this string.

        Exact for single-line scalars and literal blocks (`run: |`); for folded
        and multi-line flow scalars, the line whose text holds that character.
        """
        value_line = self.count("\n", 0, offset)
        line_start = self.rfind("\n", 0, offset) + 1
        col_in_line = offset - line_start
        if self.style in ("|", ">") and self._source is not None:
            return self._locate_in_block(value_line, col_in_line, offset)
        if value_line == 0:
            quote = 1 if self.style in ("'", '"') else 0
            return self.line, self.column + quote + col_in_line
        return self._search_source(offset)

    def _locate_in_block(self, value_line, col_in_line, offset):
        lines = self._source
        first = self.line  # 1-based line of the indicator; content starts on the next
        if self.style == "|" and first + value_line - 1 < len(lines):
            text = lines[first + value_line]  # 0-based index of line first+value_line+1
            indent = len(text) - len(text.lstrip(" "))
            return first + value_line + 1, indent + col_in_line + 1
        return self._search_source(offset)

    def _search_source(self, offset):
        """Find the text around `offset` among the source lines this scalar spans."""
        line_end = self.find("\n", offset)
        fragment = self[offset : line_end if line_end != -1 else len(self)][:40].strip()
        if fragment and self._source is not None:
            for index in range(self.line - 1, min(self._end_line, len(self._source))):
                col = self._source[index].find(fragment)
                if col != -1:
                    return index + 1, col + 1
        return self.line, self.column


class YamlInt(int):
    line = column = 0


class YamlFloat(float):
    line = column = 0


def load_yaml(path):
    """Load one YAML file into located values, or raise InputError naming it."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(path, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if b"\0" in raw:
        raise InputError(path, "binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
    return parse_yaml(text, path)


def parse_yaml(text, path="<string>"):
    """Parse YAML text into located values (None for an empty document)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark else None
        where = f", column {mark.column + 1}" if mark else ""
        raise InputError(path, f"invalid YAML: {problem}{where}", line) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"invalid YAML: {str(exc).splitlines()[0]}") from None
    if node is None:
        return None
    _check_expansion(node, path)
    return _Builder(text.splitlines()).build(node)


def _check_expansion(root, path):
    """Refuse alias graphs whose expansion is huge or recursive, before anyone walks them."""
    sizes, in_progress = {}, set()

    def size(node):
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise InputError(path, "recursive YAML alias", node.start_mark.line + 1)
        in_progress.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        in_progress.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise InputError(
                path, f"YAML aliases expand past {MAX_EXPANDED_NODES} nodes", node.start_mark.line + 1
            )
        sizes[key] = total
        return total

    try:
        size(root)
    except RecursionError:
        raise InputError(path, "YAML nested too deeply") from None


class _Builder:
    """Turns composed nodes into located values; an alias yields the same object."""

    def __init__(self, source_lines):
        self.source = source_lines
        self.built = {}

    def build(self, node):
        key = id(node)
        if key not in self.built:
            self.built[key] = self._build(node)
        return self.built[key]

    def _build(self, node):
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, yaml.MappingNode):
            result = YamlMap()
            result._keys, result._values = {}, {}
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if isinstance(key, (dict, list)):
                    key = str(key_node.value)  # unhashable complex key: keep its text
                result[key] = self.build(value_node)
                result._keys[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result._values[key] = (
                    value_node.start_mark.line + 1,
                    value_node.start_mark.column + 1,
                )
        elif isinstance(node, yaml.SequenceNode):
            result = YamlList(self.build(item) for item in node.value)
            result._items = [(i.start_mark.line + 1, i.start_mark.column + 1) for i in node.value]
        else:
            result = self._scalar(node)
            if result is None or isinstance(result, bool):
                return result
            if isinstance(result, YamlStr):
                result.style = node.style or None
                result._source = self.source
                result._end_line = node.end_mark.line + 1
        result.line, result.column = line, column
        return result

    @staticmethod
    def _scalar(node):
        text = node.value
        if node.style:  # quoted or block: always a string (plain is None or "")
            return YamlStr(text)
        if _NULL.fullmatch(text):
            return None
        if _TRUE.fullmatch(text):
            return True
        if _FALSE.fullmatch(text):
            return False
        if _INT.fullmatch(text):
            return YamlInt(text, 0) if text[:2] in ("0o", "0x") else YamlInt(text)
        if _FLOAT.fullmatch(text):
            return YamlFloat(text)
        return YamlStr(text)


def position_of(container, key):
    """The (line, column) of container[key]'s value, for values that cannot carry one."""
    if isinstance(container, YamlMap):
        return container.value_position(key)
    if isinstance(container, YamlList):
        return container.item_position(key)
    return (getattr(container, "line", 1), getattr(container, "column", 1))
