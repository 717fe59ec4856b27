"""The base classes of the plan model, and how they pickle compactly for the cache.

Models are strict (YAML 1.1 turns ``no`` into False and ``25.000`` into 25.0;
strictness makes such surprises errors instead of silent conversions), frozen,
and forbid unknown keys. Progress entries (100,000s in a state-wide plan) are
slotted dataclasses (:class:`Record`) instead, at a tenth of the memory.
"""

from __future__ import annotations

from functools import lru_cache
from operator import attrgetter

from pydantic import BaseModel, ConfigDict, Strict as StrictType, TypeAdapter

class Strict(BaseModel):
    # defer_build: validators are built on first use, so a warm command (the plan restored from
    # the cache, nothing validated) never pays for building them at start-up.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, defer_build=True)

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


S = StrictType()
RECORD = ConfigDict(extra="forbid", defer_build=True)


class Record:
    __slots__ = ()

    @classmethod
    def model_validate(cls, data):
        return _adapter(cls).validate_python(data)

    def model_dump(self, *, mode: str = "python", exclude_none: bool = False, exclude=None) -> dict:
        return _adapter(type(self)).dump_python(self, mode=mode, exclude_none=exclude_none, exclude=exclude)

    def __reduce__(self):
        return _restore_record, (type(self), field_values(type(self))(self))


@lru_cache(maxsize=None)
def field_values(cls):
    """The values of a record's fields as a tuple, read at C speed (pickling 100,000s of entries,
    comparing a year file's entries after a write)."""
    names = tuple(cls.__dataclass_fields__)
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda record: (one(record),)
    return attrgetter(*names)


@lru_cache(maxsize=None)
def _adapter(cls) -> TypeAdapter:
    return TypeAdapter(cls)


def _restore_record(cls, values: tuple):
    obj = _new(cls)
    for name, value in zip(cls.__dataclass_fields__, values):
        _set(obj, name, value)
    return obj


