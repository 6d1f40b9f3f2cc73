"""Pure statistical functions used by the mangfold pipeline.

Modules (import them directly, e.g. ``from mangfold.stats.ratios import impact_ratio``):

- ``proportions``     Wilson / Clopper-Pearson intervals, bounds for undeclared answers.
- ``ratios``          impact ratio (Katz log interval and its Wald test), bounds over every
                      split of members with unknown group, two-proportion tests, four-fifths
                      flag, verdicts, minimum detectable differences.
- ``strata``          Mantel-Haenszel pooled odds ratio and Breslow-Day heterogeneity (with
                      Tarone's correction and a sparse-strata measure).
- ``multiple``        Holm and Bonferroni adjustment.
- ``binomial``        binomial GLM on aggregated counts with cluster-robust errors.
- ``paired``          paired t-test and Wilcoxon signed-rank summary.
- ``survival``        Kaplan-Meier estimator and log-rank test.
- ``control_limits``  Spiegelhalter funnel-plot limits.
- ``projection``      leaders in the focal group projected to a target year (Jeffreys draws).
- ``did``             difference in differences (a subpackage: 2x2 and TWFE, event study,
                      Callaway-Sant'Anna, randomisation inference).

This subpackage imports nothing from the rest of mangfold; it depends only on
numpy, pandas, scipy and statsmodels.  No import is done here on purpose so that
modules can be developed and imported independently.
"""
