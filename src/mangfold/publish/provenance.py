"""provenance.json: what produced a year's output."""

from __future__ import annotations

import json
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

PACKAGES = ("mangfold", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib", "duckdb",
            "papermill", "nbconvert", "nbformat", "ipykernel", "openpyxl", "pyyaml", "tqdm")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    return out


def git_commit(root: Path) -> str | None:
    try:
        r = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        commit = r.stdout.strip() if r.returncode == 0 else None
        if commit:
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                   capture_output=True, text=True, timeout=10).stdout.strip()
            return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return None


def write_provenance(path: Path, **fields: Any) -> Path:
    path.write_text(json.dumps(fields, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
