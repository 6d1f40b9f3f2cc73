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
