"""Reading one YAML plan file safely, fast, and with positions on demand.

libyaml (``CSafeLoader``'s parser, pure Python as a fallback) composes the
node tree; a walker of our own (:mod:`.walker`) turns nodes into plain Python
data. The walker replaces PyYAML's constructor because it must refuse what
PyYAML silently accepts (duplicate keys keep the last value; merge keys; tags;
keys that are not text) and because it is faster. Nothing is ever constructed
from a tag beyond PyYAML's plain scalars.

Positions are not kept on the fast path. When a file has problems,
:class:`Locator` composes it again and follows a path of keys/indices to the
node, which carries line and column.
"""

from __future__ import annotations

import operator
import os
import stat
from dataclasses import dataclass
from typing import Any

import yaml

from . import tabs
from .anchors import anchors
from .diagnostics import Loc, Problem
from .tabs import Recovery
from .walker import IMPLICIT, MAP, MAX_ALIAS_NODES, MAX_DEPTH, NULL, SEQ, STR, AliasBomb, Walker, scalar_tag

__all__ = ["MAX_ALIAS_NODES", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_FILE_VALUES", "Loader", "Locator", "Source",
           "blob_text", "decode", "load_source", "parse", "read_text", "source_from_text"]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
WITH_LIBYAML = _BaseLoader is not yaml.SafeLoader


class Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader with a faster implicit-tag resolver.

    libyaml's parser calls back into Python to resolve every scalar's tag;
    PyYAML's general resolver (path resolvers, list concatenation per call)
    then costs more than the parsing itself. Plan files use no path
    resolvers, so a table lookup by first character gives the same tags
    (tests compare both on every kind of scalar) at a fraction of the cost.
    """

    _first: dict[str, tuple] = IMPLICIT

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self._first.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return STR
        return SEQ if kind is yaml.SequenceNode else MAP

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


class Composer(Loader):
    """The loader for the walker: leaves implicit tags unresolved, for the walker to resolve.

    libyaml calls ``resolve`` for every node, from C; even the table lookup above costs a
    Python frame, a dictionary lookup and often a regular expression per scalar (composing
    the 10,000-measure benchmark plan took 3.4 s with it, 2.1 s without). Here it only hands
    back libyaml's own ``implicit`` flags: a scalar's ``tag`` is then ``(plain_implicit,
    quoted_implicit)`` and a collection's a bool, and the walker resolves a scalar's tag only
    when it reads the scalar (``walker.scalar_tag``; numbers, dates and keys that look like
    them are the minority). Nodes from here are for the walker, positions (``Locator``) and
    anchors only: nothing else reads their tags.
    """

    @staticmethod
    def resolve(kind, value, implicit):
        return implicit

    # Called around every node too, and do nothing without path resolvers: C builtins that
    # ignore their arguments (not descriptors, so not bound) cost less than a Python no-op.
    descend_resolver = operator.is_  # (parent, index) -> bool, unused
    ascend_resolver = tuple  # () -> (), unused


# Limits against hostile input. Plan files are small: a state-wide plan with
# 10,000 measures keeps each file far below these.
MAX_FILE_BYTES = int(os.environ.get("ISEK_MAX_FILE_BYTES", 32 * 1024 * 1024))
# The composed node tree costs hundreds of bytes per value; a file within the
# size limit but dense with tiny values ("[0,0,0,…]") is refused before parsing.
MAX_FILE_VALUES = int(os.environ.get("ISEK_MAX_FILE_VALUES", 1_500_000))
# MAX_DEPTH (nesting) and MAX_ALIAS_NODES (alias expansion) are the walker's.


@dataclass(slots=True)
class Source:
    """One plan file as read: its text (None if unreadable) and data."""

    rel: str
    text: str | None
    data: Any
    problems: list[Problem]
    # Set when a tab in indentation was read past: the copy that was read, for positions.
    recovery: Recovery | None = None
    # The composed document, kept only for a write's candidate (its diagnostics are positioned
    # right after: no second compose of a large progress file); never cached.
    node: Any = None
    # A progress file's lists: where a write appends to each (see ``anchors``); cached with it.
    anchors: dict | None = None


def read_text(path: str, rel: str) -> tuple[str | None, list[Problem]]:
    """Read a plan file as UTF-8 text, refusing what is not a small regular file."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return None, [Problem("E114", Loc(rel), f"cannot read file: {exc.strerror}", "check the file's permissions")]
    if not stat.S_ISREG(st.st_mode):
        return None, [Problem("E113", Loc(rel), "not a regular file", "plan files must be ordinary files; remove or rename it")]
    if st.st_size > MAX_FILE_BYTES:
        return None, [Problem(
            "E107", Loc(rel), f"file is {st.st_size:,} bytes, more than the limit of {MAX_FILE_BYTES:,}",
            "split the content into several files, or raise ISEK_MAX_FILE_BYTES if the file is genuine")]
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [Problem("E114", Loc(rel), f"cannot read file: {exc.strerror}", "check the file's permissions")]
    if len(raw) > MAX_FILE_BYTES:  # grew since stat
        return None, [Problem("E107", Loc(rel), "file is larger than the size limit", "split the content into several files")]
    return decode(raw, rel)


def decode(raw: bytes, rel: str) -> tuple[str | None, list[Problem]]:
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark is not content
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        return None, [Problem(
            "E101", Loc(rel), f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            "save the file as UTF-8 (in most editors: 'Save with encoding' → UTF-8)", line=line, col=col)]
    return text, []


def blob_text(rel: str, data: bytes) -> str | list[Problem]:
    """A plan file's text from its bytes (a git blob), or the problems that keep it from being one."""
    if len(data) > MAX_FILE_BYTES:
        return [Problem("E107", Loc(rel), "file is larger than the size limit", "split the content into several files",
                        line=1, col=1)]
    text, problems = decode(data, rel)
    return text if text is not None else problems


def parse(text: str, rel: str) -> tuple[Any, list[Problem]]:
    """Parse text into plain data; problems carry their own positions."""
    data, problems, *_ = _parse(text, rel)
    return data, problems


def _parse(text: str, rel: str, keep_node: bool = False) -> tuple[Any, list[Problem], Recovery | None, Any, Any]:
    estimate = _value_estimate(text)
    if estimate > MAX_FILE_VALUES:
        return None, [Problem(
            "E107", Loc(rel), f"file holds about {estimate:,} values, more than the limit of {MAX_FILE_VALUES:,}",
            "split the content into several files, or raise ISEK_MAX_FILE_VALUES if the file is genuine",
            line=1, col=1)], None, None, None
    node, problems = _compose(text, rel)
    if problems and problems[0].code == "E103":
        return (*_recover(text, rel, problems[0]), None, None)
    if problems:
        return None, problems, None, None, None
    data, problems = _walk(node, text, rel)
    found = anchors(text, node) if rel.startswith("progress/") else None
    return data, problems, None, (node if keep_node else None), found


def _compose(text: str, rel: str) -> tuple[yaml.Node | None, list[Problem]]:
    loader = Composer(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, rel)]
    except yaml.reader.ReaderError as exc:
        return None, [_reader_problem(exc, text, rel)]
    except yaml.YAMLError as exc:  # other unmarked errors (not seen so far)
        return None, [Problem("E102", Loc(rel), f"YAML error: {exc}", "fix the YAML syntax", line=1, col=1)]
    except RecursionError:
        return None, [Problem("E110", Loc(rel), "nesting too deep", "plan files need only a few levels", line=1, col=1)]
    finally:
        loader.dispose()
    # Empty is what YAML finds empty: no document, or one without content ('---' alone);
    # not Python's idea of blank (a file of U+00A0 is the text '\xa0' to YAML).
    if node is None or (type(node) is yaml.ScalarNode and scalar_tag(node) == NULL and not node.value and not node.style):
        return None, [Problem("E108", Loc(rel), "file is empty", "write the file's content, or delete the file", line=1, col=1)]
    return node, []


def _walk(node: yaml.Node, text: str, rel: str) -> tuple[Any, list[Problem]]:
    walker = Walker(rel, track_aliases="&" in text, text=text)
    try:
        data = walker.value(node, 0)
    except AliasBomb:
        return None, walker.problems
    return data, walker.problems


def _recover(text: str, rel: str, tab: Problem) -> tuple[Any, list[Problem], Recovery | None]:
    """E103 at its spot, then the file's other problems, read from a copy with spaces for tabs.

    Without this the first tab would hide everything else in the file. If no copy
    parses, E103 stands alone as before.
    """
    lines = tabs.tab_lines(text)
    others = [n for n in lines if n != tab.line]
    if others:
        shown = ", ".join(map(str, others[:5])) + (", …" if len(others) > 5 else "")
        tab.hint += f" (also on line{'s' if len(others) > 1 else ''} {shown})"
    for recovery in tabs.candidates(text):
        node, problems = _compose(recovery.text, rel)
        if problems:
            continue
        data, problems = _walk(node, recovery.text, rel)
        for p in problems:
            if p.line is not None and p.col is not None:
                p.col = recovery.column(p.line, p.col)
        return data, [tab, *problems], recovery
    return None, [tab], None


def _value_estimate(text: str) -> int:
    """An upper bound of the values in a text, counted at C speed (no parsing)."""
    if len(text) <= MAX_FILE_VALUES:  # each counted mark is at least one character: no need to count
        return len(text)
    return (text.count("\n") + text.count(",") + text.count("[") + text.count("{")
            + text.count("- ") + text.count(": "))


def _reader_problem(exc: yaml.reader.ReaderError, text: str, rel: str) -> Problem:
    """A character YAML does not allow anywhere (control characters, U+FFFE …).

    libyaml counts the position in bytes, PyYAML's reader in characters; the
    reader stops at the first unacceptable character, so its first occurrence is the spot.
    """
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character or "")
    at = text.find(char) if char else -1
    line, col = (text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1) if at >= 0 else (1, 1)
    return Problem("E102", Loc(rel), f"the character U+{ord(char) if char else 0:04X} is not allowed in YAML",
                   "remove it (control characters often come from copying text out of other programs)",
                   line=line, col=col)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, rel: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "syntax error"
    if "expected a single document" in problem or "but found another document" in str(exc):
        return Problem("E112", Loc(rel), "more than one YAML document in the file",
                       "a plan file holds one document; remove the extra '---' line", line=line, col=col)
    if "maximum nesting depth" in problem:
        return Problem("E110", Loc(rel), "nesting too deep", "plan files need only a few levels", line=line, col=col)
    lines = text.splitlines()
    tab_here = mark is not None and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]
    if tab_here or "'\\t'" in problem:
        tab_col = lines[mark.line].find("\t") + 1 if tab_here else col
        return Problem("E103", Loc(rel), "tab character in indentation",
                       "YAML allows only spaces for indentation; replace the tab with spaces", line=line, col=tab_col)
    context = f" ({exc.context})" if exc.context else ""
    return Problem("E102", Loc(rel), f"YAML syntax error: {problem}{context}",
                   _syntax_hint(problem), line=line, col=col)


def _syntax_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return "a text containing ': ' must be quoted, e.g. title: \"Ziel: mehr Grün\""
    if "could not find expected ':'" in problem:
        return "each key needs a colon and a space, e.g. 'title: Text'; check the indentation"
    if "found undefined alias" in problem or "found unknown escape" in problem:
        return "quote the text, e.g. note: \"*Sternchen* am Anfang\""
    if "did not find expected" in problem or "block end" in problem:
        return "check the indentation: list items and keys at the same level must start in the same column"
    return "check quotes, colons and indentation around this position"


def _compose_quietly(text: str) -> yaml.Node | None:
    loader = Composer(text)  # positions only: no tag is read
    try:
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


def load_source(path: str, rel: str) -> Source:
    text, problems = read_text(path, rel)
    if text is None:
        return Source(rel, None, None, problems)
    return source_from_text(text, rel)


def source_from_text(text: str, rel: str, keep_node: bool = False) -> Source:
    return Source(rel, text, *_parse(text, rel, keep_node))


class Locator:
    """Find line and column for a path in one file, composing it only once.

    A file with a tab in its indentation is composed from its recovered copy
    (given, or found again here) and columns are shifted back to the user's text.
    """

    def __init__(self, text: str, recovery: Recovery | None = None, root: yaml.Node | None = None) -> None:
        self.text = text
        self.recovery = recovery
        self._root: yaml.Node | None | bool = False if root is None else root
        self._index: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}
        self.lines = text.splitlines()

    @property
    def root(self) -> yaml.Node | None:
        if self._root is False:
            self._root = _compose_quietly(self.recovery.text if self.recovery else self.text)
            if self._root is None and self.recovery is None and "\t" in self.text:
                for recovery in tabs.candidates(self.text):
                    self._root = _compose_quietly(recovery.text)
                    if self._root is not None:
                        self.recovery = recovery
                        break
        return self._root  # type: ignore[return-value]

    def spot(self, node: yaml.Node) -> tuple[int, int]:
        """A node's 1-based line and column in the user's text."""
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        return line, self.recovery.column(line, col) if self.recovery else col

    def node(self, path: tuple[str | int, ...], key: bool = False) -> tuple[yaml.Node | None, bool]:
        """The node at ``path`` (or its key node); ``exact`` is False when the path ran out."""
        node = self.root
        if node is None:
            return None, False
        for i, seg in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, yaml.MappingNode) and isinstance(seg, str):
                found = self._keys(node).get(seg)
                if found is None:
                    return node, False
                node = found[0] if (last and key) else found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(seg, int) and 0 <= seg < len(node.value):
                node = node.value[seg]
            else:
                return node, False
        return node, True

    def _keys(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """A mapping's (key, value) nodes by key, built once (100,000 unknown keys: 100,000 lookups)."""
        index = self._index.get(id(node))
        if index is None:
            index = self._index[id(node)] = {}
            for pair in node.value:
                if isinstance(pair[0], yaml.ScalarNode):
                    index.setdefault(pair[0].value, pair)  # the first of duplicate keys
        return index

    def position(self, path: tuple[str | int, ...], key: bool = False) -> tuple[int, int]:
        node, _ = self.node(path, key)
        if node is None:
            return 1, 1
        return self.spot(node)

    def excerpt(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""
