"""The documentation says what the code does: every diagnostic code is in the catalogue of
docs/plan-format.md, and every example of the format-v2 section is valid for the model."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from conftest import REPO
from isek_cli.plan.diagnostics import CODES
from isek_cli.plan.model import AreasFile, FundingFile, Indicator, Measure, PlanMeta, ProgressYear

PLAN_FORMAT = (REPO / "docs/plan-format.md").read_text(encoding="utf-8")


def documented_codes() -> dict[str, str]:
    section = PLAN_FORMAT[PLAN_FORMAT.index("## Diagnostics"):]
    return dict(re.findall(r"^\| ([EW]\d{3}) \| (.+) \|$", section, re.M))


def test_every_diagnostic_code_is_in_the_documented_catalogue():
    documented = documented_codes()
    assert sorted(set(CODES) - set(documented)) == [], "add these codes to docs/plan-format.md"
    assert sorted(set(documented) - set(CODES)) == [], "these documented codes do not exist"
    assert all(len(text) >= 10 for text in documented.values())


def test_readme_points_to_the_format_and_names_version_2():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/plan-format.md" in readme and "version 2" in readme


# --- the examples of "Format version 2" --------------------------------------------

MINIMAL_META = {"city": "X", "title": "X", "adopted": {"body": "Rat", "date": dt.date(2013, 12, 18)},
                "horizon": {"start": 2014, "end": 2030}, "owner": "X", "language": "de", "vision": "",
                "guiding_goals": []}
MINIMAL_MEASURE = {"id": "M1", "title": "X", "priority": 1, "lead": "A"}
MINIMAL_INDICATOR = {"id": "K1", "title": "X", "unit": "X", "source": "X", "direction": "up",
                     "baseline": {"year": 2013, "value": 1}}
PLAN_KEYS = {"report", "decisions", "statuses", "priorities", "license"}
INDICATOR_KEYS = {"unit", "source", "direction", "baseline", "target", "decimals"}


def v2_examples() -> list[str]:
    section = PLAN_FORMAT[PLAN_FORMAT.index("## Format version 2"):PLAN_FORMAT.index("## How isek writes")]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


def validate(data) -> str:
    """Validate one example against the model of what it shows; return that model's name."""
    if isinstance(data, list):  # items of a list of measures or indicators
        return ", ".join(validate(item) for item in data)
    keys = set(data)
    if keys & PLAN_KEYS:
        model, base = PlanMeta, MINIMAL_META
    elif keys == {"areas"} and isinstance(data["areas"], list) and isinstance(data["areas"][0], dict):
        model, base = AreasFile, {}
    elif keys <= {"programmes", "grants"}:
        model, base = FundingFile, {}
    elif keys <= {"updates", "values", "drawdowns"}:
        model, base = ProgressYear, {"year": 2024, "updates": [], "values": []}
    elif keys & INDICATOR_KEYS:
        model, base = Indicator, MINIMAL_INDICATOR
    else:
        model, base = Measure, MINIMAL_MEASURE
    model.model_validate({**base, **data})
    return model.__name__


@pytest.mark.parametrize("example", v2_examples(), ids=lambda e: e.split("\n", 1)[0][:40])
def test_each_v2_example_is_valid(example):
    text = "\n".join(line for line in example.splitlines() if line.strip() != "…")
    data = yaml.safe_load(text)
    assert validate(data)


def test_the_v2_section_has_an_example_for_every_new_key():
    examples = "\n".join(v2_examples())
    for key in ("report:", "mandate:", "foreword:", "decisions:", "statuses:", "priorities:", "license:", "areas:",
                "parent:", "geometry:", "also_fields:", "lead: [", "start: 2021-04", "cost_eur: {min:", "costs:",
                "sdgs:", "links:", "decided_by:", "decimals:", "area: ", "programmes:", "grants:", "drawdowns:"):
        assert key in examples, key


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_readme_links_into_plan_format_reach_a_heading():
    anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", PLAN_FORMAT, re.M)}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\(docs/plan-format\.md#([^)]+)\)", readme)
    assert len(links) >= 14
    assert [a for a in links if a not in anchors] == []
