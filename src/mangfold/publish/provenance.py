"""provenance.json: what produced a year's output."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import platform
import re
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


LOCK_FILE = "requirements.lock"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_status(root: Path) -> dict[str, Any]:
    """The lock file the environment was installed from (``make setup``: ``pip install -c
    requirements.lock``): its SHA-256 and whether every package it pins is installed at exactly that
    version (``matches``; ``differs`` lists the packages that are not, with both versions, installed
    ``None`` when missing). Without a lock file beside the project every field is ``None``."""
    return copy.deepcopy(_lock_status(Path(root).resolve()))


@functools.lru_cache(maxsize=8)
def _lock_status(root: Path) -> dict[str, Any]:
    lock = root / LOCK_FILE
    if not lock.is_file():
        return {"file": None, "sha256": None, "matches": None, "differs": None}
    data = lock.read_bytes()
    differs: dict[str, dict[str, str | None]] = {}
    for line in data.decode("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        name, pinned = (x.strip() for x in line.split("==", 1))
        name = _canonical(name.split("[", 1)[0])
        try:
            installed: str | None = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            differs[name] = {"locked": pinned, "installed": installed}
    return {"file": str(lock), "sha256": hashlib.sha256(data).hexdigest(), "matches": not differs,
            "differs": differs}


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
