"""Validating one file's data against its model, and explaining what is wrong.

Pydantic reports errors as ``loc`` tuples of keys and indices; they are the
same paths the YAML locator follows, so each error becomes a positioned
:class:`Problem` with a message a planner understands and a hint how to fix it.
YAML 1.1 surprises get their own hints, written once the source text of the
offending value is known (see :func:`yaml_hint`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import Loc, Problem
from .model import MAX_EUR, STATUSES
from .suggest import did_you_mean, suggester_for

EXPECTS = {
    "string_type": "text",
    "string_too_short": "a non-empty text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date without a time (YYYY-MM-DD)",
    "list_type": "a list",
    "dict_type": "a mapping of keys and values",
    "model_type": "a mapping of keys and values",
    "model_attributes_type": "a mapping of keys and values",
    "dataclass_type": "a mapping of keys and values",
    "dataclass_exact_type": "a mapping of keys and values",
}

# Example lines offered when a required key is missing.
EXAMPLES = {
    "id": "id: HF1.M01",
    "title": "title: Baulückenkataster aufbauen",
    "goals": "goals: [HF1.Z1]",
    "priority": "priority: 1",
    "lead": "lead: FD-STADTPLANUNG",
    "measure": "measure: HF1.M01",
    "indicator": "indicator: K-BEV-01",
    "date": "date: 2024-05-14",
    "status": "status: in_umsetzung",
    "value": "value: 1234",
    "year": "year: 2024",
    "updates": "updates: []",
    "values": "values: []",
    "measures": "measures: []",
    "committees": "committees: []",
    "actors": "actors: []",
    "guiding_goals": "guiding_goals: []",
    "indicators": "indicators: []",
    "horizon": "horizon: {start: 2014, end: 2025}",
    "adopted": "adopted: {body: Rat der Stadt, date: 2013-12-18}",
    "language": "language: de",
    "kind": "kind: administration",
    "direction": "direction: up",
    "baseline": "baseline: {year: 2013, value: 1000}",
    "areas": "areas: []",
    "body": "body: Rat der Stadt",
    "counts_as": "counts_as: in_umsetzung",
    "url": "url: https://ratsinfo.example/vorlage/1234",
    "value_priority": "value: 1",
}

ID_HINT = ("ids start with a letter and use only letters, digits, '.', '_' and '-' "
           "(at most 40 characters), e.g. HF1.M01")


def validate(model: type[BaseModel], data: Any, rel: str) -> tuple[BaseModel | None, list[Problem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from(exc, model, data, Loc(rel))


def problems_from(exc: ValidationError, model: type[BaseModel], data: Any, base: Loc) -> list[Problem]:
    out: list[Problem] = []
    seen: set[tuple] = set()
    for err in exc.errors(include_url=False):
        path = _clean_path(err["loc"], data)
        problem = _problem(err, path, model, data, base)
        sig = (problem.loc.path, problem.loc.key, problem.code, problem.message)
        if sig not in seen:  # one problem per place is enough
            seen.add(sig)
            out.append(problem)
    return out


def _clean_path(loc: tuple, data: Any) -> tuple[str | int, ...]:
    """Keep the loc segments that are real keys/indices of the data."""
    path: list[str | int] = []
    cur = data
    for seg in loc:
        if isinstance(cur, dict) and isinstance(seg, str):
            path.append(seg)
            cur = cur.get(seg)
        elif isinstance(cur, list) and isinstance(seg, int):
            path.append(seg)
            cur = cur[seg] if 0 <= seg < len(cur) else None
        elif cur is None and isinstance(seg, (str, int)) and path == list(loc[: len(path)]):
            path.append(seg)
        # other segments (union members, validator names) are not positions
    return tuple(path)


def value_at(data: Any, path: tuple) -> Any:
    """The raw value at a diagnostic's path in a file's data, or None."""
    for seg in path:
        if isinstance(data, dict):
            data = data.get(seg)
        elif isinstance(data, list) and isinstance(seg, int) and 0 <= seg < len(data):
            data = data[seg]
        else:
            return None
    return data


def _owner(data: Any, path: tuple) -> str:
    """'measure HF1.M01' style description of the mapping that holds path[-1]."""
    parent = value_at(data, path[:-1])
    if isinstance(parent, dict) and isinstance(parent.get("id"), str):
        return f" in '{parent['id']}'"
    return ""


def _key_name(path: tuple) -> str:
    names = [s for s in path if isinstance(s, str)]
    return names[-1] if names else "the file"


def fields_of(cls: Any) -> dict[str, Any]:
    """The fields of a model or a pydantic dataclass (name -> FieldInfo); {} otherwise."""
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return cls.model_fields
    return getattr(cls, "__pydantic_fields__", None) or {}


def _model_at(model: type[BaseModel], path: tuple) -> Any:
    cur: Any = model
    for seg in path:
        if isinstance(seg, int):
            continue
        fields = fields_of(cur)
        if seg not in fields:
            return None
        cur = _inner_model(fields[seg].annotation)
    return cur if fields_of(cur) else None


def _inner_model(ann: Any) -> Any:
    """Unwrap Optional[...], list[...], Annotated[...] down to a model class."""
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            ann = args[0] if len(args) == 1 else None
        elif origin is list:
            ann = typing.get_args(ann)[0]
        else:
            return ann


def describe(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {number_text(value)}"
    if isinstance(value, dt.datetime):
        return f"the date and time {value.isoformat(sep=' ')}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return f"the text '{_short(value)}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def number_text(value: int | float) -> str:
    """A number for a message; one with hundreds of digits is described, not printed."""
    if isinstance(value, int) and abs(value) >= 10**30:
        return f"with {len(str(abs(value))) if value.bit_length() < 14000 else 'thousands of'} digits"
    return str(value)


def _short(text: str, n: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def _problem(err: dict, path: tuple, model: type[BaseModel], data: Any, base: Loc) -> Problem:
    etype = err["type"]
    value = err.get("input")
    key = _key_name(path)
    where = _owner(data, path)
    loc = base.child(*path)

    if etype == "isek_value":  # a check of isek's own (model.fail): its wording and hint
        ctx = err.get("ctx") or {}
        return Problem("E204", loc, f"'{key}'{where}: {ctx.get('problem', 'invalid value')}", ctx.get("hint", ""))
    if etype == "missing":
        parent = value_at(data, path[:-1])
        hint = _misspelt(key, parent) or f"add the line '{EXAMPLES.get(key, key + ': …')}'"
        return Problem("E202", base.child(*path[:-1]), f"missing required key '{key}'{where if parent else ''}", hint)
    if etype in ("extra_forbidden", "unexpected_keyword_argument"):
        holder = _model_at(model, path[:-1])
        allowed = list(fields_of(holder)) if holder else []
        match = suggester_for(tuple(allowed)).best(key)
        hint = f"did you mean '{match}'?" if match else ""
        if match and _is_scalar(value):  # the entry's own value, not a sample: the line as it should read
            hint += f" write '{match}: {_short(str(value))}'"
        hint = hint or (f"allowed keys here: {', '.join(allowed)}" if allowed else "remove the key")
        if value is None and key.isdigit():
            hint = ("a comma inside { } separates entries, so a decimal comma split the number and made "
                    f"'{key}' a key; write decimals with a decimal point (15.2, not 15,2)")
        if value is None and " " in key:
            hint = ("a comma inside { } separates entries, so the text after it became a key; "
                    "put the whole text in quotes, e.g. name: \"Planen, Bauen und Verkehr\"")
        return Problem("E201", base.child(*path, key=True), f"unknown key '{key}'{where}", hint)
    if etype in ("dict_type", "model_type", "model_attributes_type", "list_type", "dataclass_type",
                 "dataclass_exact_type"):
        expected = EXPECTS[etype]
        place = f"'{key}'" if path else "the top of the file"
        return Problem("E205", loc, f"{place}{where} must be {expected}, but YAML read {describe(value)}",
                       _structure_hint(etype, key, value), )
    if etype in EXPECTS:
        return Problem("E203", loc, f"'{key}'{where} must be {EXPECTS[etype]}, but YAML read {describe(value)}",
                       _value_hint(etype, value))
    if etype == "string_pattern_mismatch":
        return Problem("E204", loc, f"invalid id '{_short(str(value))}'", ID_HINT)
    if etype == "literal_error":
        expected = (err.get("ctx") or {}).get("expected", "")
        options = re.findall(r"'([^']*)'", expected)
        hint = did_you_mean(str(value), options)
        if key == "status":
            hint = (hint + " " if hint else "") + "the statuses are: " + ", ".join(STATUSES)
        else:
            hint = (hint + " " if hint else "") + f"allowed: {expected}"
        return Problem("E204", loc, f"'{key}'{where}: '{_short(str(value))}' is not allowed", hint)
    if etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        shown = number_text(value) if isinstance(value, (int, float)) else _short(str(value))
        return Problem("E204", loc, f"'{key}'{where}: {shown} is out of range", _range_hint(key, err))
    if etype == "too_short":
        return Problem("E204", loc, f"'{key}'{where} must not be empty",
                       f"name at least one entry, e.g. '{EXAMPLES.get(key, key + ': [ … ]')}'")
    return Problem("E204", loc, f"'{key}'{where}: {err.get('msg', 'invalid value')}", "correct the value")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, dt.date)) and not isinstance(value, bool) and str(value) != ""


def _misspelt(key: str, parent: Any) -> str:
    """For a missing key: a key of the entry that looks like it, with the entry's own value."""
    if not isinstance(parent, dict):
        return ""
    others = [k for k in parent if isinstance(k, str) and k != key]
    match = difflib.get_close_matches(key, others, n=1, cutoff=0.6)
    if not match:
        return ""
    value = parent[match[0]]
    shown = f"{match[0]}: {_short(str(value))}" if _is_scalar(value) else match[0]
    return f"'{shown}' looks misspelt: write '{key}" + (f": {_short(str(value))}'" if _is_scalar(value) else "'")


def _structure_hint(etype: str, key: str, value: Any) -> str:
    if etype == "list_type":
        if value is None:
            return f"write '{key}: []' for an empty list, or list entries on lines starting with '- '"
        return f"write a list: '{key}: [a, b]' or one entry per line starting with '- '"
    if isinstance(value, list):
        return "remove the leading '- ': this place holds one mapping, not a list of them"
    return "write 'key: value' lines indented under this key"


def _value_hint(etype: str, value: Any) -> str:
    if value is None:
        return "write a value after the colon, or remove the key if it is optional"
    if etype == "date_type" and isinstance(value, str):
        return "write the date unquoted as YYYY-MM-DD, e.g. 2024-05-14"
    if etype in ("int_type", "int_from_float") and isinstance(value, str) and value.strip().isdigit():
        return "remove the quotes so the value is read as a number"
    if percent_sign_hint(value):
        return percent_sign_hint(value)
    if etype == "string_too_short":
        return "write a text, or remove the key if it is optional"
    return "correct the value; quote it if it is meant as text"


def percent_sign_hint(value: Any) -> str:
    """'50%' → 'write 50: …' (a file's ``percent: 50%`` and ``--percent 50%`` alike); else ''."""
    if isinstance(value, str) and value.strip().endswith("%") and value.strip()[:-1].strip().isdigit():
        return f"write {value.strip()[:-1].strip()}: the number without the percent sign"
    return ""


def _range_hint(key: str, err: dict) -> str:
    if key == "priority":
        return "priority is 1 (highest), 2 or 3"
    if key == "percent":
        return "percent is a whole number from 0 to 100"
    ctx = err.get("ctx") or {}
    if key.endswith("eur") or ctx.get("le") == MAX_EUR:  # also a cost range's min and max
        return f"amounts are whole euros from 0 to {MAX_EUR:,} (10^13)"
    bounds = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in ctx.items())
    return f"allowed range: {bounds}" if bounds else "correct the value"


_PLAIN_SPECIALS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")


def yaml_hint(problem: Problem, raw: str, plain: bool) -> str:
    """A better hint for a wrong type once the value's source text is known.

    ``raw`` is the scalar as written (without quotes), ``plain`` whether it was
    written without quotes. This is where YAML 1.1's surprises are explained.
    """
    msg = problem.message
    if not plain:
        if "must be a whole number" in msg or "must be a number" in msg:
            return f"remove the quotes: {raw}"
        if "must be a date" in msg:
            return f"remove the quotes so YAML reads a date: {raw}"
        return problem.hint
    if "must be text" in msg or "must be a non-empty text" in msg:
        if "yes/no value" in msg:
            return f'YAML 1.1 reads the unquoted word {raw} as a yes/no value; put it in quotes: "{raw}"'
        if "the number" in msg or "the date" in msg:
            return f'YAML reads {raw} as {"a date" if "date" in msg else "a number"}; put it in quotes: "{raw}"'
    if ("must be a whole number" in msg or "must be a number" in msg) and _DECIMAL_COMMA.match(raw):
        return f"write decimals with a decimal point, not a comma: {raw.replace(',', '.')}"
    if "must be a whole number" in msg and _PLAIN_SPECIALS.match(raw):
        return (f"YAML reads {raw} as a decimal number, not with a thousands separator; "
                f"write {raw.replace('.', '')}")
    return problem.hint
