"""Where a new entry goes at the end of a block list, found from the composed document.

A write appends entries to a progress file's ``updates:``, ``values:`` or ``drawdowns:``
without touching any other byte (``writing/textedit``). The place and the indentation depend
only on the file's text, so they are worked out when the file is parsed anyway and kept with
it (``Source.anchors``, cached with the file): a write to a file read before need not compose
the whole file again to find them. The write's candidate is parsed in full and must read back
as the old entries plus the new ones, as before.
"""

from __future__ import annotations

from typing import NamedTuple

import yaml

LISTS = ("updates", "values", "drawdowns")


class Anchor(NamedTuple):
    at: int  # the text index where new entries are inserted (a line start, or the text's end)
    dash_col: int  # column of an item's '-'
    item_col: int  # column of an item's keys
    flow: bool  # items are flow mappings ({measure: …, date: …})


def block_anchor(text: str, seq: yaml.SequenceNode) -> Anchor:
    """The anchor of a non-empty block sequence ``seq`` of ``text``."""
    first, last = seq.value[0], seq.value[-1]
    item_col = first.start_mark.column
    start = line_start(text, first.start_mark.index)
    dash = text.find("-", start, first.start_mark.index)
    dash_col = dash - start if dash >= 0 else max(0, item_col - 2)
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
        prev = line_start(text, at - 1)
        if text[prev:at - 1].strip() or prev <= tail.start_mark.index:
            break
        at = prev
    return Anchor(at, dash_col, item_col, flow)


def anchors(text: str, root: yaml.Node | None) -> dict[str, Anchor] | None:
    """The anchor of each top-level list of a progress file that is a non-empty block list."""
    if not isinstance(root, yaml.MappingNode):
        return None
    found = {}
    for key, value in root.value:
        if (isinstance(key, yaml.ScalarNode) and key.value in LISTS and isinstance(value, yaml.SequenceNode)
                and not value.flow_style and value.value and key.value not in found):
            found[key.value] = block_anchor(text, value)
    return found


def line_start(text: str, index: int) -> int:
    """Where the line holding ``index`` starts."""
    return text.rfind("\n", 0, index) + 1


def _last_scalar(node: yaml.Node) -> yaml.Node:
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value and not node.flow_style:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    return node
