"""The plan model: one pydantic model per plan file, as fixed by the contract.

Models are strict (YAML 1.1 turns ``no`` into False and ``25.000`` into 25.0;
strictness makes such surprises errors instead of silent conversions) and
forbid unknown keys, so a typo never passes unnoticed.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any, Literal, Optional, Union, get_args

from pydantic import (
    Field, PlainSerializer, PlainValidator, StringConstraints, TypeAdapter, WithJsonSchema, model_validator,
)
from pydantic.dataclasses import dataclass

from .base import RECORD, Record, S, Strict
from .types import ID_PATTERN, Lead, Period, Sdg, Url, fail, period_key, period_year  # noqa: F401 (re-exported)

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
# The seven statuses of the contract, in their order.
STATUSES: tuple[str, ...] = get_args(Status)


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


class ReportTexts(Strict):
    """Texts the report prints as they stand (Markdown); without them it states nothing of the kind."""

    mandate: Optional[str] = None
    foreword: Optional[str] = None


class Decision(Strict):
    """A council decision on the plan (Beschluss): its adoption, a revision, a report."""

    id: Id
    date: dt.date
    body: Text
    title: Text
    kind: Literal["adoption", "revision", "report", "other"]
    ref: Optional[Text] = None
    url: Optional[Url] = None


class PlanStatus(Strict):
    """A plan's own status word (e.g. verzoegert), counted as one of the seven."""

    id: Id
    title: Text
    counts_as: Status


class PriorityLevel(Strict):
    """One step of the plan's own priority scale."""

    value: Annotated[int, Field(ge=1, le=9)]
    title: Text
    until: Optional[Year] = None


# SPDX licence ids: letters, digits, '.', '-', '+' (e.g. CC-BY-4.0, dl-de-by-2.0).
License = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")]


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
    report: Optional[ReportTexts] = None
    decisions: Optional[list[Decision]] = None
    statuses: Optional[list[PlanStatus]] = None
    priorities: Optional[list[PriorityLevel]] = None
    license: Optional[License] = None


# --- areas.yaml ----------------------------------------------------------

class Area(Strict):
    """A district, quarter or funding area (Fördergebiet), optionally inside a parent area."""

    id: Id
    title: Text
    kind: Literal["stadtteil", "quartier", "foerdergebiet", "gesamtstadt", "other"]
    parent: Optional[Id] = None
    geometry: Optional[Annotated[str, StringConstraints(min_length=1, max_length=300)]] = None


class AreasFile(Strict):
    areas: list[Area]


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


class Link(Strict):
    title: Text
    url: Url


class CostRange(Strict):
    """An estimated cost as a range ("3,0–3,5 Mio. €"): min <= max."""

    min: Euros
    max: Euros

    @model_validator(mode="after")
    def _ordered(self):
        if self.max < self.min:
            fail(f"max {self.max} is below min {self.min}", "write the lower bound as min and the upper as max")
        return self


def _cost(v: Any) -> int | CostRange:
    """An integer of euros, or a {min, max} range; one clear error either way."""
    if isinstance(v, dict):
        return CostRange.model_validate(v)
    return _euros().validate_python(v, strict=True)


@lru_cache(maxsize=None)
def _euros() -> TypeAdapter:
    # Built on first use: a TypeAdapter at import would build a validator (and make pydantic
    # scan every installed package for plugins) in commands that validate nothing.
    return TypeAdapter(Euros)


# An estimated cost: whole euros, or a range {min, max}.
Cost = Annotated[Union[int, CostRange], PlainValidator(_cost),
                 PlainSerializer(lambda c: c if isinstance(c, int) else {"min": c.min, "max": c.max}),
                 WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": 0, "maximum": MAX_EUR},
    {"type": "object", "properties": {"min": {"type": "integer", "minimum": 0, "maximum": MAX_EUR},
                                      "max": {"type": "integer", "minimum": 0, "maximum": MAX_EUR}},
     "required": ["min", "max"], "additionalProperties": False}]})]


class YearCost(Strict):
    """Planned cost in one year (a measure's cost plan)."""

    year: Year
    eur: Euros


class Measure(Strict):
    id: Id
    title: Text
    description: Optional[str] = None
    goals: Optional[Annotated[list[Id], Field(min_length=1)]] = None
    priority: Annotated[int, Field(ge=1, le=9)]
    lead: Lead
    partners: Optional[list[Id]] = None
    committee: Optional[Id] = None
    start: Optional[Period] = None
    end: Optional[Period] = None
    cost_eur: Optional[Cost] = None
    funding: Optional[list[Text]] = None
    key_project: Optional[bool] = None
    indicators: Optional[list[Id]] = None
    costs: Optional[list[YearCost]] = None
    parent: Optional[Id] = None
    also_fields: Optional[list[Id]] = None
    areas: Optional[list[Id]] = None
    sdgs: Optional[list[Sdg]] = None
    links: Optional[list[Link]] = None
    decided_by: Optional[list[Id]] = None

    @property
    def leads(self) -> list[str]:
        """The lead actors, the first leading."""
        return [self.lead] if isinstance(self.lead, str) else list(self.lead)

    @property
    def lead_id(self) -> str:
        """The (first) lead actor."""
        return self.lead if isinstance(self.lead, str) else self.lead[0]

    @property
    def cost_json(self) -> int | dict | None:
        """The estimated cost as JSON data: whole euros, or {"min", "max"}."""
        c = self.cost_eur
        return {"min": c.min, "max": c.max} if isinstance(c, CostRange) else c

    @property
    def cost_min(self) -> int | None:
        """The estimated cost's lower bound (the cost itself when it is one number)."""
        c = self.cost_eur
        return c.min if isinstance(c, CostRange) else c

    @property
    def cost_max(self) -> int | None:
        """The estimated cost's upper bound (the cost itself when it is one number)."""
        c = self.cost_eur
        return c.max if isinstance(c, CostRange) else c

    @property
    def start_year(self) -> int | None:
        return period_year(self.start)

    @property
    def end_year(self) -> int | None:
        return period_year(self.end)


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
    sdgs: Optional[list[Sdg]] = None
    decimals: Optional[Annotated[int, Field(ge=0, le=6)]] = None


class IndicatorsFile(Strict):
    indicators: list[Indicator]


# --- progress/YYYY.yaml --------------------------------------------------
# A state-wide plan holds 100,000s of progress entries, so they are compact
# slotted dataclasses rather than models (a tenth of the memory), strict field
# by field, with the few model methods isek uses.

@dataclass(frozen=True, slots=True, config=RECORD)
class Update(Record):
    """A progress entry: what was reported about one measure on one date."""

    measure: Annotated[Id, S]
    date: Annotated[dt.date, S]
    # One of the seven statuses or a plan status (isek.yaml 'statuses'); checked across files.
    status: Annotated[str, S, StringConstraints(min_length=1, max_length=64)]
    percent: Optional[Annotated[int, S, Field(ge=0, le=100)]] = None
    note: Optional[Annotated[str, S]] = None
    spent_eur: Optional[Annotated[Euros, S]] = None


@dataclass(frozen=True, slots=True, config=RECORD)
class Value(Record):
    """One observed value of a context indicator."""

    indicator: Annotated[Id, S]
    value: Annotated[float, S, Field(allow_inf_nan=False)]
    date: Annotated[dt.date, S]
    area: Optional[Annotated[Id, S]] = None  # the value is for this area; without: the whole city


@dataclass(frozen=True, slots=True, config=RECORD)
class Drawdown(Record):
    """Money drawn from a grant on one date (Mittelabruf): one payment, never a running total."""

    grant: Annotated[Id, S]
    date: Annotated[dt.date, S]
    eur: Annotated[Euros, S]


class ProgressYear(Strict):
    year: Year
    updates: list[Update]
    values: list[Value]
    drawdowns: Optional[list[Drawdown]] = None


# --- funding.yaml --------------------------------------------------------

class Programme(Strict):
    """A funding programme (Förderprogramm), e.g. Lebendige Zentren of the Städtebauförderung."""

    id: Id
    title: Text
    level: Literal["eu", "bund", "land", "bund_land", "kommune", "privat", "other"]
    family: Optional[Id] = None  # a free grouping, e.g. staedtebaufoerderung


class GrantDecision(Strict):
    date: dt.date
    ref: Optional[Text] = None


class Grant(Strict):
    """A grant (Zuwendung, Bewilligung) of a programme for one programme year, covering measures."""

    id: Id
    programme: Id
    year: Year
    amount_eur: Euros
    rate: Optional[Annotated[Union[int, float], Field(ge=0, le=100)]] = None
    eligible_eur: Optional[Euros] = None
    measures: Annotated[list[Id], Field(min_length=1)]
    decision: Optional[GrantDecision] = None


class FundingFile(Strict):
    programmes: list[Programme]
    grants: list[Grant] = []


# The model each kind of plan file is validated against.
FILE_MODELS: dict[str, type[Strict]] = {
    "plan": PlanMeta,
    "actors": ActorsFile,
    "areas": AreasFile,
    "funding": FundingFile,
    "field": FieldOfAction,
    "indicators": IndicatorsFile,
    "progress": ProgressYear,
}
