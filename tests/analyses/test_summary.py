"""The summary's introduction names whose action plan the targets come from."""

from __future__ import annotations

import pytest

import pandas as pd

from mangfold.analyses.summary import MAX_LISTED, introduction, key_figures
from mangfold.config import DEFAULTS, ParamsError, validate_params


def test_own_plan_and_another_municipalitys_targets():
    own = introduction(DEFAULTS, 2025)
    assert "følger opp **handlingsplanen 2023–2027**" in own and "**0301 Oslo**" in own and "**2025**" in own
    other = introduction({**DEFAULTS, "municipality": "4601 Bergen", "targets_set_by": "0301 Oslo"}, 2025)
    assert "følger opp" not in other  # Bergen has no such plan of its own
    assert "**4601 Bergen**" in other and "de som **0301 Oslo** har satt" in other
    assert introduction({**DEFAULTS, "targets_set_by": "0301 Oslo"}, 2025) == own  # its own targets


@pytest.mark.parametrize("bad", ["", "  ", 12])
def test_targets_set_by_must_be_a_name_or_empty(bad):
    with pytest.raises(ParamsError, match="targets_set_by"):
        validate_params({"targets_set_by": bad})
    assert validate_params({"targets_set_by": None})["targets_set_by"] is None


@pytest.mark.parametrize("n_behind", [0, 2, 12])
def test_sectors_behind_the_target_are_named_when_few_and_counted_when_many(n_behind):
    sectors = pd.DataFrame({"year": 2025, "sector": [f"Sektor {i}" for i in range(15)],
                            "met": [i >= n_behind for i in range(15)], "must_explain": [i < n_behind for i in range(15)]})
    row = key_figures({"sector_targets": sectors}, DEFAULTS, 2025).set_index("source").loc["sector_targets.csv"]
    assert row["value"] == f"{15 - n_behind} av 15"
    if n_behind == 0:
        assert row["status"] == "alle nådd"
    elif n_behind <= MAX_LISTED:
        assert row["status"] == "må redegjøres for i årsberetningen: Sektor 0, Sektor 1"
    else:
        assert row["status"] == "12 sektorer må redegjøre for dette i årsberetningen (se «Sektormål»)"


# ------------------------------------------------------------------ findings in plain words
def _rep(share, lo, hi, pop=0.244):
    return pd.DataFrame({"year": [2025], "sector": ["all"], "position_level": ["leaders"], "share": [share],
                         "ci_low": [lo], "ci_high": [hi], "population_share": [pop]})


@pytest.mark.parametrize("share, lo, hi, word", [
    (0.105, 0.062, 0.171, "tydelig under befolkningsandelen"),
    (0.20, 0.12, 0.30, "usikkert om den er under befolkningsandelen"),
    ("", "", "", "kan ikke avgjøres"),
])
def test_the_certainty_word_follows_the_interval(share, lo, hi, word):
    from mangfold.analyses.summary import findings

    said = findings({"representation": _rep(share, lo, hi)}, DEFAULTS, 2025)
    assert len(said) == 1 and word in said[0]
    if share != "":
        assert said[0].startswith(f"{share * 100:.1f}".replace(".", ",") + "\u00a0% av lederne")


def test_findings_and_key_figures_read_the_same_values():
    from mangfold.analyses.pilots.estimation import HEADLINE_ESTIMATOR
    from mangfold.analyses.summary import findings

    pe = pd.DataFrame({"pilot": "min_two_interviews", "outcome": ["qualified_to_interviewed", "applied_to_hired"],
                       "estimator": HEADLINE_ESTIMATOR, "estimate": [0.219, 0.026], "ci_low": [0.117, -0.010],
                       "ci_high": [0.322, 0.062]})
    tables = {"representation": _rep(0.105, 0.062, 0.171), "pilot_effects": pe}
    said = findings(tables, DEFAULTS, 2025)
    key = key_figures(tables, DEFAULTS, 2025).set_index("source")
    assert key.loc["representation.csv", "value"] in said[0]
    pilot = [t for t in said if t.startswith("Pilot 4")][0]
    assert "økte tydelig" in pilot and "+21,9" in pilot and "+21,9" in key.loc["pilot_effects.csv", "value"].iloc[0]
    assert "−1,0 til 6,2" in key.loc["pilot_effects.csv", "value"].iloc[-1]  # a real minus sign, "til" beside it


def test_no_tables_no_findings_but_a_sentence():
    from mangfold.analyses.summary import findings_markdown

    assert findings_markdown({}, DEFAULTS, 2025).startswith("Ingen av analysedelene")
