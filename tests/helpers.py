"""Tiny data folders for tests (valid, and broken on purpose)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

UNITS = """unit_id,unit_name,sector
U1,Bydel Grünerløkka,Byrådsavdeling for oppvekst
U2,Sykehjemsetaten,Byrådsavdeling for helse
"""

VACANCIES = """vacancy_id,unit_id,posted_date,position_level
V1,U1,2025-02-01,leader
V2,U1,15.03.2025,employee
V3,U2,2025-06-30,employee
V4,U2,2024-05-05,leader
"""


def applications_csv(n_per_vacancy: int = 12) -> str:
    """Applications with every stage consistent; backgrounds alternate."""
    bgs = ["none", "lbg2", "none", "lbg1", "lbg2", "undeclared"]
    lines = ["application_id,vacancy_id,applicant_id,background,gender,qualified,interviewed,recommended,hired"]
    k = 0
    for v in ("V1", "V2", "V3", "V4"):
        for i in range(n_per_vacancy):
            k += 1
            q = i % 4 != 3
            iv = q and i % 3 != 2
            r = iv and i % 2 == 0
            h = r and i % 4 == 0
            tf = lambda b: "true" if b else "false"  # noqa: E731
            lines.append(f"A{k:04d},{v},P{k:05d},{bgs[i % len(bgs)]},{'female' if i % 2 else 'male'},"
                         f"{tf(q)},{tf(iv)},{tf(r)},{tf(h)}")
    return "\n".join(lines) + "\n"


def write_tiny(folder: Path, *, extra: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> Path:
    """The three required tables (plus ``extra`` files) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"units.csv": UNITS, "vacancies.csv": VACANCIES, "applications.csv": applications_csv()}
    files.update(extra or {})
    for name, text in files.items():
        if name not in drop:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def ingested(base: Path, write: Callable[[Path], Path], **kw) -> Path:
    """A store ``base/s.duckdb`` ingested from the folder ``write(base / "data")`` writes (``kw``:
    :func:`mangfold.store.ingest` options such as ``municipality``)."""
    from mangfold.store import ingest

    store = base / "s.duckdb"
    ingest(write(base / "data"), store, **kw)
    return store
