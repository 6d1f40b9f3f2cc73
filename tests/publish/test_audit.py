"""``mangfold audit``: each kind of leak planted in an otherwise clean public folder is caught;
the clean folder passes; a run whose notebook leaks publishes nothing; the demo run passes."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mangfold.cli import main
from mangfold.publish.audit import audit, audit_folder
from mangfold.publish.context import Context, _fmt, write_csv
from mangfold.publish.disclosure import COMPLEMENT_MARK, apply_disclosure_control
from mangfold.store import ingest
from mangfold.tablespec import TableSpec
from tests.helpers import applications_csv, write_tiny
from tools.nb import code, md, params_cell, write_notebook

M = 5
# a row that is hired without being recommended: quarantined, so its keys live only in _quarantine
QUARANTINED_APPLICANT = "P99999"
LEVELS = TableSpec(name="levels", counts=("n", "k"), dims=("year", "level"), margins=(("level", "all"),),
                   derived={"n": ("share",), "k": ("share",)}, not_counts=("year", "n_vacancies", "event_time"))


def _png(seed: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1 + seed, 1))
    ax.bar([0, 1], [1, 1 + seed], color=("C0", "C3")[seed % 2])
    ax.set_title(f"figur {seed}")
    from io import BytesIO

    buf = BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _html_table(df: pd.DataFrame) -> str:
    """A table as ``show_table`` renders it."""
    return df.map(_fmt).to_html(index=False, escape=True, classes="mf-table", border=0)


def _levels_df() -> pd.DataFrame:
    df = pd.DataFrame({"year": 2025, "level": ["top_leader", "leader", "employee", "all"],
                       "n": [12, 40, 300, 352], "k": [3, 10, 60, 73], "n_vacancies": [2, 3, 4, 9],
                       "event_time": [-1, 0, 1, 2]})
    df["share"] = df["k"] / df["n"]
    return df


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("audit_store")
    apps = applications_csv() + f"A9999,V1,{QUARANTINED_APPLICANT},lbg2,female,true,true,false,true\n"
    data = write_tiny(base / "data", extra={"applications.csv": apps})
    return ingest(data, base / "s.duckdb") and base / "s.duckdb"


@pytest.fixture()
def clean(tmp_path, store) -> Path:
    """A clean year folder written through ``Context.table``, with a report and a figure."""
    out = tmp_path / "2025"
    ctx = Context(2025, store, {"min_cell": M}, out)
    public = ctx.table(_levels_df(), LEVELS, show=False)
    (out / "public" / "figures").mkdir(parents=True, exist_ok=True)
    png = _png(1)
    (out / "public" / "figures" / "f.png").write_bytes(png)
    img = base64.b64encode(png).decode()
    html = (f"<html><body><h2>Rapport</h2><p>Tallene for 2025, tiltak 1.1 og 3 av 7 sektorer.</p>"
            f"{_html_table(public)}<img src=\"data:image/png;base64,{img}\"></body></html>")
    (out / "public" / "report.html").write_text(html, encoding="utf-8")
    (out / "provenance.json").write_text(json.dumps({"store": str(store), "params": {"min_cell": M}}))
    return out


def _problems(out: Path) -> list[str]:
    return audit_folder(out / "public", min_cell=M)


def _edit_csv(out: Path, name: str, fn) -> None:
    path = out / "public" / "tables" / f"{name}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    write_csv(fn(df), path)


def _edit_report(out: Path, fn) -> None:
    path = out / "public" / "report.html"
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


# ------------------------------------------------------------------ the clean folder
def test_clean_folder_passes(clean):
    res = audit(clean / "public", min_cell=M)
    assert res.problems == [], res.problems
    pub = pd.read_csv(clean / "public" / "tables" / "levels.csv", dtype=str, keep_default_na=False,
                      encoding="utf-8-sig")
    assert pub.loc[0, "k"] == "<5" and COMPLEMENT_MARK in pub["k"].tolist()
    assert pub["n_vacancies"].tolist() == ["2", "3", "4", "9"], "vacancy counts are not person counts"


# ------------------------------------------------------------------ planted leaks
def _key_column(out):
    _edit_csv(out, "levels", lambda df: df.assign(applicant_id="P00001"))


def _key_in_text_cell(out):
    _edit_csv(out, "levels", lambda df: df.assign(level=df["level"].where(df.index != 1, "leder (søker P00007)")))


def _count_of_3(out):
    _edit_csv(out, "levels", lambda df: df.assign(k=df["k"].where(df.index != 0, "3")))


def _recoverable_from_total(out):
    # only the small count hidden: 73 - 10 - 60 = 3
    _edit_csv(out, "levels", lambda df: df.assign(k=["<5", "10", "60", "73"]))


def _derived_visible(out):
    # the share of a hidden count, beside its visible denominator: share * n = the count
    _edit_csv(out, "levels", lambda df: df.assign(share=df["share"].where(df.index != 0, str(3 / 12))))


def _key_in_report(out):
    _edit_report(out, lambda h: h.replace("tiltak 1.1", "tiltak 1.1 (se søker P00004)"))


def _key_in_report_as_character_references(out):
    # a browser shows "P00004": the audit reads the page as it is shown, not only as it is written
    _edit_report(out, lambda h: h.replace("tiltak 1.1", "tiltak 1.1 (se søker P0&#48;0&#x30;4)"))


def _quarantined_key(out):
    _edit_report(out, lambda h: h.replace("tiltak 1.1", f"tiltak 1.1 ({QUARANTINED_APPLICANT})"))


def _small_count_in_report_table(out):
    extra = _html_table(pd.DataFrame({"Nivå": ["Toppledere", "Ledere"], "Tilsatt": [3, 10]}))
    _edit_report(out, lambda h: h.replace("</body>", extra + "</body>"))


def _table_without_spec(out):
    write_csv(pd.DataFrame({"level": ["a"], "n": [40]}), out / "public" / "tables" / "raw.csv")


def _unexpected_file(out):
    (out / "public" / "notes.txt").write_text("hei", encoding="utf-8")


def _image_not_in_figures(out):
    img = base64.b64encode(_png(2)).decode()
    _edit_report(out, lambda h: h.replace("</body>", f"<img src=\"data:image/png;base64,{img}\"></body>"))


def _vacancy_list(out):
    _edit_csv(out, "levels", lambda df: df.assign(vacancy_id="V1"))


def _shared_count_shown_elsewhere(out):
    # a second table (written through disclosure control on its own) shows level 'leader' (10),
    # which 'levels' hides to protect 'top_leader' (3): 73 - 10 - 60 = 3
    df = pd.DataFrame({"year": 2025, "level": ["top_leader", "leader", "employee"] * 2,
                       "sex": ["f"] * 3 + ["all"] * 3, "k": [1, 5, 30, 3, 10, 60]})
    spec = TableSpec(name="by_sex", counts=("k",), dims=("year", "level", "sex"))
    pub = apply_disclosure_control(df, spec, min_cell=M)
    write_csv(df, out / "restricted" / "tables" / "by_sex.csv")
    write_csv(pub, out / "public" / "tables" / "by_sex.csv")
    (out / "public" / "tables" / "by_sex.spec.json").write_text(json.dumps(spec.to_json()), encoding="utf-8")


def _small_count_in_text(out):
    _edit_report(out, lambda h: h.replace("</body>", "<p>Finans har 1 leder fra landbakgrunnsgruppe 2.</p></body>"))


def _unpublished_count_in_text(out):
    # the 'all' row shows 73 and the 'leader' row 10; a text saying "70 ledere" (from an unsuppressed
    # frame: all levels but the hidden top leaders) gives the hidden 3 away by subtraction
    _edit_report(out, lambda h: h.replace("</body>", "<p>Uten toppledere er det 70 ledere i målgruppen.</p></body>"))


LEAKS = {
    "small_count_in_text": (_small_count_in_text, "a count of 1 persons"),
    "unpublished_count_in_text": (_unpublished_count_in_text, "70 is not a count any public table shows"),
    "key_column": (_key_column, "is a person key"),
    "key_in_text_cell": (_key_in_text_cell, "person key value 'P00007'"),
    "count_of_3": (_count_of_3, "count 3 is below 5"),
    "recoverable_from_total": (_recoverable_from_total, "can be computed from the visible cells"),
    "derived_visible": (_derived_visible, "derived from k, which is hidden"),
    "key_in_report": (_key_in_report, "report.html: contains the person key value 'P00004'"),
    "key_in_report_as_character_references": (_key_in_report_as_character_references,
                                              "report.html: contains the person key value 'P00004'"),
    "quarantined_key": (_quarantined_key, f"person key value '{QUARANTINED_APPLICANT}'"),
    "small_count_in_report_table": (_small_count_in_report_table, "count 3 is below 5, and this column"),
    "table_without_spec": (_table_without_spec, "not written by ctx.table"),
    "unexpected_file": (_unexpected_file, "notes.txt: not a file the public folder may hold"),
    "image_not_in_figures": (_image_not_in_figures, "was not saved with ctx.figure"),
    "vacancy_list": (_vacancy_list, "vacancy-level list"),
    "shared_count_shown_elsewhere": (_shared_count_shown_elsewhere, "which share counts with it"),
}


@pytest.mark.parametrize("kind", LEAKS)
def test_audit_catches_each_kind_of_leak(clean, kind):
    plant, expected = LEAKS[kind]
    assert _problems(clean) == []
    plant(clean)
    problems = _problems(clean)
    assert any(expected in p for p in problems), problems


def test_counts_and_years_in_text_that_the_tables_show_pass(clean):
    _edit_report(clean, lambda h: h.replace("</body>", "<p>I 2025 var det 60 ansatte og 352 personer i alt; "
                                                       "2025 nye styremedlemmer ble ikke utnevnt.</p>"
                                                       "<h3>Som i KS 2009</h3><p>Ledere fra målgruppen</p></body>"))
    assert _problems(clean) == []


def test_key_value_check_needs_the_store_and_says_so(clean, tmp_path):
    _key_in_text_cell(clean)
    (clean / "provenance.json").write_text(json.dumps({"store": str(tmp_path / "gone.duckdb")}))
    res = audit(clean / "public", min_cell=M)
    assert not any("P00007" in p for p in res.problems)
    assert any("person-key values not checked" in n for n in res.notes)


def test_counts_are_not_confused_with_keys(clean):
    # numbers in the report (years, counts) are not taken for keys even if a key looks like one
    _edit_report(clean, lambda h: h.replace("tiltak 1.1", "2025: 352 søknader"))
    assert _problems(clean) == []


def test_cli_audit_exit_status_and_list(clean, capsys):
    assert main(["audit", str(clean / "public")]) == 0
    assert "no disclosure faults" in capsys.readouterr().out
    _count_of_3(clean)
    _key_column(clean)
    assert main(["audit", str(clean / "public")]) == 1
    out = capsys.readouterr().out
    assert "FAILED: " in out and "count 3 is below 5" in out and "is a person key" in out


def test_cli_audit_reads_min_cell_from_provenance(clean, capsys):
    (clean / "provenance.json").write_text(json.dumps({"params": {"min_cell": 3}}))
    assert main(["audit", str(clean / "public")]) == 0
    assert "min_cell 3" in capsys.readouterr().out


# ------------------------------------------------------------------ a run that leaks publishes nothing
def _tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


CLEAN_NB = """import pandas as pd
from mangfold.publish import open_context
from mangfold.tablespec import TableSpec
ctx = open_context(year, store, params, out)
SPEC = TableSpec(name="levels", counts=("n",), dims=("year", "level"), margins=(("level", "all"),))
df = pd.DataFrame({"year": ctx.year, "level": ["a", "b", "c", "all"], "n": [3, 20, 30, 53]})
ctx.table(df, SPEC)"""

# each writes its table past ctx.table, straight into ctx.public / "tables", with a spec
RAW_WRITE = """import json
import pandas as pd
from mangfold.publish import open_context
from mangfold.publish.context import write_csv
from mangfold.tablespec import TableSpec
ctx = open_context(year, store, params, out)
SPEC = TableSpec(name="leak", counts=("n",), dims=("year", "level"), margins=(("level", "all"),))
df = pd.DataFrame({{"year": ctx.year, "level": ["a", "b", "c", "all"], "n": {n}}})
{extra}
write_csv(df, ctx.public / "tables" / "leak.csv")
(ctx.public / "tables" / "leak.spec.json").write_text(json.dumps(SPEC.to_json()), encoding="utf-8")"""

RUN_LEAKS = {
    "key_column": ('["<5", ":", 30, 53]', 'df["person_id"] = "P00001"', "is a person key"),
    "key_in_text_cell": ('["<5", ":", 30, 53]', 'df["note"] = "se søker P00002"', "person key value 'P00002'"),
    "count_of_3": ('[3, 20, 30, 53]', "", "count 3 is below 5"),
    "recoverable_from_total": ('["<5", 20, 30, 53]', "", "can be computed from the visible cells"),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory, store):
    """A clean run of a one-notebook folder: the previous output that a leaking run must leave alone."""
    base = tmp_path_factory.mktemp("leakrun")
    nbdir = base / "nbs"
    nbdir.mkdir()
    write_notebook(str(nbdir / "10-ren.ipynb"), [params_cell(), md("## Ren"), code(CLEAN_NB)])
    out = base / "out"
    rc = main(["run", "--year", "2025", "--store", str(store), "--out", str(out), "--notebooks", str(nbdir),
               "--jobs", "1"])
    assert rc == 0
    pub = pd.read_csv(out / "2025" / "public" / "tables" / "levels.csv", dtype=str, encoding="utf-8-sig")
    assert pub["n"].tolist() == ["<5", ":", "30", "53"]
    return base, nbdir, out


@pytest.mark.slow
@pytest.mark.parametrize("kind", RUN_LEAKS)
def test_a_run_whose_notebook_leaks_publishes_nothing(published, tmp_path, store, kind, capsys):
    base, nbdir, out = published
    prev = tmp_path / "out"
    shutil.copytree(out, prev)
    before = _tree_hashes(prev)
    leaky = tmp_path / "nbs"
    shutil.copytree(nbdir, leaky)
    n, extra, expected = RUN_LEAKS[kind]
    write_notebook(str(leaky / "20-lekk.ipynb"), [params_cell(), md("## Lekk"),
                                                  code(RAW_WRITE.format(n=n, extra=extra))])
    capsys.readouterr()
    rc = main(["run", "--year", "2025", "--store", str(store), "--out", str(prev), "--notebooks", str(leaky),
               "--jobs", "1"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "audit" in err and "nothing published" in err and expected in err, err
    assert _tree_hashes(prev) == before
    assert not [p for p in prev.iterdir() if p.name.startswith(".")], "staging folder left behind"


# ------------------------------------------------------------------ the demo municipality
@pytest.mark.slow
@pytest.mark.xdist_group("demo_run")
def test_demo_run_passes_the_audit(demo_run):
    assert demo_run.status == 0, demo_run.log
    res = audit(demo_run.public, min_cell=M, store=demo_run.store)
    assert res.problems == [], res.problems
    assert not [n for n in res.notes if "not checked" in n], res.notes
    tables = list((demo_run.public / "tables").glob("*.csv"))
    marked = sum(pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig").isin(["<5"]).sum().sum()
                 for p in tables)
    assert marked > 0, "the small demo has small counts, and they are hidden"
    assert main(["audit", str(demo_run.public)]) == 0


# ------------------------------------------------------------------ tables of different notebooks
def _by_level_and_by_sex():
    f, m = [1, 5, 20], [2, 5, 20]
    levels = ["a", "b", "c"]
    by_level = pd.DataFrame({"year": 2025, "level": [*levels, "all"], "n": [3, 10, 40, 53]})
    by_sex = pd.DataFrame({"year": 2025, "level": levels * 3, "sex": ["f"] * 3 + ["m"] * 3 + ["all"] * 3,
                           "n": f + m + [3, 10, 40]})
    s1 = TableSpec(name="by_level", counts=("n",), dims=("year", "level"), margins=(("level", "all"),))
    s2 = TableSpec(name="by_sex", counts=("n",), dims=("year", "level", "sex"), margins=(("sex", "all"),))
    return by_level, s1, by_sex, s2


def test_plan_folder_hides_counts_that_tables_of_different_notebooks_share(tmp_path, store):
    from mangfold.publish.audit import HINTS_FILE, plan_folder

    t1, s1, t2, s2 = _by_level_and_by_sex()
    out = tmp_path / "2025"

    def publish():  # two notebooks: two contexts, neither knows the other's tables
        Context(2025, store, {"min_cell": M}, out).table(t1, s1, show=False)
        Context(2025, store, {"min_cell": M}, out).table(t2, s2, show=False)

    publish()
    problems = _problems(out)
    assert any("which share counts with it" in p for p in problems), problems
    assert plan_folder(out, min_cell=M)
    assert (out / "restricted" / HINTS_FILE).is_file()
    publish()  # the second run: ctx.table reads the hints
    assert _problems(out) == []
    assert not plan_folder(out, min_cell=M)


def test_the_plan_and_the_audit_link_the_tables_once_and_as_if_each_linked_them(tmp_path, store, monkeypatch):
    """plan_folder and the audit of one report find the counts its tables share once (audit._links,
    keyed by the tables' names and the bytes their models are made from) and get what linking them
    afresh gives; a changed unsuppressed copy is linked again."""
    from mangfold.publish import audit as A
    from mangfold.publish.links import link_tables

    t1, s1, t2, s2 = _by_level_and_by_sex()
    out = tmp_path / "2025"
    Context(2025, store, {"min_cell": M}, out).table(t1, s1, show=False)
    Context(2025, store, {"min_cell": M}, out).table(t2, s2, show=False)
    calls = []
    monkeypatch.setattr(A, "link_tables", lambda items: calls.append([i[0] for i in items]) or link_tables(items))
    for cache in (A._linked, A._truths, A._models):
        cache.clear()
    problems = _problems(out)
    assert calls == [["by_level", "by_sex"]]
    assert any("which share counts with it" in p for p in problems), problems
    A.plan_folder(out, min_cell=M)
    assert len(calls) == 1  # the plan took the audit's links
    checked = []
    for path in sorted((out / "public" / "tables").glob("*.csv")):
        A.audit_table(path, min_cell=M, restricted=out / "restricted", checked=checked)
    fresh, _ = link_tables([(c.name, c.spec, c.truth, c.view.model) for c in checked])
    assert A._links([(c.name, c.spec, c.truth, c.view.model) for c in checked], [c.key for c in checked]) == fresh
    assert fresh and len(calls) == 1
    # the unsuppressed copy of one table changes: linked (and read) again
    truth = out / "restricted" / "tables" / "by_sex.csv"
    truth.write_bytes(truth.read_bytes().replace(b"2025,c,f,20", b"2025,c,f,21"))
    _problems(out)
    assert len(calls) == 2


def test_the_unsuppressed_copy_is_matched_once_per_content(tmp_path, store):
    """audit._read_truth gives the unsuppressed copy that matches the public one (each caller its own
    frame), found once for the same bytes, spec and public columns, length and dimension values:
    a public copy whose dimension values differ gets none."""
    from mangfold.publish import audit as A

    t1, s1, _, _ = _by_level_and_by_sex()
    out = tmp_path / "2025"
    Context(2025, store, {"min_cell": M}, out).table(t1, s1, show=False)
    spec = json.loads((out / "public" / "tables" / "by_level.spec.json").read_text(encoding="utf-8"))
    public = pd.read_csv(out / "public" / "tables" / "by_level.csv", dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")
    A._truths.clear()
    a = A._read_truth(out / "restricted", "by_level", public, spec)
    b = A._read_truth(out / "restricted", "by_level", public, spec)
    assert len(A._truths) == 1 and a is not b
    pd.testing.assert_frame_equal(a, b)
    assert a["n"].tolist() == [3, 10, 40, 53]
    a.loc[0, "n"] = 99  # a caller changing its frame changes no one else's
    assert A._read_truth(out / "restricted", "by_level", public, spec)["n"].tolist() == [3, 10, 40, 53]
    other = public.copy()
    other.loc[1, "level"] = "x"  # same bytes of the copy, other dimension values
    assert A._read_truth(out / "restricted", "by_level", other, spec) is None
    assert A._read_truth(out / "restricted", "by_level", public.iloc[:3], spec) is None


NB_BY_LEVEL = """import pandas as pd
from mangfold.publish import open_context
from mangfold.tablespec import TableSpec
ctx = open_context(year, store, params, out)
ctx.table(pd.DataFrame({"year": ctx.year, "level": ["a", "b", "c", "all"], "n": [3, 10, 40, 53]}),
          TableSpec(name="by_level", counts=("n",), dims=("year", "level"), margins=(("level", "all"),)))"""
NB_BY_SEX = """import pandas as pd
from mangfold.publish import open_context
from mangfold.tablespec import TableSpec
ctx = open_context(year, store, params, out)
ctx.table(pd.DataFrame({"year": ctx.year, "level": ["a", "b", "c"] * 3, "sex": ["f"] * 3 + ["m"] * 3 + ["all"] * 3,
                        "n": [1, 5, 20, 2, 5, 20, 3, 10, 40]}),
          TableSpec(name="by_sex", counts=("n",), dims=("year", "level", "sex"), margins=(("sex", "all"),)))"""


@pytest.mark.slow
def test_run_hides_shared_counts_across_notebooks_in_a_second_pass(tmp_path, store):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    write_notebook(str(nbdir / "10-niva.ipynb"), [params_cell(), md("## Nivå"), code(NB_BY_LEVEL)])
    write_notebook(str(nbdir / "20-kjonn.ipynb"), [params_cell(), md("## Kjønn"), code(NB_BY_SEX)])
    out = tmp_path / "out"
    rc = main(["run", "--year", "2025", "--store", str(store), "--out", str(out), "--notebooks", str(nbdir),
               "--jobs", "2"])
    assert rc == 0
    public = out / "2025" / "public"
    assert audit_folder(public, min_cell=M) == []
    assert (out / "2025" / "restricted" / "disclosure_hints.json").is_file()
    by_sex = pd.read_csv(public / "tables" / "by_sex.csv", dtype=str, encoding="utf-8-sig")
    assert by_sex.loc[(by_sex["level"] == "b") & (by_sex["sex"] == "all"), "n"].item() == COMPLEMENT_MARK


# ------------------------------------------------------------------ numbers in the text
def _numbers(*cells, params=None):
    import numpy as np

    from mangfold.publish.audit import declared_numbers

    return np.union1d(np.unique(np.abs(np.array(cells, dtype=float))), declared_numbers(params or {"alpha": 0.05}))


def test_a_share_in_the_text_must_be_a_public_cell():
    from mangfold.publish.audit import audit_numbers

    page = "<p>Andelen er 12,3 % og rateforholdet 0,82 (p = 0,012).</p>"
    assert audit_numbers(page, _numbers(0.1234, 0.8213, 0.0119)) == []
    found = audit_numbers(page, _numbers(0.1234, 0.0119))  # the ratio is no cell
    assert len(found) == 1 and "'0,82'" in found[0]
    # a share computed from an unsuppressed frame: the table shows the cell blank, the text 37,5 %
    leak = audit_numbers("<p>I finans er 37,5 % av lederne fra målgruppen.</p>", _numbers(0.25, 0.5))
    assert len(leak) == 1 and "37,5 %" in leak[0]


def test_rounding_units_params_and_names_are_understood():
    from mangfold.publish.audit import audit_numbers

    nums = _numbers(0.052, 0.0035, 1.5, params={"alpha": 0.05, "board_new_target": 0.25})
    page = ("<p>Effekten er +5,2 pp, forskjellen 0,35 pp, avstanden 1,5 pp. Målet er 25 % nye medlemmer; "
            "intervallene er 2,5- og 97,5-persentilene, 98,75 % KI for trinnene, p &lt; 0,001.</p>"
            "<p>Styret i Bydel 4,5 Nord har 2021 som startår.</p>")
    assert audit_numbers(page, nums, names={"Bydel 4,5 Nord"}) == []
    assert len(audit_numbers(page, nums)) == 1  # the name, read as a number, when not declared as one
    # a number in a table is the table's business, and whole numbers without a unit are not read here
    assert audit_numbers("<table><tr><td>33,3 %</td></tr></table><p>I 2025 var det 17 stillinger.</p>",
                         nums) == []


def test_the_demo_report_writes_only_numbers_the_tables_show(demo_run):
    from mangfold.publish.audit import audit

    pub = demo_run.out / "2025" / "public"
    res = audit(pub, min_cell=5)
    assert not [p for p in res.problems if "no declared constant" in p]
    assert not [n for n in res.notes if "numbers in the text" in n]


def test_grouped_thousands_and_huge_intervals_are_read_whole():
    from mangfold import text
    from mangfold.publish.audit import audit_numbers

    big = 446884628.5612
    page = (f"<p>Oddsforholdet endret seg med en faktor {text.number(big, 2)} per år "
            f"(95 % KI {text.number(3248.671, 2)}–{text.number(2.044543959014303e21, 2)}).</p>")
    assert audit_numbers(page, _numbers(big, 3248.671, 2.044543959014303e21)) == []
    found = audit_numbers(page, _numbers(big, 3248.671))
    assert len(found) == 1 and "\u202f" in found[0]  # the whole number is named, as written


def test_numbers_and_names_of_public_tables_cell_by_cell():
    """The numbers and the names with digits that the text check takes from the public tables: every
    cell read on its own (pd.to_numeric of that cell alone), whatever column it stands in."""
    from mangfold.publish.audit import _names_of, _numbers_of

    a = pd.DataFrame({"navn": ["Bydel 4,5 Nord", "Oslo", "", "12", "1e3", "<5", ":"],
                      "n": ["7", "-3", "0.25", "inf", "nan", "12", " 8 "]}, dtype="str")
    b = pd.DataFrame({"x": ["2024", "Sektor 2", "99999999999", "1_000", "-0.0", "Helse 3 Vest", "3"]}, dtype="str")
    cells = [v for df in (a, b) for c in df.columns for v in df[c]]
    want = sorted({abs(float(x)) for x in (pd.to_numeric(pd.Series([v], dtype=object), errors="coerce").iloc[0]
                                          for v in cells) if np.isfinite(float(x))})
    assert _numbers_of([a, b]).tolist() == want
    assert _names_of([a, b]) == {"Bydel 4,5 Nord", "<5", "1_000", "Sektor 2", "Helse 3 Vest"}
    assert _numbers_of([]).tolist() == [] and _names_of([pd.DataFrame()]) == set()


def test_shown_counts_are_the_whole_non_negative_numbers_of_count_columns_and_years():
    """What a count in the running text may be: every whole, non-negative, finite number of a count
    column, and the years of a year dimension; text, marks, fractions, negatives and infinities are none
    (an infinite cell once stopped the audit)."""
    from mangfold.publish.audit import _Checked, _shown_counts

    raw = pd.DataFrame({"year": ["2024", "2025", "2025"], "n": ["12", "<5", "3.0"], "rate": ["1", "2", "3"],
                        "other": ["inf", "-4", "7.5"]}, dtype="str")
    more = pd.DataFrame({"m": ["", ":", "1e2", "abc", " 6", "inf", "-inf", "nan"]}, dtype="str")
    checked = [_Checked("t", {"dims": ["year"], "counts": ["n", "other"], "derived": {"rate": ["n"]}}, None, None, raw),
               _Checked("u", {"dims": [], "counts": ["m"]}, None, None, more)]
    assert _shown_counts(checked) == ({12, 3, 100, 6}, {2024, 2025})
