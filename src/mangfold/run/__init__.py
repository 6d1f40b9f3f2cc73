"""``mangfold run``: execute the notebooks with papermill and publish the reports.

The modules import only downward:

* :mod:`.jobs`: the units of work (:class:`Job`, :class:`Report`, ...), exit codes, notebook metadata;
* :mod:`.report`: publishing one report (render, audit, provenance, atomic swap) and the disclosure
  planning step between two passes of its notebooks (jobs, publish, store, config);
* :mod:`.execute`: where the units of work run: warm kernels in local worker processes or on a
  dask.distributed cluster (jobs);
* :mod:`.plan`: which reports this run makes (targets, jobs, the publication ledger's callback),
  executing them and printing the summary (jobs, report, execute, partition, store, publish.ledger);
* this module: :func:`run`, the public face (ingest when ``data`` is given, then :func:`.plan.run`).

A year is built in ``OUT/.<year>.building-<pid>/`` and swapped in for ``OUT/<year>/`` only when
every notebook of that year succeeded and its public folder passed the audit; otherwise the
previous ``OUT/<year>/`` stays byte-identical and the run exits 1 naming the notebook and cell.
The summary notebook (``00-*``) reads the tables the others wrote, so it runs last in its year
and is placed first in the report.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..config import default_out, default_params_file, default_store, load_params, notebooks_dir, project_root
from ..publish import render
from ..store import check_store, ingest
from . import plan
from .execute import EXECUTORS, ExecutorError
from .jobs import (DEFAULT_ENGINE, ENGINE_ENV, ENGINES, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, Job, JobResult,
                   Published, Report, ReportOutcome, has_any, list_notebooks, notebook_requires, notebook_scope,
                   notebook_topic)

__all__ = ["EXECUTORS", "EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "ExecutorError", "Job", "JobResult",
           "Published", "Report", "ReportOutcome", "has_any", "list_notebooks", "notebook_requires",
           "notebook_scope", "notebook_topic", "run"]


def run(*, years: list[int], data: Path | None = None, store: Path | None = None, params_file: Path | None = None,
        out: Path | None = None, jobs: int | None = None, pdf: bool = False, notebooks: Path | None = None,
        municipality: str | None = None, executor: str = "local", scheduler: str | None = None,
        engine: str | None = None) -> int:
    """``mangfold run``: returns the exit status.

    Ingests ``data`` when given, then :func:`mangfold.run.plan.run`: without ``municipality`` one
    report per year over the whole store in ``OUT/<year>/`` (national-scope notebooks join it only when
    the store holds more than one municipality); with ``municipality`` (a name or ``all``) one report
    per municipality and year, and with ``all`` the national report.
    """
    engine = engine or os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ExecutorError(f"unknown notebook engine {engine!r} (--engine or {ENGINE_ENV}); choose one of "
                            f"{', '.join(ENGINES)}")
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    root = project_root()
    params_path = Path(params_file) if params_file else default_params_file(root)
    params = load_params(params_path if params_path.is_file() else None)
    store = Path(store or default_store(root)).resolve()
    out = Path(out or default_out(root)).resolve()
    nb_dir = Path(notebooks or notebooks_dir(root)).resolve()
    if pdf and render.chromium_path() is None:
        raise render.BrowserMissing("--pdf needs headless Chromium, and none was found on PATH. Install it "
                                    "(Debian/Ubuntu: `apt-get install chromium`) or run without --pdf.")
    if data is not None:
        d = ingest(data, store, municipality=params["municipality"])
        for notice in d.notices:
            print(f"mangfold run: notice: {notice}", file=sys.stderr)
        print(f"Ingested {data}: " + ", ".join(f"{r.table} {r.rows_used:,}" for r in d.files.itertuples()),
              file=sys.stderr)
    check_store(store)  # the store exists, opens and reads back whole (else StoreError: exit 2)
    return plan.run(years=years, store=store, params=params, out=out, nb_dir=nb_dir,
                    jobs=jobs or os.cpu_count() or 1, pdf=pdf, data=data, municipality=municipality,
                    executor=executor, scheduler=scheduler, started=started, engine=engine)
