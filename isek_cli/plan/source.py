"""Reading one YAML plan file safely, fast, and with positions on demand.

libyaml (``CSafeLoader``'s parser, pure Python as a fallback) composes the
node tree; a small walker of our own turns nodes into plain Python data. The
walker replaces PyYAML's constructor because it must refuse what PyYAML
silently accepts (duplicate keys keep the last value; merge keys; tags) and
because it is faster. Nothing is ever constructed from a tag.

Positions are not kept on the fast path. When a file has problems,
:class:`Locator` composes it again and follows a path of keys/indices to the
node, which carries line and column.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from .diagnostics import Loc, Problem

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

    _first: dict[str, tuple] = {}

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


def _first_char_table() -> dict[str, tuple]:
    table = yaml.SafeLoader.yaml_implicit_resolvers
    wildcard = list(table.get(None, []))
    return {k: tuple(v) + tuple(wildcard) for k, v in table.items() if k is not None}


assert not yaml.SafeLoader.yaml_path_resolvers, "the fast resolver assumes no path resolvers"

# Limits against hostile input. Plan files are small: a state-wide plan with
# 10,000 measures keeps each file far below these.
MAX_FILE_BYTES = int(os.environ.get("ISEK_MAX_FILE_BYTES", 32 * 1024 * 1024))
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000
# The composed node tree costs hundreds of bytes per value; a file within the
# size limit but dense with tiny values ("[0,0,0,…]") is refused before parsing.
MAX_FILE_VALUES = int(os.environ.get("ISEK_MAX_FILE_VALUES", 1_500_000))

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, TIMESTAMP = (_T + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
MAP, SEQ = _T + "map", _T + "seq"
_SCALAR = yaml.ScalarNode
_MAPPING = yaml.MappingNode

Loader._first = _first_char_table()
_intern = sys.intern
# Tags a key may carry: what plain (untagged) scalars resolve to, or an explicit !!str.
_PLAIN_TAGS = frozenset((STR, INT, FLOAT, BOOL, NULL, TIMESTAMP))
_constructor = SafeConstructor()
_CONVERT = {
    INT: _constructor.construct_yaml_int,
    FLOAT: _constructor.construct_yaml_float,
    BOOL: _constructor.construct_yaml_bool,
    TIMESTAMP: _constructor.construct_yaml_timestamp,
}


@dataclass(slots=True)
class Source:
    """One plan file as read: its text (None if unreadable) and data."""

    rel: str
    text: str | None
    data: Any
    problems: list[Problem]


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


def parse(text: str, rel: str) -> tuple[Any, list[Problem]]:
    """Parse text into plain data; problems carry their own positions."""
    if not text.strip() or _only_comments(text):
        return None, [Problem("E108", Loc(rel), "file is empty", "write the file's content, or delete the file", line=1, col=1)]
    estimate = _value_estimate(text)
    if estimate > MAX_FILE_VALUES:
        return None, [Problem(
            "E107", Loc(rel), f"file holds about {estimate:,} values, more than the limit of {MAX_FILE_VALUES:,}",
            "split the content into several files, or raise ISEK_MAX_FILE_VALUES if the file is genuine",
            line=1, col=1)]
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, rel)]
    except yaml.YAMLError as exc:  # unmarked errors (rare: reader/encoding)
        return None, [Problem("E102", Loc(rel), f"YAML error: {exc}", "fix the YAML syntax", line=1, col=1)]
    except RecursionError:
        return None, [Problem("E110", Loc(rel), "nesting too deep", "plan files need only a few levels", line=1, col=1)]
    finally:
        loader.dispose()
    if node is None:
        return None, [Problem("E108", Loc(rel), "file is empty", "write the file's content, or delete the file", line=1, col=1)]
    walker = _Walker(rel, track_aliases="&" in text, text=text)
    try:
        data = walker.value(node, 0)
    except _AliasBomb:
        return None, walker.problems
    return data, walker.problems


def _value_estimate(text: str) -> int:
    """An upper bound of the values in a text, counted at C speed (no parsing)."""
    return (text.count("\n") + text.count(",") + text.count("[") + text.count("{")
            + text.count("- ") + text.count(": "))


def _only_comments(text: str) -> bool:
    return all(not ln.strip() or ln.lstrip().startswith("#") or ln.strip() in ("---", "...") for ln in text.splitlines())


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


class _Walker:
    """Turn a composed node tree into dicts, lists and scalars, reporting problems."""

    __slots__ = ("rel", "problems", "seen", "alias_nodes", "dates", "count", "text")

    def __init__(self, rel: str, track_aliases: bool = True, text: str = "") -> None:
        self.rel, self.text = rel, text
        self.problems: list[Problem] = []
        # Without an anchor ('&') in the text no node can occur twice: skip the bookkeeping.
        self.seen: dict[int, tuple[Any, int]] | _NoAliases = {} if track_aliases else _NoAliases()
        self.alias_nodes = 0
        self.dates: dict[str, Any] = {}
        self.count = 0  # values produced so far, aliases expanded

    def problem(self, code: str, node: yaml.Node, message: str, hint: str) -> None:
        m = node.start_mark
        self.problems.append(Problem(code, Loc(self.rel), message, hint, line=m.line + 1, col=m.column + 1))

    def value(self, node: yaml.Node, depth: int) -> Any:
        if type(node) is _SCALAR:
            self.count += 1
            tag = node.tag
            if tag == STR:
                value = node.value
                # Ids, statuses and keys repeat thousands of times: one object each
                # saves memory and makes the cache smaller and faster.
                return _intern(value) if len(value) <= 64 else value
            if tag == TIMESTAMP:
                d = self.dates.get(node.value)
                if d is None:
                    try:
                        d = self.dates[node.value] = _CONVERT[TIMESTAMP](node)
                    except (ValueError, ConstructorError, OverflowError):
                        self.problem("E204", node, f"'{node.value}' is not a valid date",
                                     "write a real calendar date as YYYY-MM-DD")
                        return node.value
                return d
            conv = _CONVERT.get(tag)
            if conv is not None:
                if self.text[node.start_mark.index:node.start_mark.index + 2].strip() == "!":  # '! 2024'
                    self.problem("E105", node, f"the tag '!' makes YAML read '{node.value[:40]}' as text",
                                 "remove the '!' (it turns any value into text)")
                    return node.value
                if (tag == INT and not _DECIMAL.match(node.value)) or (tag == FLOAT and ":" in node.value):
                    from .shape import not_decimal  # 0x1F, 017, 1:30: YAML 1.1's surprises are explained there

                    self.problem("E204", node, *not_decimal(node.value, lambda: conv(node)))
                    return node.value
                try:
                    return conv(node)
                except (ValueError, ConstructorError, OverflowError):
                    self.problem("E204", node, f"'{node.value}' is not a valid {tag[len(_T):]}",
                                 "correct the value, or quote it if it is meant as text")
                    return node.value
            if tag == NULL:
                return None
            return self._bad_tag(node)
        if depth >= MAX_DEPTH:
            self.problem("E110", node, "nesting too deep", "plan files need only a few levels")
            return None
        key = id(node)
        seen = self.seen.get(key)
        if seen is not None:  # an alias: the same node object again
            data, size = seen
            if size < 0:
                self.problem("E106", node, "an alias refers to a mapping or list that contains it",
                             "write the values out; recursive anchors are not allowed")
                return None
            # Count what the alias stands for, expanded: nested aliases multiply.
            self.count += size
            self.alias_nodes += size
            if self.alias_nodes > MAX_ALIAS_NODES:
                self.problem("E106", node, "aliases expand to too many values",
                             "write the values out instead of repeating anchors (*alias)")
                raise _AliasBomb
            return data
        before = self.count
        self.count += 1
        if type(node) is _MAPPING:
            if node.tag != MAP:
                return self._bad_tag(node)
            result: dict[str, Any] = {}
            self.seen[key] = (result, -1)  # -1: under construction
            first_line: dict[str, int] = {}
            for knode, vnode in node.value:
                if type(knode) is not _SCALAR:
                    self.problem("E111", knode, "a mapping key must be plain text", "write the key as a simple word")
                    continue
                k = knode.value
                if knode.tag == _T + "merge":
                    self.problem("E111", knode, "merge keys ('<<') are not supported in plan files",
                                 "write the keys out in full")
                    continue
                if knode.tag not in _PLAIN_TAGS:
                    self._bad_tag(knode)
                    continue
                if k in first_line:
                    self.problem("E104", knode,
                                 f"duplicate key '{k}' (first at line {first_line.get(k, '?')})",
                                 "remove one of the two; YAML would silently keep only the last")
                    continue
                first_line[k] = knode.start_mark.line + 1
                result[_intern(k)] = self.value(vnode, depth + 1)
            self.seen[key] = (result, self.count - before)
            return result
        if node.tag != SEQ:
            return self._bad_tag(node)
        items: list[Any] = []
        self.seen[key] = (items, -1)
        append = items.append
        for child in node.value:
            append(self.value(child, depth + 1))
        self.seen[key] = (items, self.count - before)
        return items

    def _bad_tag(self, node: yaml.Node) -> None:
        self.problem("E105", node, f"tag '{node.tag}' is not allowed",
                     "remove the '!' tag; plan files hold plain text, numbers, dates, lists and mappings")
        return None


_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)\Z")  # what people write (YAML 1.1 allows '_' too)


class _AliasBomb(Exception):
    pass


class _NoAliases(dict):
    """Stands in for the alias table when a text has no anchors: remembers nothing."""

    def __setitem__(self, key, value) -> None:
        pass


def load_source(path: str, rel: str) -> Source:
    text, problems = read_text(path, rel)
    if text is None:
        return Source(rel, None, None, problems)
    return source_from_text(text, rel)


def source_from_text(text: str, rel: str) -> Source:
    data, problems = parse(text, rel)
    return Source(rel, text, data, problems)


class Locator:
    """Find line and column for a path in one file, composing it only once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: yaml.Node | None | bool = False
        self._index: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}
        self.lines = text.splitlines()

    @property
    def root(self) -> yaml.Node | None:
        if self._root is False:
            loader = Loader(self.text)
            try:
                self._root = loader.get_single_node()
            except yaml.YAMLError:
                self._root = None
            finally:
                loader.dispose()
        return self._root  # type: ignore[return-value]

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
        return node.start_mark.line + 1, node.start_mark.column + 1

    def excerpt(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""
