"""Did-you-mean for ids: the id as meant when it differs only in case or in leading zeros
(``hf7.m02`` → ``HF7.M02``, ``HF7.M2`` → ``HF7.M02``, never ``HF7.M12``), else the closest spelling,
else the list of ids when there are few. One dictionary per set of ids: linear to build, constant
to ask."""

from __future__ import annotations

import re
import typing

from .shape import did_you_mean

FEW = 8  # up to this many ids, a hint without a match lists them all
_DIGITS = re.compile(r"\d+")


def canonical(word: str) -> str:
    """An id's spelling without case and leading zeros in its numbers: what people mean by it."""
    return _DIGITS.sub(lambda m: m.group().lstrip("0") or "0", str(word).casefold())


class IdHints:
    """Hints for wrong ids against one set of ids, asked many times."""

    def __init__(self, ids: typing.Iterable[str]) -> None:
        self.ids = list(ids)
        self._canon: dict[str, str] | None = None

    def hint(self, word: str) -> str:
        if self._canon is None:
            self._canon = {}
            for i in self.ids:
                self._canon.setdefault(canonical(i), i)
        same = self._canon.get(canonical(word))
        if same is not None and same != word:
            return f"did you mean '{same}'?"
        close = did_you_mean(word, self.ids)
        if close or not self.ids or len(self.ids) > FEW:
            return close
        return "known ids: " + ", ".join(sorted(self.ids))


def id_hint(word: str, ids: typing.Iterable[str]) -> str:
    return IdHints(ids).hint(word)
