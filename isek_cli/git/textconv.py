"""A canonical line-per-fact view of one plan file, for `git diff` (textconv).

Entities are sorted by id and named by id, so that reordering a file shows no
change and every changed line names the measure it belongs to. A file that is
not readable as YAML is shown as it is, under a note: git must always get text.
Control characters are shown as escapes (``terminal.term``): git shows this text in a terminal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..plan.source import decode, parse
from ..terminal import term


def _scalar(v: Any) -> str:
    if v is None:
        return "~"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return term(str(v).replace("\\", "\\\\").replace("\n", "\\n"))


# Keys that name an item of a list of mappings: ids, a link's url, a cost plan's year, a priority's value.
_ITEM_KEYS = ("id", "url", "year", "value")


def _item_key(v: Any) -> str | None:
    """The key that names every item of a list of mappings uniquely, if there is one."""
    if not isinstance(v, list) or not v or not all(isinstance(x, dict) for x in v):
        return None
    for key in _ITEM_KEYS:
        names = [x.get(key) for x in v]
        if all(isinstance(n, (str, int)) and not isinstance(n, bool) for n in names) and len(set(map(str, names))) == len(v):
            return key
    return None


def _order(n: str | int) -> tuple:
    return (0, n, "") if isinstance(n, int) else (1, 0, n)


def _facts(prefix: str, v: Any, out: list[str]) -> None:
    key = _item_key(v)
    if isinstance(v, dict) and set(v) == {"min", "max"} and prefix.endswith("cost_eur"):
        out.append(f"{prefix}: {_scalar(v['min'])}–{_scalar(v['max'])}")  # a cost range is one fact
    elif isinstance(v, dict):
        for k, x in v.items():
            _facts(f"{prefix}.{k}" if prefix else str(k), x, out)
    elif key is not None:
        for x in sorted(v, key=lambda e: _order(e[key])):
            _facts(f"{prefix}[{_scalar(x[key])}]", {k: y for k, y in x.items() if k != key}, out)
            if len(x) == 1:
                out.append(f"{prefix}[{_scalar(x[key])}]")
    elif isinstance(v, list):
        if all(not isinstance(x, (dict, list)) for x in v):
            out.append(f"{prefix}: [{', '.join(_scalar(x) for x in v)}]")
        else:
            for i, x in enumerate(v):
                _facts(f"{prefix}[{i}]", x, out)
    else:
        out.append(f"{prefix}: {_scalar(v)}")


def _update_line(u: dict) -> str:
    parts = [_scalar(u.get("status"))]
    if u.get("percent") is not None:
        parts.append(f"{_scalar(u['percent'])} %")
    if u.get("spent_eur") is not None:
        parts.append(f"spent {_scalar(u['spent_eur'])} EUR")
    extra = {k: u[k] for k in u if k not in ("measure", "date", "status", "percent", "spent_eur", "note")}
    if extra:
        parts.append(" ".join(f"{k}={_scalar(v)}" for k, v in extra.items()))
    line = f"update {_scalar(u.get('measure'))} {_scalar(u.get('date'))}: {' · '.join(parts)}"
    if u.get("note") is not None:
        line += f" — {_scalar(u['note'])}"
    return line


def _value_line(x: dict) -> str:
    """value INDICATOR [AREA] DATE: VALUE — an area value names its area (without: the whole city)."""
    area = f" {_scalar(x['area'])}" if x.get("area") is not None else ""
    extra = {k: x[k] for k in x if k not in ("indicator", "area", "date", "value")}
    more = (" · " + " ".join(f"{k}={_scalar(y)}" for k, y in extra.items())) if extra else ""
    return f"value {_scalar(x.get('indicator'))}{area} {_scalar(x.get('date'))}: {_scalar(x.get('value'))}{more}"


def _progress(data: dict, out: list[str]) -> None:
    for k, v in data.items():
        if k == "updates" and isinstance(v, list) and all(isinstance(u, dict) for u in v):
            rows = sorted(enumerate(v), key=lambda p: (str(p[1].get("measure")), str(p[1].get("date")), p[0]))
            out.extend(_update_line(u) for _, u in rows)
        elif k == "values" and isinstance(v, list) and all(isinstance(x, dict) for x in v):
            rows = sorted(enumerate(v), key=lambda p: (str(p[1].get("indicator")), str(p[1].get("area") or ""),
                                                       str(p[1].get("date")), p[0]))
            out.extend(_value_line(x) for _, x in rows)
        else:
            _facts(k, v, out)


def convert(raw: bytes, name: str = "file") -> str:
    text, problems = decode(raw, name)
    if text is None:
        return f"# isek textconv: {problems[0].message}; the bytes are shown as Latin-1\n" + term(raw.decode("latin-1"))
    data, problems = parse(text, name)
    errors = [p for p in problems if p.severity == "error"]
    if errors or not isinstance(data, dict):
        why = errors[0].message if errors else "the top level is not a mapping"
        return f"# isek textconv: not readable as a plan file ({term(why)}); the text follows as written\n" + term(text)
    out: list[str] = []
    if "updates" in data or "values" in data:
        _progress(data, out)
    else:
        _facts("", data, out)
    return "\n".join(out) + "\n"
