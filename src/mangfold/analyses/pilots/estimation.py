"""Pilot effects (pilots 1 and 4): the staggered difference-in-differences estimates.

On the unit x year panel of :mod:`.panel`, this module calls the estimators of
:mod:`mangfold.stats.did` and returns the contract table ``pilot_effects`` (:func:`pilot_effects`)
plus the event-study (:func:`event_study_table`) and pre-trend (:func:`pretrend_table`) tables.
The Callaway-Sant'Anna fit is shared between the effects and the event study
(:func:`callaway_santanna_fits`). :func:`mangfold.analyses.pilots.evaluate` runs them per pilot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ...stats import did
from ...tablespec import TableSpec
from ...text import not_estimable
from .panel import MIN_TWO_OUTCOMES, OUTCOMES

#: below this many treated units, cluster-robust (CR1) standard errors with t(G-1) are too small
#: (MacKinnon & Webb 2017, "Wild bootstrap inference for wildly different cluster sizes"; at pilot sizes,
#: 6 treated of 30-60 units, CR1 intervals covered 86-90 % instead of 95 %, benchmarks/pilot_coverage.py).
#: The headline row (``twfe``) therefore takes its interval and p-value from the restricted wild cluster
#: bootstrap with Webb weights, which covered 94-96 % at the same sizes; the other regression rows carry
#: this note.
FEW_TREATED_UNITS = 20
FEW_UNITS_NOTE = ("få enheter i piloten: intervallet bygger på vanlige klyngerobuste standardfeil og er trolig "
                  "for smalt; se hovedanslaget (TWFE med villt klyngebootstrap)")
#: the estimator whose row is the pilot's headline in every notebook and in the summary
HEADLINE_ESTIMATOR = "twfe"

EFFECT_COLUMNS = ["pilot", "outcome", "estimator", "estimate", "std_error", "ci_low", "ci_high", "p_value",
                  "n_treated_units", "n_control_units", "n_obs", "mde", "n_treated_persons", "note"]

EVENT_COLUMNS = ["pilot", "outcome", "estimator", "event_time", "estimate", "std_error", "ci_low", "ci_high",
                 "p_value", "n_obs", "n_persons", "reference"]
PRETREND_COLUMNS = ["pilot", "outcome", "statistic", "df", "p_value", "f_statistic", "df_denom", "f_p_value",
                    "n_clusters"]

EFFECTS_SPEC = TableSpec(
    name="pilot_effects",
    counts=("n_treated_persons",),
    derived={"n_treated_persons": ("estimate", "std_error", "ci_low", "ci_high", "p_value", "mde")},
    dims=("pilot", "outcome", "estimator"),
    not_counts=("n_treated_units", "n_control_units", "n_obs"),
    constants=("note",),
    title="Pilotenes effekt på fokusgruppens andeler (prosentpoeng som andel, 0,05 = 5 poeng)",
)
EVENT_SPEC = TableSpec(
    name="pilot_event_study",
    counts=("n_persons",),
    derived={"n_persons": ("estimate", "std_error", "ci_low", "ci_high", "p_value")},
    dims=("pilot", "outcome", "estimator", "event_time"),
    not_counts=("event_time", "n_obs"),
    constants=("reference",),
    title="Hendelsesstudie: effekt etter år fra oppstart",
)
PRETREND_SPEC = TableSpec(
    name="pilot_pretrends",
    dims=("pilot", "outcome"),
    not_counts=("df", "df_denom", "n_clusters"),
    statistics=("statistic", "p_value", "f_statistic", "f_p_value"),
    title="Test av parallelle trender før oppstart",
)


def _wild_mde(lo: float, hi: float, dof: float, *, alpha: float, power: float = 0.8) -> float:
    """MDE on the basis of the wild bootstrap interval: its half-width is read as ``q_{1-alpha/2} * se_eq``
    (``t(dof)``), and the MDE is ``(q_{1-alpha/2} + q_power) * se_eq`` (Bloom 1995)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return np.nan
    q = sps.t.isf(alpha / 2, dof)
    return float((q + sps.t.ppf(power, dof)) * (hi - lo) / (2 * q))


def _mde(se: float, dof: float, *, alpha: float, power: float = 0.8) -> float:
    """``(q_{1-alpha/2} + q_power) * se`` with t(dof) quantiles (normal when dof is inf)."""
    if not np.isfinite(se):
        return np.nan
    if np.isfinite(dof):
        return float((sps.t.isf(alpha / 2, dof) + sps.t.ppf(power, dof)) * se)
    return float((sps.norm.isf(alpha / 2) + sps.norm.ppf(power)) * se)


def callaway_santanna_fits(panel: pd.DataFrame, *, outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES,
                           alpha: float = 0.05, seed: int = 0, n_boot: int = 999
                           ) -> dict[str, pd.DataFrame | ValueError]:
    """The Callaway-Sant'Anna fit of every outcome (:func:`did.callaway_santanna` as published: unit-level
    rates without precision weights, not-yet-treated controls, universal base, ``n_boot`` seeded bootstrap
    draws), or the ``ValueError`` it raised.
    :func:`pilot_effects` (overall row) and :func:`event_study_table` (event-time rows) read the
    same fit; :func:`evaluate` computes it once and hands it to both."""
    out: dict[str, pd.DataFrame | ValueError] = {}
    for outcome in outcomes:
        den = OUTCOMES[outcome][1]
        d = panel[panel[den] > 0]
        try:
            out[outcome] = did.callaway_santanna(d, unit="unit_id", time="year", outcome=outcome, cohort="cohort",
                                                 weight=None, control="notyet", base_period="universal",
                                                 alpha=alpha, n_boot=n_boot, seed=seed)
        except ValueError as exc:
            out[outcome] = exc
    return out


def _cs_fit(cs_fits: dict | None, d: pd.DataFrame, key: str, **kw) -> pd.DataFrame:
    """The stored fit of outcome ``key`` (re-raising its error), or a new one."""
    if cs_fits is not None and key in cs_fits:
        fit = cs_fits[key]
        if isinstance(fit, ValueError):
            raise fit
        return fit
    kw = {**kw, "weight": None}
    return did.callaway_santanna(d, control="notyet", base_period="universal", **kw)


def _row(pilot, outcome, estimator, **kw) -> dict:
    r = dict.fromkeys(EFFECT_COLUMNS, np.nan)
    r.update(pilot=pilot, outcome=outcome, estimator=estimator, note="")
    r.update(kw)
    return r


#: work of one wild bootstrap at most: draws x panel rows (each draw projects the whole panel)
BOOTSTRAP_BUDGET = 2_500_000
#: fewest draws when the budget limits them (a 5 % test needs alpha * (B + 1) whole: 199 gives 10)
MIN_DRAWS = 199


def draws_for(n_boot: int, n_obs: int) -> int:
    """The bootstrap draws for a panel of ``n_obs`` rows: ``n_boot`` (params ``pilots.bootstrap_draws``)
    unless draws x rows would pass :data:`BOOTSTRAP_BUDGET`; then as many as fit, at least
    :data:`MIN_DRAWS` (a pilot panel of a municipality keeps its 999; a national panel of thousands of
    units, where the treated units are few among many, gets 199). The note of each row names the draws."""
    if n_boot < MIN_DRAWS or n_obs * n_boot <= BOOTSTRAP_BUDGET:
        return int(n_boot)
    fit = BOOTSTRAP_BUDGET // max(n_obs, 1)
    return int(max(MIN_DRAWS, fit - (fit + 1) % 20))  # B + 1 a multiple of 20: 5 % tests resolve exactly


def pilot_effects(panel: pd.DataFrame, *, pilot: str, outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES,
                  alpha: float = 0.05, seed: int = 0, n_draws: int = 1000, n_boot: int = 999,
                  ri_interval: bool = True, cs_fits: dict | None = None, assignment: str = "voluntary",
                  panel_all: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract table ``pilot_effects``: one row per outcome and estimator.

    Estimators (all on the focal group's unit-year rates, weighted by the denominator except for
    Callaway-Sant'Anna, errors clustered by unit):

    * ``twfe`` (the headline, :data:`HEADLINE_ESTIMATOR`): two-way fixed effects
      ``y_it = a_i + l_t + b D_it``; ``std_error`` is CR1, but ``ci_low, ci_high, p_value`` come from the
      restricted wild cluster bootstrap with Webb weights (:func:`did.wild_twfe`, ``n_boot`` seeded draws,
      interval by test inversion), which keeps its level with few treated units;
    * ``twfe_all_controls`` (only when ``panel_all`` is given): the same on the panel whose controls
      include units treated in another pilot (a sensitivity check; ``panel`` leaves those cells out);
    * ``callaway_santanna``: CS 2021 as published, on unit-level rates without weights (R
      ``did::aggte(type = "group")``: the mean of each cohort's post-start effects, weighted by cohort
      size), not-yet-treated units as controls, universal base period, multiplier bootstrap (``n_boot``,
      seeded); robust to effects that differ between start cohorts; treated units with no data in the
      year before their start cannot enter and are counted in ``note``;
    * ``sun_abraham``: interaction-weighted event study averaged over post periods, never-treated
      controls (:func:`did.sun_abraham`);
    * ``randomization_inference``: the TWFE estimate with a permutation p-value over start dates
      (``n_draws`` seeded draws) and, when ``ri_interval``, an interval by test inversion under a
      constant additive effect: every effect ``tau`` whose permutation p-value exceeds ``alpha``
      (:func:`did.randomization_interval`, exact ends from the same draws; an end is empty when
      the set is unbounded). It assumes that the start dates could have fallen on any unit; with
      ``assignment = 'voluntary'`` (units enrolled themselves) ``note`` marks it as a sensitivity check.

    Columns: the contract's ``pilot, outcome, estimator, estimate, std_error, ci_low, ci_high,
    p_value, n_treated_units, n_control_units, n_obs, mde`` and ``n_treated_persons`` (focal
    applicants in the outcome's denominator in treated cells: persons, for disclosure control)
    and ``note`` (why a row is empty, or a warning when fewer than :data:`FEW_TREATED_UNITS`
    units are treated, where clustered standard errors are too small). ``n_obs`` counts
    unit-years, not persons. ``n_treated_units`` / ``n_control_units``: units with treated cells and
    the others, except for ``callaway_santanna``, whose controls are every unit used as a comparison
    in some cell, including units that start later (so the two can overlap). ``mde`` is the
    smallest effect detected with 80 % power at level ``alpha``: ``(q_{1-alpha/2} + q_0.8) * se``
    (Bloom 1995); for ``twfe`` ``se`` is the wild bootstrap interval's half-width over ``q_{1-alpha/2}``
    (``t(G-1)``), so MDE and planning rest on the same inference as the interval; the other rows use
    their own standard error (normal quantiles for Callaway-Sant'Anna); the randomisation row repeats
    the TWFE value.

    ``cs_fits``: optionally :func:`callaway_santanna_fits` of the same panel and arguments, so that
    the fit is shared with :func:`event_study_table`.
    """
    rows: list[dict] = []
    for outcome in outcomes:
        num, den = OUTCOMES[outcome]
        d = panel[panel[den] > 0].copy()
        n_persons = int(d.loc[d["treated"], den].sum())
        kw = dict(unit="unit_id", time="year", outcome=outcome, cohort="cohort", weight=den)
        base = dict(n_obs=len(d), n_treated_persons=n_persons)
        if n_persons == 0 or d["cohort"].isna().all():
            for est in ("twfe", "callaway_santanna", "sun_abraham", "randomization_inference"):
                rows.append(_row(pilot, outcome, est, **base, note="ingen behandlede enheter med data"))
            continue
        # TWFE, restricted wild cluster bootstrap (Webb weights)
        tw_mde = np.nan
        b_here = draws_for(n_boot, len(d))
        wild_note = f"villt klyngebootstrap (Webb-vekter, {b_here} trekninger)"
        try:
            if n_boot >= 99:
                t = did.wild_twfe(d, alpha=alpha, n_boot=b_here, seed=seed, **kw).iloc[0]
                g = int(t["n_treated_units"] + t["n_control_units"])
                tw_mde = _wild_mde(float(t["ci_low"]), float(t["ci_high"]), g - 1, alpha=alpha)
            else:   # no bootstrap asked for (quick runs): CR1 with t(G-1), said in the note
                t = did.twfe(d, alpha=alpha, **kw).iloc[0]
                g = int(t["n_treated_units"] + t["n_control_units"])
                tw_mde = _mde(float(t["std_error"]), g - 1, alpha=alpha)
                wild_note = "uten bootstrap: CR1 med t(G-1), for smalt med få enheter"
            rows.append(_row(pilot, outcome, "twfe", **base, **{c: t[c] for c in (
                "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated_units", "n_control_units")},
                mde=tw_mde, note=wild_note))
        except ValueError as exc:
            rows.append(_row(pilot, outcome, "twfe", **base, note=_unidentified(exc)))
        if panel_all is not None:
            da = panel_all[panel_all[den] > 0]
            try:
                t = did.wild_twfe(da, alpha=alpha, n_boot=draws_for(max(n_boot, 99), len(da)), seed=seed,
                                  **kw).iloc[0]
                g = int(t["n_treated_units"] + t["n_control_units"])
                rows.append(_row(pilot, outcome, "twfe_all_controls", n_obs=len(da),
                                 n_treated_persons=int(da.loc[da["treated"], den].sum()), **{c: t[c] for c in (
                                     "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated_units",
                                     "n_control_units")},
                                 mde=_wild_mde(float(t["ci_low"]), float(t["ci_high"]), g - 1, alpha=alpha),
                                 note=f"villt klyngebootstrap (Webb-vekter, {max(n_boot, 99)} trekninger); "
                                      "kontrollene omfatter enheter i andre piloter"))
            except ValueError as exc:
                rows.append(_row(pilot, outcome, "twfe_all_controls", n_obs=len(da),
                                 note=_unidentified(exc)))
        # Callaway-Sant'Anna as published (unweighted unit rates, did::aggte type "group")
        try:
            cs = _cs_fit(cs_fits, d, outcome, alpha=alpha, n_boot=n_boot, seed=seed, **kw)
            o = _overall(cs, "overall_group")
            treated_all = int(d.loc[d["treated"], "unit_id"].nunique())
            left_out = treated_all - int(o["n_treated_units"])
            cs_note = (f"{left_out} av {treated_all} enheter i piloten er utelatt (ingen data året før oppstart)"
                       if left_out > 0 else "")
            rows.append(_row(pilot, outcome, "callaway_santanna", **base, **{c: o[c] for c in (
                "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated_units", "n_control_units")},
                mde=_mde(float(o["std_error"]), np.inf, alpha=alpha), note=cs_note))
        except ValueError as exc:
            rows.append(_row(pilot, outcome, "callaway_santanna", **base, note=_unidentified(exc)))
        # Sun-Abraham
        try:
            sa = did.sun_abraham(d, control="never", alpha=alpha, **kw)
            o = _overall(sa, "overall")
            g = int(d["unit_id"].nunique())
            rows.append(_row(pilot, outcome, "sun_abraham", **base, **{c: o[c] for c in (
                "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated_units", "n_control_units")},
                mde=_mde(float(o["std_error"]), g - 1, alpha=alpha)))
        except ValueError as exc:
            rows.append(_row(pilot, outcome, "sun_abraham", **base, note=_unidentified(exc)))
        # randomisation inference over start dates
        try:
            ri = did.randomization_interval(d, n_draws=n_draws, alpha=alpha, seed=seed, **kw).iloc[0]
            # an unbounded end (the permutation test cannot exclude any effect that far out) stays empty
            lo, hi = ((float(ri["ci_low"]) if np.isfinite(ri["ci_low"]) else np.nan,
                       float(ri["ci_high"]) if np.isfinite(ri["ci_high"]) else np.nan)
                      if ri_interval else (np.nan, np.nan))
            treated_units = int(d.loc[d["treated"], "unit_id"].nunique())
            rows.append(_row(pilot, outcome, "randomization_inference", **base, estimate=float(ri["estimate"]),
                             ci_low=lo, ci_high=hi, p_value=float(ri["p_value"]),
                             n_treated_units=treated_units,
                             n_control_units=int(d["unit_id"].nunique()) - treated_units,
                             mde=tw_mde,
                             note=f"{int(ri['n_draws'])} trekninger av oppstartsår" + (
                                 "; følsomhetsanalyse: enhetene meldte seg selv, så testen forutsetter en "
                                 "tilfeldig fordeling som ikke fant sted" if assignment != "random" else "")))
        except ValueError as exc:
            rows.append(_row(pilot, outcome, "randomization_inference", **base, note=_unidentified(exc)))
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    for c in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "mde"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    for c in ("n_treated_units", "n_control_units", "n_obs", "n_treated_persons"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
    few = (out["estimator"].isin(["callaway_santanna", "sun_abraham"]) & out["estimate"].notna()
           & (out["n_treated_units"].fillna(0) < FEW_TREATED_UNITS))
    out.loc[few, "note"] = [f"{n}; {FEW_UNITS_NOTE}" if n else FEW_UNITS_NOTE for n in out.loc[few, "note"]]
    return out


def _unidentified(exc: Exception) -> str:
    """The note of an estimator the data do not identify, in bokmål."""
    return not_estimable(exc, prefix="ikke identifisert")


def _overall(fit: pd.DataFrame, aggregation: str) -> pd.Series:
    """The ``aggregation`` row of an estimator's table; ValueError when it has none (no unit of the
    pilot observed after its start: the pre-periods alone estimate no effect)."""
    rows = fit[fit["aggregation"] == aggregation]
    if rows.empty:
        raise ValueError("no post-adoption observations")
    return rows.iloc[0]


def event_window(panel: pd.DataFrame, *, max_leads: int = 4, max_lags: int = 3) -> tuple[int, int]:
    """Leads and lags that the data support: ``leads`` = the largest number of years any cohort
    is observed before its start (at least 1, at most ``max_leads``), ``lags`` = the largest
    number of years after the start year (at most ``max_lags``)."""
    c = panel.dropna(subset=["cohort"])
    if not len(c):
        return 1, 0
    rel = c["year"] - c["cohort"]
    leads = int(np.clip(-rel.min(), 1, max_leads)) if (rel < 0).any() else 1
    lags = int(np.clip(rel.max(), 0, max_lags)) if (rel >= 0).any() else 0
    return leads, lags


def event_study_table(panel: pd.DataFrame, *, pilot: str, outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES,
                      alpha: float = 0.05, seed: int = 0, n_boot: int = 999,
                      cs_fits: dict | None = None) -> pd.DataFrame:
    """Event-study effects by year relative to the start (``event_time`` = year - cohort).

    Two estimators per outcome: ``event_study`` (TWFE with leads and lags, endpoints binned,
    reference year -1; :func:`did.event_study`) and ``callaway_santanna`` (the event-time
    aggregation of the group-time effects, universal base -1, not-yet-treated controls, not
    binned). Columns: ``pilot, outcome, estimator, event_time, estimate, std_error, ci_low,
    ci_high, p_value, n_obs`` (treated unit-years at that event time), ``n_persons`` (focal
    applicants in the denominator in those unit-years), ``reference`` (the fixed zero year).
    ``cs_fits``: as in :func:`pilot_effects`.
    """
    cols = EVENT_COLUMNS
    leads, lags = event_window(panel)
    parts = []
    for outcome in outcomes:
        num, den = OUTCOMES[outcome]
        d = panel[panel[den] > 0]
        if d["cohort"].isna().all() or not d["treated"].any():
            continue
        rel = (d["year"] - d["cohort"]).to_numpy(float)
        kw = dict(unit="unit_id", time="year", outcome=outcome, cohort="cohort", weight=den)
        try:
            es = did.event_study(d, leads=leads, lags=lags, alpha=alpha, **kw)
            binned = np.clip(rel, -leads, lags)
            persons = {e: float(d.loc[binned == e, den].sum()) for e in es["event_time"]}
            es = es.assign(n_persons=es["event_time"].map(persons))
            parts.append(es.assign(pilot=pilot, outcome=outcome, estimator="event_study")[cols])
        except ValueError:
            pass
        try:
            cs = _cs_fit(cs_fits, d, outcome, alpha=alpha, n_boot=n_boot, seed=seed, **kw)
            ev = cs[cs["aggregation"] == "event_time"].copy()
            ev["event_time"] = ev["event_time"].astype(int)
            ev["reference"] = ev["std_error"].isna() & (ev["estimate"] == 0)
            persons = {e: float(d.loc[rel == e, den].sum()) for e in ev["event_time"]}
            nobs = {e: int((rel == e).sum()) for e in ev["event_time"]}
            ev = ev.assign(n_persons=ev["event_time"].map(persons), n_obs=ev["event_time"].map(nobs))
            parts.append(ev.assign(pilot=pilot, outcome=outcome, estimator="callaway_santanna")[cols])
        except ValueError:
            pass
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["event_time"] = out["event_time"].astype("int64")
    out["n_obs"] = out["n_obs"].astype("int64")
    out["n_persons"] = out["n_persons"].astype("int64")
    out["reference"] = out["reference"].astype(bool)
    return out.sort_values(["outcome", "estimator", "event_time"], kind="mergesort").reset_index(drop=True)


def pretrend_table(panel: pd.DataFrame, *, pilot: str, outcomes: tuple[str, ...] = MIN_TWO_OUTCOMES) -> pd.DataFrame:
    """Joint Wald test that the event-study leads (years before the start, except -1) are zero,
    per outcome (:func:`did.pretrend_test`, cluster-robust covariance; ``f_p_value`` is the
    small-sample F version). Empty when the data have fewer than two years before any start."""
    cols = PRETREND_COLUMNS
    leads, lags = event_window(panel)
    rows = []
    if leads < 2:
        return pd.DataFrame(columns=cols)
    for outcome in outcomes:
        num, den = OUTCOMES[outcome]
        d = panel[panel[den] > 0]
        try:
            r = did.pretrend_test(d, unit="unit_id", time="year", outcome=outcome, cohort="cohort",
                                  weight=den, leads=leads, lags=lags).iloc[0]
        except ValueError:
            continue
        rows.append({"pilot": pilot, "outcome": outcome, **{c: r[c] for c in cols[2:]}})
    return pd.DataFrame(rows, columns=cols)
