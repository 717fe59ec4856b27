"""Data safety in everyday use: a spreadsheet imported twice does not double the entries, `check`
warns on exact duplicates, and `indicator set` without --date says which year file it writes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import run

import isek_cli.cli.progress as progress_cli

ROWS = [["measure", "date", "status", "percent", "note"],
        ["HF1.M02", "2024-08-01", "in_umsetzung", "55", "Dach fertig"],
        ["HF2.M01", "2024-08-02", "in_umsetzung", "70", ""]]


def _csv(path: Path, rows=ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def _count(plan: Path, text: str) -> int:
    return (plan / "progress/2024.yaml").read_text(encoding="utf-8").count(text)


def test_reimport_skips_existing_entries_with_a_count(mini, tmp_path):
    sheet = _csv(tmp_path / "fortschritt.csv")
    first = run("progress", "import", sheet, plan=mini)
    assert first.exit_code == 0, first
    assert "imported 2 entries" in first.stdout
    before = (mini / "progress/2024.yaml").read_bytes()
    again = run("progress", "import", sheet, plan=mini)
    assert again.exit_code == 0, again
    assert "imported 0 entries" in again.stdout
    assert "skipped 2 entries the plan already has" in again.stderr
    assert (mini / "progress/2024.yaml").read_bytes() == before  # nothing doubled
    assert run("check", plan=mini).exit_code == 0


def test_reimport_with_one_new_row_writes_only_that_row(mini, tmp_path):
    run("progress", "import", _csv(tmp_path / "a.csv"), plan=mini)
    more = ROWS + [["HF2.M02", "2024-08-03", "in_planung", "15", ""]]
    r = run("progress", "import", _csv(tmp_path / "b.csv", more), plan=mini)
    assert r.exit_code == 0, r
    assert "imported 1 entries" in r.stdout and "skipped 2 entries" in r.stderr
    assert _count(mini, "2024-08-01") == 1 and _count(mini, "2024-08-03") == 1


def test_allow_duplicates_records_them_again_and_check_warns(mini, tmp_path):
    sheet = _csv(tmp_path / "fortschritt.csv")
    run("progress", "import", sheet, plan=mini)
    r = run("progress", "import", sheet, "--allow-duplicates", plan=mini)
    assert r.exit_code == 0, r
    assert "imported 2 entries" in r.stdout
    assert _count(mini, "2024-08-01") == 2
    check = run("check", "--format", "json", plan=mini)
    assert check.exit_code == 0  # a warning, not an error
    codes = [d["code"] for d in json.loads(check.stdout)["diagnostics"]]
    assert codes.count("W415") == 2
    assert run("check", "--strict", plan=mini).exit_code == 1


def test_same_entry_with_another_note_is_not_a_duplicate(mini, tmp_path):
    run("progress", "import", _csv(tmp_path / "a.csv"), plan=mini)
    changed = [ROWS[0], ["HF1.M02", "2024-08-01", "in_umsetzung", "55", "Dach fertig, Fenster bestellt"]]
    r = run("progress", "import", _csv(tmp_path / "b.csv", changed), plan=mini)
    assert "imported 1 entries" in r.stdout and "skipped" not in r.stderr
    assert "W415" not in run("check", plan=mini).stdout


def test_same_entry_with_other_money_spent_is_not_a_duplicate(mini, tmp_path):
    """An answer that corrects only the money spent is news: recorded, and no W415; the same money
    again is a repeat and skipped."""
    spent = [ROWS[0] + ["spent_eur"], ROWS[1] + ["12000"]]
    run("progress", "import", _csv(tmp_path / "a.csv", spent), plan=mini)
    corrected = [spent[0], ROWS[1] + ["15000"]]
    r = run("progress", "import", _csv(tmp_path / "b.csv", corrected), plan=mini)
    assert r.exit_code == 0, r
    assert "imported 1 entries" in r.stdout and "skipped" not in r.stderr
    assert "spent_eur: 15000" in (mini / "progress/2024.yaml").read_text(encoding="utf-8")
    assert "W415" not in run("check", plan=mini).stdout
    again = run("progress", "import", _csv(tmp_path / "c.csv", corrected), plan=mini)
    assert "imported 0 entries" in again.stdout and "skipped 1 entries" in again.stderr


@pytest.fixture
def calendar(monkeypatch):
    def set_today(day: dt.date, interactive: bool = False):
        monkeypatch.setattr(progress_cli, "_today", lambda: day)
        monkeypatch.setattr(progress_cli, "_interactive", lambda: interactive)
    return set_today


def test_indicator_set_piped_in_february_warns_which_year(mini, calendar):
    calendar(dt.date(2025, 2, 10))
    r = run("indicator", "set", "K-BEV", "40800", plan=mini)
    assert r.exit_code == 0, r
    assert "no --date: the value is filed under today, 2025-02-10" in r.stderr
    assert "give --date 2024-12-31" in r.stderr
    # and the new year file is announced on stderr, not only in the normal output
    assert "starts the NEW file progress/2025.yaml" in r.stderr
    assert "2025-02-10" in (mini / "progress/2025.yaml").read_text(encoding="utf-8")


def test_indicator_set_in_a_terminal_in_january_asks_the_year(mini, calendar):
    calendar(dt.date(2025, 1, 20), interactive=True)
    r = run("indicator", "set", "K-BEV", "40800", plan=mini, input="2030\n2024\n")
    assert r.exit_code == 0, r
    assert "Is the value for 2024" in r.stderr and "answer 2024 or 2025" in r.stderr
    assert "value: 40800, date: 2024-12-31" in (mini / "progress/2024.yaml").read_text(encoding="utf-8")
    assert not (mini / "progress/2025.yaml").exists()


def test_indicator_set_after_march_neither_asks_nor_warns_but_announces_the_new_file(mini, calendar):
    calendar(dt.date(2025, 6, 1), interactive=True)
    r = run("indicator", "set", "K-BEV", "40800", plan=mini)
    assert r.exit_code == 0, r
    assert "Is the value" not in r.stderr and "no --date" not in r.stderr
    assert "starts the NEW file progress/2025.yaml" in r.stderr


def test_indicator_set_with_date_is_quiet(mini, calendar):
    calendar(dt.date(2025, 2, 1), interactive=True)
    r = run("indicator", "set", "K-BEV", "40800", "--date", "2024-12-30", plan=mini)
    assert r.exit_code == 0, r
    assert r.stderr == ""
