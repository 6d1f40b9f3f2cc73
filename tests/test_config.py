from pathlib import Path

import pytest
import yaml

from mangfold.config import DEFAULTS, ParamsError, load_params, parse_years, sector_target, validate_params
from mangfold.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_default_yaml_equals_code_defaults_and_comments_every_key():
    text = (ROOT / "params" / "default.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == DEFAULTS
    lines = text.splitlines()
    for key in DEFAULTS:
        i = next(k for k, line in enumerate(lines) if line.startswith(f"{key}:"))
        assert lines[i - 1].startswith("#"), f"{key} has no comment above it"


@pytest.mark.parametrize("bad,match", [
    ({"colour": "red"}, "unknown key"),
    ({"min_cell": 0}, "min_cell"),
    ({"min_cell": "5"}, "min_cell"),
    ({"alpha": 0.7}, "alpha"),
    ({"focal_group": "martians"}, "focal_group"),
    ({"reference_group": "lbg2"}, "reference_group"),
    ({"sector_targets": {"Helse": 1.5}}, "sector_targets"),
    ({"board_total_requirement": {"from_year": 2026}}, "board_total_requirement"),
    ({"language": "en"}, "language"),
])
def test_bad_params_are_refused(bad, match):
    with pytest.raises(ParamsError, match=match):
        validate_params(bad)


def test_bad_params_file_exit_2(tmp_path, capsys):
    p = tmp_path / "p.yaml"
    p.write_text("min_cell: 5\nunknown_thing: 1\n", encoding="utf-8")
    with pytest.raises(ParamsError):
        load_params(p)
    assert main(["run", "--year", "2025", "--params", str(p), "--store", str(tmp_path / "none.duckdb")]) == 2
    assert "unknown_thing" in capsys.readouterr().err


def test_sector_target_falls_back_to_default():
    p = validate_params({"sector_targets": {"default": 0.1, "Helse": 0.2}})
    assert sector_target(p, "Helse") == 0.2 and sector_target(p, "Kultur") == 0.1


def test_parse_years():
    assert parse_years("2021-2025").years == [2021, 2022, 2023, 2024, 2025]
    assert parse_years("2025").years == [2025]
    with pytest.raises(ValueError):
        parse_years("2025-2021")


def test_project_root_outside_the_project_is_the_checkout(tmp_path, monkeypatch):
    """Run from any folder (no params/ or pyproject.toml above it), mangfold still finds the
    notebooks and params of the checkout it is installed from, not an empty folder (which gave an
    empty report with exit 0)."""
    from mangfold.config import ENV_HOME, notebooks_dir, project_root

    monkeypatch.delenv(ENV_HOME, raising=False)
    root = project_root(tmp_path)
    assert (root / "params" / "default.yaml").is_file()
    assert sorted(notebooks_dir(root).glob("*.ipynb"))


def test_a_run_without_notebooks_says_so(tmp_path):
    from mangfold.run.plan import _targets
    from mangfold.store import StoreError

    with pytest.raises(StoreError, match="no report notebooks"):
        _targets(store=tmp_path / "s.duckdb", params={"municipality": "x"}, out=tmp_path, nb_dir=tmp_path,
                 municipality=None, munis=[])
