"""Shared fixtures.

``demo_run`` (session scope): the small demo municipality for 2024-2025 is generated, ingested and
run through the whole pipeline once per test session (per xdist worker), for year 2025:

    demo_run.data   the demo data folder        demo_run.store  the DuckDB store
    demo_run.out    the output folder (OUT)     demo_run.year   2025
    demo_run.status the exit status of mangfold.pipeline.run

Tests that use it carry ``@pytest.mark.xdist_group("demo_run")`` so that one xdist worker runs them
all (``pytest -n 2 --dist loadgroup``) and the run happens once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

DEMO_YEARS = (2024, 2025)
DEMO_YEAR = 2025


@dataclass(frozen=True)
class DemoRun:
    data: Path
    store: Path
    out: Path
    year: int
    status: int


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    from mangfold.demo.generate import write_demo

    folder = tmp_path_factory.mktemp("demo") / "data"
    write_demo(folder, years=DEMO_YEARS, scale="small")
    return folder


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, demo_data) -> DemoRun:
    from mangfold.pipeline import run
    from mangfold.store import ingest

    base = tmp_path_factory.mktemp("demo_run")
    store = base / "store.duckdb"
    ingest(demo_data, store)
    out = base / "out"
    status = run(years=[DEMO_YEAR], store=store, out=out, jobs=2)
    return DemoRun(demo_data, store, out, DEMO_YEAR, status)
