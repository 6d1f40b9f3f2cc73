"""Data quality ("Datakvalitet og avvik"): rows read, used and quarantined, absent optional
tables, and how many applicants left the voluntary background field blank."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..contract.schemas import TABLES
from ..contract.validate import REASON_BLANK
from ..stats.proportions import wilson_interval
from ..store import query
from ..tablespec import TableSpec

# Row counts of whole input files say nothing about any person's background: not person counts.
ROWS_SPEC = TableSpec(
    name="data_rows",
    dims=("table",),
    # rows of a file are not persons, but quarantined rows are (an application, a board seat): a
    # handful of them is hidden, and rows read = used + quarantined, so those are counts too
    counts=("rows_read", "rows_used", "rows_quarantined"),
    row_sums=(("rows_read", ("rows_used", "rows_quarantined")),),
    title="Rader lest, brukt og satt til side per tabell",
)

REASONS_SPEC = TableSpec(
    name="quarantine_reasons",
    counts=("rows",),
    dims=("table", "reason"),
    title="Rader satt til side, etter årsak",
)

UNDECLARED_SPEC = TableSpec(
    percent=("share_undeclared", "ci_low", "ci_high"),
    name="undeclared_background",
    counts=("applications", "undeclared"),
    derived={"applications": ("share_undeclared", "ci_low", "ci_high"),
             "undeclared": ("share_undeclared", "ci_low", "ci_high")},
    dims=("year", "position_level"),
    margins=(("position_level", "all"),),
    title="Søknader uten oppgitt bakgrunn (frivillig felt)",
)


def rows_table(store: str | Path) -> pd.DataFrame:
    """Per contract table: rows read, used and quarantined (rows_read = rows_used + rows_quarantined),
    empty rows (:data:`~mangfold.contract.validate.REASON_BLANK`: no record, so no person) left out of
    both read and quarantined; :func:`blank_tables` names the tables that had them."""
    df = query(store, """
        SELECT f."table", f.rows_read - coalesce(b.n, 0) AS rows_read, f.rows_used,
               f.rows_quarantined - coalesce(b.n, 0) AS rows_quarantined
        FROM _files f LEFT JOIN (SELECT "table", count(*) AS n FROM _quarantine WHERE reason = ?
                                 GROUP BY 1) b USING ("table")""", [REASON_BLANK])
    order = {t: i for i, t in enumerate(TABLES)}
    return df.sort_values("table", key=lambda s: s.map(order)).reset_index(drop=True)


def quarantine_reasons(store: str | Path) -> pd.DataFrame:
    """Quarantined rows per table and reason (empty rows left out, see :func:`rows_table`)."""
    return query(store, """
        SELECT "table", reason, count(*) AS rows FROM _quarantine WHERE reason <> ?
        GROUP BY 1, 2 ORDER BY 1, rows DESC, 2""", [REASON_BLANK])


def blank_tables(store: str | Path) -> list[str]:
    """The tables whose files had empty rows (read and quarantined, but no records)."""
    return list(query(store, 'SELECT DISTINCT "table" FROM _quarantine WHERE reason = ? ORDER BY 1',
                      [REASON_BLANK])["table"])


def missing_tables(store: str | Path) -> list[str]:
    return list(query(store, 'SELECT "table" FROM _missing_tables ORDER BY 1')["table"])


def undeclared_background(store: str | Path, year: int, *, alpha: float = 0.05) -> pd.DataFrame:
    """Applications and undeclared background per position level and ``all``, with Wilson CIs."""
    df = query(store, """
        SELECT v.year, coalesce(v.position_level, 'all') AS position_level,
               count(*) AS applications,
               sum(CASE WHEN a.background = 'undeclared' THEN 1 ELSE 0 END) AS undeclared
        FROM applications a JOIN vacancies v USING (vacancy_id)
        WHERE v.year = ?
        GROUP BY v.year, ROLLUP (v.position_level)
        ORDER BY position_level = 'all', position_level""", [year])
    df["year"] = df["year"].fillna(year).astype(int)
    df["applications"] = df["applications"].astype(int)
    df["undeclared"] = df["undeclared"].astype(int)
    df["share_undeclared"] = df["undeclared"] / df["applications"]
    lo, hi = wilson_interval(df["undeclared"].to_numpy(), df["applications"].to_numpy(), alpha=alpha)
    df["ci_low"], df["ci_high"] = lo, hi
    return df
