"""Reading past a tab in indentation: a copy of the text with spaces, and a way back.

YAML forbids tabs in indentation and libyaml stops at the first one, which
would hide every other problem of the file. The loader reports that tab (E103,
at its exact spot), then reads a copy in which each indentation holding a tab
is written with spaces, and reports the copy's problems at the user's
positions (:meth:`Recovery.column`). The copy is never written anywhere and
the file stays invalid while E103 stands.

How many spaces a tab meant is a guess; :func:`candidates` yields a few
guesses, best first, and the reader takes the first that parses. A bounded
number of candidates keeps this linear in the size of the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# The line breaks YAML counts (libyaml and PyYAML alike), kept so the copy has the same lines.
_BREAK = re.compile(r"(\r\n|[\n\r\x85\u2028\u2029])")
_INDENT = re.compile(r"[ \t]*")
# A line that opens a block scalar ("description: >-", "- |"): lines indented deeper are its text.
_BLOCK_SCALAR = re.compile(r"(?:^|[:\-]\s+)[|>][-+0-9]*\s*(?:#.*)?$")
TAB_SIZES = (8, 4, 2)  # editors' usual tab widths, after the guess from the surrounding lines


@dataclass(frozen=True, slots=True)
class Recovery:
    """The text with tabs in indentation replaced, and the lines that changed."""

    text: str
    # 1-based line -> (spaces written, characters of the user's indentation they replace)
    changed: dict[int, tuple[int, int]]

    def column(self, line: int, col: int) -> int:
        """The user's column for a 1-based column in the copy."""
        shift = self.changed.get(line)
        if shift is None:
            return col
        written, replaced = shift
        # A spot inside the rewritten indentation points at the indentation's end.
        return col - written + replaced if col > written else replaced or 1


def tab_lines(text: str) -> list[int]:
    """1-based numbers of the lines whose indentation holds a tab."""
    return [i + 1 for i, line in enumerate(_BREAK.split(text)[::2]) if "\t" in _INDENT.match(line).group()]


def candidates(text: str) -> Iterator[Recovery]:
    """Copies of ``text`` with spaces for every indentation that holds a tab, best guess first."""
    parts = _BREAK.split(text)
    lines, breaks = parts[::2], parts[1::2]
    if not any("\t" in _INDENT.match(line).group() for line in lines):
        return
    seen: set[str] = set()
    for guess in (_from_context, *(_tab_stop(n) for n in TAB_SIZES)):
        changed: dict[int, tuple[int, int]] = {}
        out = _rewrite(lines, guess, changed)
        copy = "".join(x for pair in zip(out, [*breaks, ""]) for x in pair)
        if copy not in seen:
            seen.add(copy)
            yield Recovery(copy, changed)


def _rewrite(lines: list[str], guess, changed: dict[int, tuple[int, int]]) -> list[str]:
    out: list[str] = []
    context = _Context()
    for i, line in enumerate(lines):
        indent = _INDENT.match(line).group()
        if "\t" in indent:
            width = guess(indent, line[len(indent):], context)
            line = " " * width + line[len(indent):]
            changed[i + 1] = (width, len(indent))
        context.see(line)
        out.append(line)
    return out


class _Context:
    """What the lines so far imply for the next one's indentation."""

    __slots__ = ("content", "dash", "block")

    def __init__(self) -> None:
        self.content = 0      # where the last structural line's content starts ("  - id: x" → 4)
        self.dash: int | None = None  # the column of the last list item's '-'
        self.block: int | None = None  # inside a block scalar opened by a line indented this far

    def see(self, line: str) -> None:
        body = line.lstrip(" \t")
        if not body or body.startswith("#"):
            return
        indent = len(line) - len(body)
        if self.block is not None and indent > self.block:
            return  # a line of a block scalar's text says nothing about the structure
        self.block = None
        content = indent
        if body[:1] == "-" and body[1:2] in ("", " "):
            self.dash = indent
        while body[:1] == "-" and body[1:2] in ("", " "):  # "- - x": content after every dash
            rest = body[1:].lstrip(" ")
            content += len(body) - len(rest)
            body = rest
        self.content = content
        if _BLOCK_SCALAR.search(line):
            self.block = indent


def _from_context(indent: str, body: str, context: _Context) -> int:
    """The indentation the surrounding lines imply: a list item under the last list item,
    anything else where the previous structural line's content starts (text meant for a
    block scalar fails to parse there, and a tab stop's guess gets its turn)."""
    if body[:1] == "-" and body[1:2] in ("", " ") and context.dash is not None:
        return context.dash
    return context.content


def _tab_stop(size: int):
    def guess(indent: str, body: str, context: _Context) -> int:
        return len(indent.expandtabs(size))
    return guess
