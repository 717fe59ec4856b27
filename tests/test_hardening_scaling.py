"""Worst cases stay near-linear (issue 16). No timings here (machines are shared and noisy;
benchmarks/run.py measures): each test counts the work an algorithm does and shows that it grows
with the input, not with its square."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isek_cli.plan.loader import load_plan
from isek_cli.plan.source import Locator


class CountingList(list):
    """A list that counts the items handed out by iteration."""

    handed = 0

    def __iter__(self):
        for x in super().__iter__():
            CountingList.handed += 1
            yield x


def test_positions_of_n_unknown_keys_cost_linear_work():
    n = 3000
    text = "".join(f"unknown_{i}: {i}\n" for i in range(n))
    loc = Locator(text)
    loc.root.value = CountingList(loc.root.value)
    CountingList.handed = 0
    lines = [loc.position((f"unknown_{i}",), key=True)[0] for i in range(n)]
    assert lines == list(range(1, n + 1))
    assert CountingList.handed <= 3 * n, CountingList.handed  # was n²/2


def test_positions_follow_the_first_of_duplicate_keys():
    loc = Locator("a: 1\nb: 2\na: 3\n")
    assert loc.position(("a",)) == (1, 4) and loc.position(("b",), key=True) == (2, 1)


def field_file(n: int) -> str:
    measures = "".join(f"  - {{id: HF9.M{i:05d}, title: Massnahme {i}, goals: [HF9.Z1], priority: 1, lead: WOBAU}}\n"
                       for i in range(n))
    return f"id: HF9\ntitle: Viele\ngoals:\n  - {{id: HF9.Z1, title: Ziel}}\nmeasures:\n{measures}"


@pytest.fixture
def counted_comparisons(monkeypatch):
    counter = {"n": 0}
    real = difflib.SequenceMatcher.set_seq1

    def set_seq1(self, a):
        counter["n"] += 1
        return real(self, a)

    monkeypatch.setattr(difflib.SequenceMatcher, "set_seq1", set_seq1)
    return counter


def test_did_you_mean_for_many_bad_references_costs_linear_work(mini, counted_comparisons):
    n, bad = 3000, 600
    (mini / "fields/09-viele.yaml").write_text(field_file(n), encoding="utf-8")
    updates = "".join(f"  - {{measure: HF9.N{i:05d}, date: 2024-05-01, status: in_planung}}\n" for i in range(bad))
    (mini / "progress/2024.yaml").write_text(f"year: 2024\nupdates:\n{updates}values: []\n", encoding="utf-8")
    loaded = load_plan(mini, use_cache=False)
    e302 = [d for d in loaded.diagnostics if d.code == "E302"]
    assert len(e302) == bad
    assert all(d.hint == f"did you mean 'HF9.M{int(d.message.split('HF9.N')[1][:5]):05d}'?" for d in e302), e302[:3]
    assert counted_comparisons["n"] <= 150 * bad, counted_comparisons["n"]  # was n × bad


def test_did_you_mean_in_small_sets_compares_everything():
    """Small sets (statuses, keys) keep the full comparison: the hint is exactly difflib's."""
    from isek_cli.plan.suggest import did_you_mean

    words = [f"word{i}" for i in range(150)] + ["abgeschlossen"]
    assert did_you_mean("abgeschlosen", words) == "did you mean 'abgeschlossen'?"
    assert did_you_mean("zzzz", words) == ""


@settings(max_examples=400, deadline=None)
@given(word=st.text("abcdeé_1", max_size=9),
       options=st.lists(st.text("abcdeé_1", max_size=9), min_size=1, max_size=12))
def test_did_you_mean_prefilter_never_loses_difflibs_match(word, options):
    """Options are ruled out before difflib by a bound on its ratio (characters of the word found
    in the option): the answer must stay exactly difflib's, near the cutoff too."""
    from isek_cli.plan.suggest import Suggester

    expected = difflib.get_close_matches(word, sorted(set(options)), n=1, cutoff=0.6)
    assert Suggester(options).best(word) == (expected[0] if expected else None)


def test_flood_of_unknown_keys_reaches_difflib_only_for_near_ones(counted_comparisons):
    """50 garbage keys against a file's keys: the bound rules out all but 'owner' (its letters are
    all in 'unknown_…') without a comparison; a real typo among them still gets its hint."""
    from isek_cli.plan.suggest import Suggester

    keys = ["city", "title", "adopted", "horizon", "owner", "language", "vision", "guiding_goals"]
    s = Suggester(keys)
    assert [s.best(f"unknown_{i}") for i in range(50)] == [None] * 50
    # set_seq1 runs once as difflib starts and once per option it compares: was 50 × (1 + 8)
    assert counted_comparisons["n"] == 50 * (1 + 1)
    assert s.best("horizn") == "horizon" and counted_comparisons["n"] > 100


def test_did_you_mean_ignores_huge_words():
    from isek_cli.plan.suggest import did_you_mean

    assert did_you_mean("in_umsetzung" + "x" * 100_000, ["in_umsetzung"]) == ""


def test_progress_sheet_with_many_unknown_measures_costs_linear_work(mini, tmp_path, counted_comparisons):
    from isek_cli.api import open_plan

    n, bad = 3000, 600
    (mini / "fields/09-viele.yaml").write_text(field_file(n), encoding="utf-8")
    sheet = tmp_path / "p.csv"
    sheet.write_text("measure;date;status\n" + "".join(f"HF9.N{i:05d};2024-05-01;in_planung\n" for i in range(bad)),
                     encoding="utf-8")
    entries, problems, _ = open_plan(mini).read_progress_sheet(sheet)
    assert len(problems) == bad and "did you mean 'HF9.M00007'" in str(problems[7])
    assert counted_comparisons["n"] <= 150 * bad, counted_comparisons["n"]


def test_catalogue_ids_for_many_rows_cost_linear_work(tmp_path, monkeypatch):
    """Derived ids (HF1.M01, HF1.M02, …) are found without counting up from 1 for every row."""
    from isek_cli.data.catalogue import Options, parse
    from isek_cli.data.catalogue import resolve as res

    class CountingDict(dict):
        looked = 0

        def __contains__(self, key):
            CountingDict.looked += 1
            return super().__contains__(key)

    real_init = res._Resolver.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.taken = CountingDict()

    monkeypatch.setattr(res._Resolver, "__init__", init)
    n = 3000
    path = tmp_path / "k.csv"
    path.write_text("Handlungsfeld;Ziel;Maßnahme;Priorität;Federführung\n"
                    + "".join(f"Wohnen;Ziel {i};Massnahme {i};1;Bauamt\n" for i in range(n)), encoding="utf-8")
    parsed = parse(path, Options())
    measures = parsed.draft.fields[0]["measures"]
    assert [m["id"] for m in measures[:3]] == ["HF1.M01", "HF1.M02", "HF1.M03"] and len(measures) == n
    assert parsed.draft.fields[0]["goals"][2999]["id"] == "HF1.Z3000"
    assert CountingDict.looked <= 10 * n, CountingDict.looked  # was n²


def test_rename_detection_in_a_diff_costs_linear_work(monkeypatch):
    """Renumbering every measure (HF1.M1 → HF1.M0001) compared each removed id with each added one."""

    from isek_cli.git import semdiff

    class CountingDict(dict):
        compared = 0

        def __eq__(self, other):
            CountingDict.compared += 1
            return dict.__eq__(self, other)

        __hash__ = None

    n = 2000
    old = {f"M{i}": CountingDict(title=f"Massnahme {i}", start=2020 + i % 5) for i in range(n)}
    new = {f"N{i:05d}": CountingDict(title=f"Massnahme {n - 1 - i}", start=2020 + (n - 1 - i) % 5) for i in range(n)}
    new["N99999"] = CountingDict(title="Massnahme 0", start=2020)  # a second copy: renamed once only
    tables = iter([{k: {} for k in semdiff.KINDS} | {"measure": old}, {k: {} for k in semdiff.KINDS} | {"measure": new}])
    monkeypatch.setattr(semdiff, "entities", lambda plan, lazy=False: next(tables))
    changes = semdiff.compare_entities(None, None)
    renamed = [c for c in changes if c["change"] == "renamed"]
    assert len(renamed) == n and renamed[0] == {"kind": "measure", "id": f"N{n - 1:05d}", "change": "renamed",
                                                "old_id": "M0", "title": "Massnahme 0", "fields": []}
    assert [c["id"] for c in changes if c["change"] == "added"] == ["N99999"]
    assert CountingDict.compared <= 5 * n, CountingDict.compared  # was n²/2


# --- what format v2 and money added -------------------------------------------------------

def _plan_statuses(mini, n: int) -> None:
    with open(mini / "isek.yaml", "a", encoding="utf-8") as fh:
        fh.write("statuses:\n" + "".join(f"  - {{id: stufe_{i:05d}, title: Stufe {i}, counts_as: in_umsetzung}}\n"
                                         for i in range(n)))


def test_many_unknown_statuses_against_many_plan_statuses_cost_linear_work(mini, counted_comparisons):
    """Each unknown status built its did-you-mean over every status word anew, and its hint listed
    all of the plan's own statuses: 10,000 bad entries × 20,000 statuses, in time and in bytes."""
    n, bad = 3000, 600
    _plan_statuses(mini, n)
    updates = "".join(f"  - {{measure: HF1.M01, date: 2024-05-01, status: stufe_{i:05d}x}}\n" for i in range(bad))
    (mini / "progress/2024.yaml").write_text(f"year: 2024\nupdates:\n{updates}values: []\n", encoding="utf-8")
    loaded = load_plan(mini, use_cache=False)
    wrong = [d for d in loaded.diagnostics if d.code == "E204" and "status" in d.message]
    assert len(wrong) == bad
    assert wrong[7].hint.startswith("did you mean 'stufe_00007'?"), wrong[7].hint
    assert all(len(d.hint) < 2000 for d in wrong), len(wrong[0].hint)
    assert "and 2,980 more" in wrong[0].hint
    assert counted_comparisons["n"] <= 150 * bad, counted_comparisons["n"]


def test_progress_sheet_with_many_unknown_statuses_costs_linear_work(mini, tmp_path, counted_comparisons):
    from isek_cli.api import open_plan

    n, bad = 3000, 600
    _plan_statuses(mini, n)
    sheet = tmp_path / "p.csv"
    sheet.write_text("measure;date;status\n" + "".join(f"HF1.M01;2024-05-01;stufe_{i:05d}x\n" for i in range(bad)),
                     encoding="utf-8")
    entries, problems, _ = open_plan(mini).read_progress_sheet(sheet)
    assert len(problems) == bad and "did you mean 'stufe_00007'" in str(problems[7]), problems[7]
    assert all(len(str(p)) < 2000 for p in problems)
    assert counted_comparisons["n"] <= 150 * bad, counted_comparisons["n"]


@pytest.fixture
def counted_indexing(monkeypatch):
    """Words put into (or looked up in) a did-you-mean index: a Suggester built anew for every
    unknown word indexes all options again, without a single extra difflib comparison."""
    from isek_cli.plan import suggest as shape

    counter = {"n": 0}
    real = shape._one_left_out

    def one_left_out(word):
        counter["n"] += 1
        return real(word)

    monkeypatch.setattr(shape, "_one_left_out", one_left_out)
    return counter


def test_drawdown_sheet_with_many_unknown_grants_costs_linear_work(mini, tmp_path, counted_comparisons,
                                                                     counted_indexing):
    from isek_cli.api import open_plan

    n, bad = 3000, 600
    (mini / "funding.yaml").write_text(
        "programmes:\n  - {id: LZ, title: Lebendige Zentren, level: bund_land}\ngrants:\n" + "".join(
            f"  - {{id: G-{i:05d}, programme: LZ, year: 2024, amount_eur: 1000, measures: [HF1.M01]}}\n"
            for i in range(n)), encoding="utf-8")
    sheet = tmp_path / "abrufe.csv"
    sheet.write_text("Zuwendung;Datum;Betrag\n" + "".join(f"G-{i:05d}x;2024-05-01;10\n" for i in range(bad)),
                     encoding="utf-8")
    entries, problems, _ = open_plan(mini).read_progress_sheet(sheet)
    assert len(problems) == bad and "did you mean 'G-00007'" in str(problems[7]), problems[7]
    assert counted_comparisons["n"] <= 150 * bad, counted_comparisons["n"]
    assert counted_indexing["n"] <= 2 * (n + bad), counted_indexing["n"]  # was n × bad


def test_plan_status_renames_in_a_diff_cost_linear_work(monkeypatch):
    """Every removed plan status was tried against every added one, and each try read the whole
    history twice: removed × added × entries."""
    import datetime as dt
    from types import SimpleNamespace

    from isek_cli.git import semdiff

    class Entry:
        reads = 0

        def __init__(self, status: str, day: int) -> None:
            self._status, self.date = status, dt.date(2024, 1, 1) + dt.timedelta(days=day)

        @property
        def status(self) -> str:
            Entry.reads += 1
            return self._status

    n = 300
    olds = {f"alt_{i}": {"title": f"Alt {i}", "counts_as": "in_umsetzung"} for i in range(n)}
    news = {f"neu_{i}": {"title": f"Neu {i}", "counts_as": "in_umsetzung"} for i in range(n)}  # renamed and retitled
    old = SimpleNamespace(history={f"M{i}": [Entry(f"alt_{i}", i)] for i in range(n)})
    new = SimpleNamespace(history={f"M{i}": [Entry(f"neu_{i}", i)] for i in range(n)})
    tables = iter([{k: {} for k in semdiff.KINDS} | {"plan_status": olds},
                   {k: {} for k in semdiff.KINDS} | {"plan_status": news}])
    monkeypatch.setattr(semdiff, "entities", lambda plan, lazy=False: next(tables))
    changes = semdiff.compare_entities(old, new)
    assert [(c["old_id"], c["id"]) for c in changes if c["change"] == "renamed"] == \
        [(f"alt_{i}", f"neu_{i}") for i in range(n)]
    assert Entry.reads <= 4 * n, Entry.reads  # was about n³
