"""Shared fixtures.

``demo_run`` (session scope): the small demo municipality for 2024-2025
(``mangfold.demo.generate.write_demo(dir, years=(2024, 2025), scale="small")``) is generated,
ingested and run through the whole pipeline (``mangfold.run.run(years=[2025], jobs=2)``, the
project's notebooks and ``params/default.yaml``) once per test session -- once per xdist worker --
into a ``tmp_path_factory`` folder:

    demo_run.data      the demo data folder           demo_run.store   the DuckDB store
    demo_run.out       the output folder (OUT)        demo_run.year    2025
    demo_run.status    the exit status of run()       demo_run.log     what run() wrote to stderr
    demo_run.year_dir  OUT/2025                       demo_run.public  OUT/2025/public
    demo_run.restricted  OUT/2025/restricted

Treat it as read-only: copy what you want to change (``shutil.copytree``). A failed run does not
raise here; assert ``demo_run.status == 0`` in your test, with ``demo_run.log`` as the message.

Tests that use it take minutes the first time: mark them ``@pytest.mark.slow`` and
``@pytest.mark.xdist_group("demo_run")``, so that with ``pytest -n 2 --dist loadgroup`` one worker
runs them all and the run happens once (with plain ``-n 2`` each worker that needs it runs it once).
``demo_data`` (session scope) is the data folder alone, for tests that only need the inputs.
"""

from __future__ import annotations

import contextlib
import io
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
    log: str = ""

    @property
    def year_dir(self) -> Path:
        return self.out / str(self.year)

    @property
    def public(self) -> Path:
        return self.year_dir / "public"

    @property
    def restricted(self) -> Path:
        return self.year_dir / "restricted"


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    from mangfold.demo.generate import write_demo

    folder = tmp_path_factory.mktemp("demo") / "data"
    write_demo(folder, years=DEMO_YEARS, scale="small")
    return folder


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, demo_data) -> DemoRun:
    from mangfold.run import run
    from mangfold.store import ingest

    base = tmp_path_factory.mktemp("demo_run")
    store = base / "store.duckdb"
    ingest(demo_data, store)
    out = base / "out"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = run(years=[DEMO_YEAR], store=store, out=out, jobs=2)
    return DemoRun(demo_data, store, out, DEMO_YEAR, status, err.getvalue())
