"""``mangfold run --municipality NAME|all`` and the executors (mangfold.run.plan, mangfold.run.execute):
a tiny two-municipality folder gives one report per municipality and a national report; warm kernels
keep notebooks apart; the same units of work run on a Dask LocalCluster (slow)."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest

from mangfold.cli import main
from mangfold.run import run
from mangfold.run.execute import execute_reports, shutdown_kernels
from mangfold.run.jobs import Job, Planned, Published, Report, has_any, list_notebooks, notebook_scope
from mangfold.publish.context import read_csv
from tests.helpers import VACANCIES, applications_csv, ingested
from tools.nb import code, md, params_cell, write_notebook

# End to end: every test here runs notebooks on warm kernels (mangfold run, execute_reports).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
#: The pipeline's own notebooks and the national one: stable, quick, and enough to show the wiring.
CORE = ("00-sammendrag.ipynb", "10-datakvalitet.ipynb", "70-ks.ipynb", "95-om-rapporten.ipynb")
OSLO, BERGEN = "0301 Oslo", "4601 Bergen"

UNITS = f"""unit_id,unit_name,sector,municipality
U1,Bydel Grünerløkka,Byrådsavdeling for oppvekst,{OSLO}
U2,Bergen helse,Helse,{BERGEN}
"""
MATURITY = f"""municipality,year,political_anchoring,employer_strategy,admin_resources,leadership_development,role_models,top_level_readiness
{OSLO},2025,2,2,1,1,1,0
{BERGEN},2025,1,0,0,1,0,0
"""
POPULATION = f"""year,area,background,persons
2025,{OSLO},none,560000
2025,{OSLO},lbg2,140000
2025,{BERGEN},none,270000
2025,{BERGEN},lbg2,30000
"""


def _workforce() -> str:
    rows = ["person_id,year,unit_id,position_level,background"]
    for unit, spec in (("U1", [("leader", "lbg2", 6), ("leader", "none", 20), ("employee", "none", 30)]),
                       ("U2", [("leader", "none", 12), ("employee", "lbg2", 8)])):
        for level, bg, n in spec:
            rows += [f"{unit}-{level}-{bg}-{i},2025,{unit},{level},{bg}" for i in range(n)]
    return "\n".join(rows) + "\n"


def write_two(folder: Path) -> Path:
    """tests.helpers' tiny folder with its two units in two municipalities (Oslo: V1, V2 in 2025;
    Bergen: V3 in 2025, V4 in 2024), plus maturity, population and workforce."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("units.csv", UNITS), ("vacancies.csv", VACANCIES), ("applications.csv", applications_csv()),
                       ("maturity.csv", MATURITY), ("population.csv", POPULATION), ("workforce.csv", _workforce())):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def core_notebooks(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("nbs")
    for name in CORE:
        shutil.copy(ROOT / "notebooks" / name, d / name)
    # about data no municipality of the two has: left out of their reports, never run
    write_notebook(str(d / "45-styrer.ipynb"), [params_cell(), md("## Styrer"), code("raise RuntimeError('ran')")],
                   mangfold={"requires": ["boards", "vacancies.no_such_column"], "topic": "styrene"})
    return d


@pytest.fixture(scope="module")
def two_notebooks(tmp_path_factory) -> Path:
    """One municipality notebook and the national one: the quickest folder that shows the scopes."""
    d = tmp_path_factory.mktemp("nbs2")
    for name in ("10-datakvalitet.ipynb", "70-ks.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, d / name)
    return d


@pytest.fixture(scope="module")
def two_store(tmp_path_factory) -> Path:
    return ingested(tmp_path_factory.mktemp("two"), write_two, municipality=OSLO)


@pytest.fixture(scope="module")
def all_run(tmp_path_factory, two_store, core_notebooks):
    out = tmp_path_factory.mktemp("all") / "out"
    status = run(years=[2025], store=two_store, out=out, jobs=2, notebooks=core_notebooks, municipality="all")
    return out, status


def _executed(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "restricted" / "notebooks").glob("*.ipynb"))


# ------------------------------------------------------------------ scopes
def test_notebook_scope_is_read_from_metadata(core_notebooks):
    assert notebook_scope(core_notebooks / "70-ks.ipynb") == "national"
    assert notebook_scope(core_notebooks / "10-datakvalitet.ipynb") == "municipality"  # the default
    assert [p.name for p in list_notebooks(core_notebooks, "national")] == ["70-ks.ipynb"]
    assert "70-ks.ipynb" not in [p.name for p in list_notebooks(core_notebooks, "municipality")]
    assert len(list_notebooks(core_notebooks)) == len(CORE) + 1


# ------------------------------------------------------------------ --municipality all
def test_all_publishes_every_municipality_and_the_national_report(all_run):
    out, status = all_run
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == ["0301-oslo", "4601-bergen", "index.html", "national"]
    for slug, name in (("0301-oslo", OSLO), ("4601-bergen", BERGEN)):
        y = out / slug / "2025"
        html = (y / "public" / "report.html").read_text(encoding="utf-8")
        assert name in html and "Mangfold i ledelse i kommunene" not in html
        assert _executed(y) == ["00-sammendrag.ipynb", "10-datakvalitet.ipynb", "95-om-rapporten.ipynb"]
        prov = json.loads((y / "provenance.json").read_text(encoding="utf-8"))
        assert prov["municipality"] == name and prov["scope"] == "municipality"
        assert prov["notebooks_left_out"] == ["45-styrer.ipynb"]
        # Bergen is measured against the targets of the params' municipality (Oslo), and says so
        assert prov["params"]["targets_set_by"] == (None if name == OSLO else OSLO)
        assert ("brukt her som felles målestokk" in html) == (name != OSLO)
        assert "Kapittelet om styrene er ikke med, fordi kommunen ikke har levert data om det." in html
    nat = out / "national" / "2025"
    assert _executed(nat) == ["70-ks.ipynb"]
    html = (nat / "public" / "report.html").read_text(encoding="utf-8")
    assert "Mangfold i ledelse i kommunene (KS)" in html and "data:image/png;base64," in html
    assert "Traceback" not in html
    assert {"ks_checkpoints.csv", "ks_indicators.csv", "ks_leader_representation.csv"} <= {
        p.name for p in (nat / "public" / "tables").glob("*.csv")}
    assert (nat / "public" / "figures" / "ks_trakt.png").is_file()
    assert not [p for p in out.rglob(".*building*")], "staging folders left behind"
    index = (out / "index.html").read_text(encoding="utf-8")  # one page that links them all
    links = [m for m in __import__("re").findall(r'href="([^"]+report.html)"', index)]
    assert links == ["national/2025/public/report.html", "0301-oslo/2025/public/report.html",
                     "4601-bergen/2025/public/report.html"]
    assert all((out / link).is_file() for link in links)


def test_a_notebook_runs_when_the_store_has_any_of_the_data_it_requires(two_store):
    assert has_any(two_store, ("units",)) and has_any(two_store, ("boards", "units.sector"))
    assert not has_any(two_store, ("boards", "mentoring", "vacancies.no_such_column"))
    assert not has_any(two_store, ())


def test_each_municipality_report_counts_only_its_own_rows(all_run):
    out, _ = all_run
    rows = {slug: read_csv(out / slug / "2025" / "restricted" / "tables" / "data_rows.csv").set_index("table")
            for slug in ("0301-oslo", "4601-bergen")}
    # tests.helpers: 12 applications per vacancy; Oslo has V1, V2 and Bergen V3, V4
    assert rows["0301-oslo"].loc["applications", "rows_used"] == 24
    assert rows["4601-bergen"].loc["applications", "rows_used"] == 24
    assert rows["0301-oslo"].loc["units", "rows_read"] == 1
    nat = read_csv(out / "national" / "2025" / "restricted" / "tables" / "ks_indicators.csv").set_index("indicator")
    assert nat.loc["lbg2_in_leader_post", "municipalities"] == 1 and nat.loc["lbg2_in_leader_post", "n_municipalities"] == 2


def test_one_municipality_by_number_and_an_unknown_name(tmp_path, two_store, two_notebooks, capsys):
    out = tmp_path / "out"
    args = ["run", "--store", str(two_store), "--out", str(out), "--notebooks", str(two_notebooks), "--jobs", "1"]
    assert main([*args, "--years", "2024-2025", "--municipality", "4601"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["4601-bergen", "index.html"]
    assert sorted(p.name for p in (out / "4601-bergen").iterdir()) == ["2024", "2025"]
    assert _executed(out / "4601-bergen" / "2024") == ["10-datakvalitet.ipynb"]  # no national notebook
    assert main([*args, "--year", "2025", "--municipality", "Tromsø"]) == 2
    assert "no municipality matches 'Tromsø'" in capsys.readouterr().err
    assert main([*args, "--year", "2024", "--municipality", "Oslo"]) == 2  # Oslo has no 2024 vacancies
    assert "0301 Oslo has no vacancies in year(s) 2024" in capsys.readouterr().err
    assert main([*args, "--year", "2025", "--scheduler", "tcp://127.0.0.1:1"]) == 2  # needs --executor dask


def test_default_run_adds_the_national_notebook_only_to_a_store_with_several_municipalities(
        tmp_path, two_store, two_notebooks):
    out = tmp_path / "out"
    assert run(years=[2025], store=two_store, out=out, jobs=2, notebooks=two_notebooks) == 0
    assert _executed(out / "2025") == ["10-datakvalitet.ipynb", "70-ks.ipynb"]  # OUT/<year>/, whole store
    # one municipality: tests/test_pipeline.py checks that 70-ks is left out of the demo run


# ------------------------------------------------------------------ engines
def _published(results, *, key):
    return Published(key, True, (f"{key}: {len(results)} notebooks",))


@pytest.mark.parametrize("engine", ["inprocess", "kernel"])
def test_notebooks_are_kept_apart_and_a_failure_stops_only_its_report(tmp_path, engine):
    import functools

    d = tmp_path / "nbs"
    d.mkdir()
    write_notebook(str(d / "10-a.ipynb"), [params_cell(), code("secret = 41\nimport os\nprint(os.getcwd())")])
    write_notebook(str(d / "20-b.ipynb"), [params_cell(), code("assert 'secret' not in globals(), 'leaked'\n"
                                                               "import os\nassert os.getcwd() == %r" % str(d))])
    write_notebook(str(d / "30-broken.ipynb"), [params_cell(), md("## x"), code("raise RuntimeError('planted')")])
    job = lambda name, key: Job(2025, d / name, tmp_path / key / name, {"year": 2025}, engine=engine)  # noqa: E731
    reports = [
        Report("ok", [job("10-a.ipynb", "ok"), job("20-b.ipynb", "ok")], None,
               functools.partial(_published, key="ok")),
        Report("broken", [job("30-broken.ipynb", "broken")], job("10-a.ipynb", "broken"),
               functools.partial(_published, key="broken")),
    ]
    got = execute_reports(reports, executor="local", jobs=1)  # one worker (and one kernel) for all
    assert got["ok"].ok and got["ok"].published.messages == ("ok: 2 notebooks",)
    assert not got["broken"].ok and got["broken"].published is None
    assert len(got["broken"].results) == 1  # the summary did not run after the failure
    assert "30-broken.ipynb (2025) failed in cell" in got["broken"].results[0].error
    assert "planted" in got["broken"].results[0].error


def _plan_once(flag: str, results: list) -> bool:
    """A plan that asks for one more pass (as disclosure planning does when tables share counts); it
    gets the results of the pass, as publishing does."""
    assert sorted(r.job.notebook.name for r in results) == ["00-s.ipynb", "10-a.ipynb"]
    path = Path(flag)
    if path.exists():
        return False
    path.write_text("planned", encoding="utf-8")
    return True


def test_a_plan_sends_the_notebooks_round_again_before_publishing(tmp_path):
    import functools

    d = tmp_path / "nbs"
    d.mkdir()
    log = tmp_path / "runs.txt"
    write_notebook(str(d / "10-a.ipynb"), [params_cell(), code(f"open({str(log)!r}, 'a').write('a')")])
    write_notebook(str(d / "00-s.ipynb"), [params_cell(), code(f"open({str(log)!r}, 'a').write('s')")])
    job = lambda name: Job(2025, d / name, tmp_path / "out" / name, {"year": 2025})  # noqa: E731
    report = Report("r", [job("10-a.ipynb")], job("00-s.ipynb"), functools.partial(_published, key="r"),
                    functools.partial(_plan_once, str(tmp_path / "flag")), max_passes=3)
    got = execute_reports([report], executor="local", jobs=1)["r"]
    assert got.ok and got.passes == 2 and got.executed == 4
    assert log.read_text() == "asas"  # notebooks, summary, plan -> again, then publish (no third plan)
    assert got.published.messages == ("r: 2 notebooks",)  # the results of the last pass only


def _plan_only(flag: str, names: tuple[str, ...], results: list):
    """A plan that sends only ``names`` round again, once (as disclosure planning does when only
    some notebooks' tables change)."""
    path = Path(flag)
    if path.exists():
        return False
    path.write_text("planned", encoding="utf-8")
    return frozenset(names)


def test_a_plan_can_send_only_some_notebooks_round_again(tmp_path):
    import functools

    d = tmp_path / "nbs"
    d.mkdir()
    log = tmp_path / "runs.txt"
    for name, mark in (("10-a.ipynb", "a"), ("20-b.ipynb", "b"), ("00-s.ipynb", "s")):
        write_notebook(str(d / name), [params_cell(), code(
            f"import os\nopen({str(log)!r}, 'a').write({mark!r} + os.environ.get('MANGFOLD_NOTEBOOK', '?') + ';')")])
    job = lambda name: Job(2025, d / name, tmp_path / "out" / name, {"year": 2025})  # noqa: E731
    report = Report("r", [job("10-a.ipynb"), job("20-b.ipynb")], job("00-s.ipynb"),
                    functools.partial(_published, key="r"),
                    functools.partial(_plan_only, str(tmp_path / "flag"), ("20-b.ipynb",)), max_passes=3)
    got = execute_reports([report], executor="local", jobs=1)["r"]
    runs = [x for x in log.read_text().split(";") if x]
    assert got.ok and got.passes == 2 and got.executed == 5
    # the first pass: both notebooks and the summary; then only b and the summary again
    assert sorted(runs[:2]) == ["a10-a.ipynb", "b20-b.ipynb"] and runs[2:] == ["s00-s.ipynb", "b20-b.ipynb",
                                                                                "s00-s.ipynb"]
    assert got.published.messages == ("r: 3 notebooks",)  # a's first result stands beside b's and s's new ones
    assert sorted(r.job.notebook.name for r in got.results) == ["00-s.ipynb", "10-a.ipynb", "20-b.ipynb"]


# ------------------------------------------------------------------ dask
@pytest.mark.slow
def test_dask_local_cluster_runs_the_same_units_of_work(tmp_path, two_store, two_notebooks):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        out = tmp_path / "out"
        rc = main(["run", "--year", "2025", "--store", str(two_store), "--out", str(out), "--notebooks",
                   str(two_notebooks), "--municipality", "all", "--executor", "dask",
                   "--scheduler", cluster.scheduler_address])
        assert rc == 0
        for slug in ("0301-oslo", "4601-bergen", "national"):
            assert (out / slug / "2025" / "public" / "report.html").is_file()
        whole = tmp_path / "whole"  # without --municipality: the ordinary report, on Dask
        assert main(["run", "--year", "2025", "--store", str(two_store), "--out", str(whole), "--notebooks",
                     str(two_notebooks), "--executor", "dask", "--scheduler", cluster.scheduler_address]) == 0
        assert _executed(whole / "2025") == ["10-datakvalitet.ipynb", "70-ks.ipynb"]
        with distributed.Client(cluster) as client:  # the run shut its kernels down
            assert sum(client.run(shutdown_kernels).values()) == 0


def test_plan_report_clears_and_names_only_the_notebooks_whose_tables_change(tmp_path, monkeypatch):
    import json

    from mangfold.run import report as rp

    st = tmp_path / "st"
    for sub in rp.STAGING_DIRS:
        (st / sub).mkdir(parents=True)
    written = {"10-q.ipynb": {"tables": ["t1"]}, "30-f.ipynb": {"tables": ["t2", "t3"], "figures": ["f"]},
               "00-s.ipynb": {"tables": ["summary"]}}
    for nb, m in written.items():
        (st / "restricted" / "outputs" / f"{nb}.json").write_text(json.dumps(m), encoding="utf-8")
        (st / "restricted" / "notebooks" / nb).write_text("{}", encoding="utf-8")
        for t in m["tables"]:
            for path in (st / "public" / "tables" / f"{t}.csv", st / "restricted" / "tables" / f"{t}.csv",
                         st / "restricted" / "typed" / f"{t}.json"):
                path.write_text("x", encoding="utf-8")
    (st / "public" / "figures" / "f.png").write_bytes(b"png")
    monkeypatch.setattr(rp, "plan_folder", lambda staging, min_cell: {"t3"})
    assert rp.plan_report(st, min_cell=5) == frozenset({"30-f.ipynb", "00-s.ipynb"})
    assert (st / "public" / "tables" / "t1.csv").is_file() and (st / "restricted" / "notebooks" / "10-q.ipynb").is_file()
    for gone in ("public/tables/t2.csv", "public/tables/t3.csv", "restricted/typed/t3.json", "public/figures/f.png",
                 "restricted/notebooks/30-f.ipynb", "restricted/outputs/30-f.ipynb.json", "public/tables/summary.csv"):
        assert not (st / gone).exists(), gone
    # a changed table that no notebook is known to have written: every notebook again
    monkeypatch.setattr(rp, "plan_folder", lambda staging, min_cell: {"unknown"})
    assert rp.plan_report(st, min_cell=5) is True and not (st / "public" / "tables" / "t1.csv").exists()
    monkeypatch.setattr(rp, "plan_folder", lambda staging, min_cell: set())
    assert rp.plan_report(st, min_cell=5) is False


def test_each_report_of_a_group_is_prefetched_before_the_ledger_reads_the_group():
    """The ledger's reading of a group is prefetched report by report as each is planned (while the
    others still run), except the last, whose planning starts the ledger at once."""
    calls: list[tuple[str, object]] = []

    def ledger(keys, last):
        calls.append(("ledger", tuple(sorted(keys))))
        return {}, []

    reports = [Report(f"r{i}", [], group="g") for i in range(3)] + [Report("alone", [], group="h")]
    execute_reports(reports, executor="local", jobs=1, ledger=ledger,
                    prefetch=lambda key, read: calls.append(("prefetch", key)))
    assert [c for c in calls if c[0] == "prefetch"] == [("prefetch", "r0"), ("prefetch", "r1")]
    assert ("ledger", ("r0", "r1", "r2")) in calls and ("ledger", ("alone",)) in calls
    assert calls.index(("prefetch", "r1")) < calls.index(("ledger", ("r0", "r1", "r2")))


def _planned_with(read, results):
    return Planned(read)


def _plan_nothing(results):
    return False


def test_what_a_plan_read_for_the_ledger_is_handed_over_for_every_report_before_the_ledger():
    """A plan that changes nothing and read the report's tables (Planned) hands them to ``prefetch``,
    the last report of a group too (whose planning starts the ledger at once), before the ledger runs;
    a plan that returns False hands nothing over (a report alone in its group: nothing to read)."""
    calls: list[tuple] = []

    def ledger(keys, last):
        calls.append(("ledger", tuple(sorted(keys))))
        return {}, []

    reports = [Report(k, [], plan=functools.partial(_planned_with, f"tables of {k}"), max_passes=2, group="g")
               for k in ("r0", "r1", "r2")]
    reports.append(Report("r3", [], plan=_plan_nothing, max_passes=2, group="h"))
    execute_reports(reports, executor="local", jobs=1, ledger=ledger,
                    prefetch=lambda key, read: calls.append(("prefetch", key, read)))
    pre = [c for c in calls if c[0] == "prefetch"]
    assert sorted(pre) == [("prefetch", k, f"tables of {k}") for k in ("r0", "r1", "r2")]
    assert max(calls.index(c) for c in pre) < calls.index(("ledger", ("r0", "r1", "r2")))


def test_a_worker_collects_garbage_with_the_workers_thresholds():
    """Tasks run with WORKER_GC_THRESHOLD in the worker (the run's own process keeps Python's)."""
    import gc

    from mangfold.run.execute import WORKER_GC_THRESHOLD, pool, run_task

    before = gc.get_threshold()
    with pool("local", 1) as p:
        got = p.wait_any([p.submit(run_task, gc.get_threshold)])
    assert [f.result() for f in got] == [WORKER_GC_THRESHOLD]
    assert gc.get_threshold() == before
