"""The units of work of ``mangfold run`` and what the notebooks say about themselves.

A :class:`Job` is one (report, year, notebook); a :class:`Report` is a report's jobs, its summary
notebook, its planning step and its publishing; :class:`ReportOutcome` is what running one gave. A
notebook's ``metadata.mangfold`` names its scope, the data it is about and its topic
(:func:`notebook_scope`, :func:`notebook_requires`, :func:`notebook_topic`).

The bottom of :mod:`mangfold.run`: imports nothing of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..store import has_data

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
SUMMARY_PREFIX = "00-"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: runs of a year's notebooks at most: the second (and third) when tables of different notebooks
#: share counts that must be hidden in all of them (publish.audit.plan_folder)
MAX_DISCLOSURE_PASSES = 3
SCOPES = ("municipality", "national", "both")
#: what runs the notebooks: ``inprocess`` (the worker process itself, :mod:`mangfold.run.inprocess`) or
#: ``kernel`` (a warm Jupyter kernel per worker: a notebook that crashes its process takes only the kernel)
ENGINES = ("inprocess", "kernel")
DEFAULT_ENGINE = "inprocess"
#: the engine when ``mangfold run --engine`` is not given
ENGINE_ENV = "MANGFOLD_ENGINE"


@dataclass(frozen=True)
class ReportSpec:
    """What publishing one report needs (:func:`mangfold.run.report.publish_report`): where its
    notebooks ran (``staging``) and where it goes (``target``), what it was made from, and what its
    page and provenance say."""

    staging: Path
    target: Path
    year: int
    store: Path
    params: dict
    notebooks: tuple[Path, ...]
    started: str
    data: Path | None = None
    pdf: bool = False
    root: Path | None = None
    title: str | None = None
    subtitle: str | None = None
    label: str | None = None
    #: more provenance fields (``scope``, ``full_store``); ``scope`` other than "whole store" means
    #: the report lives one folder deeper (``OUT/<municipality>/<year>``)
    provenance: dict = field(default_factory=dict)
    packages: dict | None = None  # package versions (looked up when not given)
    commit: str | None = None     # git commit (looked up when not given)


@dataclass(frozen=True)
class Job:
    """One (report, year, notebook). With ``requires`` (see :func:`notebook_requires`) the notebook
    is skipped, not run, when the store has none of the data it names."""

    year: int
    notebook: Path
    output: Path
    parameters: dict
    requires: tuple[str, ...] = ()
    engine: str = DEFAULT_ENGINE


@dataclass
class JobResult:
    job: Job
    ok: bool
    seconds: float
    error: str = ""
    skipped: bool = False


@dataclass(frozen=True)
class Published:
    """What publishing one report gave: ``ok`` and the lines to print."""

    key: str
    ok: bool
    messages: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class Planned:
    """What a report's ``plan`` returns when its notebooks need not run again and it has read the
    report's tables for the publication ledger already (``read``: a
    :class:`mangfold.publish.ledger.ReportTables`), so that the run's process need not read them."""

    read: Any = None


@dataclass
class Report:
    """One report: ``jobs`` run in any order, then ``summary``, then ``plan()``, then ``publish(results)``.

    ``plan(results)`` (optional) decides whether the notebooks must run again: it returns True after it has
    prepared that (for disclosure control: written the cells to hide and emptied the outputs), and
    the jobs and summary then run again, at most ``max_passes`` times in all; or the names of the
    notebooks to run again (their outputs emptied), when only those and the summary need to; False or a
    :class:`Planned` when none needs to. ``plan`` and ``publish``
    must be picklable (module-level functions or ``functools.partial`` of one) because they run on a
    worker; both receive the report's :class:`JobResult` list of the last pass.
    """

    key: str
    jobs: list[Job]
    summary: Job | None = None
    publish: Callable[[list[JobResult]], Published] | None = None
    plan: Callable[[list[JobResult]], bool | frozenset[str] | Planned] | None = None
    max_passes: int = 1
    group: str = ""  # reports published together (the publication ledger reconciles them)


@dataclass
class ReportOutcome:
    key: str
    results: list[JobResult] = field(default_factory=list)
    published: Published | None = None
    passes: int = 1
    executed: int = 0  # notebook runs over all passes (skipped notebooks not counted)
    plan_passes: int = 1  # passes since the publication ledger last sent the report round again
    ledger_rounds: int = 0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results) and (self.published is None or self.published.ok)


# ------------------------------------------------------------------ notebook metadata
def _notebook(path: Path) -> dict:
    """A notebook's JSON (empty when unreadable)."""
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
    ``table.column`` entries of ``requires`` (:func:`mangfold.store.has_data`)."""
    return has_data(store, requires)


def list_notebooks(folder: Path, scope: str | None = None) -> list[Path]:
    """Notebooks in report order (file name order, ``NN-topic.ipynb``); with ``scope``
    (``municipality`` or ``national``) only those whose scope is that or ``both``."""
    nbs = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_")))
    if scope is None:
        return nbs
    return [p for p in nbs if notebook_scope(p) in (scope, "both")]
