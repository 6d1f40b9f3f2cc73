"""Papermill orchestration: the units of work (:class:`Job`: one year's notebook), notebook metadata,
the disclosure planning step between two passes (:func:`plan_report`) and publishing one report
(:func:`publish_report`: render, audit, provenance, atomic swap). :func:`run` is ``mangfold run``;
:mod:`mangfold.municipal` builds its reports and :mod:`mangfold.executors` runs them.

A year is built in ``OUT/.<year>.building-<pid>/`` and swapped in for ``OUT/<year>/`` only when
every notebook of that year succeeded and its public folder passed the audit; otherwise the
previous ``OUT/<year>/`` stays byte-identical and the run exits 1 naming the notebook and cell.
The summary notebook (``00-*``) reads the tables the others wrote, so it runs last in its year
and is placed first in the report.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .config import default_out, default_params_file, default_store, load_params, notebooks_dir, project_root

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
SUMMARY_PREFIX = "00-"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: runs of a year's notebooks at most: the second (and third) when tables of different notebooks
#: share counts that must be hidden in all of them (publish.audit.plan_folder)
MAX_DISCLOSURE_PASSES = 3


@dataclass(frozen=True)
class Job:
    """One (report, year, notebook). With ``requires`` (see :func:`notebook_requires`) the notebook
    is skipped, not run, when the store has none of the data it names."""

    year: int
    notebook: Path
    output: Path
    parameters: dict
    requires: tuple[str, ...] = ()


@dataclass
class JobResult:
    job: Job
    ok: bool
    seconds: float
    error: str = ""
    skipped: bool = False


SCOPES = ("municipality", "national", "both")


def _notebook(path: Path) -> dict:
    """A notebook's JSON (empty when unreadable)."""
    import json

    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return nb if isinstance(nb, dict) else {}


def _meta(path: Path, nb: dict | None = None) -> dict:
    """A notebook's ``metadata.mangfold`` (empty when unreadable)."""
    meta = (nb if nb is not None else _notebook(path)).get("metadata") or {}
    return (meta.get("mangfold") or {}) if isinstance(meta, dict) else {}


def notebook_scope(path: Path) -> str:
    """A notebook's ``metadata.mangfold.scope``: ``municipality`` (the default: one municipality's
    report), ``national`` (only the national report, on the store of all municipalities) or ``both``."""
    scope = _meta(path).get("scope", "municipality")
    return scope if scope in SCOPES else "municipality"


def notebook_requires(path: Path) -> tuple[str, ...]:
    """A notebook's ``metadata.mangfold.requires``: the data it is about, as ``table`` or
    ``table.column`` entries. In the reports of single municipalities cut from a national store
    (``--municipality``) the notebook is left out when the store has none of them (no rows in any
    such table, no value in any such column); the report then says so. Empty: always run."""
    return tuple(str(x) for x in _meta(path).get("requires", ()))


def notebook_topic(path: Path) -> str:
    """What a notebook is about, for sentences like "the chapter on ... is left out": its
    ``metadata.mangfold.topic``, else the text of its first ``## `` heading."""
    nb = _notebook(path)
    topic = _meta(path, nb).get("topic")
    if topic:
        return str(topic)
    for cell in nb.get("cells", []):
        src = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and src.startswith("## "):
            return src[3:].splitlines()[0].strip()
    return path.stem


def has_any(store: Path | str, requires: tuple[str, ...]) -> bool:
    """True when ``store`` has rows in one of the ``table`` entries or a value in one of the
    ``table.column`` entries of ``requires``."""
    from .store import connect

    with connect(store) as con:
        columns = set(con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall())
        tables = {t for t, _ in columns}
        for req in requires:
            table, _, column = req.partition(".")
            if (table, column) not in columns if column else table not in tables:
                continue
            sql = (f'SELECT count("{column}") FROM "{table}"' if column
                   else f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT 1)')
            if con.execute(sql).fetchone()[0] > 0:
                return True
    return False


def list_notebooks(folder: Path, scope: str | None = None) -> list[Path]:
    """Notebooks in report order (file name order, ``NN-topic.ipynb``); with ``scope``
    (``municipality`` or ``national``) only those whose scope is that or ``both``."""
    nbs = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_")))
    if scope is None:
        return nbs
    return [p for p in nbs if notebook_scope(p) in (scope, "both")]


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` (two renames on one file system)."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


def run(*, years: list[int], data: Path | None = None, store: Path | None = None, params_file: Path | None = None,
        out: Path | None = None, jobs: int | None = None, pdf: bool = False, notebooks: Path | None = None,
        municipality: str | None = None, executor: str = "local", scheduler: str | None = None) -> int:
    """``mangfold run``: returns the exit status.

    Ingests ``data`` when given, then :func:`mangfold.municipal.run`: without ``municipality`` one
    report per year over the whole store in ``OUT/<year>/`` (national-scope notebooks join it only when
    the store holds more than one municipality); with ``municipality`` (a name or ``all``) one report
    per municipality and year, and with ``all`` the national report.
    """
    from .publish.render import BrowserMissing, chromium_path
    from .store import connect, ingest

    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    root = project_root()
    params_path = Path(params_file) if params_file else default_params_file(root)
    params = load_params(params_path if params_path.is_file() else None)
    store = Path(store or default_store(root)).resolve()
    out = Path(out or default_out(root)).resolve()
    nb_dir = Path(notebooks or notebooks_dir(root)).resolve()
    if pdf and chromium_path() is None:
        raise BrowserMissing("--pdf needs headless Chromium, and none was found on PATH. Install it "
                             "(Debian/Ubuntu: `apt-get install chromium`) or run without --pdf.")
    if data is not None:
        d = ingest(data, store, municipality=params["municipality"])
        print(f"Ingested {data}: " + ", ".join(f"{r.table} {r.rows_used:,}" for r in d.files.itertuples()),
              file=sys.stderr)
    with connect(store):
        pass
    from .municipal import run as run_reports

    return run_reports(years=years, store=store, params=params, out=out, nb_dir=nb_dir,
                       jobs=jobs or os.cpu_count() or 1, pdf=pdf, data=data, municipality=municipality,
                       executor=executor, scheduler=scheduler, started=started)


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
    from .publish.audit import audit_folder
    from .publish.ledger import write_ledger
    from .publish.provenance import git_commit, lock_status, package_versions, write_provenance
    from .publish.render import BrowserMissing, print_pdf, render_report
    from .store import file_counts, input_hashes

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
            footer=f"Laget med mangfold {__import__('mangfold').__version__}. Tabeller: tables/*.csv. "
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
    from .publish.audit import plan_folder

    if not plan_folder(staging, min_cell=min_cell):
        return False
    _clear_outputs(staging)
    return True


def _clear_outputs(staging: Path) -> None:
    """Empty a staging folder's tables, figures and executed notebooks before its notebooks run again."""
    for sub in ("public/tables", "public/figures", "restricted/tables", "restricted/notebooks"):
        shutil.rmtree(staging / sub, ignore_errors=True)
        (staging / sub).mkdir(parents=True, exist_ok=True)


def _write_quarantine(store: Path, staging: Path) -> None:
    from .publish.context import write_csv
    from .store import query

    q = query(store, 'SELECT "table", file, "row", reason, record FROM _quarantine ORDER BY "table", "row"')
    write_csv(q, staging / "restricted" / "quarantine.csv")
