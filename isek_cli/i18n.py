"""The message catalogue: report words in German and English, kept out of code."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from .resources import messages_dir

LANGUAGES = ("de", "en")


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, Any]:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; choose one of {', '.join(LANGUAGES)}")
    with open(messages_dir() / f"{lang}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def status_label(status: str, lang: str) -> str:
    return catalogue(lang)["status"][status]
