"""Turning a composed YAML node tree into plain data: PyYAML's safe construction, stricter.

For every file isek accepts, the data equals what PyYAML's safe loader (YAML
1.1) makes of it. Where PyYAML would accept something a plan must not hold,
the walker refuses it with a positioned problem instead; where PyYAML fails,
the walker reports the failure at its node. The rules (docs/plan-format.md,
"What the loader accepts") are:

- Tags: the standard tags ``!!str !!int !!float !!bool !!null !!timestamp
  !!map !!seq`` mean what they mean to PyYAML (its own constructor functions
  convert the scalars, so ``!!int "12"`` is 12 and ``!!float 1e5`` 100000.0);
  ``!!null`` on text (PyYAML would drop the text) and every other tag are
  refused (E105). A standard tag on the wrong kind of node (``!!str [a]``)
  or a value its constructor cannot read (``!!int ""``, ``!!bool foo``) is
  an error where PyYAML would raise (E105, E204).
- Keys: only text. A key YAML reads as a number, yes/no, null or a date
  (``1:``, ``yes:``, ``~:``, ``2024-01-01:``) is refused (E116), so keys are
  compared as the texts PyYAML gives them and duplicates are exact (E104).
  Complex keys and merge keys ``<<`` are refused (E111).
- Numbers: decimal digits only. An int YAML 1.1 reads in another base
  (``0x1F``, ``017``, ``0b101``, base-60 ``1:30``) or a base-60 float is
  refused with the number meant (E204), as is the non-specific tag ``!`` on a
  value PyYAML would not read as text (``! 2024``: YAML says text, libyaml a
  number; E105).
- Limits: nesting depth (E110), aliases expanding to too many values (E106).

Implicit tags are resolved here, not by the composer (``source.Composer``): a
scalar's tag is read only when it may not be text (plain, and starting with a
character one of PyYAML's implicit resolvers starts with), and each such text
is resolved once per process. Text values of a mapping are read without a call;
everything above is checked only off that path.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .diagnostics import Loc, Problem

MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, TIMESTAMP = (_T + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
MAP, SEQ, MERGE, VALUE = (_T + t for t in ("map", "seq", "merge", "value"))
_SCALAR = yaml.ScalarNode
_MAPPING = yaml.MappingNode

_intern = sys.intern
_constructor = SafeConstructor()
_CONVERT = {
    INT: _constructor.construct_yaml_int,
    FLOAT: _constructor.construct_yaml_float,
    BOOL: _constructor.construct_yaml_bool,
    TIMESTAMP: _constructor.construct_yaml_timestamp,
}
_construct_timestamp = _CONVERT[TIMESTAMP]
# What PyYAML's implicit resolver reads as null; !!null on anything else would drop text.
_NULL_WORDS = frozenset(("", "~", "null", "Null", "NULL"))
# What people write as a whole number (YAML 1.1 allows '_' too); anything else YAML 1.1 reads as
# an int is hexadecimal, octal, binary or base 60.
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)\Z")
# A plain number of one to three digits, a dot and exactly three digits: 57.800 (W411).
_GROUPED = re.compile(r"^[-+]?[1-9]\d{0,2}\.\d{3}$")


def grouped_number(raw: str) -> tuple[str, str]:
    """What ``check`` says about 57.800 (W411), message and hint; the command line says the same."""
    meant = int(raw.replace(".", ""))
    decimal = f"{float(raw):g}"
    return (f"{raw} reads as {decimal}, but looks like a German thousands separator",
            f"did you mean {meant}? write {meant} without the dot, or {decimal} if the decimal is meant")


_BASES = {"0x": "hexadecimal (base 16)", "0b": "binary (base 2)"}
_SCALAR_TAGS = frozenset((STR, INT, FLOAT, BOOL, NULL, TIMESTAMP))
_NAMES = {INT: "whole number", FLOAT: "number", BOOL: "yes/no value", TIMESTAMP: "date",
          NULL: "null value", STR: "text", MAP: "mapping", SEQ: "list"}
_KEY_READS = {INT: "a number", FLOAT: "a number", BOOL: "a yes/no value", NULL: "null (no value)",
              TIMESTAMP: "a date"}


def implicit_table() -> dict[str, tuple]:
    """PyYAML's implicit resolvers, indexed by first character (see ``source.Loader``)."""
    table = yaml.SafeLoader.yaml_implicit_resolvers
    wildcard = list(table.get(None, []))
    return {k: tuple(v) + tuple(wildcard) for k, v in table.items() if k is not None}


assert not yaml.SafeLoader.yaml_path_resolvers, "the fast resolver assumes no path resolvers"
IMPLICIT = implicit_table()


def implicit_tag(value: str) -> str:
    """The tag PyYAML gives ``value`` written plain, without a tag."""
    for tag, regexp in IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return STR


def scalar_tag(node: yaml.ScalarNode) -> str:
    """A scalar's tag, resolved (and kept on the node) if the composer left it unresolved.

    :class:`source.Composer` leaves implicit tags to the walker: a scalar's ``tag`` is then
    libyaml's ``(plain_implicit, quoted_implicit)`` pair and a collection's a bool. Only a plain
    scalar whose first character starts one of PyYAML's implicit resolvers may be other than
    text; ``Walker.value`` inlines this for every value and key.
    """
    tag = node.tag
    if tag.__class__ is tuple:
        value = node.value
        tag = node.tag = (_TAGS.get(value) or _resolve(value)) if tag[0] and value[:1] in IMPLICIT else STR
    return tag


# Plain scalars that may not be text (digits, dates, yes/no/null words; keys like 'note' and
# 'year' too) repeat thousands of times in a plan: each is resolved once per process.
_TAGS: dict[str, str] = {}
_TAGS_KEPT = 200_000


def _resolve(value: str) -> str:
    tag = implicit_tag(value)
    if len(value) <= 64:
        if len(_TAGS) >= _TAGS_KEPT:
            _TAGS.clear()
        _TAGS[value] = tag
    return tag


def shown(tag: str) -> str:
    """A tag as it is written in a file: ``!!int``, ``!custom``, ``!<tag:x.org:y>``."""
    if tag.startswith(_T):
        return "!!" + tag[len(_T):]
    return tag if tag.startswith("!") else f"!<{tag}>"


def _explicit(node: yaml.ScalarNode) -> bool:
    """Whether a scalar's tag was written in the file (plain scalars are resolved implicitly)."""
    return bool(node.style) or implicit_tag(node.value) != node.tag


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class Walker:
    """Turn a composed node tree into dicts, lists and scalars, reporting problems."""

    __slots__ = ("rel", "problems", "reported", "seen", "alias_nodes", "dates", "count", "text")

    def __init__(self, rel: str, track_aliases: bool = True, text: str = "") -> None:
        self.rel = rel
        # The text, to tell a non-specific tag ('! 2024') from a plain scalar; None without any '!'.
        self.text = text if "!" in text else None
        self.problems: list[Problem] = []
        self.reported: set[tuple] = set()  # an alias repeats its node's problem: report it once
        # Without an anchor ('&') in the text no node can occur twice: skip the bookkeeping.
        self.seen: dict[int, tuple[Any, int]] | _NoAliases = {} if track_aliases else _NoAliases()
        self.alias_nodes = 0
        self.dates: dict[str, Any] = {}
        self.count = 0  # values produced so far, aliases expanded

    def problem(self, code: str, node: yaml.Node, message: str, hint: str) -> None:
        m = node.start_mark
        spot = (code, m.line, m.column, message)
        if spot in self.reported:
            return
        self.reported.add(spot)
        self.problems.append(Problem(code, Loc(self.rel), message, hint, line=m.line + 1, col=m.column + 1))

    def _grouped(self, node: yaml.Node) -> None:
        """57.800 is YAML's 57.8, but almost always a German 57800 (contract v2: a warning)."""
        raw = node.value.lstrip("+")
        message, hint = grouped_number(raw)
        m = node.start_mark
        self.problems.append(Problem("W411", Loc(self.rel), message, hint,
                                     severity="warning", line=m.line + 1, col=m.column + 1))

    def value(self, node: yaml.Node, depth: int) -> Any:
        if type(node) is _SCALAR:
            self.count += 1
            tag = node.tag
            if tag.__class__ is tuple:  # left unresolved by the composer (source.Composer): resolved here
                tag = STR
                if node.tag[0] and node.value[:1] in IMPLICIT:  # plain (or '!'), and may not be text
                    tag = _TAGS.get(node.value) or _resolve(node.value)
                    node.tag = tag  # what the checks below (and their messages) read
            if tag == STR:
                value = node.value
                # Ids, statuses and keys repeat thousands of times: one object each
                # saves memory and makes the cache smaller and faster.
                return _intern(value) if len(value) <= 64 else value
            if self.text is not None and self._nonspecific(node):
                return node.value
            if tag == TIMESTAMP:
                d = self.dates.get(node.value)
                if d is None:
                    try:
                        d = self.dates[node.value] = _construct_timestamp(node)
                    except Exception:  # PyYAML fails here too; see _invalid
                        return self._invalid(node)
                return d
            if tag == INT and _DECIMAL.match(node.value):
                # What PyYAML's construct_yaml_int makes of a decimal, without its generic steps.
                try:
                    return int(node.value.replace("_", ""))
                except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
                    return self._invalid(node)
            conv = _CONVERT.get(tag)
            if conv is not None:
                if tag == INT or (tag == FLOAT and ":" in node.value):
                    return self._not_decimal(node, conv)
                if tag == FLOAT and not node.style and _GROUPED.match(node.value):
                    self._grouped(node)
                try:
                    return conv(node)
                except Exception:
                    return self._invalid(node)
            if tag == NULL and node.value in _NULL_WORDS:
                return None
            return self._bad_scalar(node)
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
                raise AliasBomb
            return data
        before = self.count
        self.count += 1
        if type(node) is _MAPPING:
            if node.tag.__class__ is not bool and node.tag != MAP:  # bool: implicit (source.Composer)
                self.seen[key] = (None, 1)  # reported once, however often an alias repeats it
                return self._bad_collection(node, "mapping")
            result: dict[str, Any] = {}
            self.seen[key] = (result, -1)  # -1: under construction
            texts = 0  # values of plain text, read here without a call (most values are)
            for knode, vnode in node.value:
                if type(knode) is not _SCALAR:
                    self.problem("E111", knode, "a mapping key must be plain text, not a list or mapping",
                                 "write the key as a simple word")
                    continue
                ktag = knode.tag
                if ktag.__class__ is tuple:  # scalar_tag(knode), inlined: every key passes here
                    ktag = STR
                    if knode.tag[0] and knode.value[:1] in IMPLICIT:
                        ktag = knode.tag = _TAGS.get(knode.value) or _resolve(knode.value)
                if ktag != STR and not self._text_key(knode, node.flow_style, vnode):
                    continue
                k = knode.value
                if k in result:
                    self.problem("E104", knode,
                                 f"duplicate key '{_short(k)}' (first at line {_first_line(node, k)})",
                                 "remove one of the two; YAML would silently keep only the last")
                    continue
                vtag = vnode.tag
                if vtag.__class__ is tuple and type(vnode) is _SCALAR and not (vtag[0] and vnode.value[:1] in IMPLICIT):
                    v = vnode.value  # text for certain: what value() returns for it, without the call
                    result[_intern(k)] = _intern(v) if len(v) <= 64 else v
                    texts += 1
                else:
                    result[_intern(k)] = self.value(vnode, depth + 1)
            self.count += texts
            self.seen[key] = (result, self.count - before)
            return result
        if node.tag.__class__ is not bool and node.tag != SEQ:
            self.seen[key] = (None, 1)
            return self._bad_collection(node, "list")
        items: list[Any] = []
        self.seen[key] = (items, -1)
        append = items.append
        for child in node.value:
            append(self.value(child, depth + 1))
        self.seen[key] = (items, self.count - before)
        return items

    # --- off the common path: everything PyYAML would construct differently or not at all ---

    def _text_key(self, knode: yaml.ScalarNode, flow: bool = False, vnode: yaml.Node | None = None) -> bool:
        """Whether a key whose tag is not !!str is still text; reports it if not."""
        tag, v = knode.tag, knode.value
        if tag == VALUE:  # PyYAML reads the key '=' (and any !!value key) as text
            return True
        if tag == MERGE:
            self.problem("E111", knode, "merge keys ('<<') are not supported in plan files",
                         "write the keys out in full")
            return False
        reads = _KEY_READS.get(tag)
        if reads is None:
            self._bad_tag(knode)
        elif _explicit(knode):
            self.problem("E116", knode, f"the key '{_short(v)}' carries the tag {shown(tag)}; keys must be text",
                         "remove the tag")
        elif v == "":
            self.problem("E116", knode, "a mapping key is missing (YAML reads it as null)",
                         "write a key before the ':'")
        elif flow and tag == INT and v.isdigit() and _empty(vnode):
            # {value: 15,2}: the comma ended the entry, and '2' became a key without a value.
            self.problem("E116", knode, f"the key '{v}' is a number: a decimal comma split the value before it",
                         "a comma inside { } separates entries; write decimals with a decimal point "
                         "(15.2, not 15,2)")
        else:
            self.problem("E116", knode, f"the key '{_short(v)}' is {reads} in YAML, not text",
                         f"plan keys are words; if this text is meant, quote it: \"{_short(v)}\":")
        return False

    def _nonspecific(self, node: yaml.ScalarNode) -> bool:
        """'! 2024': YAML makes any value tagged '!' text, libyaml resolves it like a plain scalar."""
        at = node.start_mark.index  # libyaml and PyYAML count characters, as str indexes do
        if self.text[at:at + 2].strip() != "!":
            return False
        self.problem("E105", node, f"the tag '!' makes YAML read '{_short(node.value)}' as text",
                     "remove the '!' (it turns any value into text)")
        return True

    def _not_decimal(self, node: yaml.ScalarNode, conv) -> str:
        """0x1F, 017, 0b101, 1:30: nobody means these in a plan, and 5,000 hex digits make a
        number no output can print. Refused with the number YAML 1.1 reads."""
        text = node.value
        meant = ""
        if len(text) <= 20:  # converting 1:1:1:… of megabytes would take hours (bigint base 60)
            try:
                meant = f"{conv(node)}"
            except Exception:  # '0x_': no number at all, and PyYAML fails too
                return self._invalid(node)
        base = _BASES.get(text.lstrip("+-")[:2].lower(), "base-60" if ":" in text else "octal (leading zero)")
        article = "an" if base[0] in "aeiou" else "a"
        self.problem("E204", node, f"YAML 1.1 reads '{_short(text)}' as {article} {base} number" + (meant and f": {meant}"),
                     f"plan files take decimal numbers{meant and ': write ' + meant}; quote the value if it is text")
        return text

    def _invalid(self, node: yaml.ScalarNode) -> str:
        """A value PyYAML's constructor for its tag cannot read (PyYAML raises there)."""
        tag = node.tag
        if tag == TIMESTAMP and not _explicit(node):
            self.problem("E204", node, f"'{_short(node.value)}' is not a valid date",
                         "write a real calendar date as YYYY-MM-DD")
        elif _explicit(node):
            self.problem("E204", node, f"'{_short(node.value)}' is not a valid {_NAMES[tag]} (tag {shown(tag)})",
                         f"correct the value, or remove the tag {shown(tag)}")
        else:
            self.problem("E204", node, f"'{_short(node.value)}' is not a valid {_NAMES[tag]}",
                         "correct the value, or quote it if it is meant as text")
        return node.value

    def _bad_scalar(self, node: yaml.ScalarNode) -> None:
        tag, v = node.tag, node.value
        if tag in (VALUE, MERGE) and not _explicit(node):  # a plain '=' or '<<'
            self.problem("E204", node, f"a plain '{v}' is reserved in YAML 1.1 and cannot be a value",
                         f"put it in quotes: \"{v}\"")
        elif tag == NULL:
            self.problem("E105", node, f"the tag !!null would drop the text '{_short(v)}'",
                         "remove the tag, or leave the value empty")
        elif tag in (MAP, SEQ):
            self.problem("E105", node, f"the tag {shown(tag)} does not fit a single value", "remove the tag")
        else:
            self._bad_tag(node)
        return None

    def _bad_collection(self, node: yaml.Node, kind: str) -> None:
        if node.tag in _SCALAR_TAGS or node.tag in (MAP, SEQ):
            self.problem("E105", node, f"the tag {shown(node.tag)} does not fit a {kind}", "remove the tag")
            return None
        return self._bad_tag(node)

    def _bad_tag(self, node: yaml.Node) -> None:
        self.problem("E105", node, f"tag '{shown(node.tag)}' is not allowed",
                     "remove the '!' tag; plan files hold plain text, numbers, dates, lists and mappings")
        return None


def _first_line(node: yaml.MappingNode, key: str) -> int:
    """The line of a mapping's first key ``key`` read as text (a duplicate's message names it)."""
    for knode, _ in node.value:
        if type(knode) is _SCALAR and knode.value == key and scalar_tag(knode) in (STR, VALUE):
            return knode.start_mark.line + 1
    return node.start_mark.line + 1


class AliasBomb(Exception):
    pass


class _NoAliases:
    """Stands in for the alias table when a text has no anchors: remembers nothing."""

    __slots__ = ()

    def get(self, key):
        return None

    def __setitem__(self, key, value) -> None:
        pass


def _empty(node: yaml.Node | None) -> bool:
    """A value that was not written (``{a: 1, 2}``: the key 2 has none)."""
    return isinstance(node, yaml.ScalarNode) and scalar_tag(node) == NULL and node.value == ""
