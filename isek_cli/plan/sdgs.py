"""The UN Sustainable Development Goals: 17 goals and their 169 targets.

Goal titles in English (UN) and German (the German federal government's
short titles). Targets are listed by code only: numbered targets (11.1 …)
and lettered means of implementation (11.a …); the contract makes target
titles optional. Source: UN General Assembly resolution A/RES/70/1 (2015).
"""

from __future__ import annotations

# goal: (English title, German title, numbered targets, lettered targets)
_GOALS: dict[str, tuple[str, str, int, str]] = {
    "1": ("No poverty", "Keine Armut", 5, "ab"),
    "2": ("Zero hunger", "Kein Hunger", 5, "abc"),
    "3": ("Good health and well-being", "Gesundheit und Wohlergehen", 9, "abcd"),
    "4": ("Quality education", "Hochwertige Bildung", 7, "abc"),
    "5": ("Gender equality", "Geschlechtergleichheit", 6, "abc"),
    "6": ("Clean water and sanitation", "Sauberes Wasser und Sanitäreinrichtungen", 6, "ab"),
    "7": ("Affordable and clean energy", "Bezahlbare und saubere Energie", 3, "ab"),
    "8": ("Decent work and economic growth", "Menschenwürdige Arbeit und Wirtschaftswachstum", 10, "ab"),
    "9": ("Industry, innovation and infrastructure", "Industrie, Innovation und Infrastruktur", 5, "abc"),
    "10": ("Reduced inequalities", "Weniger Ungleichheiten", 7, "abc"),
    "11": ("Sustainable cities and communities", "Nachhaltige Städte und Gemeinden", 7, "abc"),
    "12": ("Responsible consumption and production", "Nachhaltige/r Konsum und Produktion", 8, "abc"),
    "13": ("Climate action", "Maßnahmen zum Klimaschutz", 3, "ab"),
    "14": ("Life below water", "Leben unter Wasser", 7, "abc"),
    "15": ("Life on land", "Leben an Land", 9, "abc"),
    "16": ("Peace, justice and strong institutions", "Frieden, Gerechtigkeit und starke Institutionen", 10, "ab"),
    "17": ("Partnerships for the goals", "Partnerschaften zur Erreichung der Ziele", 19, ""),
}

GOALS: tuple[str, ...] = tuple(_GOALS)
TARGETS: dict[str, tuple[str, ...]] = {
    g: tuple(f"{g}.{n}" for n in range(1, numbered + 1)) + tuple(f"{g}.{c}" for c in lettered)
    for g, (_, _, numbered, lettered) in _GOALS.items()
}
CODES: frozenset[str] = frozenset(GOALS) | frozenset(t for ts in TARGETS.values() for t in ts)


def is_goal(code: str) -> bool:
    return code in _GOALS


def is_code(code: str) -> bool:
    """A goal ("11") or a target ("11.3", "11.a")."""
    return code in CODES


def targets_of(goal: str) -> tuple[str, ...]:
    return TARGETS.get(goal, ())


def goal_of(code: str) -> str:
    """The goal a goal or target code belongs to."""
    return code.split(".", 1)[0]


def goal_title(goal: str, lang: str) -> str:
    en, de, _, _ = _GOALS[goal]
    return de if lang == "de" else en


def sort_key(code: str) -> tuple:
    """Goals in number order, each goal's targets after it: 1, 1.1, …, 1.a, 2, …"""
    goal, _, target = code.partition(".")
    return (int(goal), target != "", not target.isdigit(), int(target) if target.isdigit() else 0, target)
