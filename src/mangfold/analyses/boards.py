"""Boards of municipally owned companies and foundations (action plan measure 1.2).

Rules (data contract and action plan):

* Only seats appointed by the municipality (``appointed_by_municipality``) count towards the
  targets; deputy members (``role == 'deputy_member'``) never count.
* New members of year Y: seats whose ``start_date`` falls in Y and that are not
  reappointments. Target: at least ``board_new_target`` (25 %) of them in the focal group.
* Members of year Y: seats serving on 31 December Y (``start_date <= 31.12.Y`` and ``end_date``
  empty or ``>= 31.12.Y``). From ``board_total_requirement.from_year`` (2026) at least
  ``board_total_requirement.share`` (20 %) of them in the focal group.
* Gender (company law, e.g. aksjeloven § 6-11 a): every serving member but deputies; 2-3
  members: both genders; 4-5: at least 2 of each; 6-8: at least 3; 9: at least 4; more than 9:
  at least 40 % of each, rounded up.

A person holding several seat rows on the same board at once counts once on that board; a
person on two boards counts on each (seats, not persons, add up over boards).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import text
from ..stats.proportions import wilson_interval
from ..store import query
from ..tablespec import TableSpec

ALL = "all"

_NEW_DERIVED = ("new_share_lbg2", "new_ci_low", "new_ci_high", "new_met")
_TOTAL_DERIVED = ("share_lbg2", "ci_low", "ci_high", "total_met", "appointments_needed", "feasible")
BOARD_TARGETS_SPEC = TableSpec(
    percent=("share_lbg2", "ci_low", "ci_high", "new_share_lbg2", "new_ci_low", "new_ci_high", "new_target",
             "total_requirement"),
    name="board_targets",
    counts=("new_members", "new_members_lbg2", "members", "members_lbg2", "seats_expiring", "seats_expiring_lbg2"),
    derived={"new_members": _NEW_DERIVED, "new_members_lbg2": _NEW_DERIVED,
             "members": (*_TOTAL_DERIVED, "required_members_lbg2"), "members_lbg2": _TOTAL_DERIVED,
             "seats_expiring": ("appointments_needed", "feasible"),
             "seats_expiring_lbg2": ("appointments_needed", "feasible")},
    dims=("year", "owner_department"),
    margins=(("owner_department", ALL),),
    not_counts=("year", "required_members_lbg2", "appointments_needed", "new_target", "total_requirement"),
    # the typical length of a term in the data (years; a length of seats, not a count of persons)
    constants=("term_years",),
    title="Styremedlemmer i målgruppen mot målene (tiltak 1.2)",
)

BOARD_GENDER_SPEC = TableSpec(
    name="board_gender",
    counts=("members", "women", "men", "other_gender"),
    # the gender rule's verdict depends on every count of the row: blanked with any of them
    derived={"members": ("required_min_each", "compliant"), "women": ("compliant",), "men": ("compliant",),
             "other_gender": ("compliant",)},
    dims=("year", "board_id"),
    row_sums=(("members", ("women", "men", "other_gender")),),
    constants=("year", "board_name", "company_form", "owner_department"),
    title="Kjønnsbalanse i styrene (minstekrav etter selskapslovgivningen)",
)

#: Per board and year with focal-group counts: person-level facts about named boards, restricted only.
COMPOSITION_NAME = "board_composition"


def board_seats(store: str | Path) -> pd.DataFrame:
    """All seat rows of the ``boards`` table (dates as datetimes)."""
    df = query(store, "SELECT * FROM boards")
    for c in ("start_date", "end_date"):
        df[c] = pd.to_datetime(df[c])
    return df


def _dec31(year: int) -> pd.Timestamp:
    return pd.Timestamp(year=year, month=12, day=31)


def serving(seats: pd.DataFrame, year: int) -> pd.Series:
    """Seats serving on 31 December ``year`` (start on or before, no end or end on or after)."""
    d = _dec31(year)
    return (seats["start_date"] <= d) & (seats["end_date"].isna() | (seats["end_date"] >= d))


def _dedupe(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (board, person); keep the seat that runs longest (no end date = longest)."""
    key = df["end_date"].fillna(pd.Timestamp.max.as_unit(df["end_date"].dt.unit))  # store dates are [us]
    return (df.assign(_end=key).sort_values(["board_id", "person_id", "_end"])
            .drop_duplicates(["board_id", "person_id"], keep="last").drop(columns="_end"))


def required_min_each(members: object) -> np.ndarray:
    """Minimum number of each gender by board size (company law): 0-1: 0; 2-3: 1; 4-5: 2; 6-8: 3;
    9: 4; more than 9: 40 % rounded up, ``ceil(2 n / 5)`` in integer arithmetic."""
    n = np.asarray(members, dtype=int)
    return np.select([n <= 1, n <= 3, n <= 5, n <= 8, n == 9], [0, 1, 2, 3, 4], default=(2 * n + 4) // 5)


def requirement_deadline(year: int, params: dict[str, Any]) -> pd.Timestamp:
    """The first 31 December on which the total requirement is checked after ``year``:
    31.12.from_year before the requirement starts, else 31.12 of the next year."""
    return _dec31(max(int(params["board_total_requirement"]["from_year"]), year + 1))


def typical_term(seats: pd.DataFrame) -> pd.Timedelta | None:
    """The median length of the seat rows that have an end date (``end - start + 1 day``), or None."""
    d = seats.dropna(subset=["end_date"])
    if d.empty:
        return None
    return pd.Timedelta((d["end_date"] - d["start_date"]).median()) + pd.Timedelta(days=1)


def expected_end(seats: pd.DataFrame, year: int, term: pd.Timedelta | None) -> pd.Series:
    """The recorded end date; for a seat without one (still serving, no planned end recorded) the
    end of its current term, ``start + k * term`` with the smallest ``k >= 1`` after 31 December
    ``year`` (as if the seat is renewed with terms of the typical length); NaT without a ``term``."""
    end = seats["end_date"].copy()
    if term is None:
        return end
    miss = end.isna()
    start = seats.loc[miss, "start_date"]
    k = np.maximum(1, np.floor((_dec31(year) - start) / term).astype(int) + 1)
    end.loc[miss] = start + k.to_numpy() * term
    return end


def _by_department(df: pd.DataFrame, focal: str, name: str, departments: list[str]) -> pd.DataFrame:
    g = df.assign(_f=(df["background"] == focal).astype(int)).groupby("owner_department")
    out = pd.DataFrame({name: g.size(), f"{name}_lbg2": g["_f"].sum()}).reindex(departments).fillna(0).astype(int)
    return out


def board_targets(seats: pd.DataFrame, *, year: int, params: dict[str, Any]) -> pd.DataFrame:
    """``board_targets.csv``: one row per owner department (and ``all``) for ``year``.

    Contract columns: ``new_members`` (municipally appointed, non-deputy seats starting in the
    year that are not reappointments), ``new_members_lbg2`` (of them in the focal group),
    ``new_share_lbg2``, ``new_target`` (params ``board_new_target``), ``new_met = new_share >=
    new_target``; ``members`` (municipally appointed, non-deputy seats serving on 31 December),
    ``members_lbg2``, ``share_lbg2``, ``total_requirement`` (params share from
    ``board_total_requirement.from_year``, empty before), ``total_met`` (empty before).
    Added: Wilson intervals ``new_ci_low, new_ci_high, ci_low, ci_high``; and the appointments
    the requirement needs: ``seats_expiring`` (members whose seat ends before
    :func:`requirement_deadline`; a seat without a recorded end date ends after a term of the typical
    length in the data, :func:`expected_end`), ``seats_expiring_lbg2``, ``required_members_lbg2 =
    ceil(share * members)``, ``appointments_needed = max(0, required - (members_lbg2 -
    seats_expiring_lbg2))`` (focal-group appointments needed among the expiring seats when every
    seat is refilled and the others stay) and ``feasible``
    (``appointments_needed <= seats_expiring``). ``all`` is computed the same way from the totals.
    ``term_years``: the typical term (:func:`typical_term`) in years, the same on every row (empty
    when no seat has an end date).
    """
    focal = params["focal_group"]
    alpha = float(params["alpha"])
    req = params["board_total_requirement"]
    counted = seats[seats["appointed_by_municipality"].astype(bool) & (seats["role"] != "deputy_member")]
    departments = sorted(seats["owner_department"].dropna().unique().tolist())
    new = _dedupe(counted[(counted["start_date"].dt.year == year) & ~counted["reappointed"].astype(bool)])
    mem = _dedupe(counted[serving(counted, year)])
    term = typical_term(seats)
    exp = mem[expected_end(mem, year, term) < requirement_deadline(year, params)]
    t = pd.concat([_by_department(new, focal, "new_members", departments),
                   _by_department(mem, focal, "members", departments),
                   _by_department(exp, focal, "seats_expiring", departments)], axis=1)
    t.loc[ALL] = t.sum()
    t = t.rename_axis("owner_department").reset_index()
    t.insert(0, "year", int(year))

    def share(x: str, n: str, prefix: str) -> None:
        xs, ns = t[x].to_numpy(float), t[n].to_numpy(float)
        lo, hi = wilson_interval(xs, ns, alpha=alpha)
        with np.errstate(invalid="ignore", divide="ignore"):
            t[f"{prefix}share_lbg2"] = np.where(ns > 0, xs / ns, np.nan)
        t[f"{prefix}ci_low"], t[f"{prefix}ci_high"] = lo, hi

    share("new_members_lbg2", "new_members", "new_")
    share("members_lbg2", "members", "")
    t["new_target"] = float(params["board_new_target"])
    t["new_met"] = pd.array(np.where(t["new_members"] > 0, t["new_share_lbg2"] >= t["new_target"] - 1e-12, False),
                            dtype="boolean")
    t.loc[t["new_members"] == 0, "new_met"] = pd.NA
    applies = year >= int(req["from_year"])
    t["total_requirement"] = float(req["share"]) if applies else np.nan
    total_met = pd.array(t["share_lbg2"].to_numpy() >= float(req["share"]) - 1e-12, dtype="boolean")
    if not applies:
        total_met[:] = pd.NA
    total_met[(t["members"] == 0).to_numpy()] = pd.NA
    t["total_met"] = total_met
    required = np.ceil(float(req["share"]) * t["members"].to_numpy(float) - 1e-9).astype(int)
    t["required_members_lbg2"] = required
    needed = np.maximum(0, required - (t["members_lbg2"] - t["seats_expiring_lbg2"]).to_numpy())
    t["appointments_needed"] = needed
    t["feasible"] = needed <= t["seats_expiring"].to_numpy()
    t["term_years"] = term.days / 365.25 if term is not None else np.nan
    return t[["year", "owner_department", "new_members", "new_members_lbg2", "new_share_lbg2", "new_target", "new_met",
              "members", "members_lbg2", "share_lbg2", "total_requirement", "total_met", "new_ci_low", "new_ci_high",
              "ci_low", "ci_high", "seats_expiring", "seats_expiring_lbg2", "required_members_lbg2",
              "appointments_needed", "feasible", "term_years"]]


def board_gender(seats: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """``board_gender.csv``: one row per board with members serving on 31 December ``year``.

    Every serving member counts (appointed by the municipality or not), deputies never.
    Columns: ``year, board_id, members, women, men, required_min_each`` (:func:`required_min_each`),
    ``compliant`` (women and men both at least the minimum); added: ``other_gender`` (gender
    ``other`` or ``undeclared``, so ``members = women + men + other_gender``), ``board_name``,
    ``company_form``, ``owner_department``.
    """
    s = _dedupe(seats[(seats["role"] != "deputy_member") & serving(seats, year)])
    g = s.assign(women=(s["gender"] == "female").astype(int), men=(s["gender"] == "male").astype(int),
                 other_gender=(~s["gender"].isin(["female", "male"])).astype(int), members=1)
    out = (g.groupby("board_id", as_index=False)
           .agg(board_name=("board_name", "first"), company_form=("company_form", "first"),
                owner_department=("owner_department", "first"), members=("members", "sum"),
                women=("women", "sum"), men=("men", "sum"), other_gender=("other_gender", "sum")))
    out.insert(0, "year", int(year))
    out["required_min_each"] = required_min_each(out["members"])
    out["compliant"] = (out["women"] >= out["required_min_each"]) & (out["men"] >= out["required_min_each"])
    return out[["year", "board_id", "members", "women", "men", "required_min_each", "compliant", "other_gender",
                "board_name", "company_form", "owner_department"]]


def board_composition(seats: pd.DataFrame, *, year: int, focal: str) -> pd.DataFrame:
    """Restricted board-by-board list: per board, municipally appointed non-deputy members
    serving on 31 December and new in the year, with focal-group counts (person-level facts
    about named boards: never public)."""
    counted = seats[seats["appointed_by_municipality"].astype(bool) & (seats["role"] != "deputy_member")]
    mem = _dedupe(counted[serving(counted, year)])
    new = _dedupe(counted[(counted["start_date"].dt.year == year) & ~counted["reappointed"].astype(bool)])
    f = lambda d: d.assign(_f=(d["background"] == focal).astype(int)).groupby("board_id")["_f"]  # noqa: E731
    boards = seats.groupby("board_id").agg(board_name=("board_name", "first"),
                                           owner_department=("owner_department", "first"))
    out = boards.assign(members=f(mem).size(), members_lbg2=f(mem).sum(), new_members=f(new).size(),
                        new_members_lbg2=f(new).sum()).fillna(0)
    for c in ("members", "members_lbg2", "new_members", "new_members_lbg2"):
        out[c] = out[c].astype(int)
    out = out[(out["members"] > 0) | (out["new_members"] > 0)].reset_index()
    out.insert(0, "year", int(year))
    return out


def gender_compliance_sentence(public_gender: pd.DataFrame, *, min_cell: int) -> str:
    """The sentence on the gender rule, from the *public* ``board_gender`` table only: boards whose
    verdict is blanked (it would pin hidden counts) are counted as not shown, never as compliant."""
    flags = [text.flag(v) for v in public_gender["compliant"]] if len(public_gender) else []
    shown = [f for f in flags if f is not None]
    n_hidden = len(flags) - len(shown)
    if not flags:
        return "Ingen styrer hadde medlemmer per 31. desember."
    head = (f"{sum(shown)} av {len(shown)} styrer der tallene kan vises, oppfyller minstekravet til hvert kjønn."
            if shown else "For ingen av styrene kan det vises om minstekravet til hvert kjønn er oppfylt.")
    tail = (f" For {n_hidden} styrer er det ikke vist, fordi svaret sammen med antall medlemmer ville avsløre "
            f"hvor mange kvinner eller menn det er når et av tallene er under {min_cell}." if n_hidden else "")
    return head + tail
