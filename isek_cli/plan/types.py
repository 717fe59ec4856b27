"""Value types of the plan files with isek's own checks and wording.

A year or a year-month (``Period``), one lead actor or several (``Lead``), an
SDG code (``Sdg``), a web address (``Url``). Each fails with
:func:`fail`, whose problem and hint ``plan/shape.py`` turns into a diagnostic.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Union

from pydantic import AfterValidator, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from . import sdgs

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9._-]{0,39}$"


def fail(problem: str, hint: str) -> None:
    """A validation error with isek's own wording; ``plan/shape.py`` turns it into a diagnostic."""
    raise PydanticCustomError("isek_value", "{problem}", {"problem": problem, "hint": hint})


def _is_text(v: Any) -> bool:
    return isinstance(v, str)


# A planned start or end: a year (2021) or a year and month ("2021-04").
_YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _period(v: Any) -> int | str:
    if isinstance(v, int) and not isinstance(v, bool):
        if not 1900 <= v <= 2200:
            fail(f"{v} is out of range", "allowed range: greater than or equal 1900, less than or equal 2200")
        return v
    if isinstance(v, str):
        m = _YEAR_MONTH.match(v)
        if m and 1900 <= int(m[1]) <= 2200:
            return v
        if v.strip().isdigit():
            raise PydanticCustomError("int_type", "Input should be a valid integer")  # quoted year: 'remove the quotes'
        fail(f"'{v}' is not a year or a year and month", "write the year (2021) or the year and month (2021-04)")
    if isinstance(v, dt.date):
        fail(f"{v.isoformat()} is a whole date", f"write the year ({v.year}) or the year and month "
                                                  f"({v.year}-{v.month:02d}), without the day")
    raise PydanticCustomError("int_type", "Input should be a valid integer")


Period = Annotated[Union[int, str], PlainValidator(_period), WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": 1900, "maximum": 2200},
    {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}]})]


def period_year(v: int | str | None) -> int | None:
    """The year of a period value (2021 or "2021-04")."""
    if v is None:
        return None
    return v if isinstance(v, int) else int(v[:4])


def period_key(v: int | str, end: bool) -> tuple[int, int]:
    """(year, month) for comparing periods; a bare year spans January to December."""
    if isinstance(v, int):
        return (v, 12 if end else 1)
    return (int(v[:4]), int(v[5:7]))


def _sdg(v: str) -> str:
    if not sdgs.is_code(v):
        goal = v.split(".")[0]
        hint = (f"goal {goal} has the targets {', '.join(sdgs.targets_of(goal))}" if sdgs.is_goal(goal)
                else "the SDG goals are '1' … '17', targets are written like '11.3' or '11.a'")
        fail(f"'{v}' is not an SDG goal or target", hint)
    return v


# An SDG goal ("11") or target ("11.3", "11.a"), always in quotes: unquoted, 11.10 is the number 11.1.
Sdg = Annotated[str, AfterValidator(_sdg), WithJsonSchema(
    {"type": "string", "pattern": r"^([1-9]|1[0-7])(\.([1-9][0-9]?|[a-d]))?$"})]


def _http(v: str) -> str:
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", v, re.I):
        fail(f"'{v[:60]}' is not a web address", "links start with https:// or http://")
    return v


Url = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_http), WithJsonSchema(
    {"type": "string", "maxLength": 2000, "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#][^\s]*$"})]


def _lead(v: Any) -> str | list[str]:
    if isinstance(v, str):
        if not re.match(ID_PATTERN, v):
            raise PydanticCustomError("string_pattern_mismatch", "String should match pattern")
        return v
    if isinstance(v, list):
        if not v:
            raise PydanticCustomError("too_short", "List should have at least 1 item")
        for item in v:
            if not isinstance(item, str):
                fail(f"the list holds {type(item).__name__} values", "name the lead actors by their ids, "
                     "e.g. lead: [FD-STADTPLANUNG, WIFOE]")
            if not re.match(ID_PATTERN, item):
                raise PydanticCustomError("string_pattern_mismatch", "String should match pattern")
        return v
    raise PydanticCustomError("string_type", "Input should be a valid string")


# One actor id, or a list of them (the first leads).
Lead = Annotated[Union[str, list[str]], PlainValidator(_lead), WithJsonSchema({"anyOf": [
    {"type": "string", "pattern": ID_PATTERN},
    {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}, "minItems": 1}]})]


