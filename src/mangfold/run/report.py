"""Publishing one report whose notebooks ran into a staging folder (:func:`publish_report`: render,
audit, provenance, ledger, atomic swap) and the disclosure planning step between two passes of its
notebooks (:func:`plan_report`).

A year is built in ``OUT/.<year>.building-<pid>/`` and swapped in for ``OUT/<year>/`` only when
every notebook of that year succeeded and its public folder passed the audit; otherwise the
previous ``OUT/<year>/`` stays byte-identical.

The staging folder holds unsuppressed restricted tables and public tables not yet audited, so it is
created private (mode 0700, :func:`make_staging`) and gets the usual mode only when it is swapped in;
its ``restricted/`` stays 0700.
A run killed before it could clean up (SIGKILL, power cut) leaves its staging folder behind: the
next run removes the staging folders whose process is gone (:func:`remove_stale_staging`), and puts
back a published folder that a kill left half-swapped.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from .. import __version__
from ..config import project_root
from ..publish.audit import audit_folder, plan_folder
from ..publish.context import OUTPUTS_DIR, write_csv
from ..publish.ledger import write_ledger
from ..publish.typed import TYPED_DIR
from ..publish.provenance import git_commit, lock_status, package_versions, write_provenance
from ..publish.index import report_links
from ..publish.render import BrowserMissing, print_pdf, render_report
from ..publish.workbook import write_workbook
from ..store import file_counts, input_hashes, pid_alive, quarantine
from .jobs import SUMMARY_PREFIX, JobResult, ReportSpec, notebook_topic

STAGING_DIRS = ("public/tables", "public/figures", "restricted/tables", "restricted/typed", "restricted/outputs",
                "restricted/notebooks")
#: Staging folders: readable by their owner only until they are published.
STAGING_MODE = 0o700


def make_staging(st: Path) -> Path:
    """An empty staging folder ``st`` (mode 0700) with :data:`STAGING_DIRS`; an old one is removed first."""
    shutil.rmtree(st, ignore_errors=True)
    st.parent.mkdir(parents=True, exist_ok=True)
    st.mkdir(mode=STAGING_MODE)
    os.chmod(st, STAGING_MODE)  # whatever the umask
    (st / "restricted").mkdir(mode=STAGING_MODE)  # stays private once published (unsuppressed tables)
    os.chmod(st / "restricted", STAGING_MODE)
    for sub in STAGING_DIRS:
        (st / sub).mkdir(parents=True, exist_ok=True)
    return st


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove ``out/.<name>.building-<pid>`` folders whose process is gone; for ``out/.<name>.old-<pid>``
    (a published folder moved aside by a swap that was killed halfway) put it back as ``out/<name>``
    when that is missing, else remove it. Folders of live processes are left alone. Returns the
    folders removed or put back."""
    done = []
    for p in sorted(out.glob(".*.building-*")) + sorted(out.glob(".*.old-*")):
        name, _, pid = p.name[1:].rpartition(".building-" if ".building-" in p.name else ".old-")
        if not p.is_dir() or not pid.isdigit() or pid_alive(int(pid)):
            continue
        target = out / name
        if ".old-" in p.name and not target.exists():
            os.replace(p, target)
        else:
            shutil.rmtree(p, ignore_errors=True)
        done.append(p)
    return done


def _published_mode() -> int:
    """The mode a new folder gets under the current umask (what ``OUT/<year>`` had before staging was private)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o777 & ~umask


def publish_report(spec: ReportSpec, results: list[JobResult], *, hashes: dict | None = None,
                   counts=None) -> tuple[bool, list[str]]:
    """Render, audit and publish one report whose notebooks ran into ``spec.staging``: swap it in for
    ``spec.target`` when the audit is clean, else remove the staging folder. Returns (published,
    lines to print). ``hashes``/``counts`` (the store's input hashes and row counts) are read from
    the store when not given. Re-raises :class:`BrowserMissing`."""
    st, target, y, store, params, notebooks = (spec.staging, spec.target, spec.year, spec.store, spec.params,
                                                spec.notebooks)
    label = spec.label or str(y)
    root = spec.root or project_root()
    extra_provenance = spec.provenance
    try:
        hashes = input_hashes(store) if hashes is None else hashes
        counts = file_counts(store) if counts is None else counts
        _write_quarantine(store, st)
        skipped = {r.job.notebook.name for r in results if r.skipped}
        executed = [st / "restricted" / "notebooks" / nb.name for nb in notebooks if nb.name not in skipped]
        left_out = [notebook_topic(nb) for nb in notebooks if nb.name in skipped]
        report = render_report(
            executed, st / "public" / "report.html", note=_left_out_note(left_out),
            links=report_links(target, nested=extra_provenance.get("scope", "whole store") != "whole store"),
            title=spec.title or f"Mangfold i ledelse, rekruttering og styrer {y}",
            subtitle=spec.subtitle or f"{params['municipality']} – årsrapport for {y} (landbakgrunnsgruppe 2)",
            footer=f"Laget med mangfold {__version__}. Tabeller: tables/*.csv. "
                   f"Små tall er skjult etter reglene for personvern (se Metode).",
        )
        write_workbook(st / "public")  # the public tables for Excel users (the audit rebuilds and compares it)
        problems = audit_folder(st / "public", min_cell=int(params["min_cell"]), store=store)
        if problems:
            shutil.rmtree(st, ignore_errors=True)
            return False, [f"mangfold run: the audit of {label}'s public folder failed; nothing published:",
                           *[f"  - {p}" for p in problems[:50]]]
        if spec.pdf:
            print_pdf(report, st / "public" / "report.pdf")
        write_provenance(
            st / "provenance.json",
            year=y, municipality=params["municipality"], store=str(store),
            data=str(Path(spec.data).resolve()) if spec.data else None,
            inputs=hashes,
            rows=counts[["table", "rows_read", "rows_used", "rows_quarantined"]].to_dict(orient="records"),
            params=params, seed=params["seed"], notebooks=[nb.name for nb in notebooks if nb.name not in skipped],
            notebooks_left_out=sorted(skipped),
            packages=spec.packages or package_versions(), git_commit=spec.commit or git_commit(root),
            lock=lock_status(root),
            started=spec.started, finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            notebook_seconds={r.job.notebook.name: round(r.seconds, 2) for r in results if not r.skipped},
            notebook_engine=", ".join(sorted({r.job.engine for r in results if not r.skipped})),
            **extra_provenance,
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


def plan_report(staging: Path, *, min_cell: int) -> bool | frozenset[str]:
    """Between two runs of a report's notebooks: the cells to hide so that the tables of all its
    notebooks are safe together (:func:`mangfold.publish.audit.plan_folder`). False when there are
    none. Else the notebooks that wrote the tables that change (from ``restricted/outputs``, which
    ``ctx.table`` keeps), with their outputs removed: only they and the summary run again. True
    (every notebook again, all outputs removed) when a changed table has no known notebook."""
    changed = plan_folder(staging, min_cell=min_cell)
    return rerun_notebooks(staging, changed) if changed else False


def rerun_notebooks(staging: Path, changed: set[str]) -> bool | frozenset[str]:
    """Prepare a report's staging folder for its notebooks to run again because the tables
    ``changed`` must change: remove the outputs of the notebooks that wrote them (and of the
    summary) and return their names; or, when no table is named or one has no known notebook,
    remove every output and return True (all notebooks again)."""
    manifests = _manifests(staging)
    writers = {t: nb for nb, m in manifests.items() for t in m.get("tables", [])}
    if not changed or not all(t in writers for t in changed):
        _clear_outputs(staging)
        return True
    again = {writers[t] for t in changed} | {nb for nb in manifests if nb.startswith(SUMMARY_PREFIX)}
    for nb in again:
        _clear_notebook(staging, nb, manifests[nb])
    return frozenset(again)


def _manifests(staging: Path) -> dict[str, dict]:
    """What each notebook wrote (``restricted/outputs/<notebook>.json``, see ``Context._record``)."""
    out = {}
    for path in sorted((staging / "restricted" / OUTPUTS_DIR).glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
    return out


def _clear_notebook(staging: Path, notebook: str, manifest: dict) -> None:
    """Remove what one notebook wrote (its tables, figures, executed copy and manifest) before it runs again."""
    for t in manifest.get("tables", []):
        for path in (staging / "public" / "tables" / f"{t}.csv", staging / "public" / "tables" / f"{t}.spec.json",
                     staging / "restricted" / "tables" / f"{t}.csv", staging / "restricted" / TYPED_DIR / f"{t}.json"):
            path.unlink(missing_ok=True)
    for f in manifest.get("figures", []):
        (staging / "public" / "figures" / f"{f}.png").unlink(missing_ok=True)
    (staging / "restricted" / "notebooks" / notebook).unlink(missing_ok=True)
    (staging / "restricted" / OUTPUTS_DIR / f"{notebook}.json").unlink(missing_ok=True)


def _clear_outputs(staging: Path) -> None:
    """Empty a staging folder's tables, figures and executed notebooks before its notebooks run again."""
    for sub in STAGING_DIRS:
        shutil.rmtree(staging / sub, ignore_errors=True)
        (staging / sub).mkdir(parents=True, exist_ok=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` (two renames on one file system)."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.chmod(staging, _published_mode())
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


def _write_quarantine(store: Path, staging: Path) -> None:
    write_csv(quarantine(store), staging / "restricted" / "quarantine.csv")
