"""Did-you-mean hints.

:class:`Suggester` finds the closest spelling of a word among a set of options (keys, statuses,
ids), asked many times against the same set. :class:`IdHints` first tries the id as meant when
it differs only in case or in leading zeros (``hf7.m02`` → ``HF7.M02``, ``HF7.M2`` → ``HF7.M02``,
never ``HF7.M12``), then the closest spelling, else the list of ids when there are few. One
dictionary per set of ids: linear to build, constant to ask."""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import typing

FEW = 8  # up to this many ids, a hint without a match lists them all
_DIGITS = re.compile(r"\d+")


def did_you_mean(word: str, options: typing.Iterable[str]) -> str:
    """'did you mean …?' for one word, against the suggester of these options (built once per set)."""
    return suggester_for(tuple(options)).hint(word)


class Suggester:
    """Did-you-mean hints against one set of options, asked many times.

    difflib compares a word with every option: 0.5 s against 20,000 ids, hours for 10,000 wrong
    references. Small sets (statuses, keys) are still compared in full. In a large set difflib
    compares only a few options: those one typo away (found in an index of every option with
    one character left out, the "symmetric delete" method), else the neighbours in sorted order
    forwards and backwards (sharing the longest beginning or ending with the word).
    """

    FULL = 200  # sets up to this size are compared in full
    NEAR = 8  # neighbours on each side, in each direction
    SHARED = 50  # an index entry shared by more options says nothing about any of them
    LONGEST = 200  # a longer word is no id, key or status: no hint
    CUTOFF = 0.6  # difflib's similarity a hint needs

    def __init__(self, options: typing.Iterable[str]) -> None:
        self.words = sorted({str(o) for o in options})
        self._drops: dict[str, dict[int, None]] = {}  # option → the table deleting its characters
        self.backwards: list[str] = []
        self.deletes: dict[str, list[str]] = {}
        if len(self.words) > self.FULL:
            self.backwards = sorted(w[::-1] for w in self.words)
            for w in self.words:
                for key in _one_left_out(w):
                    self.deletes.setdefault(key, []).append(w)

    def best(self, word: str) -> str | None:
        word = str(word)
        if len(word) > self.LONGEST:
            return None
        pool = self.words if not self.backwards else self._pool(word)
        pool = self._could_match(word, pool)
        match = difflib.get_close_matches(word, pool, n=1, cutoff=self.CUTOFF) if pool else None
        return match[0] if match else None

    def hint(self, word: str) -> str:
        match = self.best(word)
        return f"did you mean '{match}'?" if match else ""

    def _pool(self, word: str) -> list[str]:
        near: dict[str, None] = {}
        for key in _one_left_out(word):
            found = self.deletes.get(key, ())
            if len(found) <= self.SHARED:
                near.update(dict.fromkeys(found))
        if near:
            return list(near)
        ahead = bisect.bisect_left(self.words, word)
        back = bisect.bisect_left(self.backwards, word[::-1])
        return (self.words[max(0, ahead - self.NEAR): ahead + self.NEAR]
                + [w[::-1] for w in self.backwards[max(0, back - self.NEAR): back + self.NEAR]])

    def _could_match(self, word: str, pool: list[str]) -> list[str]:
        """The options that could reach the cutoff. difflib's ratio is 2·M / (len(a) + len(b)),
        and M, the characters matched, is at most the characters of the word found in the option:
        counted by deleting them (``str.translate``, in C). A flood of unknown keys (50,000 in one
        mapping) spent most of its did-you-mean time in difflib's Python loops over options this
        rules out. Never rules out a match: what it keeps, difflib still judges."""
        drops = self._drops
        n = len(word)
        keep = []
        for option in pool:
            total = n + len(option)
            if total and 2.0 * min(n, len(option)) / total < self.CUTOFF:
                continue  # difflib's first test: the lengths alone rule it out
            drop = drops.get(option)
            if drop is None:
                drop = drops[option] = dict.fromkeys(map(ord, option))
            if not total or 2.0 * (n - len(word.translate(drop))) / total >= self.CUTOFF:
                keep.append(option)
        return keep


@functools.lru_cache(maxsize=16)
def suggester_for(options: tuple[str, ...]) -> Suggester:
    """One suggester per set of options: a file full of unknown keys, or an answer sheet full of
    unknown measures, asks the same set many times (building one indexes every option)."""
    return Suggester(options)


def _one_left_out(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def canonical(word: str) -> str:
    """An id's spelling without case and leading zeros in its numbers: what people mean by it."""
    return _DIGITS.sub(lambda m: m.group().lstrip("0") or "0", str(word).casefold())


class IdHints:
    """Hints for wrong ids against one set of ids, asked many times."""

    def __init__(self, ids: typing.Iterable[str]) -> None:
        self.ids = list(ids)
        self._canon: dict[str, str] | None = None
        self._near: Suggester | None = None

    def hint(self, word: str) -> str:
        if self._canon is None:
            self._canon = {}
            for i in self.ids:
                self._canon.setdefault(canonical(i), i)
        same = self._canon.get(canonical(word))
        if same is not None and same != word:
            return f"did you mean '{same}'?"
        if self._near is None:
            self._near = Suggester(self.ids)  # near-linear for many wrong ids against many ids
        close = self._near.hint(word)
        if close or not self.ids or len(self.ids) > FEW:
            return close
        return "known ids: " + ", ".join(sorted(self.ids))


def id_hint(word: str, ids: typing.Iterable[str]) -> str:
    return IdHints(ids).hint(word)
