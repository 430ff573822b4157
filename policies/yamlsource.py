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
from bisect import bisect_right

import yaml

from .errors import InputError

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_EXPANDED_NODES = 200_000

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# YAML 1.2 core schema, for plain (unquoted) scalars only.
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
NEWLINE = re.compile("\n")


class _Located:
    """Where a value starts: kept as the parser's mark, turned into 1-based numbers on demand
    (most positions are never asked for, and a lint run builds millions of values)."""

    __slots__ = ()
    _mark = None  # the default where there is no _mark slot (YamlInt, YamlFloat)

    @property
    def line(self):
        try:
            return self._mark.line + 1
        except AttributeError:  # no mark: not built by the loader (an unset slot, or None)
            return 0

    @property
    def column(self):
        try:
            return self._mark.column + 1
        except AttributeError:
            return 0


def _position(mark):
    return (mark.line + 1, mark.column + 1)


class YamlMap(_Located, dict):
    """A mapping that remembers where it, each key and each value start."""

    # What every built value has lives in slots: no instance dict to make (and free)
    # per value. The __dict__ slot keeps other attributes settable, as before.
    __slots__ = ("_mark", "_keys", "_values", "__dict__")

    def key_position(self, key):
        return _position(self._keys[key])

    def value_position(self, key):
        return _position(self._values[key])


class YamlList(_Located, list):
    """A sequence that remembers where it and each item start."""

    __slots__ = ("_mark", "_items", "__dict__")  # as YamlMap's

    def item_position(self, index):
        return _position(self._items[index])


class YamlStr(_Located, str):
    """A string with its position, its scalar style and a way to place a character of it."""

    __slots__ = ("_mark", "__dict__")  # as YamlMap's; style etc. are set on few strings

    style = None  # None plain, "'" or '"' quoted, "|" literal, ">" folded
    _file = None  # the file's _SourceText; set only on quoted, block and multi-line scalars
    _end_line = 0

    @property
    def _source(self):
        """The file's lines, or None."""
        return self._file.lines() if self._file is not None else None

    def locate(self, offset):
        """The (line, column) in the file of character `offset` of this string.

        Exact for single-line scalars and literal blocks (`run: |`); for folded
        and multi-line flow scalars, the line whose text holds that character.
        """
        starts = self._line_starts()
        value_line = bisect_right(starts, offset) - 1
        line_start = starts[value_line]
        col_in_line = offset - line_start
        if self.style in ("|", ">") and self._source is not None:
            return self._locate_in_block(value_line, col_in_line, offset)
        if value_line == 0:
            quote = 1 if self.style in ("'", '"') else 0
            return self.line, self.column + quote + col_in_line
        return self._search_source(offset)

    def _line_starts(self):
        """Where each line of the value starts, found once: a script with thousands of
        findings is located in linear time, not by counting newlines per finding."""
        starts = self.__dict__.get("_starts")
        if starts is None:
            starts = [0] + [match.end() for match in NEWLINE.finditer(self)]
            self.__dict__["_starts"] = starts
        return starts

    def _locate_in_block(self, value_line, col_in_line, offset):
        lines = self._source
        first = self.line  # 1-based line of the indicator; content starts on the next
        if self.style == ">":
            return self._locate_in_folded(offset)
        if first + value_line < len(lines):
            text = lines[first + value_line]  # 0-based index of line first+value_line+1
            # The source line is the block's indentation followed by the value's line,
            # so the indentation is what the source line has beyond the value's text.
            line_start = offset - col_in_line
            line_end = self.find("\n", offset)
            value_text = self[line_start : line_end if line_end != -1 else len(self)]
            if text.endswith(value_text):
                indent = len(text) - len(value_text)
                return first + value_line + 1, indent + col_in_line + 1
        return self._search_source(offset)

    def _locate_in_folded(self, offset):
        """Walk a folded block's source lines along the value: each line (less the block's
        indentation) is the next stretch of the value; folding only changes what is between."""
        lines, position, indent = self._source, 0, None
        for index in range(self.line, min(max(self._end_line, self.line), len(lines))):
            text = lines[index]
            if not text.strip():
                continue
            if indent is None:
                indent = len(text) - len(text.lstrip(" "))
            content = text[indent:]
            start = self.find(content, position)
            if start == -1 or offset < start:
                break
            if offset < start + len(content):
                return index + 1, indent + offset - start + 1
            position = start + len(content)
        return self._search_source(offset)

    def _search_source(self, offset):
        """Find the text around `offset` among the source lines this scalar spans (not in
        the key before it, nor on a block scalar's indicator line)."""
        line_end = self.find("\n", offset)
        fragment = self[offset : line_end if line_end != -1 else len(self)][:40].strip()
        lines = self._source
        if fragment and lines is not None:
            end_line = max(self._end_line, self.line)
            first = self.line if self.style in ("|", ">") else self.line - 1
            for index in range(first, min(end_line, len(lines))):
                start = self.column - 1 if index == self.line - 1 else 0
                col = lines[index].find(fragment, start)
                if col != -1:
                    return index + 1, col + 1
        return self.line, self.column


class _SourceText:
    """A file's text, split into lines on first need: only locate() reads them."""

    __slots__ = ("text", "_lines")

    def __init__(self, text):
        self.text, self._lines = text, None

    def lines(self):
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines


class YamlInt(_Located, int):
    pass


class YamlFloat(_Located, float):
    pass


def load_yaml(path):
    """Load one YAML file into located values, or raise InputError naming it."""
    return parse_yaml(read_source(path), path)


def read_source(path):
    """The text of a YAML file, refusing what load_yaml refuses (unreadable, huge, binary)."""
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
    return text


def parse_yaml(text, path="<string>"):
    """Parse YAML text into located values (None for an empty document)."""
    try:
        return _EventBuilder(text, path).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark else None
        where = f", column {mark.column + 1}" if mark else ""
        raise InputError(path, f"invalid YAML: {problem}{where}", line) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"invalid YAML: {str(exc).splitlines()[0]}") from None


# Plain scalars that are not strings: the core schema's null and booleans, spelled
# exactly so; anything else is a number (starting like one) or a string.
_KEYWORDS = {"~": None, "null": None, "Null": None, "NULL": None}
_KEYWORDS.update(dict.fromkeys(("true", "True", "TRUE"), True))
_KEYWORDS.update(dict.fromkeys(("false", "False", "FALSE"), False))
_NUMBER_STARTS = frozenset("-+.0123456789")
_EXPECT_KEY = object()


class _EventBuilder:
    """Builds located values straight from the parser's events (no node graph).

    An alias yields the very object its anchor built, so an alias bomb costs
    nothing to build; its *expanded* size is counted as it is built and the
    document is refused past MAX_EXPANDED_NODES (or when an alias points into
    the collection that defines it: a recursive alias).
    """

    def __init__(self, text, path):
        self.text, self.path = text, path
        self.source = None  # the file's _SourceText, made on first need

    def document(self):
        loader = _BaseLoader(self.text)
        try:
            get = loader.get_event
            get()  # stream start
            event = get()
            if isinstance(event, yaml.StreamEndEvent):
                return None
            root = self._root(get)  # reads up to the document end
            event = get()
            if not isinstance(event, yaml.StreamEndEvent):
                line = event.start_mark.line + 1
                raise InputError(self.path, "expected a single YAML document, found another", line)
            return root
        finally:
            loader.dispose()

    def _root(self, get):
        """Build the document from its events; the innermost open collection lives in locals.

        The hot loop of a lint run (one pass per event), hence locals rather
        than attributes. `count` numbers the nodes; `expanded` adds what the
        aliases stand for, so an alias bomb is refused as soon as it is seen.
        """
        anchors, open_anchors, stack = {}, set(), []
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        keywords, number_starts, expect_key = _KEYWORDS, _NUMBER_STARTS, _EXPECT_KEY
        # the innermost open collection: value, kind, pending key, positions, anchor, counts;
        # at the bottom, a one-item list for the document, so a scalar document is no special case
        container, items, is_map, key = [], [], False, expect_key
        keys = values = key_mark = anchor = None
        count = expanded = count_at_start = expanded_at_start = 0
        while True:
            event = get()
            kind = event.__class__
            if kind is scalar_event:
                count += 1
                mark, text = event.start_mark, event.value
                if event.style or not text or "\n" in text or text[0] in number_starts:
                    value = self._scalar(event)
                elif text in keywords:
                    value = keywords[text]
                else:
                    value = YamlStr(text)  # the common case, inlined: a one-line plain string
                    value._mark = mark
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                # placed as below, less the complex key check: a scalar is always hashable
                if not is_map:
                    container.append(value)
                    items.append(mark)
                elif key is expect_key:
                    if value in keys:
                        self._duplicate(value, keys[value], mark)
                    key, key_mark = value, mark
                else:
                    container[key] = value
                    keys[key] = key_mark
                    values[key] = mark
                    key = expect_key
                continue
            elif kind is alias_event:
                count += 1
                mark = event.start_mark
                if event.anchor in open_anchors:
                    raise InputError(self.path, "recursive YAML alias", mark.line + 1)
                if event.anchor not in anchors:
                    message = f"undefined YAML alias {event.anchor!r}"
                    raise InputError(self.path, message, mark.line + 1)
                value, size = anchors[event.anchor]
                expanded += size
                if expanded > MAX_EXPANDED_NODES:
                    message = f"YAML aliases expand past {MAX_EXPANDED_NODES} nodes"
                    raise InputError(self.path, message, mark.line + 1)
            elif kind is map_start or kind is seq_start:
                count += 1
                saved = (container, is_map, key, key_mark, keys, values, items, anchor)
                stack.append((saved, count_at_start, expanded_at_start))
                # the position dicts or list are filled in place as the values come
                is_map, key = kind is map_start, expect_key
                if is_map:
                    container, keys, values = YamlMap(), {}, {}
                    container._keys, container._values = keys, values
                else:
                    container, items = YamlList(), []
                    container._items = items
                container._mark = event.start_mark
                anchor, count_at_start, expanded_at_start = event.anchor, count, expanded
                if anchor:
                    open_anchors.add(anchor)
                continue
            else:  # the end of the innermost collection, or of the document
                if not stack:
                    return container[0]
                value, mark = container, container._mark
                if anchor:
                    open_anchors.discard(anchor)
                    size = count - count_at_start + 1 + expanded - expanded_at_start
                    anchors[anchor] = (value, size)
                saved, count_at_start, expanded_at_start = stack.pop()
                container, is_map, key, key_mark, keys, values, items, anchor = saved
            if not is_map:
                container.append(value)
                items.append(mark)
            elif key is expect_key:
                # an unhashable complex key (a mapping or list) is kept as its text
                key = str(value) if isinstance(value, (dict, list)) else value
                if key in keys:
                    self._duplicate(key, keys[key], mark)
                key_mark = mark
            else:
                container[key] = value
                keys[key] = key_mark
                values[key] = mark
                key = expect_key

    def _duplicate(self, key, first, second):
        """A mapping key seen twice: GitHub and compose refuse the file, and the first value
        would hide behind the second (a shadowed `run:` could hide an injection)."""
        message = (
            f"duplicate key {str(key)!r} at column {second.column + 1} "
            f"(first at line {first.line + 1})"
        )
        raise InputError(self.path, message, second.line + 1)

    def _scalar(self, event):
        text, style = event.value, event.style
        if style:  # quoted or block: always a string (plain is None or "")
            result = YamlStr(text)
            result.style = style
        else:
            result = _plain_scalar(text)
            if result is None or result is True or result is False:
                return result
        if style or "\n" in text:
            if self.source is None:
                self.source = _SourceText(self.text)
            result._file = self.source
            result._end_line = event.end_mark.line + 1
        result._mark = event.start_mark
        return result


def _plain_scalar(text):
    if text in _KEYWORDS or not text:  # null (also the empty scalar) or a boolean
        return _KEYWORDS.get(text)
    if text[0] in _NUMBER_STARTS:
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
