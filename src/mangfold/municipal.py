"""Deprecated: use :mod:`mangfold.run.plan` (which reports a run makes, executing and publishing them).

Only re-exports its names so that old imports keep working; patch (monkeypatch) them where they
are defined, not here.
"""

from __future__ import annotations

from .run.plan import ALL, MSG_NO_NATIONAL, NATIONAL, run

__all__ = ["ALL", "MSG_NO_NATIONAL", "NATIONAL", "run"]
