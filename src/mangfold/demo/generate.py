"""Write the demo municipality: one CSV per contract table.

:func:`write_demo` is what ``mangfold demo-data`` calls. Every number it plants is in :mod:`.truths`.
The same seed and arguments give byte-identical files: all randomness flows from one
``numpy.random.default_rng(seed)``, rows are sorted deterministically, and there are no floats or timestamps.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from mangfold.contract.schemas import (
    BACKGROUND, BOARD_ROLE, GENDER, PILOT, POSITION_LEVEL, PROGRAM, RESPONDENT, TABLES, WAVE,
)

from ._boards import build_boards
from ._org import build_org, maturity_table, population_table
from ._simulate import PILOT_ORDER, Result, simulate
from ._util import ID_MODULUS, opaque
from .truths import TRUTHS, Truths, inconsistent_application_count

__all__ = ["write_demo", "SCALES"]

Scale = Literal["small", "oslo", "national"]
SCALES: tuple[str, ...] = ("small", "oslo", "national")


def _pid_sql(col: str, prefix: str = "P") -> str:
    return f"'{prefix}' || lpad(CAST({col} AS VARCHAR), 9, '0')"


def _date_sql(col: str) -> str:
    return f"DATE '1970-01-01' + CAST({col} AS INTEGER)"


def _unit_sql(col: str) -> str:
    return f"'U' || lpad(CAST({col} + 1 AS VARCHAR), 5, '0')"


def _vac_sql(year: str, seq: str) -> str:
    return f"'V' || CAST({year} AS VARCHAR) || '-' || lpad(CAST({seq} + 1 AS VARCHAR), 6, '0')"


def _cat(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=list(labels))


def _write(con: duckdb.DuckDBPyConnection, directory: Path, table: str, df: pd.DataFrame,
           exprs: dict[str, str] | None = None, *, path: Path | None = None, header: bool = True) -> int:
    """COPY ``df`` to ``<table>.csv`` with the contract's columns in order (expressions override)."""
    exprs = exprs or {}
    cols = TABLES[table].column_names
    select = ", ".join(f"{exprs.get(c, c)} AS {c}" for c in cols)
    con.register("frame", df)
    target = (path or directory / f"{table}.csv").as_posix().replace("'", "''")
    con.execute(f"COPY (SELECT {select} FROM frame) TO '{target}' "
                f"(FORMAT csv, HEADER {str(header).lower()}, DELIMITER ',', QUOTE '\"')")
    con.unregister("frame")
    return len(df)


def _corrupt(rng: np.random.Generator, app: dict, year: int, t: Truths) -> int:
    """Plant round(share * rows) inconsistent rows: half hired-not-recommended, half interviewed-not-qualified.

    An odd row goes to the first kind in even years and to the second in odd years.
    """
    n = inconsistent_application_count(len(app["vi"]), t)
    n_a = n // 2 + (n % 2 if year % 2 == 0 else 0)
    done = 0
    a = np.flatnonzero(app["hired"] & app["recommended"])
    pick = rng.choice(a, size=min(n_a, len(a)), replace=False) if len(a) else np.array([], int)
    app["recommended"][pick] = False
    done += len(pick)
    b = np.flatnonzero(app["interviewed"] & ~app["hired"] & app["qualified"])
    pick = rng.choice(b, size=min(n - done, len(b)), replace=False) if len(b) else np.array([], int)
    app["qualified"][pick] = False
    return done + len(pick)


def write_demo(
    directory: str | Path,
    *,
    years: tuple[int, int] = (2021, 2025),
    scale: Scale = "small",
    seed: int = 20230101,
) -> dict[str, int]:
    """Write a synthetic municipality in the input data contract into ``directory`` (created if needed).

    One CSV per contract table (all 11): UTF-8 without BOM, comma-separated, ISO dates, booleans
    ``true``/``false``, empty cells for missing optional values, header = the contract's columns in order.
    ``years`` is inclusive. ``scale``:

    * ``small``: one municipality "0301 Oslo", 4 sectors, ~30 units, ~850 employees, ~2 000 applications
      over ~170 vacancies a year, 12 boards, ~15 mentoring pairs (turnover inflated for enough rows);
    * ``oslo``: "0301 Oslo" with 15 sectors, ~500 units, ~50 000 employees, ~150 000 applications a year,
      60 boards, ~60 mentoring pairs;
    * ``national``: Oslo as above plus 149 other municipalities, about ten times oslo in all.

    The same arguments give byte-identical files. Every planted number is in :mod:`mangfold.demo.truths`.
    Returns the number of data rows written per table, in contract order.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    y0, y1 = int(years[0]), int(years[1])
    if y1 < y0:
        raise ValueError(f"years must be (first, last) with first <= last, not {years!r}")
    t = TRUTHS
    yrs = range(y0, y1 + 1)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pid_offset, app_offset, pair_offset = (int(x) for x in rng.integers(0, ID_MODULUS, 3))

    org = build_org(rng, scale, t)
    res = simulate(rng, org, t, yrs, scale)
    for vac, app in zip(res.vacancies, res.applications):
        _corrupt(rng, app, vac["year"], t)
    oslo_top = {}
    for wf in res.workforce:
        sel = (wf["level"] == 0) & org.unit_is_oslo[wf["unit"]]
        oslo_top[wf["year"]] = (wf["pid"][sel], wf["bg"][sel], wf["female"][sel])
    departments = [n for n, m in zip(org.sector_name, org.sector_muni) if m == 0]
    boards, _ = build_boards(rng, t, scale, yrs, departments, oslo_top, res.diagnostics["next_pid"])

    counts: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET threads TO 2")
        con.execute("SET preserve_insertion_order = true")
        counts["units"] = _write(con, directory, "units", pd.DataFrame({
            "u": np.arange(org.n_units), "unit_name": org.unit_name,
            "sector": [org.sector_name[s] for s in org.unit_sector],
            "municipality": [org.muni_name[m] for m in org.unit_muni]}), {"unit_id": _unit_sql("u")})
        counts["vacancies"] = _write_vacancies(con, directory, res)
        counts["applications"] = _write_applications(con, directory, res, app_offset, pid_offset)
        counts["workforce"] = _write_workforce(con, directory, res, pid_offset)
        counts["population"] = _write(con, directory, "population", population_table(org, yrs, t))
        counts["boards"] = _write_boards(con, directory, boards, pid_offset)
        counts["pilots"] = _write_pilots(con, directory, res)
        ment, survey = _mentoring(rng, res, t, pid_offset, pair_offset)
        counts["mentoring"] = _write(con, directory, "mentoring", ment, {
            "pair_id": _pid_sql("pair", "R"), "mentor_id": _pid_sql("mentor"), "mentee_id": _pid_sql("mentee"),
            "unit_id": _unit_sql("unit"), "start_date": _date_sql("start"), "end_date": _date_sql("stop")})
        counts["mentoring_survey"] = _write(con, directory, "mentoring_survey", survey,
                                            {"pair_id": _pid_sql("pair", "R")})
        counts["training"] = _write_training(con, directory, res, pid_offset)
        counts["maturity"] = _write(con, directory, "maturity", maturity_table(rng, org, yrs))
    finally:
        con.close()
    return counts


def _write_vacancies(con, directory: Path, res: Result) -> int:
    frames = []
    for v in res.vacancies:
        n = len(v["unit"])
        frames.append(pd.DataFrame({
            "vy": v["year"], "seq": np.arange(n), "u": v["unit"], "posted": v["posted"],
            "position_level": _cat(v["level"], POSITION_LEVEL), "n_positions": v["npos"],
            "job_analysis": v["job_analysis"], "ad_template": _cat(v["inclusive"].astype(int), ("standard", "inclusive")),
            "agency": v["agency"], "recruiter_trained": v["trained"], "justification_given": v["justification"]}))
    df = pd.concat(frames, ignore_index=True)
    return _write(con, directory, "vacancies", df, {
        "vacancy_id": _vac_sql("vy", "seq"), "unit_id": _unit_sql("u"), "posted_date": _date_sql("posted")})


def _write_applications(con, directory: Path, res: Result, app_offset: int, pid_offset: int) -> int:
    """Write year by year (the largest table) and join the parts, so memory stays at one year's rows."""
    exprs = {"application_id": _pid_sql("aid", "A"), "vacancy_id": _vac_sql("vy", "seq"),
             "applicant_id": _pid_sql("pid")}
    number = 0
    parts = []
    while res.applications:
        v, a = res.vacancies[len(parts)], res.applications.pop(0)
        n = len(a["vi"])
        df = pd.DataFrame({
            "aid": opaque(number + np.arange(n), app_offset), "vy": np.full(n, v["year"], dtype=np.int32),
            "seq": a["vi"].astype(np.int32), "pid": opaque(a["person"], pid_offset),
            "background": _cat(a["declared"], BACKGROUND), "gender": _cat(a["gender"], GENDER),
            "qualified": a["qualified"], "interviewed": a["interviewed"], "recommended": a["recommended"],
            "hired": a["hired"]})
        part = directory / f".applications.part{len(parts)}.csv"
        _write(con, directory, "applications", df, exprs, path=part, header=not parts)
        parts.append(part)
        number += n
        del df, a
    with open(directory / "applications.csv", "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
            part.unlink()
    return number


def _write_workforce(con, directory: Path, res: Result, pid_offset: int) -> int:
    frames = []
    for w in res.workforce:
        op = opaque(w["pid"], pid_offset)
        order = np.argsort(op, kind="stable")
        frames.append(pd.DataFrame({
            "pid": op[order], "year": np.full(len(op), w["year"], dtype=np.int32), "u": w["unit"][order],
            "position_level": _cat(w["level"][order], POSITION_LEVEL), "background": _cat(w["bg"][order], BACKGROUND),
            "gender": _cat(np.where(w["female"][order], 0, 1), GENDER)}))
    df = pd.concat(frames, ignore_index=True)
    return _write(con, directory, "workforce", df, {"person_id": _pid_sql("pid"), "unit_id": _unit_sql("u")})


def _write_boards(con, directory: Path, boards: pd.DataFrame, pid_offset: int) -> int:
    df = boards.copy()
    df["pid"] = opaque(df["person"].to_numpy(), pid_offset)
    df = df.sort_values(["board", "role", "start", "pid"], kind="stable").reset_index(drop=True)
    df["stop"] = pd.array(df["end"], dtype="Int64")
    out = pd.DataFrame({
        "pid": df["pid"], "b": df["board"], "board_name": df["board_name"], "company_form": df["company_form"],
        "owner_department": df["owner_department"], "appointed_by_municipality": df["appointed_by_municipality"],
        "role": _cat(df["role"].to_numpy(), BOARD_ROLE), "start": df["start"], "stop": df["stop"],
        "reappointed": df["reappointed"], "gender": _cat(np.where(df["female"], 0, 1), GENDER),
        "background": _cat(df["bg"].to_numpy(), BACKGROUND)})
    return _write(con, directory, "boards", out, {
        "person_id": _pid_sql("pid"), "board_id": "'B' || lpad(CAST(b + 1 AS VARCHAR), 3, '0')",
        "start_date": _date_sql("start"), "end_date": _date_sql("stop")})


def _write_pilots(con, directory: Path, res: Result) -> int:
    df = pd.DataFrame(res.pilots, columns=["u", "pilot", "start", "end"])
    df["porder"] = df["pilot"].map({p: i for i, p in enumerate(PILOT_ORDER)})
    df = df.sort_values(["porder", "start", "u"], kind="stable").reset_index(drop=True)
    out = pd.DataFrame({"u": df["u"], "pilot": pd.Categorical(df["pilot"], categories=list(PILOT)),
                        "start": df["start"], "stop": pd.array(df["end"], dtype="Int64")})
    return _write(con, directory, "pilots", out, {
        "unit_id": _unit_sql("u"), "start_date": _date_sql("start"), "end_date": _date_sql("stop")})


def _write_training(con, directory: Path, res: Result, pid_offset: int) -> int:
    person = np.concatenate([tr["person"] for tr in res.training])
    program = np.concatenate([tr["program"] for tr in res.training])
    start = np.concatenate([tr["start"] for tr in res.training])
    completed = np.concatenate([tr["completed"] for tr in res.training])
    op = opaque(person, pid_offset)
    order = np.lexsort((op, start, program))
    df = pd.DataFrame({"pid": op[order], "program": _cat(program[order], PROGRAM), "start": start[order],
                       "completed": completed[order]})
    return _write(con, directory, "training", df, {"person_id": _pid_sql("pid"), "start_date": _date_sql("start")})


def _mentoring(rng: np.random.Generator, res: Result, t: Truths, pid_offset: int, pair_offset: int):
    """Mentoring pairs and the survey (pre for all pairs, post for ended pairs, a few post answers missing)."""
    pairs = pd.DataFrame(res.mentoring, columns=["no", "mentor", "mentee", "unit", "start", "end"])
    pairs["pair"] = opaque(pairs["no"].to_numpy(), pair_offset)
    pairs = pairs.sort_values(["start", "pair"], kind="stable").reset_index(drop=True)
    ment = pd.DataFrame({"pair": pairs["pair"], "mentor": opaque(pairs["mentor"].to_numpy(), pid_offset),
                         "mentee": opaque(pairs["mentee"].to_numpy(), pid_offset), "unit": pairs["unit"],
                         "start": pairs["start"], "stop": pd.array(pairs["end"], dtype="Int64")})
    items = t.survey_items
    n, R, I = len(pairs), 2, len(items)
    resp = np.broadcast_to(np.arange(R)[None, :, None], (n, R, I))
    pre_mean = np.array(t.survey_pre_mean)[resp]
    latent = pre_mean + t.survey_sd * rng.standard_normal((n, R, I))
    post_latent = latent + np.array(t.survey_change)[resp] + t.survey_noise_sd * rng.standard_normal((n, R, I))
    pre = np.clip(np.floor(latent + 0.5), 1, 5).astype(np.int64)
    post = np.clip(np.floor(post_latent + 0.5), 1, 5).astype(np.int64)
    ended = pairs["end"].notna().to_numpy()
    keep_post = ended[:, None, None] & (rng.random((n, R, I)) >= t.survey_post_missing)
    pair_idx = np.broadcast_to(np.arange(n)[:, None, None], (n, R, I))
    item_idx = np.broadcast_to(np.arange(I)[None, None, :], (n, R, I))
    frames = []
    for wave, score, keep in ((0, pre, np.ones((n, R, I), bool)), (1, post, keep_post)):
        frames.append(pd.DataFrame({"i": pair_idx[keep], "r": resp[keep], "w": wave, "k": item_idx[keep],
                                    "score": score[keep]}))
    sv = pd.concat(frames, ignore_index=True).sort_values(["i", "r", "w", "k"], kind="stable")
    survey = pd.DataFrame({"pair": pairs["pair"].to_numpy()[sv["i"].to_numpy()],
                           "respondent": _cat(sv["r"].to_numpy(), RESPONDENT), "wave": _cat(sv["w"].to_numpy(), WAVE),
                           "item": np.array(items, dtype=object)[sv["k"].to_numpy()], "score": sv["score"].to_numpy()})
    return ment, survey
