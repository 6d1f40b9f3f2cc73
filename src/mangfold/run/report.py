"""Publishing one report whose notebooks ran into a staging folder (:func:`publish_report`: render,
audit, provenance, ledger, atomic swap) and the disclosure planning step between two passes of its
notebooks (:func:`plan_report`).

A year is built in ``OUT/.<year>.building-<pid>/`` and swapped in for ``OUT/<year>/`` only when
every notebook of that year succeeded and its public folder passed the audit; otherwise the
previous ``OUT/<year>/`` stays byte-identical.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .. import __version__
from ..config import project_root
from ..publish.audit import audit_folder, plan_folder
from ..publish.context import write_csv
from ..publish.ledger import write_ledger
from ..publish.provenance import git_commit, lock_status, package_versions, write_provenance
from ..publish.render import BrowserMissing, print_pdf, render_report
from ..store import file_counts, input_hashes, quarantine
from .jobs import JobResult, notebook_topic

STAGING_DIRS = ("public/tables", "public/figures", "restricted/tables", "restricted/notebooks")


def publish_report(st: Path, target: Path, *, year: int, store: Path, params: dict, notebooks: list[Path],
                   results: list[JobResult], data: Path | None, started: str, pdf: bool = False,
                   hashes: dict | None = None, counts=None, root: Path | None = None, title: str | None = None,
                   subtitle: str | None = None, label: str | None = None,
                   extra_provenance: dict | None = None, packages: dict | None = None,
                   commit: str | None = None) -> tuple[bool, list[str]]:
    """Render, audit and publish one report whose notebooks ran into staging folder ``st``: swap it in
    for ``target`` when the audit is clean, else remove ``st``. Returns (published, lines to print).
    ``packages``/``commit`` (package versions, git commit) are looked up when not given.
    Re-raises :class:`BrowserMissing`."""
    y = year
    label = label or str(y)
    root = root or project_root()
    try:
        hashes = input_hashes(store) if hashes is None else hashes
        counts = file_counts(store) if counts is None else counts
        _write_quarantine(store, st)
        skipped = {r.job.notebook.name for r in results if r.skipped}
        executed = [st / "restricted" / "notebooks" / nb.name for nb in notebooks if nb.name not in skipped]
        left_out = [notebook_topic(nb) for nb in notebooks if nb.name in skipped]
        report = render_report(
            executed, st / "public" / "report.html", note=_left_out_note(left_out),
            title=title or f"Mangfold i ledelse, rekruttering og styrer {y}",
            subtitle=subtitle or f"{params['municipality']} – årsrapport for {y} (landbakgrunnsgruppe 2)",
            footer=f"Laget med mangfold {__version__}. Tabeller: tables/*.csv. "
                   f"Små tall er skjult etter reglene for personvern (se Metode).",
        )
        problems = audit_folder(st / "public", min_cell=int(params["min_cell"]), store=store)
        if problems:
            shutil.rmtree(st, ignore_errors=True)
            return False, [f"mangfold run: the audit of {label}'s public folder failed; nothing published:",
                           *[f"  - {p}" for p in problems[:50]]]
        if pdf:
            print_pdf(report, st / "public" / "report.pdf")
        write_provenance(
            st / "provenance.json",
            year=y, municipality=params["municipality"], store=str(store),
            data=str(Path(data).resolve()) if data else None,
            inputs=hashes,
            rows=counts[["table", "rows_read", "rows_used", "rows_quarantined"]].to_dict(orient="records"),
            params=params, seed=params["seed"], notebooks=[nb.name for nb in notebooks if nb.name not in skipped],
            notebooks_left_out=sorted(skipped),
            packages=packages or package_versions(), git_commit=commit or git_commit(root),
            lock=lock_status(root),
            started=started, finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            notebook_seconds={r.job.notebook.name: round(r.seconds, 2) for r in results if not r.skipped},
            **(extra_provenance or {}),
        )
        write_ledger(st)
        target.parent.mkdir(parents=True, exist_ok=True)
        _swap_in(st, target)
        return True, [f"Published {target} (report: {target / 'public' / 'report.html'})"]
    except BrowserMissing:
        shutil.rmtree(st, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(st, ignore_errors=True)
        return False, [f"mangfold run: rendering {label} failed: {type(exc).__name__}: {exc}; nothing published."]


def _left_out_note(topics: list[str]) -> str:
    """The report's sentence on the chapters left out because the municipality has no such data."""
    if not topics:
        return ""
    if len(topics) == 1:
        return f"Kapittelet om {topics[0]} er ikke med, fordi kommunen ikke har levert data om det."
    listed = ", ".join(topics[:-1]) + " og " + topics[-1]
    return f"Kapitlene om {listed} er ikke med, fordi kommunen ikke har levert data om dem."


def plan_report(staging: Path, *, min_cell: int) -> bool:
    """Between two runs of a report's notebooks: the cells to hide so that the tables of all its
    notebooks are safe together (:func:`mangfold.publish.audit.plan_folder`). True when there were
    any; then the staging folder's outputs are emptied and the notebooks must run again."""
    if not plan_folder(staging, min_cell=min_cell):
        return False
    _clear_outputs(staging)
    return True


def _clear_outputs(staging: Path) -> None:
    """Empty a staging folder's tables, figures and executed notebooks before its notebooks run again."""
    for sub in STAGING_DIRS:
        shutil.rmtree(staging / sub, ignore_errors=True)
        (staging / sub).mkdir(parents=True, exist_ok=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` (two renames on one file system)."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


def _write_quarantine(store: Path, staging: Path) -> None:
    write_csv(quarantine(store), staging / "restricted" / "quarantine.csv")
