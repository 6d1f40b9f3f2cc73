"""Publishing one report whose notebooks ran into a staging folder (:func:`publish_report`: render,
audit, provenance, ledger, atomic swap) and the disclosure planning step between two passes of its
notebooks (:func:`plan_report`). A report that the plan leaves as it is gets its page, workbook, audit
and ledger made at once, on the worker that planned it (:func:`prepare_report`); publishing, after the
publication ledger of its group, keeps them only if the staging folder still holds the very files they
were made from.

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
from ..publish.ledger import LEDGER_FILE, ReportTables, read_report, write_ledger
from ..publish.readcsv import parts_digest
from ..publish.typed import TYPED_DIR
from ..publish.provenance import git_commit, lock_status, package_versions, write_provenance
from ..publish.index import report_links
from ..publish.render import BrowserMissing, print_pdf, render_report
from ..publish.workbook import WORKBOOK, write_workbook
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


#: what :func:`prepare_report` records in a staging folder (removed before the swap)
PREPARED_FILE = "prepared.json"
#: files that preparing or publishing a report writes: not among the inputs whose bytes it was prepared from
_OUTPUTS = frozenset({"public/report.html", "public/report.pdf", f"public/tables/{WORKBOOK}",
                      f"restricted/{LEDGER_FILE}", f"restricted/{PREPARED_FILE}", "provenance.json"})


def _page(spec: ReportSpec, results: list[JobResult]) -> dict:
    """What the report page is rendered from besides the staging folder's files: the executed
    notebooks (in report order), the note on the chapters left out, links, title, subtitle, footer."""
    y, params = spec.year, spec.params
    skipped = {r.job.notebook.name for r in results if r.skipped}
    return {
        "notebooks": [nb.name for nb in spec.notebooks if nb.name not in skipped],
        "note": _left_out_note([notebook_topic(nb) for nb in spec.notebooks if nb.name in skipped]),
        "links": report_links(spec.target, nested=spec.provenance.get("scope", "whole store") != "whole store"),
        "title": spec.title or f"Mangfold i ledelse, rekruttering og styrer {y}",
        "subtitle": spec.subtitle or f"{params['municipality']} – årsrapport for {y} (landbakgrunnsgruppe 2)",
        "footer": f"Laget med mangfold {__version__}. Tabeller: tables/*.csv. "
                  f"Små tall er skjult etter reglene for personvern (se Metode).",
        "min_cell": int(params["min_cell"]), "store": str(spec.store),
    }


def _inputs_digest(st: Path, page: dict) -> str:
    """A hash of every file of the staging folder ``st`` (names and bytes) but :data:`_OUTPUTS`, and of
    ``page``: what the page, the workbook, the audit and the ledger are made from."""
    files = sorted(p for p in st.rglob("*") if p.is_file() and p.relative_to(st).as_posix() not in _OUTPUTS)
    return parts_digest([json.dumps(page, sort_keys=True, ensure_ascii=False).encode()]
                        + [part for p in files for part in (p.relative_to(st).as_posix().encode(), p.read_bytes())]
                        ).hex()


def _render_and_audit(spec: ReportSpec, page: dict) -> list[str]:
    """Render the page, write the workbook and audit the public folder; returns the audit's problems."""
    st = spec.staging
    render_report([st / "restricted" / "notebooks" / nb for nb in page["notebooks"]], st / "public" / "report.html",
                  note=page["note"], links=page["links"], title=page["title"], subtitle=page["subtitle"],
                  footer=page["footer"])
    write_workbook(st / "public")  # the public tables for Excel users (the audit rebuilds and compares it)
    return audit_folder(st / "public", min_cell=page["min_cell"], store=spec.store)


def prepare_report(spec: ReportSpec, results: list[JobResult]) -> ReportTables | None:
    """Render, write the workbook, audit and write the ledger of a report that is planned, on the
    worker that planned it, whose process has just parsed every table (so this reads none again);
    and record (:data:`PREPARED_FILE`) the audit's problems with a hash of what all that was made from
    (:func:`_inputs_digest`). :func:`publish_report` uses the record only when the hash is that of the
    staging folder then (the publication ledger, between the two, may send the notebooks round again
    or add hints); otherwise it does all of it again. Returns the tables the ledger was written from
    (with the hash of their files), for the publication ledger in the run's process; None when the
    audit failed. Never raises: publishing redoes what failed."""
    st = spec.staging
    record = st / "restricted" / PREPARED_FILE
    read = None
    try:
        record.unlink(missing_ok=True)
        _write_quarantine(spec.store, st)
        page = _page(spec, results)
        digest = _inputs_digest(st, page)
        problems = _render_and_audit(spec, page)
        if not problems:
            read = read_report(st)
            write_ledger(st, read.tables)
        record.write_text(json.dumps({"inputs": digest, "problems": problems}, ensure_ascii=False),
                          encoding="utf-8")
    except Exception:  # noqa: BLE001 - publish_report renders and audits again, and reports any problem
        record.unlink(missing_ok=True)
        return None
    return read


def _prepared(st: Path, page: dict) -> list[str] | None:
    """The audit's problems that :func:`prepare_report` recorded, if it prepared the report from what
    the staging folder holds now; else None."""
    try:
        got = json.loads((st / "restricted" / PREPARED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(got, dict) or got.get("inputs") != _inputs_digest(st, page):
        return None
    return list(got.get("problems", []))


def publish_report(spec: ReportSpec, results: list[JobResult], *, hashes: dict | None = None,
                   counts=None) -> tuple[bool, list[str]]:
    """Render, audit and publish one report whose notebooks ran into ``spec.staging``: swap it in for
    ``spec.target`` when the audit is clean, else remove the staging folder. Returns (published,
    lines to print). ``hashes``/``counts`` (the store's input hashes and row counts) are read from
    the store when not given. What :func:`prepare_report` did from the same files is not done again.
    Re-raises :class:`BrowserMissing`."""
    st, target, y, store, params, notebooks = (spec.staging, spec.target, spec.year, spec.store, spec.params,
                                                spec.notebooks)
    label = spec.label or str(y)
    root = spec.root or project_root()
    extra_provenance = spec.provenance
    try:
        hashes = input_hashes(store) if hashes is None else hashes
        counts = file_counts(store) if counts is None else counts
        skipped = {r.job.notebook.name for r in results if r.skipped}
        page = _page(spec, results)
        problems = _prepared(st, page)  # prepared from these files, its quarantine list among them
        prepared = problems is not None
        if not prepared:
            _write_quarantine(store, st)
            problems = _render_and_audit(spec, page)
        (st / "restricted" / PREPARED_FILE).unlink(missing_ok=True)
        if problems:
            shutil.rmtree(st, ignore_errors=True)
            return False, [f"mangfold run: the audit of {label}'s public folder failed; nothing published:",
                           *[f"  - {p}" for p in problems[:50]]]
        report = st / "public" / "report.html"
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
        if not prepared:
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
