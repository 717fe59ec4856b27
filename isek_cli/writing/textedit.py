"""Inserting entries into a progress file's text without touching anything else.

The contract: a write inserts text at the end of its list (``updates:`` or
``values:``), wherever that list stands; every existing byte stays as it was.
The only exception is an empty flow list (``updates: []``), which becomes a
block list. YAML is never re-dumped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import yaml

from ..plan.anchors import Anchor, block_anchor, line_start
from ..plan.source import Loader

# Keys in the order a person writes them.
KEY_ORDER = {
    "updates": ("measure", "date", "status", "percent", "note", "spent_eur"),
    "values": ("indicator", "value", "date", "area"),
    "drawdowns": ("grant", "date", "eur"),
}

_PLAIN = re.compile(r"^[A-Za-z0-9ÄÖÜäöüß][A-Za-z0-9ÄÖÜäöüß .,;()/%€+_-]*$")
_resolver = yaml.resolver.Resolver()


# Line breaks YAML knows besides LF and CRLF (libyaml counts them as line ends).
_OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")
_LONE_CR = re.compile("\r(?!\n)")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


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
    return text if plain_ok else double_quoted(text)


# Characters YAML may not hold raw, or reads as line breaks, in a double-quoted scalar.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x85": "\\N",
            "\u2028": "\\L", "\u2029": "\\P", "\x00": "\\0", "\x07": "\\a", "\x08": "\\b", "\x0b": "\\v",
            "\x0c": "\\f", "\x1b": "\\e"}


def _printable(ch: str) -> bool:
    o = ord(ch)
    return (0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF)


def double_quoted(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text``."""
    out = []
    for ch in text:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02X}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(f"\\U{ord(ch):08X}")
    return '"' + "".join(out) + '"'



def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)  # the shortest text that reads back as exactly this float
    if "e" in text:
        mantissa, exponent = text.split("e")
        # YAML 1.1 floats need a dot in the mantissa and a sign in the exponent.
        if "." not in mantissa:
            mantissa += ".0"
        if exponent[0] not in "+-":
            exponent = "+" + exponent
        text = f"{mantissa}e{exponent}"
    elif _LOOKS_GROUPED.match(text):
        # 57.800 would read like a German thousands separator (check warns, W411): one more
        # digit reads back as the same number and is unambiguous.
        text += "0"
    return text


# One to three digits, a dot, exactly three digits: how Germans write 57800 (contract v2).
_LOOKS_GROUPED = re.compile(r"^-?\d{1,3}\.\d{3}$")


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


def new_progress_file(year: int, *, modeline: bool = False) -> str:
    """A new year's file; with ``modeline`` (the plan has a .schema/ folder) editors check it too."""
    from ..plan.schema import with_modeline

    text = f"year: {year}\nupdates: []\nvalues: []\n"
    return with_modeline(f"progress/{year}.yaml", text) if modeline else text


def _compose(text: str) -> yaml.Node:
    loader = Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def insert(text: str, list_key: str, entries: list[dict[str, Any]], anchor: Anchor | None = None) -> str:
    """Return ``text`` with ``entries`` appended to the top-level list ``list_key``.

    ``anchor``: where that list ends, found when ``text`` itself was parsed (``plan/anchors``);
    then the text is not composed again here."""
    if not entries:
        return text
    if "\r" in text and "\n" not in text and not _OTHER_BREAKS.search(text):
        # Old Mac line endings (CR only): edit with LF, a one-to-one swap, and swap back.
        return insert(text.replace("\r", "\n"), list_key, entries).replace("\n", "\r")
    odd = _OTHER_BREAKS.search(text) or _LONE_CR.search(text)
    if odd:  # YAML breaks lines there too; the positions below count LF: refuse rather than guess
        line = len(_YAML_BREAK.findall(text, 0, odd.start())) + 1
        what = "a lone carriage return (CR)" if odd.group() == "\r" else f"the line separator U+{ord(odd.group()):04X}"
        raise EditError(f"line {line} ends in {what} while other lines end in LF; save the file with one kind of "
                        "line ending (LF or CRLF)")
    if anchor is not None:
        return _insert_at(text, anchor, list_key, entries)
    root = _compose(text)
    if not isinstance(root, yaml.MappingNode):
        raise EditError("the file's top level is not a mapping")
    pair = next(((k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == list_key), None)
    if pair is None and list_key in OPTIONAL_LISTS:
        return _append_list(text, list_key, entries)
    if pair is None:
        raise EditError(f"the file has no '{list_key}:' list")
    key_node, seq = pair
    if not isinstance(seq, yaml.SequenceNode):
        raise EditError(f"'{list_key}:' is not a list")
    if seq.flow_style:
        return _insert_flow(text, key_node, seq, list_key, entries)
    return _insert_block(text, seq, list_key, entries)


# Lists a progress file may lack (contract v2): the first entry adds the key at the end of the file.
OPTIONAL_LISTS = ("drawdowns",)


def _append_list(text: str, list_key: str, entries: list[dict]) -> str:
    """A new top-level list after everything else: a pure insertion at the end of the file."""
    body = f"{list_key}:\n" + "".join("  - " + _flow_item(e, list_key) + "\n" for e in entries)
    prefix = "" if not text or text.endswith("\n") else "\n"
    return text + _newlines(prefix + body, text)


def _newlines(body: str, text: str) -> str:
    """Inserted lines end like the file's lines (a Windows-edited file keeps CRLF)."""
    return body.replace("\n", "\r\n") if "\r\n" in text else body


def _insert_block(text: str, seq: yaml.SequenceNode, list_key: str, entries: list[dict]) -> str:
    return _insert_at(text, block_anchor(text, seq), list_key, entries)


def _insert_at(text: str, anchor: Anchor, list_key: str, entries: list[dict]) -> str:
    at = anchor.at
    prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
    body = "".join(render_entry(e, list_key, flow=anchor.flow, dash_col=anchor.dash_col, item_col=anchor.item_col)
                   for e in entries)
    return text[:at] + _newlines(prefix + body, text) + text[at:]


def _insert_flow(text: str, key_node, seq: yaml.SequenceNode, list_key: str, entries: list[dict]) -> str:
    close = seq.end_mark.index - 1  # index of ']'
    if text[close] != "]":
        raise EditError(f"cannot find the end of the '{list_key}' list")
    if not seq.value:
        # The one permitted rewrite: '[]' becomes a block list under the key.
        dash_col = key_node.start_mark.column + 2
        body = "".join(render_entry(e, list_key, flow=False, dash_col=dash_col, item_col=dash_col + 2) for e in entries)
        # Drop the space between ':' and '[]', keep whatever follows on the line (a comment).
        cut = seq.start_mark.index
        while cut > 0 and text[cut - 1] == " ":
            cut -= 1
        nl = text.find("\n", close)
        line_end = nl if nl >= 0 else len(text)
        rest = text[close + 1: line_end].rstrip("\r")
        after = text[nl + 1:] if nl >= 0 else ""
        return text[:cut] + rest + _newlines("\n" + body, text) + after
    items = [_flow_item(e, list_key) for e in entries]
    start = line_start(text, close)
    if not text[start:close].strip():
        # ']' stands on a line of its own: the new items go on new lines before it.
        last = seq.value[-1]
        last_line = line_start(text, last.start_mark.index)
        indent = len(text[last_line:]) - len(text[last_line:].lstrip(" "))
        between = re.sub(r"#[^\n]*", "", text[last.end_mark.index:close])  # comments may hold commas
        trailing_comma = "," in between
        if trailing_comma:  # the list already ends with ',': new items follow, each with its comma
            lines = [" " * indent + item + "," for item in items]
        else:  # a comma may start the line in a flow list, so no existing line changes
            lines = [" " * indent + ", " + item for item in items]
        return text[:start] + _newlines("".join(line + "\n" for line in lines), text) + text[start:]
    # A list on one line can only grow on that line: pure insertion before ']'.
    return text[:close] + ", " + ", ".join(items) + text[close:]


def _flow_item(entry: dict, list_key: str) -> str:
    return "{" + ", ".join(f"{k}: {scalar(entry[k], flow=True)}" for k in KEY_ORDER[list_key]
                           if entry.get(k) is not None) + "}"
