"""Cutting a many-municipality store into one store per municipality (mangfold.partition).

``write_multi`` (also used by tests/analyses/test_ks.py and tests/test_executors.py) writes a tiny
folder with four municipalities whose national indicators are worked out by hand in its docstring.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mangfold.contract.schemas import TABLES
from mangfold.partition import list_municipalities, partition_store, resolve, slugify
from mangfold.store import StoreError, ingest, query, tables_present
from tests.helpers import ingested

# End to end: the module's stores are ingested and cut into one store per municipality.
pytestmark = pytest.mark.slow

OSLO, BERGEN, BODO, DRAMMEN = "0301 Oslo", "4601 Bergen", "1804 Bodø", "3005 Drammen"

UNITS = f"""unit_id,unit_name,sector,municipality
O1,Bydel Grünerløkka,Oppvekst,{OSLO}
O2,Sykehjemsetaten,Helse,{OSLO}
B1,Bergen skole,Oppvekst,{BERGEN}
B2,Bergen helse,Helse,{BERGEN}
D1,Bodø skole,Oppvekst,{BODO}
R1,Drammen helse,Helse,{DRAMMEN}
"""

#: (municipality unit, level, background, persons) in the 31 December 2025 snapshot
WORKFORCE_2025 = [
    ("O1", "top_leader", "lbg2", 1), ("O1", "top_leader", "none", 2), ("O1", "leader", "lbg2", 6),
    ("O2", "leader", "none", 20), ("O2", "employee", "lbg2", 10), ("O2", "employee", "none", 30),
    ("B1", "top_leader", "lbg1", 1), ("B1", "top_leader", "none", 2), ("B1", "leader", "lbg2", 2),
    ("B2", "leader", "none", 15), ("B2", "employee", "lbg2", 5), ("B2", "employee", "none", 20),
    ("D1", "top_leader", "none", 2), ("D1", "leader", "none", 8), ("D1", "employee", "lbg2", 1),
    ("D1", "employee", "none", 10),
    ("R1", "top_leader", "none", 1), ("R1", "leader", "none", 6), ("R1", "employee", "none", 8),
]
#: 2024: Drammen had an lbg2 leader then (must not count in 2025)
WORKFORCE_2024 = [("R1", "leader", "lbg2", 1), ("R1", "leader", "none", 5), ("O1", "top_leader", "none", 3)]

POPULATION = f"""year,area,background,persons
2025,{OSLO},none,500000
2025,{OSLO},lbg1,60000
2025,{OSLO},lbg2,140000
2025,{BERGEN},none,250000
2025,{BERGEN},lbg1,20000
2025,{BERGEN},lbg2,30000
2025,{BODO},none,45000
2025,{BODO},lbg1,2000
2025,{BODO},lbg2,3000
2025,{DRAMMEN},none,80000
2025,{DRAMMEN},lbg1,5000
2025,{DRAMMEN},lbg2,15000
2025,Norge,none,4500000
"""

MATURITY = f"""municipality,year,political_anchoring,employer_strategy,admin_resources,leadership_development,role_models,top_level_readiness
{OSLO},2024,2,2,1,1,1,0
{OSLO},2025,2,2,2,1,1,1
{BERGEN},2025,1,1,0,1,0,0
{BODO},2025,0,0,0,0,0,0
9999 Ukjent,2025,1,1,1,1,1,1
"""

PILOTS = """unit_id,pilot,start_date,end_date
O1,job_analysis,2024-01-01,
D1,reverse_mentoring,2022-01-01,2023-12-31
"""

MENTORING = """pair_id,mentor_id,mentee_id,unit_id,start_date,end_date
M1,W-B1-employee-lbg2-0,W-B1-top_leader-none-0,B1,2025-02-01,
M2,W-O2-employee-lbg2-0,W-O1-top_leader-none-0,O1,2025-03-01,2025-01-01
"""

SURVEY = """pair_id,respondent,wave,item,score
M1,mentor,pre,trygghet,3
M1,mentor,post,trygghet,4
"""

TRAINING = """person_id,program,start_date,completed
W-D1-employee-lbg2-0,leadership_development,2025-03-01,true
W-O2-leader-none-0,recruitment_course,2023-03-01,true
X999,recruitment_course,2025-03-01,false
"""

BOARDS = """person_id,board_id,board_name,company_form,owner_department,appointed_by_municipality,role,start_date,end_date,reappointed,gender,background
S1,BR1,Oslo Havn KF,KF,Byrådsavdeling for næring,true,chair,2024-01-01,,false,female,lbg2
S2,BR1,Oslo Havn KF,KF,Byrådsavdeling for næring,true,member,2024-01-01,,false,male,none
"""


def _workforce_csv() -> str:
    lines = ["person_id,year,unit_id,position_level,background,gender"]
    for year, rows in ((2025, WORKFORCE_2025), (2024, WORKFORCE_2024)):
        for unit, level, bg, n in rows:
            for i in range(n):
                lines.append(f"W-{unit}-{level}-{bg}-{i},{year},{unit},{level},{bg},{'female' if i % 2 else 'male'}")
    return "\n".join(lines) + "\n"


def _recruitment_csv() -> tuple[str, str]:
    """Two vacancies per unit in 2025 and one in 2024, eight applications each; application A0001
    (Oslo) is hired without being recommended and is quarantined."""
    vac = ["vacancy_id,unit_id,posted_date,position_level"]
    app = ["application_id,vacancy_id,applicant_id,background,gender,qualified,interviewed,recommended,hired"]
    bgs = ["none", "lbg2", "none", "lbg1", "lbg2", "undeclared", "none", "lbg2"]
    k = 0
    for unit in ("O1", "O2", "B1", "B2", "D1", "R1"):
        for j, (date, level) in enumerate((("2025-02-01", "leader"), ("2025-05-01", "employee"),
                                           ("2024-04-01", "employee"))):
            v = f"V-{unit}-{j}"
            vac.append(f"{v},{unit},{date},{level}")
            for i in range(8):
                k += 1
                q, iv, r, h = i != 7, i % 3 != 2 and i != 7, i in (0, 4), i == 0
                if k == 1:
                    r = False  # hired, not recommended: quarantined
                tf = lambda b: "true" if b else "false"  # noqa: E731
                app.append(f"A{k:04d},{v},P{k:05d},{bgs[i]},{'female' if i % 2 else 'male'},"
                           f"{tf(q)},{tf(iv)},{tf(r)},{tf(h)}")
    return "\n".join(vac) + "\n", "\n".join(app) + "\n"


def write_multi(folder: Path, *, optional: bool = True) -> Path:
    """Four municipalities (Oslo, Bergen, Bodø, Drammen), 2024-2025.

    Worked out by hand for 2025 (workforce snapshot):

    * leaders (top_leader + leader): Oslo 29 (7 lbg2), Bergen 20 (2 lbg2), Bodø 10 (0), Drammen 7 (0);
      municipalities with an lbg2 leader: Oslo, Bergen -> 2 of 4 (Drammen's lbg2 leader is 2024 only);
    * municipalities with a top leader with immigrant background: Oslo (lbg2), Bergen (lbg1) -> 2 of 4;
    * municipalities with measures in 2025: Oslo (pilot since 2024), Bergen (mentoring pair M1),
      Bodø (a training programme started 2025; its pilot ended 2023) -> 3; Drammen none.
      Mentoring pair M2 (Oslo) ends before it starts and is quarantined.
    * population lbg2 share: Oslo 0.2, Bergen 0.1, Bodø 0.06, Drammen 0.15 (the area "Norge" is no
      municipality and stays unattributed).
    * maturity 2025 for Oslo, Bergen, Bodø (not Drammen); "9999 Ukjent" is unattributed.
    * boards have no municipality column: they belong to the home municipality (Oslo).
    * training X999 is in no workforce snapshot: unattributed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    vac, app = _recruitment_csv()
    files = {"units.csv": UNITS, "vacancies.csv": vac, "applications.csv": app}
    if optional:
        files.update({"workforce.csv": _workforce_csv(), "population.csv": POPULATION, "maturity.csv": MATURITY,
                      "pilots.csv": PILOTS, "mentoring.csv": MENTORING, "mentoring_survey.csv": SURVEY,
                      "training.csv": TRAINING, "boards.csv": BOARDS})
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def multi_store(tmp_path_factory) -> Path:
    return ingested(tmp_path_factory.mktemp("multi"), write_multi, municipality=OSLO)


@pytest.fixture(scope="module")
def parts(multi_store):
    return partition_store(multi_store, home=OSLO)


def test_slugs_are_folder_safe_and_unique():
    assert slugify("0301 Oslo") == "0301-oslo"
    assert slugify("1804 Bodø") == "1804-bodo"
    assert slugify("1201 Bærum / Åsane") == "1201-baerum-asane"
    assert slugify("  ") == "kommune"


def test_resolve_by_name_slug_number_or_plain_name(multi_store):
    assert resolve(multi_store, "0301 Oslo").slug == "0301-oslo"
    assert resolve(multi_store, "1804-bodo").name == BODO
    assert resolve(multi_store, "4601").name == BERGEN
    assert resolve(multi_store, "drammen").name == DRAMMEN
    with pytest.raises(StoreError, match="no municipality matches 'Tromsø'"):
        resolve(multi_store, "Tromsø")


def test_row_counts_per_municipality_sum_to_the_total(multi_store, parts):
    assert [m.name for m in parts.municipalities] == sorted([OSLO, BERGEN, BODO, DRAMMEN])
    present = tables_present(multi_store)
    for table in present:
        total = int(query(multi_store, f'SELECT count(*) AS n FROM "{table}"')["n"][0])
        in_parts = 0
        for m in parts.municipalities:
            if table in tables_present(parts.store(m)):
                in_parts += int(query(parts.store(m), f'SELECT count(*) AS n FROM "{table}"')["n"][0])
        unattr = int(parts.unattributed.loc[parts.unattributed["table"] == table, "rows"].sum())
        assert in_parts + unattr == total, table
        manifest = int(parts.rows.loc[parts.rows["table"] == table, "rows"].sum())
        assert manifest == in_parts, table
    u = parts.unattributed.set_index("table")["rows"]
    assert u.get("population") == 1 and u.get("maturity") == 1 and u.get("training") == 1
    assert "boards" not in u or u["boards"] == 0


def test_each_store_holds_only_its_municipality(parts):
    for m in parts.municipalities:
        s = parts.store(m)
        units = query(s, "SELECT * FROM units")
        assert set(units["municipality"]) == {m.name}
        ids = set(units["unit_id"])
        vac = query(s, "SELECT vacancy_id, unit_id FROM vacancies")
        assert set(vac["unit_id"]) <= ids and len(vac) == 3 * len(ids)
        apps = query(s, "SELECT vacancy_id FROM applications")
        assert set(apps["vacancy_id"]) <= set(vac["vacancy_id"])
        if "workforce" in tables_present(s):
            assert set(query(s, "SELECT unit_id FROM workforce")["unit_id"]) <= ids
        if "population" in tables_present(s):
            assert set(query(s, "SELECT area FROM population")["area"]) == {m.name}
        if "maturity" in tables_present(s):
            assert set(query(s, "SELECT municipality FROM maturity")["municipality"]) == {m.name}
        files = query(s, "SELECT * FROM _files")
        assert (files["rows_read"] == files["rows_used"] + files["rows_quarantined"]).all()
        assert query(s, "SELECT value FROM _meta WHERE key = 'municipality'")["value"][0] == m.name


def test_tables_keep_their_columns_and_types(multi_store, parts):
    full = duckdb.connect(str(multi_store), read_only=True)
    part = duckdb.connect(str(parts.store("0301-oslo")), read_only=True)
    try:
        for table in ("units", "vacancies", "applications", "workforce", "boards", "training", "maturity"):
            a = full.execute(f'DESCRIBE "{table}"').df()[["column_name", "column_type"]]
            b = part.execute(f'DESCRIBE "{table}"').df()[["column_name", "column_type"]]
            pd.testing.assert_frame_equal(a, b, obj=table)
    finally:
        full.close()
        part.close()


def test_keys_place_the_small_tables(parts):
    oslo, bergen, bodo, drammen = (parts.store(s) for s in ("0301-oslo", "4601-bergen", "1804-bodo", "3005-drammen"))
    assert len(query(oslo, "SELECT * FROM boards")) == 2  # home municipality
    assert "boards" not in tables_present(bergen)
    assert list(query(bergen, "SELECT pair_id FROM mentoring")["pair_id"]) == ["M1"]
    assert len(query(bergen, "SELECT * FROM mentoring_survey")) == 2
    assert list(query(bodo, "SELECT person_id FROM training")["person_id"]) == ["W-D1-employee-lbg2-0"]
    assert list(query(oslo, "SELECT person_id FROM training")["person_id"]) == ["W-O2-leader-none-0"]
    # optional tables without rows are absent and listed as missing
    assert {"maturity", "pilots", "mentoring", "training", "boards"} <= set(
        query(drammen, 'SELECT "table" FROM _missing_tables')["table"])
    assert "maturity" not in tables_present(drammen)
    assert {"units", "vacancies", "applications"} <= tables_present(drammen)


def test_quarantined_rows_follow_their_municipality(parts):
    oslo = parts.store("0301-oslo")
    q = query(oslo, 'SELECT "table", reason FROM _quarantine ORDER BY 1')
    assert list(q["table"]) == ["applications", "mentoring"]
    f = query(oslo, "SELECT * FROM _files WHERE \"table\" IN ('applications', 'mentoring') ORDER BY 1")
    assert list(f["rows_quarantined"]) == [1, 1]
    assert list(f["rows_used"]) == [47, 0]
    for s in ("4601-bergen", "1804-bodo", "3005-drammen"):
        assert len(query(parts.store(s), "SELECT * FROM _quarantine")) == 0


def test_a_second_cut_of_the_same_store_is_reused_and_a_new_store_is_recut(tmp_path, multi_store):
    store = tmp_path / "s.duckdb"
    ingest(write_multi(tmp_path / "d"), store, municipality=OSLO)
    first = partition_store(store, home=OSLO)
    again = partition_store(store, home=OSLO)
    assert not first.reused and again.reused and again.root == first.root
    ingest(write_multi(tmp_path / "d"), store, municipality=OSLO)  # a new ingest: a new file
    third = partition_store(store, home=OSLO)
    assert not third.reused and third.root != first.root and not first.root.exists()
    assert {p.name for p in third.root.parent.iterdir()} == {"manifest.json", third.root.name}


def test_list_municipalities_of_a_single_municipality_store(tmp_path):
    from tests.helpers import write_tiny

    store = tmp_path / "s.duckdb"
    ingest(write_tiny(tmp_path / "d"), store, municipality="0301 Oslo")
    assert [m.name for m in list_municipalities(store)] == ["0301 Oslo"]
    assert set(TABLES) >= tables_present(store)
