"""Municipalities, sectors, units, the initial workforce, population and KS maturity."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mangfold.contract.schemas import CHECKPOINTS

from . import _names as names
from ._util import expit, logit, rank_within
from .truths import Truths

OSLO = "0301 Oslo"
#: scale -> (number of Oslo units, Oslo employees)
OSLO_SIZE = {"small": (30, 850), "oslo": (500, 50_000), "national": (500, 50_000)}
#: assumption: KS maturity latent offsets per checkpoint (top-level readiness is hardest).
CHECKPOINT_OFFSETS = (0.3, 0.0, -0.2, -0.1, -0.4, -0.9)
OSLO_DIVERSITY_INDEX = 1.6
#: assumption (KS 2009 calibration kept roughly stable over the years): lbg2 share among applicants to
#: (top_leader, leader) posts in municipalities without lbg2 leaders / immigrant top leaders at the start,
#: and the multiplier of the lbg1 applicant share at top_leader posts there.
NON_DESIGNATED_APPLICANT_LBG2 = (0.0005, 0.0015)
NON_DESIGNATED_TOP_LBG1_MULT = 0.01


@dataclass
class Org:
    """The organisation; arrays are indexed by municipality (m), sector (s) or unit (u)."""

    muni_name: list[str]
    muni_pop: np.ndarray           # population in the reference year
    muni_lbg2: np.ndarray          # lbg2 population share in the reference year
    muni_lbg1: np.ndarray
    muni_index: np.ndarray         # diversity index D (maturity, KS designation)
    muni_lead: np.ndarray          # designated to have lbg2 leaders (KS 2009: a third)
    muni_top: np.ndarray           # designated to have an immigrant top leader (KS 2009: 2.3 %)
    sector_name: list[str]
    sector_muni: np.ndarray
    unit_name: list[str]
    unit_sector: np.ndarray
    unit_muni: np.ndarray
    unit_counts: np.ndarray        # (U, 3) top_leader, leader, employee
    #: per (level, unit): logit shift of the lbg2 applicant share and multiplier of the lbg1 share
    app_lbg2_shift: np.ndarray = field(default=None)
    app_lbg1_mult: np.ndarray = field(default=None)
    #: per (level, sector): register share lbg1/lbg2 of the initial stock
    stock_lbg2: np.ndarray = field(default=None)
    stock_lbg1: np.ndarray = field(default=None)

    @property
    def n_units(self) -> int:
        return len(self.unit_name)

    @property
    def unit_is_oslo(self) -> np.ndarray:
        return self.unit_muni == 0


def _unit_sizes(rng, n_units: int, total: int) -> np.ndarray:
    raw = rng.lognormal(0.0, 0.7, n_units)
    sizes = np.maximum(8, np.round(raw / raw.sum() * total)).astype(np.int64)
    return sizes


def _level_counts(sizes: np.ndarray) -> np.ndarray:
    top = np.minimum(8, 1 + np.round(sizes / 120)).astype(np.int64)
    lead = np.maximum(1, np.round(sizes / 11)).astype(np.int64)
    emp = np.maximum(5, sizes - top - lead)
    return np.column_stack([top, lead, emp])


def _unique_names(raw: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in raw:
        k = seen.get(name, 0) + 1
        seen[name] = k
        out.append(name if k == 1 else f"{name} {k}")
    return out


def build_org(rng: np.random.Generator, scale: str, t: Truths) -> Org:
    n_oslo_units, oslo_emp = OSLO_SIZE[scale]
    sector_rows = [names.OSLO_SECTORS[i] for i in names.SMALL_SECTORS] if scale == "small" else list(names.OSLO_SECTORS)
    w = np.array([r[1] for r in sector_rows])
    w = w / w.sum()
    n_units_s = np.maximum(1, np.round(w * n_oslo_units)).astype(np.int64)

    sector_name = [r[0] for r in sector_rows]
    sector_muni = [0] * len(sector_rows)
    unit_sector, unit_muni, unit_names, sizes = [], [], [], []
    places = np.array(names.OSLO_PLACES)
    for s, row in enumerate(sector_rows):
        k = n_units_s[s]
        sizes.append(_unit_sizes(rng, k, int(round(w[s] * oslo_emp))))
        tmpl = rng.integers(0, len(row[4]), k)
        pl = places[rng.integers(0, len(places), k)]
        unit_names += [row[4][a].format(p=p) for a, p in zip(tmpl, pl)]
        unit_sector += [s] * k
        unit_muni += [0] * k

    muni_name = [OSLO]
    muni_emp = [oslo_emp]
    muni_lbg2 = [t.population_lbg2_share]
    muni_lbg1 = [t.population_lbg1_share]
    muni_pop = [float(t.population_oslo)]
    if scale == "national":
        # sizes: a Zipf-like skew with some noise, sorted so the named large municipalities come first
        big = names.LARGE_MUNICIPALITIES
        n_rest = t.national_municipalities - 1
        rank = np.arange(1, n_rest + 1)
        emp_all = np.sort(rank ** -0.6 * rng.lognormal(0.0, 0.25, n_rest))[::-1]
        emp_all = emp_all / emp_all.sum() * t.national_other_employees
        for _ in range(5):  # Bergen at most about half of Oslo
            cap = 0.55 * oslo_emp
            over = emp_all > cap
            spill = (emp_all[over] - cap).sum()
            emp_all[over] = cap
            emp_all[~over] += spill * emp_all[~over] / emp_all[~over].sum()
        emp_all = np.maximum(150, np.round(emp_all)).astype(int)
        n_other = n_rest - len(big)
        other_names = list(names.OTHER_MUNICIPALITY_NAMES[:n_other])
        lbg2_small = np.clip(expit(logit(0.06) + 0.35 * np.log(emp_all[len(big):] / 2500)
                                   + rng.normal(0, 0.35, n_other)), 0.02, 0.22)
        codes = [f"{7001 + 3 * i:04d} {n}" for i, n in enumerate(other_names)]
        muni_name += [b[0] for b in big] + codes
        muni_emp += emp_all.tolist()
        muni_lbg2 += [b[1] for b in big] + lbg2_small.tolist()
        for m in range(1, len(muni_name)):
            e = muni_emp[m]
            ratio = float(np.clip(0.11 - 0.008 * np.log(e / 1000), 0.075, 0.12))
            muni_pop.append(e / ratio)
            muni_lbg1.append(float(np.clip(0.35 * muni_lbg2[m] + rng.normal(0.03, 0.01), 0.02, 0.10)))
            n_u = max(6, int(round(e / 90)))
            sw = np.array([r[1] for r in names.OTHER_SECTORS])
            ns = np.maximum(1, np.round(sw / sw.sum() * n_u)).astype(int)
            short = muni_name[m].split(" ", 1)[1]
            for srow, k in zip(names.OTHER_SECTORS, ns):
                s = len(sector_name)
                sector_name.append(srow[0])
                sector_muni.append(m)
                sizes.append(_unit_sizes(rng, k, int(round(srow[1] / sw.sum() * e))))
                stems = np.array(srow[2])[rng.integers(0, len(srow[2]), k)]
                unit_names += [f"{short} {st} {j + 1}" for j, st in enumerate(stems)]
                unit_sector += [s] * k
                unit_muni += [m] * k

    org = Org(
        muni_name=muni_name,
        muni_pop=np.array(muni_pop),
        muni_lbg2=np.array(muni_lbg2),
        muni_lbg1=np.array(muni_lbg1),
        muni_index=np.zeros(len(muni_name)),
        muni_lead=np.ones(len(muni_name), bool),
        muni_top=np.ones(len(muni_name), bool),
        sector_name=sector_name,
        sector_muni=np.array(sector_muni),
        unit_name=_unique_names(unit_names),
        unit_sector=np.array(unit_sector),
        unit_muni=np.array(unit_muni),
        unit_counts=_level_counts(np.concatenate(sizes)),
    )
    _designate(rng, org, t, muni_emp)
    _stock_shares(org, sector_rows, t)
    return org


def _designate(rng, org: Org, t: Truths, muni_emp) -> None:
    """KS 2009 calibration: which municipalities have lbg2 leaders / an immigrant top leader at the start."""
    M = len(org.muni_name)
    if M == 1:
        org.muni_index = np.array([OSLO_DIVERSITY_INDEX])
        return
    lp = np.log(org.muni_pop)
    ls = logit(org.muni_lbg2)
    d = 0.6 * (lp - lp.mean()) / lp.std() + 0.6 * (ls - ls.mean()) / ls.std() + rng.normal(0, 0.5, M)
    d[0] = max(d.max() + 0.5, OSLO_DIVERSITY_INDEX)
    org.muni_index = d
    key1 = 1.5 * d + rng.gumbel(size=M)
    key1[0] = np.inf
    k1 = int(round(t.ks_share_with_lbg2_leaders * M))
    lead = np.zeros(M, bool)
    lead[np.argsort(-key1, kind="stable")[:k1]] = True
    key2 = np.where(lead, 2.0 * d + rng.gumbel(size=M), -np.inf)
    key2[0] = np.inf
    k2 = max(1, int(round(t.ks_share_with_immigrant_top_leader * M)))
    top = np.zeros(M, bool)
    top[np.argsort(-key2, kind="stable")[:k2]] = True
    org.muni_lead, org.muni_top = lead, top


def _stock_shares(org: Org, sector_rows, t: Truths) -> None:
    """Register shares by (level, sector) for the initial stock and applicant shifts by (level, unit)."""
    S = len(org.sector_name)
    counts_s = np.zeros((S, 3))
    np.add.at(counts_s, org.unit_sector, org.unit_counts)
    oslo = org.sector_muni == 0
    lead_s = np.zeros(S)
    emp_s = np.zeros(S)
    k = len(sector_rows)
    lead_s[:k] = [r[2] for r in sector_rows]
    emp_s[:k] = [r[3] for r in sector_rows]
    top_s = lead_s * 0.5
    # rescale Oslo so the overall shares hold exactly (truths)
    T, L, E = (counts_s[oslo] * 1.0).sum(axis=0)
    top_s[oslo] *= t.top_leader_lbg2_share * T / (counts_s[oslo, 0] * top_s[oslo]).sum()
    lead_target = (t.leader_lbg2_share * (T + L) - t.top_leader_lbg2_share * T) / L
    lead_s[oslo] *= lead_target * L / (counts_s[oslo, 1] * lead_s[oslo]).sum()
    emp_s[oslo] *= t.employee_lbg2_share * E / (counts_s[oslo, 2] * emp_s[oslo]).sum()
    # other municipalities: proportional to their population share (relative to Oslo)
    other = ~oslo
    rel = (org.muni_lbg2 / t.population_lbg2_share)[org.sector_muni[other]]
    emp_s[other] = np.clip(t.employee_lbg2_share * rel, 0.01, 0.5)
    lead_s[other] = np.where(org.muni_lead[org.sector_muni[other]], np.clip(lead_target * rel, 0.005, 0.3), 0.0)
    top_s[other] = np.where(org.muni_top[org.sector_muni[other]], np.clip(t.top_leader_lbg2_share * rel, 0.01, 0.2), 0.0)
    stock_lbg2 = np.vstack([top_s, lead_s, emp_s])
    stock_lbg1 = np.tile(np.array(t.lbg1_share)[:, None], (1, S))
    stock_lbg1[0, other & ~org.muni_top[org.sector_muni]] = 0.0
    org.stock_lbg2, org.stock_lbg1 = stock_lbg2, stock_lbg1

    # applicants follow the stock: logit shift relative to Oslo's overall level share
    overall = np.array([t.top_leader_lbg2_share, lead_target, t.employee_lbg2_share])
    shift_s = logit(np.clip(stock_lbg2, 0.003, 0.9)) - logit(overall)[:, None]
    lead_m = org.muni_lead[org.sector_muni]
    top_m = org.muni_top[org.sector_muni]
    shift_s[1, ~lead_m] = logit(NON_DESIGNATED_APPLICANT_LBG2[1]) - logit(t.applicant_lbg2_share[1])
    shift_s[0, ~top_m] = logit(NON_DESIGNATED_APPLICANT_LBG2[0]) - logit(t.applicant_lbg2_share[0])
    lbg1_mult = np.ones((3, S))
    lbg1_mult[0, ~top_m] = NON_DESIGNATED_TOP_LBG1_MULT
    org.app_lbg2_shift = shift_s[:, org.unit_sector]
    org.app_lbg1_mult = lbg1_mult[:, org.unit_sector]


def _largest_remainder(expected: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Integer quotas close to ``expected`` whose sums per ``group`` equal the rounded expected sums."""
    base = np.floor(expected).astype(np.int64)
    frac = expected - base
    total = np.round(np.bincount(group, weights=expected)).astype(np.int64)
    missing = total - np.bincount(group, weights=base).astype(np.int64)
    rank, _ = rank_within(group, -frac + np.arange(len(frac)) * 1e-12)
    return base + (rank < missing[group])


def initial_stock(rng: np.random.Generator, org: Org, t: Truths) -> dict[str, np.ndarray]:
    """Persons at 31 Dec of the year before the first data year, with exact quotas by (sector, level)."""
    counts = org.unit_counts
    unit = np.repeat(np.repeat(np.arange(org.n_units), 3), counts.ravel())
    level = np.repeat(np.tile(np.arange(3), org.n_units), counts.ravel()).astype(np.int8)
    sector = org.unit_sector[unit]
    n = len(unit)
    group = sector.astype(np.int64) * 3 + level
    rank, _ = rank_within(group, rng.random(n))
    size = np.bincount(group, minlength=len(org.sector_name) * 3)
    # quotas by (sector, level), summing exactly to the rounded (municipality, level) totals
    muni_of_group = np.repeat(org.sector_muni, 3) * 3 + np.tile(np.arange(3), len(org.sector_name))
    q2 = _largest_remainder(org.stock_lbg2.T.ravel() * size, muni_of_group)
    q1 = _largest_remainder(org.stock_lbg1.T.ravel() * size, muni_of_group)
    # KS designation: at least one lbg2 leader / one immigrant top leader where designated
    for m in range(1, len(org.muni_name)):
        sec = np.flatnonzero(org.sector_muni == m)
        for lvl, flag in ((1, org.muni_lead[m]), (0, org.muni_top[m])):
            g = sec * 3 + lvl
            if flag and (q2[g] + (q1[g] if lvl == 0 else 0)).sum() == 0:
                q2[g[np.argmax(size[g])]] = 1
    bg = np.zeros(n, dtype=np.int8)
    bg[rank < q2[group]] = 2
    bg[(rank >= q2[group]) & (rank < q2[group] + q1[group])] = 1
    female = rng.random(n) < np.array(t.female_share)[level]
    return {"unit": unit.astype(np.int64), "level": level, "bg": bg, "female": female}


def population_table(org: Org, years: range, t: Truths) -> pd.DataFrame:
    rows = []
    for y in years:
        dy = y - t.population_reference_year
        total = org.muni_pop * (1 + t.population_growth) ** dy
        s2 = org.muni_lbg2 + t.population_lbg2_trend * dy
        s1 = org.muni_lbg1
        p2 = np.round(total * s2).astype(np.int64)
        p1 = np.round(total * s1).astype(np.int64)
        p0 = np.round(total).astype(np.int64) - p1 - p2
        for bgname, p in (("none", p0), ("lbg1", p1), ("lbg2", p2)):
            rows.append(pd.DataFrame({"year": y, "area": org.muni_name, "background": bgname, "persons": p}))
    df = pd.concat(rows, ignore_index=True)
    df["bgorder"] = df["background"].map({"none": 0, "lbg1": 1, "lbg2": 2})
    return df.sort_values(["year", "area", "bgorder"], kind="stable").drop(columns="bgorder").reset_index(drop=True)


def maturity_table(rng: np.random.Generator, org: Org, years: range) -> pd.DataFrame:
    """KS's six checkpoints, 0-2, rising slowly and correlated with size and immigrant share."""
    M = len(org.muni_name)
    noise = rng.normal(0, 0.6, (M, len(CHECKPOINTS)))
    base = org.muni_index[:, None] + np.array(CHECKPOINT_OFFSETS)[None, :] + noise
    y0 = years.start
    out = []
    for y in years:
        latent = base + 0.12 * (y - y0)
        score = np.where(latent < -0.3, 0, np.where(latent < 1.0, 1, 2))
        df = pd.DataFrame(score, columns=list(CHECKPOINTS))
        df.insert(0, "year", y)
        df.insert(0, "municipality", org.muni_name)
        out.append(df)
    return pd.concat(out, ignore_index=True).sort_values(["municipality", "year"], kind="stable").reset_index(drop=True)
