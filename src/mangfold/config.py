"""Paths, defaults, and loading/validating ``params/*.yaml``.

One module owns paths and defaults (house style). Imports nothing from mangfold.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ENV_HOME = "MANGFOLD_HOME"
STORE_NAME = "mangfold.duckdb"


class ParamsError(ValueError):
    """A params file with unknown keys or bad values (exit status 2)."""


def project_root(start: Path | None = None) -> Path:
    """The project folder: ``$MANGFOLD_HOME``, else the nearest parent of ``start`` (default: cwd)
    holding ``params/default.yaml`` or a mangfold ``pyproject.toml``, else the checkout this package
    is installed from (``pip install -e .``: run from any folder finds the notebooks and params),
    else ``start``."""
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).resolve()
    start = (start or Path.cwd()).resolve()
    for p in (start, *start.parents):
        if _is_project(p):
            return p
    checkout = Path(__file__).resolve().parents[2]
    if _is_project(checkout) and (checkout / "notebooks").is_dir():
        return checkout
    return start


def _is_project(p: Path) -> bool:
    if (p / "params" / "default.yaml").is_file():
        return True
    pp = p / "pyproject.toml"
    return pp.is_file() and 'name = "mangfold"' in pp.read_text(encoding="utf-8", errors="ignore")


def default_out(root: Path | None = None) -> Path:
    return (root or project_root()) / "outputs"


def default_store(root: Path | None = None) -> Path:
    return default_out(root) / STORE_NAME


def default_params_file(root: Path | None = None) -> Path:
    return (root or project_root()) / "params" / "default.yaml"


def notebooks_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "notebooks"


# --------------------------------------------------------------------- params
#: Every parameter, its default and its check. ``params/default.yaml`` mirrors this with comments
#: (tests/test_config.py keeps the two equal).
DEFAULTS: dict[str, Any] = {
    "municipality": "0301 Oslo",
    "focal_group": "lbg2",
    "reference_group": "none",
    "min_cell": 5,
    "alpha": 0.05,
    "four_fifths": 0.8,
    "seed": 20230101,
    "sector_targets": {"default": 0.12},
    "board_new_target": 0.25,
    "board_total_requirement": {"from_year": 2026, "share": 0.20},
    "language": "nb",
    "targets_set_by": None,
    "pilots": {
        "bootstrap_draws": 999,
        "assignment": {"min_two_interviews": "voluntary", "job_analysis": "voluntary",
                       "reverse_mentoring": "voluntary", "strengthened_training": "voluntary"},
    },
}

#: the pilots of the action plan, and how their units can be assigned (params ``pilots.assignment``)
PILOT_NAMES = ("min_two_interviews", "job_analysis", "reverse_mentoring", "strengthened_training")
ASSIGNMENTS = ("random", "voluntary")

_GROUPS = ("none", "lbg1", "lbg2", "immigrant_unspecified")


def _check_share(name: str, v: Any) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= float(v) <= 1:
        raise ParamsError(f"{name}: must be a share between 0 and 1, got {v!r}")


def validate_params(params: dict[str, Any], *, source: str = "params") -> dict[str, Any]:
    """Check keys and values; return a complete params dict (defaults filled in)."""
    if not isinstance(params, dict):
        raise ParamsError(f"{source}: must be a mapping of keys to values")
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ParamsError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(DEFAULTS)}")
    p = {**DEFAULTS, **params}
    where = source + ": "
    if not isinstance(p["municipality"], str) or not p["municipality"].strip():
        raise ParamsError(where + "municipality: must be a non-empty text")
    if p["focal_group"] not in ("lbg1", "lbg2", "immigrant_unspecified"):
        raise ParamsError(where + f"focal_group: must be lbg1, lbg2 or immigrant_unspecified, got {p['focal_group']!r}")
    if p["reference_group"] not in _GROUPS or p["reference_group"] == p["focal_group"]:
        raise ParamsError(where + f"reference_group: must be one of {', '.join(_GROUPS)} and differ from focal_group")
    if isinstance(p["min_cell"], bool) or not isinstance(p["min_cell"], int) or not 1 <= p["min_cell"] <= 100:
        raise ParamsError(where + f"min_cell: must be a whole number from 1 to 100, got {p['min_cell']!r}")
    if isinstance(p["alpha"], bool) or not isinstance(p["alpha"], (int, float)) or not 0 < p["alpha"] < 0.5:
        raise ParamsError(where + f"alpha: must be between 0 and 0.5, got {p['alpha']!r}")
    _check_share(where + "four_fifths", p["four_fifths"])
    if isinstance(p["seed"], bool) or not isinstance(p["seed"], int) or p["seed"] < 0:
        raise ParamsError(where + f"seed: must be a non-negative whole number, got {p['seed']!r}")
    st = p["sector_targets"]
    if not isinstance(st, dict) or not st:
        raise ParamsError(where + "sector_targets: must map sector names (and optionally 'default') to shares")
    for k, v in st.items():
        _check_share(where + f"sector_targets[{k}]", v)
    _check_share(where + "board_new_target", p["board_new_target"])
    btr = p["board_total_requirement"]
    if not isinstance(btr, dict) or set(btr) != {"from_year", "share"}:
        raise ParamsError(where + "board_total_requirement: must have exactly from_year and share")
    if isinstance(btr["from_year"], bool) or not isinstance(btr["from_year"], int):
        raise ParamsError(where + "board_total_requirement.from_year: must be a year")
    _check_share(where + "board_total_requirement.share", btr["share"])
    tsb = p["targets_set_by"]
    if tsb is not None and (not isinstance(tsb, str) or not tsb.strip()):
        raise ParamsError(where + f"targets_set_by: must be a municipality name or empty, got {tsb!r}")
    p["pilots"] = _check_pilots(p["pilots"], where)
    if p["language"] != "nb":
        raise ParamsError(where + f"language: only 'nb' (bokmål) is supported, got {p['language']!r}")
    return p


def _check_pilots(v: Any, where: str) -> dict[str, Any]:
    """``pilots``: ``bootstrap_draws`` (wild cluster bootstrap draws, 99-99999) and ``assignment``: per
    pilot ``random`` (units drawn by lot) or ``voluntary`` (units enrolled themselves); missing entries
    take the defaults."""
    if not isinstance(v, dict) or set(v) - {"bootstrap_draws", "assignment"}:
        raise ParamsError(where + "pilots: must be a mapping with bootstrap_draws and assignment")
    out = {**DEFAULTS["pilots"], **v}
    b = out["bootstrap_draws"]
    if isinstance(b, bool) or not isinstance(b, int) or not 99 <= b <= 99_999:
        raise ParamsError(where + f"pilots.bootstrap_draws: must be a whole number from 99 to 99999, got {b!r}")
    a = out["assignment"]
    if not isinstance(a, dict):
        raise ParamsError(where + "pilots.assignment: must map pilot names to random or voluntary")
    unknown = sorted(set(a) - set(PILOT_NAMES))
    if unknown:
        raise ParamsError(where + f"pilots.assignment: unknown pilot(s) {', '.join(map(str, unknown))}; "
                          f"allowed: {', '.join(PILOT_NAMES)}")
    for k, x in a.items():
        if x not in ASSIGNMENTS:
            raise ParamsError(where + f"pilots.assignment.{k}: must be random or voluntary, got {x!r}")
    out["assignment"] = {**DEFAULTS["pilots"]["assignment"], **a}
    return out


def load_params(path: str | Path | None = None) -> dict[str, Any]:
    """Load and validate a params YAML file (default ``params/default.yaml``; built-in defaults
    when that file does not exist)."""
    if path is None:
        path = default_params_file()
        if not Path(path).is_file():
            return dict(DEFAULTS)
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from exc
    return validate_params(data, source=str(path))


def sector_target(params: dict[str, Any], sector: str) -> float | None:
    """The target share for a sector: its own entry, else ``default``, else None."""
    st = params["sector_targets"]
    return st.get(sector, st.get("default"))


@dataclass(frozen=True)
class YearRange:
    first: int
    last: int

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def parse_years(text: str) -> YearRange:
    """``2021-2025`` or ``2025`` to a range; ValueError on anything else."""
    parts = str(text).strip().split("-")
    try:
        if len(parts) == 1:
            y = int(parts[0])
            return YearRange(y, y)
        if len(parts) == 2:
            a, b = int(parts[0]), int(parts[1])
            if a <= b:
                return YearRange(a, b)
    except ValueError:
        pass
    raise ValueError(f"years must look like 2021-2025, got {text!r}")
