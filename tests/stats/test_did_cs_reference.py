"""Callaway-Sant'Anna as published (issue 15, item 4): the project's function against the independent
``csdid`` package (a port of R ``did``; test-only dependency) on a fixture, within 1e-6."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mangfold.stats import did

csdid_att = pytest.importorskip("csdid.att_gt")


def _fixture() -> pd.DataFrame:
    """40 units x 6 years, cohorts 3, 4, 5 and never (0), dynamic and heterogeneous effects."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(40):
        g = [3, 4, 5, 0][i % 4]
        a = rng.normal()
        for t in range(1, 7):
            d = g > 0 and t >= g
            rows.append(dict(id=i + 1, t=t, g=g, y=a + 0.1 * t + (0.5 + 0.2 * (t - g)) * d + rng.normal()))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("control,cg", [("never", "nevertreated"), ("notyet", "notyettreated")])
def test_callaway_santanna_matches_csdid(control, cg):
    df = _fixture()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = csdid_att.ATTgt(yname="y", gname="g", idname="id", tname="t", data=df, control_group=cg,
                              base_period="varying").fit(est_method="reg", bstrap=False)
        aggs = {typ: ref.aggte(typec=typ, bstrap=False).atte for typ in ("simple", "group", "dynamic")}
    ours = did.callaway_santanna(df.assign(c=df["g"].replace(0, np.nan)), unit="id", time="t", outcome="y",
                                 cohort="c", control=control, base_period="varying", n_boot=0)
    assert set(ours["estimator"]) == {"callaway_santanna"}
    # every group-time ATT (pre-periods with the varying base included)
    gt = ours[ours["aggregation"] == "group_time"]
    r = pd.DataFrame({"cohort": np.asarray(ref.results["group"], float), "time": np.asarray(ref.results["year"], float),
                      "att": np.asarray(ref.results["att"], float)})
    m = gt.merge(r, on=["cohort", "time"], how="outer", validate="one_to_one")
    assert m["estimate"].notna().all() and m["att"].notna().all()
    np.testing.assert_allclose(m["estimate"], m["att"], atol=1e-6)
    # the three overall aggregations of did::aggte
    for typ, agg in (("simple", "overall"), ("group", "overall_group"), ("dynamic", "overall_dynamic")):
        o = ours[ours["aggregation"] == agg].iloc[0]
        assert o["estimate"] == pytest.approx(aggs[typ]["overall_att"], abs=1e-6), typ
        # standard errors: ours carry sqrt(n/(n-1)) per cell (10 units per cohort here: ~1.054)
        assert 1.0 <= o["std_error"] / aggs[typ]["overall_se"] <= 1.08, typ
    # cohort (group) effects and event-time effects
    grp = ours[ours["aggregation"] == "group"].sort_values("cohort")
    np.testing.assert_allclose(grp["estimate"], np.asarray(aggs["group"]["att_egt"], float), atol=1e-6)
    ev = ours[ours["aggregation"] == "event_time"].sort_values("event_time")
    ref_e = pd.Series(np.asarray(aggs["dynamic"]["att_egt"], float), index=np.asarray(aggs["dynamic"]["egt"], float))
    np.testing.assert_allclose(ev["estimate"], ref_e.loc[ev["event_time"].to_numpy()].to_numpy(), atol=1e-6)


def test_weighted_variant_is_named_as_such():
    df = _fixture().assign(w=lambda d: 1 + (d["id"] % 5), c=lambda d: d["g"].replace(0, np.nan))
    r = did.callaway_santanna(df, unit="id", time="t", outcome="y", cohort="c", weight="w", n_boot=0)
    assert set(r["estimator"]) == {"callaway_santanna_precision_weighted"}
