"""Papermill orchestration: every (year, notebook) executed in parallel, each year rendered,
audited and published atomically.

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
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
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
    year: int
    notebook: Path
    output: Path
    parameters: dict


@dataclass
class JobResult:
    job: Job
    ok: bool
    seconds: float
    error: str = ""


SCOPES = ("municipality", "national", "both")


def notebook_scope(path: Path) -> str:
    """A notebook's ``metadata.mangfold.scope``: ``municipality`` (the default: one municipality's
    report), ``national`` (only the national report, on the store of all municipalities) or ``both``."""
    import json

    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return "municipality"
    scope = (meta.get("mangfold") or {}).get("scope", "municipality")
    return scope if scope in SCOPES else "municipality"


def list_notebooks(folder: Path, scope: str | None = None) -> list[Path]:
    """Notebooks in report order (file name order, ``NN-topic.ipynb``); with ``scope``
    (``municipality`` or ``national``) only those whose scope is that or ``both``."""
    nbs = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_")))
    if scope is None:
        return nbs
    return [p for p in nbs if notebook_scope(p) in (scope, "both")]


def execute_job(job: Job) -> JobResult:
    """Run one notebook with papermill (in a worker process)."""
    import papermill as pm

    # One notebook per core already runs in parallel: a multi-threaded maths library in every
    # kernel only oversubscribes the cores (small SVDs became ~100x slower). Kernels inherit this.
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    t0 = time.perf_counter()
    job.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(job.notebook), str(job.output), parameters=job.parameters, kernel_name="python3",
            progress_bar=False, log_output=False, cwd=str(job.notebook.parent), request_save_on_cell_execute=False,
        )
        return JobResult(job, True, time.perf_counter() - t0)
    except pm.PapermillExecutionError as exc:
        msg = (f"{job.notebook.name} ({job.year}) failed in cell {exc.exec_count or exc.cell_index}: "
               f"{exc.ename}: {exc.evalue}")
        return JobResult(job, False, time.perf_counter() - t0, msg)
    except Exception as exc:  # kernel death, bad notebook JSON, ...
        return JobResult(job, False, time.perf_counter() - t0,
                         f"{job.notebook.name} ({job.year}) could not run: {type(exc).__name__}: {exc}")


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="notebooks", unit="nb", file=sys.stderr, disable=None, dynamic_ncols=True)


def execute_all(jobs_by_year: dict[int, list[Job]], summaries: dict[int, Job | None], n_jobs: int) -> list[JobResult]:
    """Execute analysis notebooks in parallel; a year's summary starts when its others are done."""
    results: list[JobResult] = []
    pending_per_year = {y: len(js) for y, js in jobs_by_year.items()}
    total = sum(pending_per_year.values()) + sum(1 for s in summaries.values() if s)
    # Each worker keeps one warm kernel and runs notebook after notebook in it (namespace reset
    # between notebooks; see mangfold.executors): kernel start-up and imports are paid once per worker.
    import multiprocessing

    from .executors import execute_job_warm as execute_job

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, n_jobs), mp_context=ctx) as pool, _progress(total) as bar:
        futures = {pool.submit(execute_job, j): j for js in jobs_by_year.values() for j in js}
        for y, n in pending_per_year.items():
            if n == 0 and summaries.get(y):
                futures[pool.submit(execute_job, summaries[y])] = summaries[y]
        while futures:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for f in done:
                job = futures.pop(f)
                res = f.result()
                results.append(res)
                bar.update(1)
                if not res.ok:
                    bar.write(f"FAILED: {res.error}")
                if not job.notebook.name.startswith(SUMMARY_PREFIX):
                    pending_per_year[job.year] -= 1
                    if pending_per_year[job.year] == 0 and summaries.get(job.year):
                        s = summaries[job.year]
                        futures[pool.submit(execute_job, s)] = s
    return results


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

    Without ``municipality`` (and with the local executor) one report per year over the whole store in
    ``OUT/<year>/``; national-scope notebooks run only when the store holds more than one municipality.
    With ``municipality`` (a name or ``all``) or ``executor="dask"``: :func:`mangfold.municipal.run`.
    """
    from .publish.render import BrowserMissing, chromium_path
    from .store import file_counts, ingest, input_hashes, query

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
    from .store import StoreError, connect

    with connect(store):
        pass
    if municipality is not None or executor != "local":
        from .municipal import run as run_municipalities

        return run_municipalities(years=years, store=store, params=params, out=out, nb_dir=nb_dir,
                                  jobs=jobs or os.cpu_count() or 1, pdf=pdf, data=data, municipality=municipality,
                                  executor=executor, scheduler=scheduler, started=started)
    from .partition import list_municipalities

    notebooks = list_notebooks(nb_dir, None if len(list_municipalities(store)) > 1 else "municipality")
    if not notebooks:
        raise StoreError(f"{nb_dir}: no notebooks found")
    available = set(int(y) for y in query(store, "SELECT DISTINCT year FROM vacancies")["year"])
    missing_years = [y for y in years if y not in available]
    if missing_years:
        raise StoreError(f"{store}: no vacancies in year(s) {', '.join(map(str, missing_years))}; "
                         f"the store has {', '.join(map(str, sorted(available))) or 'none'}")
    out.mkdir(parents=True, exist_ok=True)
    staging: dict[int, Path] = {}
    jobs_by_year: dict[int, list[Job]] = {}
    summaries: dict[int, Job | None] = {}
    for y in years:
        st = out / f".{y}.building-{os.getpid()}"
        if st.exists():
            shutil.rmtree(st)
        for sub in ("public/tables", "public/figures", "restricted/tables", "restricted/notebooks"):
            (st / sub).mkdir(parents=True, exist_ok=True)
        staging[y] = st
        params_copy = st / "restricted" / "params.yaml"
        import yaml

        params_copy.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=True), encoding="utf-8")
        jobs_by_year[y] = []
        summaries[y] = None
        for nb in notebooks:
            j = Job(y, nb, st / "restricted" / "notebooks" / nb.name,
                    {"year": y, "store": str(store), "params": str(params_copy), "out": str(st)})
            if nb.name.startswith(SUMMARY_PREFIX):
                summaries[y] = j
            else:
                jobs_by_year[y].append(j)
    n_jobs = jobs or os.cpu_count() or 1
    t0 = time.perf_counter()
    results = execute_all(jobs_by_year, summaries, n_jobs)
    # tables of different notebooks that share counts: the cells to hide so that they are safe
    # together are written to restricted/disclosure_hints.json, and the year's notebooks run again
    from .publish.audit import plan_folder

    for _ in range(MAX_DISCLOSURE_PASSES - 1):
        again = [y for y in years if y not in {r.job.year for r in results if not r.ok}
                 and plan_folder(staging[y], min_cell=int(params["min_cell"]))]
        if not again:
            break
        for y in again:
            _clear_outputs(staging[y])
        results = [r for r in results if r.job.year not in again] + execute_all(
            {y: jobs_by_year[y] for y in again}, {y: summaries[y] for y in again}, n_jobs)
    exec_seconds = time.perf_counter() - t0
    failed_years = {r.job.year for r in results if not r.ok}
    status = EXIT_OK
    hashes = input_hashes(store)
    counts = file_counts(store)
    for y in years:
        st = staging[y]
        if y in failed_years:
            for r in results:
                if r.job.year == y and not r.ok:
                    print(f"mangfold run: {r.error}", file=sys.stderr)
            print(f"mangfold run: {y} not published; the previous {out / str(y)} is unchanged.", file=sys.stderr)
            shutil.rmtree(st, ignore_errors=True)
            status = EXIT_FAILED
            continue
        ok, messages = publish_report(
            st, out / str(y), year=y, store=store, params=params, notebooks=notebooks,
            results=[r for r in results if r.job.year == y], data=data, started=started, pdf=pdf,
            hashes=hashes, counts=counts, root=root)
        for m in messages:
            print(m, file=sys.stderr)
        if not ok:
            status = EXIT_FAILED
    print(f"Executed {len(results)} notebook runs in {exec_seconds:.1f} s with {n_jobs} parallel jobs.",
          file=sys.stderr)
    return status


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
    from .publish.provenance import git_commit, package_versions, write_provenance
    from .publish.render import BrowserMissing, print_pdf, render_report
    from .store import file_counts, input_hashes

    y = year
    label = label or str(y)
    root = root or project_root()
    try:
        hashes = input_hashes(store) if hashes is None else hashes
        counts = file_counts(store) if counts is None else counts
        _write_quarantine(store, st)
        executed = [st / "restricted" / "notebooks" / nb.name for nb in notebooks]
        report = render_report(
            executed, st / "public" / "report.html",
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
            params=params, seed=params["seed"], notebooks=[nb.name for nb in notebooks],
            packages=packages or package_versions(), git_commit=commit or git_commit(root),
            started=started, finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            notebook_seconds={r.job.notebook.name: round(r.seconds, 2) for r in results},
            **(extra_provenance or {}),
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        _swap_in(st, target)
        return True, [f"Published {target} (report: {target / 'public' / 'report.html'})"]
    except BrowserMissing:
        shutil.rmtree(st, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(st, ignore_errors=True)
        return False, [f"mangfold run: rendering {label} failed: {type(exc).__name__}: {exc}; nothing published."]


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
