"""isek's loader next to PyYAML's safe loader: one outcome per text (used by the YAML conformance tests).

The reference is what isek promises to equal: ``yaml.load(text, Loader=CSafeLoader)``
(the same libyaml parser isek composes with; the pure-Python ``SafeLoader`` where
libyaml is missing). PyYAML "refuses" a text when loading it raises anything
(its constructors raise IndexError, KeyError … on some tagged values).
"""

from __future__ import annotations


import datetime as dt
import re
from dataclasses import dataclass

import yaml

from isek_cli.plan.diagnostics import CODES
from isek_cli.plan.source import parse

REFERENCE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The refusals isek documents beyond PyYAML (docs/plan-format.md, "What the YAML loader
# accepts, exactly"); E204 is not among them: isek reports it only where PyYAML fails too.
DOCUMENTED = {
    "E104": "duplicate key",
    "E105": "tag other than the standard ones, or !!null on text",
    "E106": "alias limit or recursive alias",
    "E107": "size limit",
    "E108": "file without content",
    "E110": "nesting limit",
    "E111": "merge key or complex key",
    "E112": "more than one document",
    "E116": "key that is not text",
    # issue 16: decimal numbers only, and '!' makes text (see non_decimal, nonspecific_nontext)
    "E204": "a whole number written in another base (0x1F, 017, 0b101, 1:30), or a base-60 float",
}
# YAML 1.1's int in decimal spelling (what people write); every other int spelling is another base.
_DECIMAL_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


@dataclass
class Outcome:
    kind: str  # equal | both refuse | isek refuses | DIFFERENT | ISEK ACCEPTS ONLY
    codes: tuple[str, ...] = ()
    detail: str = ""


def pyyaml(text: str):
    """(True, data) or (False, name of the exception PyYAML raised)."""
    try:
        return True, yaml.load(text, Loader=REFERENCE_LOADER)
    except Exception as exc:  # noqa: BLE001 - any exception is PyYAML refusing the text
        return False, type(exc).__name__


def same(a, b) -> bool:
    """Equal data with equal types all the way down (True is not 1, 1 is not 1.0, NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(same(ka, kb) and same(a[ka], b[kb]) for ka, kb in zip(a, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return repr(a) == repr(b)  # nan, -0.0, inf
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return a == b


def outcome(text: str) -> Outcome:
    """Load ``text`` with isek's loader and with PyYAML; never lets an exception of isek's pass."""
    data, problems = parse(text, "suite.yaml")  # an exception here fails the calling test
    # YAML breaks lines at \n, \r, NEL and the Unicode line/paragraph separators, and positions count them
    lines = len(re.findall("\r\n|[\r\n\x85\u2028\u2029]", text)) + 1
    for p in problems:
        assert p.code in CODES, p
        assert p.line is not None and p.col is not None and 1 <= p.line <= lines + 1 and p.col >= 1, p
        assert p.message and p.hint, p
    ok, ref = pyyaml(text)
    # Warnings (W411: 57.800 looks like a German 57800) leave the data as PyYAML reads it.
    problems = [p for p in problems if p.severity == "error"]
    codes = tuple(sorted({p.code for p in problems}))
    if problems:
        return Outcome("isek refuses" if ok else "both refuse", codes, "; ".join(p.message for p in problems))
    if not ok:
        return Outcome("ISEK ACCEPTS ONLY", detail=f"isek {data!r}, PyYAML raised {ref}")
    if same(data, ref):
        return Outcome("equal")
    return Outcome("DIFFERENT", detail=f"isek {data!r} != PyYAML {ref!r}")


def _scalars(text: str):
    stack = [yaml.compose(text, Loader=REFERENCE_LOADER)]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.ScalarNode):
            yield n
        elif isinstance(n, yaml.MappingNode):
            stack.extend(x for pair in n.value for x in pair)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def non_decimal(text: str) -> bool:
    """Whether PyYAML reads a value of ``text`` as a number in another base than 10."""
    return any((n.tag == "tag:yaml.org,2002:int" and not _DECIMAL_INT.fullmatch(n.value))
               or (n.tag == "tag:yaml.org,2002:float" and ":" in n.value) for n in _scalars(text))


def nontext_scalars(text: str) -> bool:
    """Whether PyYAML reads a scalar of ``text`` as something other than text."""
    return any(n.tag != "tag:yaml.org,2002:str" for n in _scalars(text))


def nontext_keys(data) -> bool:
    """Whether PyYAML's data has a mapping key that is not a str, anywhere."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # aliases (and PyYAML's recursive ones)
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if any(not isinstance(k, str) for k in node):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False
