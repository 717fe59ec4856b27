"""The plan model: one pydantic model per plan file, as fixed by the contract.

Models are strict (YAML 1.1 turns ``no`` into False and ``25.000`` into 25.0;
strictness makes such surprises errors instead of silent conversions) and
forbid unknown keys, so a typo never passes unnoticed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, Strict as StrictType, StringConstraints, TypeAdapter
from pydantic.dataclasses import dataclass

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9._-]{0,39}$"

STATUSES: tuple[str, ...] = (
    "nicht_begonnen",
    "in_planung",
    "in_umsetzung",
    "abgeschlossen",
    "daueraufgabe",
    "zurueckgestellt",
    "entfallen",
)
NOT_STARTED = "nicht_begonnen"
COMPLETED = "abgeschlossen"
DROPPED = "entfallen"
DEFERRED = "zurueckgestellt"
ONGOING = "daueraufgabe"
ACTIVE = ("in_planung", "in_umsetzung")
# Measures that need no yearly update any more.
CLOSED = (COMPLETED, DROPPED)

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]
Year = Annotated[int, Field(ge=1900, le=2200)]
# Every amount of money has this upper bound: far above any city's budget, and sums of
# 100,000s of amounts stay exact in 64-bit integers (SQLite, spreadsheets) and floats.
MAX_EUR = 10**13
Euros = Annotated[int, Field(ge=0, le=MAX_EUR)]
Status = Literal[
    "nicht_begonnen", "in_planung", "in_umsetzung", "abgeschlossen", "daueraufgabe", "zurueckgestellt", "entfallen"
]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    def __reduce__(self):
        # Pickling (the plan cache) of 100,000s of entries: a compact form that
        # restores without pydantic's generic __setstate__, sharing the set of
        # fields that were set among all instances with the same set.
        fields_set = frozenset(self.__pydantic_fields_set__)
        return _restore, (type(self), self.__dict__, _FIELD_SETS.setdefault(fields_set, fields_set))


_FIELD_SETS: dict[frozenset, frozenset] = {}
_SHARED_SETS: dict[frozenset, set] = {}
_new = object.__new__
_set = object.__setattr__


def _restore(cls, values: dict, fields_set: frozenset):
    m = _new(cls)
    _set(m, "__dict__", values)
    # Shared between instances; frozen models never change it.
    _set(m, "__pydantic_fields_set__", _SHARED_SETS.setdefault(fields_set, set(fields_set)))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


# --- isek.yaml -----------------------------------------------------------

class Adopted(Strict):
    body: Text
    date: dt.date


class Horizon(Strict):
    start: Year
    end: Year


class GuidingGoal(Strict):
    id: Id
    title: Text
    text: Optional[str] = None


class PlanMeta(Strict):
    """isek.yaml: the plan's identity, mandate and vision."""

    city: Text
    title: Text
    adopted: Adopted
    horizon: Horizon
    owner: Text
    language: Literal["de", "en"]
    vision: str
    guiding_goals: list[GuidingGoal]


# --- actors.yaml ---------------------------------------------------------

class Actor(Strict):
    id: Id
    name: Text
    kind: Literal["administration", "politics", "external"]


class Committee(Strict):
    id: Id
    name: Text


class ActorsFile(Strict):
    actors: list[Actor]
    committees: list[Committee]


# --- fields/*.yaml -------------------------------------------------------

class Goal(Strict):
    id: Id
    title: Text


class Measure(Strict):
    id: Id
    title: Text
    description: Optional[str] = None
    goals: Annotated[list[Id], Field(min_length=1)]
    priority: Annotated[int, Field(ge=1, le=3)]
    lead: Id
    partners: Optional[list[Id]] = None
    committee: Optional[Id] = None
    start: Optional[Year] = None
    end: Optional[Year] = None
    cost_eur: Optional[Euros] = None
    funding: Optional[list[Text]] = None
    key_project: Optional[bool] = None
    indicators: Optional[list[Id]] = None


class FieldOfAction(Strict):
    """One fields/*.yaml file: a Handlungsfeld with its goals and measures."""

    id: Id
    title: Text
    description: Optional[str] = None
    guiding_goals: Optional[list[Id]] = None
    goals: list[Goal]
    measures: list[Measure]


# --- indicators.yaml -----------------------------------------------------

Number = Annotated[float, Field(allow_inf_nan=False)]


class YearValue(Strict):
    year: Year
    value: Number


class Indicator(Strict):
    id: Id
    title: Text
    unit: Text
    source: Text
    direction: Literal["up", "down", "neutral"]
    baseline: YearValue
    target: Optional[YearValue] = None
    fields: Optional[list[Id]] = None


class IndicatorsFile(Strict):
    indicators: list[Indicator]


# --- progress/YYYY.yaml --------------------------------------------------
# A state-wide plan holds 100,000s of progress entries, so they are compact
# slotted dataclasses rather than models (a tenth of the memory), strict field
# by field, with the few model methods isek uses.

S = StrictType()
_RECORD = ConfigDict(extra="forbid")


class _Record:
    __slots__ = ()

    @classmethod
    def model_validate(cls, data):
        return _adapter(cls).validate_python(data)

    def model_dump(self, *, mode: str = "python", exclude_none: bool = False, exclude=None) -> dict:
        return _adapter(type(self)).dump_python(self, mode=mode, exclude_none=exclude_none, exclude=exclude)

    def __reduce__(self):
        return _restore_record, (type(self), tuple(getattr(self, f) for f in self.__dataclass_fields__))


@lru_cache(maxsize=None)
def _adapter(cls) -> TypeAdapter:
    return TypeAdapter(cls)


def _restore_record(cls, values: tuple):
    obj = _new(cls)
    for name, value in zip(cls.__dataclass_fields__, values):
        _set(obj, name, value)
    return obj


@dataclass(frozen=True, slots=True, config=_RECORD)
class Update(_Record):
    """A progress entry: what was reported about one measure on one date."""

    measure: Annotated[Id, S]
    date: Annotated[dt.date, S]
    status: Status
    percent: Optional[Annotated[int, S, Field(ge=0, le=100)]] = None
    note: Optional[Annotated[str, S]] = None
    spent_eur: Optional[Annotated[Euros, S]] = None


@dataclass(frozen=True, slots=True, config=_RECORD)
class Value(_Record):
    """One observed value of a context indicator."""

    indicator: Annotated[Id, S]
    value: Annotated[float, S, Field(allow_inf_nan=False)]
    date: Annotated[dt.date, S]


class ProgressYear(Strict):
    year: Year
    updates: list[Update]
    values: list[Value]


# The model each kind of plan file is validated against.
FILE_MODELS: dict[str, type[Strict]] = {
    "plan": PlanMeta,
    "actors": ActorsFile,
    "field": FieldOfAction,
    "indicators": IndicatorsFile,
    "progress": ProgressYear,
}
