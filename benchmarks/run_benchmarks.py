"""Benchmarks (never timed unit tests): ingest, pipeline against its floor, national scale.

    python benchmarks/run_benchmarks.py ingest     # oslo scale, five years: goal < 30 s and < 2 GB
    python benchmarks/run_benchmarks.py pipeline   # oslo scale: run/floor <= 1.5 (one year), 5y/1y <= 3
    python benchmarks/run_benchmarks.py all

Every step runs in a subprocess; peak memory is that subprocess's maximum resident set size.
Results are printed and written to benchmarks/results/<name>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
WORK = Path(os.environ.get("MANGFOLD_BENCH_DIR", Path(tempfile.gettempdir()) / "mangfold-bench"))
PY = sys.executable
MANGFOLD = [PY, "-m", "mangfold"]


def timed(cmd: list[str], **kw) -> tuple[float, float]:
    """Run ``cmd``; return (seconds, peak RSS of the process tree's largest child in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)
    secs = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return secs, max(after, before) / 1024


def peak_rss_mb(cmd: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one command, measured by a fresh wrapper process."""
    code = ("import resource,subprocess,sys,time,json;t=time.perf_counter();"
            "subprocess.run(sys.argv[1:],check=True);"
            "print(json.dumps([time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024]))")
    r = subprocess.run([PY, "-c", code, *cmd], check=True, cwd=ROOT, capture_output=True, text=True)
    secs, mb = json.loads(r.stdout.strip().splitlines()[-1])
    return secs, mb


def demo(scale: str, years: str) -> Path:
    d = WORK / f"demo-{scale}-{years}"
    if not (d / "applications.csv").is_file():
        secs, mb = peak_rss_mb([*MANGFOLD, "demo-data", str(d), "--scale", scale, "--years", years])
        print(f"demo-data {scale} {years}: {secs:.1f} s, peak {mb:.0f} MB")
    return d


def save(name: str, result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


def bench_ingest() -> dict:
    d = demo("oslo", "2021-2025")
    store = WORK / "ingest.duckdb"
    secs, mb = peak_rss_mb([*MANGFOLD, "ingest", str(d), "--store", str(store)])
    rows = sum(1 for _ in open(d / "applications.csv", encoding="utf-8")) - 1
    res = {"scale": "oslo", "years": "2021-2025", "applications": rows, "ingest_seconds": round(secs, 2),
           "peak_memory_mb": round(mb), "goal": "< 30 s and < 2048 MB",
           "met": secs < 30 and mb < 2048}
    save("ingest", res)
    return res


FLOOR_SOURCE = """import pandas, numpy, scipy, statsmodels.api, seaborn, matplotlib, duckdb
import mangfold.publish, mangfold.stats.proportions
"""


def _floor_notebooks(n: int, folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from tools.nb import code, params_cell, write_notebook

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_notebook(str(folder / f"{i + 10:02d}-floor.ipynb"), [params_cell(), code(FLOOR_SOURCE)])


def _floor_seconds(n_notebooks: int, jobs: int) -> float:
    """The same number of notebooks that only import the stack, same parallelism, plus one render."""
    sys.path.insert(0, str(ROOT / "src"))
    from mangfold.pipeline import Job, execute_all
    from mangfold.publish.render import render_report

    tmp = WORK / "floor"
    shutil.rmtree(tmp, ignore_errors=True)
    _floor_notebooks(n_notebooks, tmp / "nbs")
    nbs = sorted((tmp / "nbs").glob("*.ipynb"))
    t0 = time.perf_counter()
    jobs_ = [Job(2025, nb, tmp / "out" / nb.name, {"year": 2025}) for nb in nbs]
    res = execute_all({2025: jobs_}, {2025: None}, jobs)
    assert all(r.ok for r in res), [r.error for r in res if not r.ok]
    render_report([j.output for j in jobs_], tmp / "report.html", title="floor", subtitle="floor")
    return time.perf_counter() - t0


def bench_pipeline(jobs: int = 2) -> dict:
    d = demo("oslo", "2021-2025")
    store = WORK / "pipeline.duckdb"
    subprocess.run([*MANGFOLD, "ingest", str(d), "--store", str(store)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    n_nb = len(list((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")))
    floor = _floor_seconds(n_nb, jobs)
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    one, mb1 = peak_rss_mb([*MANGFOLD, "run", "--year", "2025", "--store", str(store), "--out", str(out),
                            "--jobs", str(jobs)])
    five, mb5 = peak_rss_mb([*MANGFOLD, "run", "--years", "2021-2025", "--store", str(store), "--out", str(out),
                             "--jobs", str(jobs)])
    per_nb = json.loads((out / "2025" / "provenance.json").read_text())["notebook_seconds"]
    res = {"scale": "oslo", "notebooks": n_nb, "jobs": jobs, "floor_seconds": round(floor, 1),
           "one_year_seconds": round(one, 1), "five_years_seconds": round(five, 1),
           "ratio_one_year_to_floor": round(one / floor, 2), "ratio_five_to_one_year": round(five / one, 2),
           "goal": "one year / floor <= 1.5; five years / one year <= 3",
           "met": one / floor <= 1.5 and five / one <= 3, "peak_memory_mb": round(max(mb1, mb5)),
           "notebook_seconds_2025": per_nb}
    save("pipeline", res)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("ingest", "pipeline", "all"), nargs="?", default="all")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if a.what in ("ingest", "all"):
        bench_ingest()
    if a.what in ("pipeline", "all"):
        bench_pipeline(a.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
