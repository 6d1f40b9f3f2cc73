"""A seeded generator of small, varied but *valid* export folders in the input data contract.

Each seed picks the edges real exports have (see :func:`choose_edges`): one unit or a few, one
vacancy or many, no lbg2 applicants, ratios of exactly 1 (every applicant qualified, every
interviewee hired), shares of 100 %, boards of 1-5 members, pilots that have not started yet or no
pilots table, optional tables missing, two to five years of data, sector and board names with æøå,
and now and then a few logically inconsistent application rows (those are quarantined, not errors).

* :func:`generate(seed, ...) <generate>` -> ``(tables, edges)``: one municipality as DataFrames;
* :func:`write_municipality(folder, seed) <write_municipality>` -> ``edges``: one export folder;
* :func:`write_batch(folder, seeds, last_year=...) <write_batch>` -> ``{seed: edges}``: several
  municipalities (distinct municipality codes, unit/vacancy/person ids prefixed by the code) in one
  folder, for ``mangfold run --municipality all``.

All randomness comes from ``numpy.random.default_rng(seed)``: same seed, same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

BACKGROUNDS = ("none", "lbg1", "lbg2", "immigrant_unspecified", "undeclared")
LEVELS = ("top_leader", "leader", "employee")
PILOTS = ("job_analysis", "reverse_mentoring", "strengthened_training", "min_two_interviews")
PROGRAMS = ("recruitment_course", "leadership_development", "strengthened_training")
CHECKPOINTS = ("political_anchoring", "employer_strategy", "admin_resources", "leadership_development",
               "role_models", "top_level_readiness")
LAST_YEAR = 2025

#: real municipality numbers and names (æøå included); beyond these, synthetic ones (9001 ...)
MUNICIPALITIES = (
    "0301 Oslo", "4601 Bergen", "5001 Trondheim", "1103 Stavanger", "3201 Bærum", "5501 Tromsø",
    "4204 Kristiansand", "1508 Ålesund", "3301 Drammen", "3905 Tønsberg", "3107 Fredrikstad",
    "3403 Hamar", "1804 Bodø", "3205 Lillestrøm", "3218 Ås", "1507 Ålesund og omegn", "3907 Sandefjord",
    "4203 Arendal", "1106 Haugesund", "3312 Lier", "3303 Kongsberg", "3901 Horten", "1579 Hustadvika",
    "5006 Steinkjer", "3407 Gjøvik", "3411 Ringsaker", "4640 Sogndal", "4627 Askøy", "1108 Sandnes",
    "3203 Asker", "3212 Nesodden", "3222 Lørenskog", "3230 Gjerdrum", "3234 Lunner", "4621 Voss",
    "5007 Namsos", "1806 Narvik", "5601 Alta", "5605 Sør-Varanger", "3420 Elverum",
)

SECTORS = (
    "Byrådsavdeling for oppvekst og kunnskap", "Byrådsavdeling for helse og eldre", "Næring og eierskap",
    "Sektor for kultur, idrett og frivillighet", "Helse- og omsorgsetaten", "Bydel Grünerløkka",
    "Samferdsel og miljø – Årstad", "Byrådsavdeling for byutvikling", "Skole og barnehage (Bærum)",
    "Sosial- og flyktningtjenesten", "Økonomi og styring", "Plan-, bygg- og eiendomsetaten",
)
UNIT_WORDS = ("Sykehjem", "Barnehage", "Skole", "Legevakt", "Bibliotek", "Kulturhus", "Bydel", "Etat",
              "Ungdomsskole", "Hjemmetjeneste", "Bydelsadministrasjon", "Renovasjon")
PLACES = ("Sagene", "Nordstrand", "Årstad", "Fyllingsdalen", "Lønnås", "Søreide", "Øvre Holm", "Tåsen",
          "Hønefoss", "Bjølsen", "Kjøsterud", "Ljan", "Møhlenpris", "Ørsta")
BOARD_NAMES = ("Bærum Kulturhus AS", "Havnevesenet KF", "Øvre Eiker Energi AS", "Tromsø Byggløft Stiftelse",
               "Ålesund Parkering AS", "Vann og avløp IKS", "Stiftelsen Søndre Nordstrand", "Byåsen Eiendom KF",
               "Næringsbygg AS", "Kunstsilo – Stiftelse", "Renovasjonsetaten Øst IKS", "Lærlingkontoret AS")
SURVEY_ITEMS = ("forstaelse_mangfold", "trygghet_i_dialog", "bevissthet_forskjellsbehandling")

OPTIONAL = ("workforce", "population", "boards", "pilots", "mentoring", "mentoring_survey", "training", "maturity")


def municipality_name(index: int) -> str:
    """The index-th municipality of a batch (real names first, then synthetic 9xxx ones)."""
    if index < len(MUNICIPALITIES):
        return MUNICIPALITIES[index]
    k = index - len(MUNICIPALITIES)
    return f"{9001 + k:04d} Prøvekommune Ærø {k + 1}"


def _tf(x) -> str:
    return "true" if bool(x) else "false"


def choose_edges(rng: np.random.Generator, *, last_year: int = LAST_YEAR, n_years: int | None = None) -> dict:
    """The edges of one dataset, drawn from ``rng``."""
    r = lambda: float(rng.random())  # noqa: E731
    n_units = 1 if r() < 0.3 else int(rng.integers(2, 7))
    e = {
        "n_years": int(n_years if n_years is not None else rng.integers(2, 6)),
        "n_units": n_units,
        "n_sectors": 1 if n_units == 1 or r() < 0.3 else int(rng.integers(2, min(4, n_units) + 1)),
        "vacancies_per_year": 1 if r() < 0.2 else int(rng.integers(2, 16)),
        "max_applicants": 1 if r() < 0.1 else int(rng.integers(2, 13)),
        "no_lbg2_applicants": r() < 0.2,
        "all_qualified": r() < 0.2,
        "all_interviewees_hired": r() < 0.15,
        "inconsistent_rows": int(rng.integers(1, 4)) if r() < 0.25 else 0,
        "gender_column": r() >= 0.15,
        "municipality_column": True,
        "vacancy_extras": r() < 0.6,
        "workforce": r() < 0.75,
        "all_leaders_lbg2": r() < 0.15,
        "no_lbg2_leaders": r() < 0.15,
        "population": r() < 0.6,
        "boards": r() < 0.65,
        "pilots": ("none", "future", "active")[int(rng.choice(3, p=[0.35, 0.25, 0.40]))],
        "mentoring": r() < 0.35,
        "mentoring_survey": r() < 0.6,
        "training": r() < 0.4,
        "maturity": r() < 0.5,
    }
    e["years"] = (last_year - e["n_years"] + 1, last_year)
    if not e["workforce"]:
        e["mentoring"] = False  # mentors and mentees are employees
        e["training"] = False
    if not e["mentoring"]:
        e["mentoring_survey"] = False
    e["boards_size"] = [int(rng.integers(1, 6)) for _ in range(int(rng.integers(1, 5)))] if e["boards"] else []
    return e


def _bg(rng, n, no_lbg2=False) -> np.ndarray:
    p = np.array([0.55, 0.12, 0.2, 0.05, 0.08])
    if no_lbg2:
        p[2] = 0
        p = p / p.sum()
    return np.asarray(BACKGROUNDS)[rng.choice(5, size=n, p=p)]


def _date(rng, year: int, lo_month: int = 1, hi_month: int = 12) -> str:
    return f"{year}-{int(rng.integers(lo_month, hi_month + 1)):02d}-{int(rng.integers(1, 29)):02d}"


def generate(seed: int, *, municipality: str | None = None, prefix: str = "", last_year: int = LAST_YEAR,
             n_years: int | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """One municipality: ``({table: DataFrame}, edges)``. ``prefix`` goes before every id (so that
    several municipalities fit in one folder); ``municipality`` defaults to one drawn from the seed."""
    rng = np.random.default_rng(seed)
    e = choose_edges(rng, last_year=last_year, n_years=n_years)
    muni = municipality or MUNICIPALITIES[int(rng.integers(len(MUNICIPALITIES)))]
    e["municipality"] = muni
    e["seed"] = seed
    years = list(range(e["years"][0], e["years"][1] + 1))
    t: dict[str, pd.DataFrame] = {}

    # units
    sector_pick = list(rng.choice(len(SECTORS), size=e["n_sectors"], replace=False))
    sectors = [SECTORS[i] for i in sector_pick]
    unit_sector = [sectors[i % len(sectors)] for i in range(e["n_units"])]
    units = pd.DataFrame({
        "unit_id": [f"{prefix}U{i + 1:03d}" for i in range(e["n_units"])],
        "unit_name": [f"{UNIT_WORDS[int(rng.integers(len(UNIT_WORDS)))]} {PLACES[(i + seed) % len(PLACES)]} {i + 1}"
                      for i in range(e["n_units"])],
        "sector": unit_sector,
    })
    if e["municipality_column"]:
        units["municipality"] = muni
    t["units"] = units
    uids = list(units["unit_id"])

    # vacancies and applications
    vac_rows, app_rows = [], []
    pid = 0
    for y in years:
        for j in range(e["vacancies_per_year"]):
            vid = f"{prefix}V{y}-{j + 1:03d}"
            lvl = LEVELS[int(rng.choice(3, p=[0.1, 0.3, 0.6]))]
            row = {"vacancy_id": vid, "unit_id": uids[int(rng.integers(len(uids)))],
                   "posted_date": _date(rng, y) if rng.random() < 0.7 else
                   f"{int(rng.integers(1, 29)):02d}.{int(rng.integers(1, 13)):02d}.{y}",
                   "position_level": lvl}
            if e["vacancy_extras"]:
                row.update(n_positions=int(rng.integers(1, 3)), job_analysis=_tf(rng.random() < 0.4),
                           ad_template=("standard", "inclusive")[int(rng.integers(2))],
                           agency=_tf(rng.random() < 0.2), recruiter_trained=_tf(rng.random() < 0.5),
                           justification_given=_tf(rng.random() < 0.5))
            vac_rows.append(row)
            k = int(rng.integers(1, e["max_applicants"] + 1))
            bgs = _bg(rng, k, e["no_lbg2_applicants"])
            q = np.ones(k, bool) if e["all_qualified"] else rng.random(k) < 0.7
            iv = q & (rng.random(k) < 0.5)
            if not iv.any() and q.any():
                iv[np.flatnonzero(q)[0]] = True
            rec = iv & (rng.random(k) < 0.6)
            h = rec.copy() if e["all_interviewees_hired"] else rec & (rng.random(k) < 0.6)
            if e["all_interviewees_hired"]:
                rec = iv.copy()
                h = iv.copy()
            for i in range(k):
                pid += 1
                app_rows.append({"application_id": f"{prefix}A{len(app_rows) + 1:05d}", "vacancy_id": vid,
                                 "applicant_id": f"{prefix}S{pid:05d}", "background": bgs[i],
                                 "gender": ("female", "male", "other", "undeclared")[int(rng.choice(4, p=[0.5, 0.44, 0.02, 0.04]))],
                                 "qualified": bool(q[i]), "interviewed": bool(iv[i]), "recommended": bool(rec[i]),
                                 "hired": bool(h[i])})
    apps = pd.DataFrame(app_rows)
    bad = []
    if e["inconsistent_rows"]:
        idx = rng.choice(len(apps), size=min(e["inconsistent_rows"], len(apps)), replace=False)
        for i in idx:
            kind = int(rng.integers(3))
            if kind == 0:
                apps.loc[i, ["recommended", "hired"]] = [False, True]
            elif kind == 1:
                apps.loc[i, ["interviewed", "recommended"]] = [False, True]
            else:
                apps.loc[i, ["qualified", "interviewed"]] = [False, True]
            bad.append(apps.loc[i, "application_id"])
    e["inconsistent_ids"] = bad
    for c in ("qualified", "interviewed", "recommended", "hired"):
        apps[c] = apps[c].map(_tf)
    if not e["gender_column"]:
        apps = apps.drop(columns="gender")
    t["vacancies"] = pd.DataFrame(vac_rows)
    t["applications"] = apps
    e["n_applications"] = len(apps)

    # workforce: the same persons over the years, a little turnover
    staff = []
    if e["workforce"]:
        people = []
        for u, s in zip(uids, unit_sector):
            n_top = int(rng.integers(0, 2)) if len(uids) > 1 else 1
            n_lead = int(rng.integers(0, 5))
            n_emp = int(rng.integers(1, 25))
            for lvl, n in (("top_leader", n_top), ("leader", n_lead), ("employee", n_emp)):
                bgs = _bg(rng, n)
                if lvl != "employee" and e["all_leaders_lbg2"] and s == unit_sector[0]:
                    bgs = np.full(n, "lbg2")
                elif lvl != "employee" and e["no_lbg2_leaders"]:
                    bgs = np.where(bgs == "lbg2", "none", bgs)
                for b in bgs:
                    people.append((f"{prefix}P{len(people) + 1:05d}", u, lvl, b,
                                   ("female", "male")[int(rng.integers(2))]))
        rows = []
        for y in years:
            for p in people:
                if rng.random() < 0.9:
                    rows.append({"person_id": p[0], "year": y, "unit_id": p[1], "position_level": p[2],
                                 "background": p[3] if p[3] != "immigrant_unspecified" else "lbg1",
                                 "gender": p[4]})
        staff = people
        if rows:
            t["workforce"] = pd.DataFrame(rows)
        else:
            e["workforce"] = False
    if e["population"]:
        t["population"] = pd.DataFrame([{"year": y, "area": muni, "background": b,
                                         "persons": int(rng.integers(0, 5) if b == "lbg2" and rng.random() < 0.1
                                                        else rng.integers(200, 90000))}
                                        for y in years for b in ("none", "lbg1", "lbg2")])
    # boards
    if e["boards"]:
        rows = []
        for b, size in enumerate(e["boards_size"]):
            name = BOARD_NAMES[(b + seed) % len(BOARD_NAMES)]
            form = "AS" if name.endswith("AS") else "KF" if name.endswith("KF") else "IKS" if "IKS" in name \
                else "stiftelse" if "tiftelse" in name else "other"
            dept = sectors[b % len(sectors)]
            roles = ["chair"] + ["deputy_chair" if i == 1 else "member" for i in range(1, size)]
            if rng.random() < 0.3:
                roles.append("deputy_member")
            for i, role in enumerate(roles):
                y0 = years[0] - int(rng.integers(0, 3))
                start = _date(rng, y0)
                end = "" if rng.random() < 0.7 else _date(rng, min(years[-1], y0 + int(rng.integers(1, 4))))
                if end and end <= start:
                    end = ""
                rows.append({"person_id": f"{prefix}B{b + 1}-{i + 1}", "board_id": f"{prefix}B{b + 1:02d}",
                             "board_name": name, "company_form": form, "owner_department": dept,
                             "appointed_by_municipality": _tf(rng.random() < 0.85), "role": role,
                             "start_date": start, "end_date": end, "reappointed": _tf(rng.random() < 0.4),
                             "gender": ("female", "male", "other")[int(rng.choice(3, p=[0.48, 0.48, 0.04]))],
                             "background": _bg(rng, 1)[0]})
        t["boards"] = pd.DataFrame(rows)
    # pilots
    if e["pilots"] != "none":
        rows = []
        for p in rng.choice(4, size=int(rng.integers(1, 5)), replace=False):
            for u in rng.choice(uids, size=int(rng.integers(1, len(uids) + 1)), replace=False):
                if e["pilots"] == "future":
                    start = _date(rng, years[-1] + 1 + int(rng.integers(0, 2)))
                else:
                    start = _date(rng, years[int(rng.integers(len(years)))])
                end = _date(rng, int(start[:4]) + 1) if rng.random() < 0.2 else ""
                rows.append({"unit_id": u, "pilot": PILOTS[int(p)], "start_date": start, "end_date": end})
        t["pilots"] = pd.DataFrame(rows)
    # mentoring
    if e["mentoring"]:
        tops = [p for p in staff if p[2] in ("top_leader", "leader")]
        mentors = [p for p in staff if p[2] == "employee" and p[3] in ("lbg1", "lbg2")] or \
                  [p for p in staff if p[2] == "employee"]
        rows = []
        for i in range(int(rng.integers(1, 6)) if tops and mentors else 0):
            mentee, mentor = tops[i % len(tops)], mentors[i % len(mentors)]
            start = _date(rng, years[int(rng.integers(len(years)))])
            end = _date(rng, int(start[:4]) + 1, 1, 12) if rng.random() < 0.5 else ""
            rows.append({"pair_id": f"{prefix}R{i + 1:03d}", "mentor_id": mentor[0], "mentee_id": mentee[0],
                         "unit_id": mentee[1], "start_date": start, "end_date": end})
        if rows:
            t["mentoring"] = pd.DataFrame(rows)
            if e["mentoring_survey"]:
                t["mentoring_survey"] = pd.DataFrame([
                    {"pair_id": r["pair_id"], "respondent": who, "wave": w, "item": item,
                     "score": int(rng.integers(1, 6))}
                    for r in rows for who in ("mentor", "mentee") for w in ("pre", "post") for item in SURVEY_ITEMS
                    if w == "pre" or r["end_date"]])
        else:
            e["mentoring"] = e["mentoring_survey"] = False
    if e["training"] and staff:
        t["training"] = pd.DataFrame([
            {"person_id": p[0], "program": PROGRAMS[int(rng.integers(3))],
             "start_date": _date(rng, years[int(rng.integers(len(years)))]), "completed": _tf(rng.random() < 0.7)}
            for p in staff if rng.random() < 0.3] or
            [{"person_id": staff[0][0], "program": "recruitment_course", "start_date": _date(rng, years[0]),
              "completed": "true"}])
    if e["maturity"]:
        t["maturity"] = pd.DataFrame([{"municipality": muni, "year": y,
                                       **{c: int(rng.integers(0, 3)) for c in CHECKPOINTS}} for y in years])
    e["tables"] = sorted(t)
    e["missing_optional"] = [x for x in OPTIONAL if x not in t]
    return t, e


def _write_tables(folder: Path, tables: dict[str, pd.DataFrame], *, encoding: str = "utf-8", sep: str = ",") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False, encoding=encoding, sep=sep, lineterminator="\n")


def write_municipality(folder: str | Path, seed: int, *, last_year: int = LAST_YEAR) -> dict:
    """Write one generated municipality into ``folder`` (CSV; encoding and delimiter also drawn from
    the seed: UTF-8, UTF-8 with BOM or Windows-1252, ``,`` or ``;``). Returns its edges."""
    tables, e = generate(seed, last_year=last_year)
    rng = np.random.default_rng([seed, 1])
    e["encoding"] = ("utf-8", "utf-8-sig", "cp1252")[int(rng.integers(3))]
    e["sep"] = (",", ";")[int(rng.integers(2))]
    if rng.random() < 0.25:  # the municipality from params (default.yaml: "0301 Oslo")
        tables["units"] = tables["units"].drop(columns="municipality")
        e["municipality_column"] = False
        for name in ("population", "maturity"):
            if name in tables:
                col = "area" if name == "population" else "municipality"
                tables[name][col] = "0301 Oslo"
        e["municipality"] = "0301 Oslo (params)"
    _write_tables(Path(folder), tables, encoding=e["encoding"], sep=e["sep"])
    return e


def write_batch(folder: str | Path, seeds, *, last_year: int = LAST_YEAR, start_index: int = 0) -> dict[int, dict]:
    """Several generated municipalities in one export folder: the i-th seed gets
    :func:`municipality_name` ``(start_index + i)`` and ids prefixed by its code. Boards carry an
    extra ``municipality`` column (extra columns are kept) so that they are placed. Returns
    ``{seed: edges}``."""
    parts: dict[str, list[pd.DataFrame]] = {}
    edges = {}
    for i, seed in enumerate(seeds):
        muni = municipality_name(start_index + i)
        tables, e = generate(int(seed), municipality=muni, prefix=f"K{muni[:4]}-", last_year=last_year)
        if "boards" in tables:
            tables["boards"]["municipality"] = muni
        for name, df in tables.items():
            parts.setdefault(name, []).append(df)
        edges[int(seed)] = e
    tables = {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}
    if "n_positions" in tables["vacancies"]:
        tables["vacancies"]["n_positions"] = tables["vacancies"]["n_positions"].astype("Int64")
    for name in ("vacancies", "applications", "units"):  # optional columns some municipalities lack
        tables[name] = tables[name].astype(object).where(tables[name].notna(), "")
    _write_tables(Path(folder), tables)
    return edges


def describe(edges: dict) -> str:
    """One line per edge, for failure messages."""
    keep = {k: v for k, v in edges.items() if k not in ("inconsistent_ids",)}
    return ", ".join(f"{k}={v}" for k, v in keep.items())
