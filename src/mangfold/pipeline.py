"""Deprecated: use :mod:`mangfold.run` (``run``), :mod:`mangfold.run.jobs` (units of work, notebook
metadata) and :mod:`mangfold.run.report` (publishing one report, the planning step).

Only re-exports those names so that old imports keep working; patch (monkeypatch) them where they
are defined, not here.
"""

from __future__ import annotations

from .run import run
from .run.jobs import (EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, MAX_DISCLOSURE_PASSES, SCOPES, SUMMARY_PREFIX,
                       THREAD_VARS, Job, JobResult, has_any, list_notebooks, notebook_requires, notebook_scope,
                       notebook_topic)
from .run.report import _clear_outputs, _left_out_note, _swap_in, _write_quarantine, plan_report, publish_report

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "MAX_DISCLOSURE_PASSES", "SCOPES", "SUMMARY_PREFIX",
           "THREAD_VARS", "Job", "JobResult", "has_any", "list_notebooks", "notebook_requires", "notebook_scope",
           "notebook_topic", "plan_report", "publish_report", "run",
           "_clear_outputs", "_left_out_note", "_swap_in", "_write_quarantine"]
