"""Open data that describes itself: datapackage.json (licence, sources, version, a `created` taken from
the data), Datasette's metadata.json with a full-text index of the measures, lists as JSON arrays,
an XLSX with filters and euro formats that is byte-identical on every export, and `measures -f csv`
writing booleans as `export` does."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import REPO, run

from isek_cli.data.describe import FTS_TABLE
from isek_cli.data.tables import TABLES

PLAN = REPO / "plan"


@pytest.fixture(autouse=True, scope="module")
def _private_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ISEK_CACHE_DIR", str(tmp_path_factory.mktemp("isek-cache")))
    yield
    mp.undo()


def latest_data_date() -> str:
    """The latest date in any progress file of the shipped plan, found independently of isek."""
    import yaml

    dates = []
    for path in (PLAN / "progress").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("updates", "values", "drawdowns"):
            dates += [str(e["date"]) for e in doc.get(key) or []]
    return max(dates)


def test_datapackage_carries_licence_sources_title_version_and_created_from_the_data(tmp_path: Path):
    assert run("export", "-f", "csv", "-o", tmp_path / "csv", plan=PLAN).exit_code == 0
    package = json.loads((tmp_path / "csv/datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [{"name": "CC-BY-4.0", "path": "https://spdx.org/licenses/CC-BY-4.0.html"}]
    assert package["title"] == "Integriertes Stadtentwicklungskonzept Delmenhorst 2025"
    latest = latest_data_date()
    assert package["created"] == latest + "T00:00:00Z"
    assert package["version"] == "2024." + latest.replace("-", "")
    titles = [s["title"] for s in package["sources"]]
    assert titles[0].startswith(package["title"]) and len(titles) == len(set(titles)) > 1
    assert "Melderegister" in " ".join(titles)  # an indicator's source
    # every column says what it holds
    for res in package["resources"]:
        missing = [f["name"] for f in res["schema"]["fields"] if not f.get("description")]
        assert missing == [], res["name"]
    # exported again later: the same bytes
    time.sleep(1.1)
    assert run("export", "-f", "csv", "-o", tmp_path / "again", plan=PLAN).exit_code == 0
    for path in (tmp_path / "csv").iterdir():
        assert path.read_bytes() == (tmp_path / "again" / path.name).read_bytes(), path.name


def test_list_columns_are_json_arrays_in_csv_and_sqlite(tmp_path: Path):
    assert run("export", "-f", "csv", "-o", tmp_path / "csv", plan=PLAN).exit_code == 0
    with open(tmp_path / "csv/measures.csv", encoding="utf-8", newline="") as fh:
        m4 = next(r for r in csv.DictReader(fh) if r["id"] == "HF1.M04")
    assert json.loads(m4["funding"]) == ["Soziale Stadt", "Sozialer Zusammenhalt", "Eigenmittel"]
    assert m4["key_project"] == "true"
    assert run("export", "-o", tmp_path / "plan.db", plan=PLAN).exit_code == 0
    con = sqlite3.connect(tmp_path / "plan.db")
    (partners,) = con.execute("SELECT partners FROM measures WHERE id = 'HF1.M04'").fetchone()
    assert json.loads(partners) == ["WOBAU", "QM", "FD-SOZIALES"]
    # SQLite's JSON functions read them
    assert con.execute("SELECT COUNT(*) FROM measures, json_each(measures.partners) "
                       "WHERE measures.id = 'HF1.M04'").fetchone() == (3,)


def test_sqlite_export_has_datasette_metadata_and_full_text_search(tmp_path: Path):
    r = run("export", "-o", tmp_path / "plan.db", plan=PLAN)
    assert r.exit_code == 0, r
    assert "metadata.json" in r.stderr
    meta = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == "Integriertes Stadtentwicklungskonzept Delmenhorst 2025"
    assert meta["license"] == "CC-BY-4.0" and meta["license_url"].endswith("CC-BY-4.0.html")
    tables = meta["databases"]["plan"]["tables"]
    for t in TABLES:
        assert tables[t.name]["description"] == t.description
        assert set(tables[t.name]["columns"]) == set(t.names)
        assert all(tables[t.name]["columns"].values()), t.name
    assert tables["measures"]["fts_table"] == FTS_TABLE and tables["measures"]["fts_pk"] == "rowid"
    # the query Datasette runs for ?_search=: titles, descriptions and progress notes are found
    con = sqlite3.connect(tmp_path / "plan.db")

    def search(q: str) -> list[str]:
        return [r[0] for r in con.execute(
            f"SELECT id FROM measures WHERE rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?) "
            "ORDER BY id", (q,))]

    assert "HF1.M01" in search("Leerstandskataster")  # title
    assert "HF1.M01" in search("Baulücken")  # description (and umlauts)
    note = con.execute("SELECT measure, note FROM updates WHERE note IS NOT NULL ORDER BY measure, seq").fetchone()
    word = max(note[1].replace(",", " ").replace(".", " ").split(), key=len)
    assert note[0] in search(f'"{word}"')  # a word only a progress note may have
    assert search("Xylophonorchester") == []


def test_datasette_metadata_keeps_other_databases_and_never_clobbers_a_foreign_file(tmp_path: Path):
    assert run("export", "-o", tmp_path / "a.db", plan=PLAN).exit_code == 0
    assert run("export", "-o", tmp_path / "b.db", plan=PLAN).exit_code == 0
    meta = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    assert set(meta["databases"]) == {"a", "b"}
    other = tmp_path / "other"
    other.mkdir()
    (other / "metadata.json").write_text('{"title": "mine"}', encoding="utf-8")
    r = run("export", "-o", other / "plan.db", plan=PLAN)
    assert r.exit_code == 1 and "not written by isek" in r.stderr
    assert (other / "metadata.json").read_text(encoding="utf-8") == '{"title": "mine"}'


def test_xlsx_has_filters_euro_formats_and_the_same_bytes_every_time(tmp_path: Path):
    assert run("export", "-o", tmp_path / "a.xlsx", plan=PLAN).exit_code == 0
    time.sleep(2.1)  # ZIP times have a resolution of two seconds: a clock-dated file would differ now
    assert run("export", "-o", tmp_path / "b.xlsx", plan=PLAN).exit_code == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    latest = latest_data_date()
    assert wb.properties.created.date().isoformat() == latest == wb.properties.modified.date().isoformat()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time[:3] for i in z.infolist()} == {tuple(int(x) for x in latest.split("-"))}
    for ws in wb.worksheets:
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
    ws = wb["measures"]
    header = [c.value for c in ws[1]]
    cost = ws.cell(row=2, column=header.index("cost_eur") + 1)
    assert isinstance(cost.value, int) and "€" in cost.number_format
    assert "€" not in ws.cell(row=2, column=header.index("priority") + 1).number_format
    grants = wb["grants"]
    gh = [c.value for c in grants[1]]
    assert "€" in grants.cell(row=2, column=gh.index("amount_eur") + 1).number_format
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{ws.max_row}"
    # lists stay '; '-joined in XLSX: the sheet imports as a catalogue
    funding = ws.cell(row=[c.value for c in ws["A"]].index("HF1.M04") + 1, column=header.index("funding") + 1)
    assert funding.value == "Soziale Stadt; Sozialer Zusammenhalt; Eigenmittel"


def test_measures_csv_writes_booleans_like_export():
    r = run("measures", "-f", "csv", plan=PLAN)
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["key_project"] for row in rows} == {"true", "false"}
