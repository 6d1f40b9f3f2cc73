"""Tests for mangfold.stats.binomial.

References
----------
- statsmodels ``Logit`` fitted on the expanded individual-level 0/1 data: the
  aggregated two-column binomial GLM must give the same coefficients, and with
  ``cov_type="cluster", use_correction=False`` the same cluster covariance up to
  the ``G/(G-1)`` factor we apply (Stata's CR1 for ML models).
- statsmodels ``get_margeff(at="overall", dummy=True)`` for the average
  marginal effect of a 0/1 covariate.
- Seeded simulation with known coefficients.
"""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

from mangfold.stats.binomial import binomial_glm, predicted_rates

TRUE = {"intercept": -0.5, "female": -0.4, "senior": 0.3}


def simulate(seed: int, n_clusters: int = 60) -> pd.DataFrame:
    """Aggregated cells: cluster x female x senior, with known logit coefficients."""
    rng = np.random.default_rng(seed)
    g, f, s = np.meshgrid(np.arange(n_clusters), [0, 1], [0, 1], indexing="ij")
    g, f, s = g.ravel(), f.ravel(), s.ravel()
    m = rng.integers(5, 40, g.size)
    eta = TRUE["intercept"] + TRUE["female"] * f + TRUE["senior"] * s
    y = rng.binomial(m, 1 / (1 + np.exp(-eta)))
    return pd.DataFrame({"municipality": g, "female": f, "senior": s, "trials": m, "successes": y})


def expand(df: pd.DataFrame) -> pd.DataFrame:
    ind = df.loc[df.index.repeat(df.trials)].reset_index(drop=True)
    ind["y"] = np.concatenate([np.r_[np.ones(y), np.zeros(m - y)] for y, m in zip(df.successes, df.trials)])
    return ind


@pytest.fixture(scope="module")
def data():
    df = simulate(42)
    ind = expand(df)
    X = sm.add_constant(ind[["female", "senior"]].astype(float))
    G = df.municipality.nunique()
    logit = sm.Logit(ind.y, X).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": ind.municipality.to_numpy(), "use_correction": False}
    )
    return df, ind, logit, G


def test_aggregated_equals_individual_logit(data):
    df, ind, logit, G = data
    out = binomial_glm(df, successes="successes", trials="trials", covariates=["female", "senior"], cluster="municipality")
    assert list(out.columns) == [
        "term", "estimate", "std_error", "statistic", "ci_low", "ci_high", "p_value", "n_obs", "n_clusters"
    ]
    assert list(out.term) == ["intercept", "female", "senior"]
    assert_allclose(out.estimate, logit.params.to_numpy(), rtol=1e-6)
    assert_allclose(out.std_error, logit.bse.to_numpy() * np.sqrt(G / (G - 1)), rtol=1e-5)
    assert (out.n_obs == len(ind)).all() and (out.n_clusters == G).all()


def test_model_based_errors_equal_logit(data):
    df, ind, _, _ = data
    X = sm.add_constant(ind[["female", "senior"]].astype(float))
    plain = sm.Logit(ind.y, X).fit(disp=0)
    out = binomial_glm(df, successes="successes", trials="trials", covariates=["female", "senior"])
    assert_allclose(out.std_error, plain.bse.to_numpy(), rtol=1e-5)
    assert out.n_clusters.isna().all()


def test_known_truth_recovered(data):
    df = data[0]
    out = binomial_glm(df, successes="successes", trials="trials", covariates=["female", "senior"], cluster="municipality")
    for term, value in TRUE.items():
        row = out[out.term == term].iloc[0]
        assert row.ci_low <= value <= row.ci_high, (term, row.ci_low, row.ci_high)
    # the female effect is clearly detected at this sample size
    assert out.loc[out.term == "female", "p_value"].item() < 0.001


@pytest.mark.slow
def test_cluster_ci_coverage_simulation():
    hits = 0
    reps = 150
    for seed in range(reps):
        df = simulate(1000 + seed, n_clusters=30)
        out = binomial_glm(df, successes="successes", trials="trials", covariates=["female", "senior"], cluster="municipality")
        row = out[out.term == "female"].iloc[0]
        hits += row.ci_low <= TRUE["female"] <= row.ci_high
    assert 0.88 <= hits / reps <= 0.99, hits / reps


def test_predicted_rates_equal_margeff(data):
    df, ind, logit, G = data
    out = predicted_rates(
        df, successes="successes", trials="trials", covariates=["female", "senior"], focal="female", cluster="municipality"
    )
    assert list(out.quantity) == ["rate_with", "rate_without", "difference", "ratio"]
    me = logit.get_margeff(at="overall", dummy=True)
    assert_allclose(out.estimate[2], me.margeff[0], rtol=1e-6)
    assert_allclose(out.std_error[2], me.margeff_se[0] * np.sqrt(G / (G - 1)), rtol=1e-4)
    # rates are averages of individual-level counterfactual predictions
    X1 = sm.add_constant(ind[["female", "senior"]].astype(float)).assign(female=1.0)
    assert_allclose(out.estimate[0], logit.predict(X1).mean(), rtol=1e-6)
    assert_allclose(out.estimate[3], out.estimate[0] / out.estimate[1], rtol=1e-12)
    assert out.ci_low[3] < out.estimate[3] < out.ci_high[3]
    assert np.isnan(out.p_value[:2]).all() and out.p_value[2] < 0.05


def test_predicted_rates_delta_method_by_cluster_bootstrap(data):
    # the delta-method SE of the difference should match a cluster bootstrap
    df, *_ = data
    out = predicted_rates(
        df, successes="successes", trials="trials", covariates=["female", "senior"], focal="female", cluster="municipality"
    )
    rng = np.random.default_rng(0)
    rows_of = [np.flatnonzero(df.municipality.to_numpy() == c) for c in df.municipality.unique()]
    diffs = []
    for _ in range(200):
        pick = rng.integers(0, len(rows_of), len(rows_of))
        boot = df.iloc[np.concatenate([rows_of[i] for i in pick])]
        res = predicted_rates(boot, successes="successes", trials="trials", covariates=["female", "senior"], focal="female")
        diffs.append(res.estimate[2])
    assert_allclose(np.std(diffs, ddof=1), out.std_error[2], rtol=0.25)


def test_input_handling():
    df = simulate(3, n_clusters=10)
    df.loc[0, "trials"] = 0
    df.loc[0, "successes"] = 0
    df.loc[1, "senior"] = np.nan
    out = binomial_glm(df, successes="successes", trials="trials", covariates=["female", "senior"], cluster="municipality")
    assert out.n_obs[0] == df.trials.iloc[2:].sum()
    cat = df.assign(level=np.where(df.senior == 1, "senior", "junior"))
    out_cat = binomial_glm(cat, successes="successes", trials="trials", covariates=["female", "level"])
    assert list(out_cat.term) == ["intercept", "female", "level[senior]"]
    t_out = binomial_glm(
        df, successes="successes", trials="trials", covariates=["female"], cluster="municipality", inference="t"
    )
    z_out = binomial_glm(df, successes="successes", trials="trials", covariates=["female"], cluster="municipality")
    assert (t_out.ci_high - t_out.ci_low > z_out.ci_high - z_out.ci_low).all()
    with pytest.raises(ValueError):
        predicted_rates(df.assign(x=2.0), successes="successes", trials="trials", covariates=["x"], focal="x")
    with pytest.raises(ValueError):
        binomial_glm(df.assign(dup=df.female), successes="successes", trials="trials", covariates=["female", "dup"])


def test_predicted_rates_under_separation_raise_a_value_error():
    """Nobody with the covariate succeeded (complete separation): the MLE puts that rate at 0, where the
    delta method has no standard error. Before, this was a ZeroDivisionError that stopped a report (a
    generated municipality, seed 4000 of tests/generative, 2024); now it is a ValueError, which
    ``fit_or_note`` turns into a note."""
    d = pd.DataFrame({"s": [0, 0, 0, 3, 2, 4], "n": [5, 4, 6, 8, 7, 9], "flag": [1, 1, 1, 0, 0, 0],
                      "c": ["a", "b", "c", "a", "b", "c"]})
    with pytest.raises(ValueError, match="separation"):
        predicted_rates(d, successes="s", trials="n", covariates=["flag"], focal="flag", cluster="c")
    from mangfold.analyses.funnel.fit import fit_or_note
    note = fit_or_note(predicted_rates, d, successes="s", trials="n", covariates=["flag"], focal="flag")["note"]
    assert note.startswith("ikke beregnet: utfallet er det samme for alle")
