"""The KS view (mangfold.analyses.ks): checkpoints, the KS 2009 national indicators worked out by hand
on a tiny four-municipality folder, and the funnel plot's limits against an independent computation
of Spiegelhalter's (2005) interpolated binomial limits."""

from __future__ import annotations

from pathlib import Path

import matplotlib.figure
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from mangfold.analyses import ks
from mangfold.figures import ks as ks_fig
from mangfold.publish import open_context
from mangfold.publish.audit import audit_folder
from mangfold.stats.control_limits import funnel_limits
from mangfold.store import ingest
from tests.helpers import ingested
from tests.test_partition import BERGEN, BODO, DRAMMEN, OSLO, write_multi

YEAR = 2025


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return ingested(tmp_path_factory.mktemp("ks"), write_multi, municipality=OSLO)


@pytest.fixture(scope="module")
def store_with_outlier(tmp_path_factory) -> Path:
    """As ``store``, plus 60 more Drammen leaders without immigrant background: 67 leaders, none from
    lbg2, where the population (15 % lbg2) would give about 10."""
    base = tmp_path_factory.mktemp("ks_outlier")
    data = write_multi(base / "data")
    extra = "".join(f"W-R1-extra-{i},2025,R1,leader,none,male\n" for i in range(60))
    with open(data / "workforce.csv", "a", encoding="utf-8") as f:
        f.write(extra)
    s = base / "s.duckdb"
    ingest(data, s, municipality=OSLO)
    return s


def _spiegelhalter(prob: float, n: int, p: float) -> float:
    """Spiegelhalter (2005) appendix A.1.1, written out independently of mangfold.stats:
    r = smallest r with F(r) >= prob; a = (F(r) - prob) / (F(r) - F(r - 1)); limit = (r - a) / n."""
    r = 0
    while stats.binom.cdf(r, n, p) < prob:
        r += 1
    f_r, f_rm1 = stats.binom.cdf(r, n, p), stats.binom.cdf(r - 1, n, p)
    return (r - (f_r - prob) / (f_r - f_rm1)) / n


# ------------------------------------------------------------------ checkpoints
def test_checkpoints_wide_sorted_with_totals(store):
    w = ks.checkpoints(store, YEAR)
    assert list(w["municipality"]) == [OSLO, "9999 Ukjent", BERGEN, BODO]  # by maturity_score, then name
    oslo = w.iloc[0]
    assert (oslo["political_anchoring"], oslo["top_level_readiness"]) == (2, 1)
    assert oslo["checkpoints_in_place"] == 3 and oslo["maturity_score"] == 9
    assert w.loc[w["municipality"] == BODO, "maturity_score"].item() == 0
    assert ks.checkpoints(store, 2019).empty


def test_checkpoint_levels_count_municipalities(store):
    lv = ks.checkpoint_levels(ks.checkpoints(store, YEAR))
    assert len(lv) == 6 * 3
    pa = lv[lv["checkpoint"] == "political_anchoring"].set_index("level")["municipalities"]
    assert pa.to_dict() == {"not_started": 1, "partly": 2, "in_place": 1}  # Bodø; Bergen, Ukjent; Oslo
    tr = lv[lv["checkpoint"] == "top_level_readiness"].set_index("level")["municipalities"]
    assert tr.to_dict() == {"not_started": 2, "partly": 2, "in_place": 0}
    assert_allclose(lv.groupby("checkpoint")["share"].sum(), 1.0)


# ------------------------------------------------------------------ national indicators
def test_national_indicators_by_hand(store):
    ind = ks.national_indicators(store, YEAR).set_index("indicator")
    # write_multi's docstring: lbg2 leaders in Oslo and Bergen; immigrant top leaders in Oslo (lbg2)
    # and Bergen (lbg1); measures in Oslo (pilot), Bergen (mentoring), Bodø (training).
    assert ind.loc["lbg2_in_leader_post", ["municipalities", "n_municipalities"]].tolist() == [2, 4]
    assert ind.loc["immigrant_top_leader", ["municipalities", "n_municipalities"]].tolist() == [2, 4]
    assert ind.loc["measures_any", ["municipalities", "n_municipalities"]].tolist() == [3, 4]
    for m in ("measures_pilots", "measures_mentoring", "measures_training"):
        assert ind.loc[m, "municipalities"] == 1
    assert_allclose(ind.loc["lbg2_in_leader_post", "share"], 0.5)
    assert_allclose(ind.loc["immigrant_top_leader", "ks_2009_share"], 0.023)
    assert_allclose(ind.loc["lbg2_in_leader_post", "ks_2009_share"], 1 / 3)
    assert ind.loc["measures_any", "ks_2009_municipalities"] == 16


def test_national_indicators_follow_the_year(store):
    ind = ks.national_indicators(store, 2024).set_index("indicator")
    # 2024 snapshot: Drammen (one lbg2 leader) and Oslo (top leaders without immigrant background)
    assert ind.loc["lbg2_in_leader_post", ["municipalities", "n_municipalities"]].tolist() == [1, 2]
    assert ind.loc["immigrant_top_leader", "municipalities"] == 0
    # 2024: only Oslo's pilot (from 2024-01-01); Bodø's pilot ended 2023, the mentoring pair starts 2025,
    # the 2023 training course is not in 2024
    assert ind.loc["measures_any", "municipalities"] == 1


def test_national_indicators_without_optional_tables(tmp_path):
    from tests.helpers import write_tiny

    s = tmp_path / "s.duckdb"
    ingest(write_tiny(tmp_path / "d"), s)
    ind = ks.national_indicators(s, YEAR)
    assert (ind["n_municipalities"] == 0).all() and ind["share"].isna().all()
    assert ks.leader_representation(s, YEAR).empty and ks.checkpoints(s, YEAR).empty


# ------------------------------------------------------------------ funnel plot
def test_leader_representation_counts_and_ratio(store):
    r = ks.leader_representation(store, YEAR).set_index("municipality")
    assert list(r.index) == [OSLO, BODO, DRAMMEN, BERGEN, "all"]
    assert r.loc[OSLO, ["n_leaders", "n_leaders_lbg2"]].tolist() == [29, 7]
    assert r.loc[BERGEN, ["n_leaders", "n_leaders_lbg2"]].tolist() == [20, 2]
    assert r.loc["all", ["n_leaders", "n_leaders_lbg2"]].tolist() == [66, 9]
    assert_allclose(r.loc[OSLO, "population_share_lbg2"], 140000 / 700000)
    assert_allclose(r.loc[OSLO, "expected_lbg2"], 29 * 0.2)
    assert_allclose(r.loc[OSLO, "representation_ratio"], 7 / 5.8)
    pooled = (140000 + 30000 + 3000 + 15000) / (700000 + 300000 + 50000 + 100000)
    assert_allclose(r.loc["all", "population_share_lbg2"], pooled)
    assert np.isnan(r.loc["all", "limit_low_95"])


def test_funnel_limits_are_spiegelhalters_binomial_limits_on_the_ratio_scale(store):
    r = ks.leader_representation(store, YEAR).set_index("municipality")
    for muni, n, p in ((OSLO, 29, 0.2), (BERGEN, 20, 0.1), (BODO, 10, 0.06)):
        for lab, level in (("95", 0.95), ("998", 0.998)):
            tail = (1 - level) / 2
            lo = max(0.0, _spiegelhalter(tail, n, p)) / p
            hi = min(1.0, _spiegelhalter(1 - tail, n, p)) / p
            assert_allclose(r.loc[muni, f"limit_low_{lab}"], lo, rtol=1e-9, atol=1e-12)
            assert_allclose(r.loc[muni, f"limit_high_{lab}"], hi, rtol=1e-9)


def test_positions_follow_each_municipalitys_own_limits(store_with_outlier):
    r = ks.leader_representation(store_with_outlier, YEAR)
    r = r[r["municipality"] != "all"].set_index("municipality")
    # Drammen: 0 of 67 leaders where 67 * 0.15 = 10.05 are expected; P(X = 0) = 0.85**67 < 0.001
    assert r.loc[DRAMMEN, "n_leaders"] == 67
    assert r.loc[DRAMMEN, "position_998"] == "below" and r.loc[DRAMMEN, "position_95"] == "below"
    for lab in ("95", "998"):
        ratio = r["representation_ratio"]
        expect = np.where(ratio < r[f"limit_low_{lab}"], "below",
                          np.where(ratio > r[f"limit_high_{lab}"], "above", "within"))
        assert list(r[f"position_{lab}"]) == list(expect)
    assert list(ks.outside_limits(r.reset_index())["municipality"]) == [DRAMMEN]


def test_funnel_curve_is_drawn_at_the_pooled_population_share(store):
    rep = ks.leader_representation(store, YEAR)
    curve = ks.funnel_curve(rep)
    p0 = rep.loc[rep["municipality"] == "all", "population_share_lbg2"].item()
    n = curve["expected"].to_numpy()[::2] / p0  # long form: one row per (n, level)
    assert_allclose(n, np.round(n))
    n = np.round(n)
    assert n.min() == 1 and (np.diff(n) > 0).all()
    ref = funnel_limits(n, p0, levels=(0.95, 0.998))
    assert_allclose(curve["ratio_high"], ref["limit_high"] / p0)
    assert_allclose(curve["ratio_low"], ref["limit_low"] / p0)
    assert set(curve["level"]) == {0.95, 0.998} and (curve["target"] == 1).all()
    assert curve["expected"].max() >= rep["expected_lbg2"].iloc[:-1].max()


# ------------------------------------------------------------------ publishing
def test_published_tables_hide_small_leader_counts_and_pass_the_audit(store, tmp_path):
    ctx = open_context(YEAR, store, None, tmp_path / "out")
    pub = ctx.table(ks.leader_representation(store, YEAR), ks.REPRESENTATION_SPEC, show=False)
    bergen = pub[pub["municipality"] == BERGEN].iloc[0]
    assert str(bergen["n_leaders_lbg2"]).startswith("<")  # 2 lbg2 leaders
    assert pd_isna(bergen["share_lbg2"]) and pd_isna(bergen["representation_ratio"])
    # Bergen's 2 and the national total 9 would give Oslo's 7: hidden as well (complementary)
    assert pd_isna(pub.loc[pub["municipality"] == OSLO, "representation_ratio"].item())
    w = ks.checkpoints(store, YEAR)
    ctx.table(w, ks.CHECKPOINTS_SPEC, show=False)
    ctx.table(ks.checkpoint_levels(w), ks.LEVELS_SPEC, show=False)
    ind = ctx.table(ks.national_indicators(store, YEAR), ks.INDICATORS_SPEC, show=False)
    assert ind["municipalities"].astype(int).tolist()[:3] == [2, 2, 3]  # counts of municipalities stay
    assert audit_folder(ctx.public, min_cell=5, store=store) == []
    facts = ks.funnel_facts(pub)
    assert facts["n"] == 4 and facts["hidden"] == 2 and facts["shown"] == 2
    for fig in (ks_fig.leader_funnel(pub, ks.funnel_curve(pub)), ks_fig.checkpoint_heatmap(w),
                ks_fig.checkpoint_levels(ks.checkpoint_levels(w))):
        assert isinstance(fig, matplotlib.figure.Figure)
    assert ks_fig.pct(0.023) == "2,3\u00a0%" and ks_fig.pct(float("nan")) == "–"


def pd_isna(x) -> bool:
    import pandas as pd

    return bool(pd.isna(x)) or str(x) == ""
