"""Inserting entries into a progress file's text without touching anything else.

The contract: a write inserts text at the end of its list (``updates:`` or
``values:``), wherever that list stands; every existing byte stays as it was.
The only exception is an empty flow list (``updates: []``), which becomes a
block list. YAML is never re-dumped.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import yaml

from .yamlsrc import Loader

# Keys in the order a person writes them.
KEY_ORDER = {
    "updates": ("measure", "date", "status", "percent", "note", "spent_eur"),
    "values": ("indicator", "value", "date"),
}

_PLAIN = re.compile(r"^[A-Za-z0-9ÄÖÜäöüß][A-Za-z0-9ÄÖÜäöüß .,;()/%€+_-]*$")
_resolver = yaml.resolver.Resolver()


class EditError(Exception):
    """The file's structure does not allow a safe insertion."""


def scalar(value: Any, flow: bool = False) -> str:
    """One value as YAML text that reads back as exactly this value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    plain_ok = (
        _PLAIN.match(text)
        and not text.endswith(" ")
        and _resolver.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"
        and not (flow and re.search(r"[,\[\]{}]", text))
    )
    # A JSON string is a valid YAML double-quoted scalar (escapes included).
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:  # YAML 1.1 floats need a dot and no bare exponent
        text = f"{value:.15f}".rstrip("0")
    return text


def render_entry(entry: dict[str, Any], list_key: str, *, flow: bool, dash_col: int, item_col: int) -> str:
    keys = [k for k in KEY_ORDER[list_key] if entry.get(k) is not None]
    if flow:
        body = ", ".join(f"{k}: {scalar(entry[k], flow=True)}" for k in keys)
        return " " * dash_col + "- {" + body + "}\n"
    lines = []
    for i, k in enumerate(keys):
        prefix = " " * dash_col + "- " + " " * max(0, item_col - dash_col - 2) if i == 0 else " " * item_col
        lines.append(f"{prefix}{k}: {scalar(entry[k])}\n")
    return "".join(lines)


def new_progress_file(year: int) -> str:
    return f"year: {year}\nupdates: []\nvalues: []\n"


def _compose(text: str) -> yaml.Node:
    loader = Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def insert(text: str, list_key: str, entries: list[dict[str, Any]]) -> str:
    """Return ``text`` with ``entries`` appended to the top-level list ``list_key``."""
    if not entries:
        return text
    root = _compose(text)
    if not isinstance(root, yaml.MappingNode):
        raise EditError("the file's top level is not a mapping")
    pair = next(((k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == list_key), None)
    if pair is None:
        raise EditError(f"the file has no '{list_key}:' list")
    key_node, seq = pair
    if not isinstance(seq, yaml.SequenceNode):
        raise EditError(f"'{list_key}:' is not a list")
    if seq.flow_style:
        return _insert_flow(text, key_node, seq, list_key, entries)
    return _insert_block(text, seq, list_key, entries)


def _newlines(body: str, text: str) -> str:
    """Inserted lines end like the file's lines (a Windows-edited file keeps CRLF)."""
    return body.replace("\n", "\r\n") if "\r\n" in text else body


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _insert_block(text: str, seq: yaml.SequenceNode, list_key: str, entries: list[dict]) -> str:
    first, last = seq.value[0], seq.value[-1]
    item_col = first.start_mark.column
    line_start = _line_start(text, first.start_mark.index)
    dash = text.find("-", line_start, first.start_mark.index)
    dash_col = dash - line_start if dash >= 0 else max(0, item_col - 2)
    flow = isinstance(first, yaml.MappingNode) and bool(first.flow_style)
    if isinstance(first, yaml.MappingNode) and not first.flow_style and first.value:
        item_col = first.value[0][0].start_mark.column
    # Insert after the line on which the last item's last value ends. (A
    # collection's own end mark can lie past trailing comments that belong to
    # what follows, so the last scalar decides.)
    tail = _last_scalar(last)
    end = tail.end_mark.index
    if end > 0 and tail.end_mark.column == 0:
        at = end  # the item's text already ends with its newline (e.g. block scalars)
    else:
        nl = text.find("\n", end)
        at = len(text) if nl < 0 else nl + 1
    # Blank lines a block scalar swallowed stay below the new entry, as separators.
    header = text[tail.start_mark.index: text.find("\n", tail.start_mark.index)]
    keep = "+" in header and header.lstrip()[:1] in "|>"  # '|+' keeps trailing blank lines as content
    while not keep and at > tail.start_mark.index and text[at - 1] == "\n":
        prev = _line_start(text, at - 1)
        if text[prev:at - 1].strip() or prev <= tail.start_mark.index:
            break
        at = prev
    prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
    body = "".join(render_entry(e, list_key, flow=flow, dash_col=dash_col, item_col=item_col) for e in entries)
    return text[:at] + _newlines(prefix + body, text) + text[at:]


def _last_scalar(node: yaml.Node) -> yaml.Node:
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value and not node.flow_style:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    return node


def _insert_flow(text: str, key_node, seq: yaml.SequenceNode, list_key: str, entries: list[dict]) -> str:
    close = seq.end_mark.index - 1  # index of ']'
    if text[close] != "]":
        raise EditError(f"cannot find the end of the '{list_key}' list")
    if not seq.value:
        # The one permitted rewrite: '[]' becomes a block list under the key.
        dash_col = key_node.start_mark.column + 2
        body = "".join(render_entry(e, list_key, flow=False, dash_col=dash_col, item_col=dash_col + 2) for e in entries)
        start = seq.start_mark.index
        # Drop the space between ':' and '[]', keep whatever follows on the line (a comment).
        cut = start
        while cut > 0 and text[cut - 1] == " ":
            cut -= 1
        nl = text.find("\n", close)
        rest = text[close + 1: nl if nl >= 0 else len(text)]
        after = text[nl + 1:] if nl >= 0 else ""
        nl_text = "\r\n" if text[nl - 1: nl] == "\r" else "\n"
        if rest.endswith("\r"):
            rest = rest[:-1]
        return text[:cut] + rest + _newlines("\n" + body, nl_text) + after
    inner = ", ".join("{" + ", ".join(f"{k}: {scalar(e[k], flow=True)}" for k in KEY_ORDER[list_key]
                                      if e.get(k) is not None) + "}" for e in entries)
    return text[:close] + ", " + inner + text[close:]
