"""Deprecated: use :mod:`mangfold.run.execute` (where the units of work run: warm kernels, local or
Dask pools, :func:`execute_reports`) and :mod:`mangfold.run.jobs` (:class:`Report`, :class:`Published`).

Only re-exports those names so that old imports keep working; patch (monkeypatch) them where they
are defined, not here.
"""

from __future__ import annotations

from .run.execute import (ENGINE, ENGINE_INTERNALS, EXECUTORS, FULL_COLLECT_EVERY, MAX_LEDGER_ROUNDS,
                          MAX_NOTEBOOKS_PER_KERNEL, MSG_NO_DASK, Executor, ExecutorError, execute_job_warm,
                          execute_reports, pool, run_task, shutdown_kernels)
from .run.jobs import Published, Report, ReportOutcome

__all__ = ["ENGINE", "ENGINE_INTERNALS", "EXECUTORS", "FULL_COLLECT_EVERY", "MAX_LEDGER_ROUNDS",
           "MAX_NOTEBOOKS_PER_KERNEL", "MSG_NO_DASK", "Executor", "ExecutorError", "Published", "Report",
           "ReportOutcome", "execute_job_warm", "execute_reports", "pool", "run_task", "shutdown_kernels"]
