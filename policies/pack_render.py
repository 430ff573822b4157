"""Write a starter pack (policies/pack_init.py) as YAML, each guessed value commented.

Pure: returns text. Strings are written plain when YAML reads them back as the
same string, else double-quoted (JSON's quoting is valid YAML); lists and
mappings inside a value are written in flow style.

>>> from driftgate.policies.pack_init import Found
>>> print(render({"name": Found("starter", "name the pack"), "version": Found(1)}), end="")
name: starter  # guessed: name the pack
version: 1
"""

import json
import re

GUESSED = "# guessed"
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./@ -]*")
_RESERVED = re.compile(r"(?i)(true|false|yes|no|on|off|null|~|y|n|[-+.\d][\d._eE+-]*)")

HEADER = """\
# A starter policy pack written by `driftgate init` from this repository's
# workflows and compose files. Values marked `{guessed}` were not found: check them.
# Every field is documented in driftgate's docs/packs.md; check the pack with
#   driftgate pack check {path}
"""

CONFIG = """\
# driftgate lint config, written by `driftgate init`. See docs/lint.md.
version: 1
pack: {path}
"""


def render(tree, indent=0):
    """YAML lines for a mapping whose leaves are Found values."""
    lines = []
    pad = "  " * indent
    for key, value in tree.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{scalar(key)}:")
            lines.append(render(value, indent + 1))
            continue
        line = f"{pad}{scalar(key)}: {flow(value.value)}"
        lines.append(f"{line}  {GUESSED}: {value.note}" if value.note else line)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines if line)


def render_pack(starter, path):
    return HEADER.format(guessed=GUESSED, path=path) + render(starter.pack)


def render_config(pack_path):
    return CONFIG.format(path=scalar(pack_path))


def flow(value):
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    return scalar(value)


def scalar(value):
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and not _RESERVED.fullmatch(text) and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)
