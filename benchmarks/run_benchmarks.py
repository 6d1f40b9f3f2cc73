"""Benchmarks (never timed unit tests): ingest, pipeline against its floor, national scale.

    python benchmarks/run_benchmarks.py ingest     # oslo scale, five years: goal < 30 s and < 2 GB
    python benchmarks/run_benchmarks.py pipeline   # oslo scale: run/floor <= 1.1 (one year), 5y/1y <= 3
    python benchmarks/run_benchmarks.py national   # national scale, one year: run <= 4x oslo, < 4 GB; and --municipality all
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


def _cold(job) -> bool:
    """One notebook in a kernel of its own (plain papermill), in a worker process."""
    import papermill as pm

    pm.execute_notebook(str(job.notebook), str(job.output), parameters=job.parameters, kernel_name="python3",
                        progress_bar=False, log_output=False, cwd=str(job.notebook.parent))
    return True


def _floor_seconds(n_notebooks: int, jobs: int, *, warm: bool) -> float:
    """The same number of notebooks that only import the stack, same parallelism, plus one render:
    ``warm`` as mangfold runs them (one warm kernel per worker), else each in a fresh kernel (plain
    papermill: kernel start-up and imports paid per notebook)."""
    sys.path.insert(0, str(ROOT / "src"))
    from concurrent.futures import ProcessPoolExecutor

    from mangfold.run.execute import execute_reports
    from mangfold.run.jobs import Job, Report
    from mangfold.publish.render import render_report

    tmp = WORK / "floor"
    shutil.rmtree(tmp, ignore_errors=True)
    _floor_notebooks(n_notebooks, tmp / "nbs")
    nbs = sorted((tmp / "nbs").glob("*.ipynb"))
    t0 = time.perf_counter()
    jobs_ = [Job(2025, nb, tmp / "out" / nb.name, {"year": 2025}) for nb in nbs]
    (tmp / "out").mkdir(parents=True, exist_ok=True)
    if warm:
        res = execute_reports([Report("floor", jobs_)], executor="local", jobs=jobs)["floor"].results
        assert all(r.ok for r in res), [r.error for r in res if not r.ok]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            assert all(pool.map(_cold, jobs_))
    render_report([j.output for j in jobs_], tmp / "report.html", title="floor", subtitle="floor")
    return time.perf_counter() - t0


def bench_pipeline(jobs: int = 2) -> dict:
    d = demo("oslo", "2021-2025")
    store = WORK / "pipeline.duckdb"
    subprocess.run([*MANGFOLD, "ingest", str(d), "--store", str(store)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    sys.path.insert(0, str(ROOT / "src"))
    from mangfold.run.jobs import list_notebooks

    n_nb = len(list_notebooks(ROOT / "notebooks", "municipality"))  # a one-municipality run skips national ones
    floor = _floor_seconds(n_nb, jobs, warm=False)
    floor_warm = _floor_seconds(n_nb, jobs, warm=True)
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    one, mb1 = peak_rss_mb([*MANGFOLD, "run", "--year", "2025", "--store", str(store), "--out", str(out),
                            "--jobs", str(jobs)])
    five, mb5 = peak_rss_mb([*MANGFOLD, "run", "--years", "2021-2025", "--store", str(store), "--out", str(out),
                             "--jobs", str(jobs)])
    per_nb = json.loads((out / "2025" / "provenance.json").read_text())["notebook_seconds"]
    res = {"scale": "oslo", "notebooks": n_nb, "jobs": jobs,
           "floor": "notebooks that only import the stack, plus one render; plain papermill (a kernel per notebook)",
           "floor_seconds": round(floor, 1), "floor_warm_kernels_seconds": round(floor_warm, 1),
           "one_year_seconds": round(one, 1), "five_years_seconds": round(five, 1),
           "ratio_one_year_to_floor": round(one / floor, 2), "ratio_one_year_to_warm_floor": round(one / floor_warm, 2),
           "ratio_five_to_one_year": round(five / one, 2),
           "goal": "one year / floor <= 1.1; five years / one year <= 3",
           "met": one / floor <= 1.1 and five / one <= 3, "peak_memory_mb": round(max(mb1, mb5)),
           "notebook_seconds_2025": per_nb}
    save("pipeline", res)
    return res


def _tree_rss_mb(root_pid: int) -> tuple[float, float]:
    """(sum, largest) resident set size in MB of ``root_pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kb = next((int(x.split()[1]) for x in (d / "status").read_text().splitlines() if x.startswith("VmRSS:")), 0)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d.name))
        rss[int(d.name)] = kb / 1024
    todo, seen = [root_pid], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo += children.get(pid, [])
    vals = [rss.get(p, 0.0) for p in seen]
    return sum(vals), max(vals, default=0.0)


def sampled(cmd: list[str], every: float = 0.2, ok: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
    """Seconds, peak memory of the whole process tree (sum of RSS, sampled every ``every`` s) and of its
    largest process, in MB. A run with worker processes and kernels needs the sum. An exit status not in
    ``ok`` raises."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:  # a file, not a pipe: a long log cannot block
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True)
        tree = largest = 0.0
        while p.poll() is None:
            s, m = _tree_rss_mb(p.pid)
            tree, largest = max(tree, s), max(largest, m)
            time.sleep(every)
        log.seek(0)
        err = log.read()
    if p.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{err[-3000:]}")
    return time.perf_counter() - t0, tree, largest


def bench_national(jobs: int = 2) -> dict:
    """National scale (about ten times oslo, 150 municipalities), one year, against the ordinary oslo run
    of the same year. Both stores are ingested afresh (timed, peak memory). Then:

    * the ordinary run over the whole national store: one report with every notebook, including the
      national one (goal: at most 4x the oslo run, peak memory < 4 GB);
    * ``--municipality all``: every municipality's report and the national report, partitions cut from
      scratch (reported with its cost per report; 151 reports cannot take 4x one report on 2 cores)."""
    sys.path.insert(0, str(ROOT / "src"))
    from mangfold.partition import partitions_root

    stores, ingest_res = {}, {}
    for scale in ("oslo", "national"):
        d = demo(scale, "2021-2025")
        stores[scale] = WORK / f"national-bench-{scale}.duckdb"
        stores[scale].unlink(missing_ok=True)
        secs, tree, big = sampled([*MANGFOLD, "ingest", str(d), "--store", str(stores[scale])])
        ingest_res[scale] = {"seconds": round(secs, 1), "peak_memory_mb": round(tree)}
        print(f"ingest {scale}: {secs:.1f} s, peak {tree:.0f} MB")
    shutil.rmtree(partitions_root(stores["national"]), ignore_errors=True)  # time the cut too
    out = WORK / "national-out"
    shutil.rmtree(out, ignore_errors=True)
    run = [*MANGFOLD, "run", "--year", "2025", "--jobs", str(jobs)]
    oslo_s, oslo_tree, _ = sampled([*run, "--store", str(stores["oslo"]), "--out", str(out / "oslo")])
    print(f"oslo run: {oslo_s:.1f} s")
    whole_s, whole_tree, _ = sampled([*run, "--store", str(stores["national"]), "--out", str(out / "whole")])
    print(f"national run (whole store): {whole_s:.1f} s")
    nat_s, nat_tree, nat_big = sampled([*run, "--store", str(stores["national"]), "--out", str(out / "national"),
                                        "--municipality", "all"], ok=(0, 1))
    print(f"national run (--municipality all): {nat_s:.1f} s")
    n_munis = len(json.loads((partitions_root(stores["national"]) / "manifest.json").read_text())["municipalities"])
    reports = sorted(out.glob("national/*/2025/provenance.json"))
    per_nb: dict[str, list[float]] = {}
    for prov in reports:
        for nb, secs in json.loads(prov.read_text(encoding="utf-8"))["notebook_seconds"].items():
            per_nb.setdefault(nb, []).append(secs)
    res = {"scale": "national vs oslo", "year": 2025, "jobs": jobs, "cpus": os.cpu_count(),
           "ingest": ingest_res,
           "oslo_run_seconds": round(oslo_s, 1), "oslo_peak_memory_mb": round(oslo_tree),
           "national_run_seconds": round(whole_s, 1), "national_peak_memory_mb": round(whole_tree),
           "ratio_national_to_oslo": round(whole_s / oslo_s, 2),
           "goal": "national run / oslo run <= 4, peak memory < 4096 MB (run and ingest)",
           "met": whole_s / oslo_s <= 4 and whole_tree < 4096 and ingest_res["national"]["peak_memory_mb"] < 4096,
           "all_municipalities": {
               "municipalities": n_munis, "reports_expected": n_munis + 1, "reports_published": len(reports),
               "seconds": round(nat_s, 1), "ratio_to_oslo_run": round(nat_s / oslo_s, 2),
               "seconds_per_report": round(nat_s / max(1, len(reports)), 2),
               "cpu_seconds_per_report": round(nat_s * jobs / max(1, len(reports)), 2),
               "peak_memory_mb": round(nat_tree), "largest_process_mb": round(nat_big),
               "mean_notebook_seconds": {k: round(sum(v) / len(v), 2) for k, v in sorted(per_nb.items())},
               "notebook_runs": {k: len(v) for k, v in sorted(per_nb.items())}},
           "memory": "sum of RSS over the command's process tree, sampled every 0.2 s",
           "load_average_1min_at_end": round(os.getloadavg()[0], 2)}
    save("national", res)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("ingest", "pipeline", "national", "all"), nargs="?", default="all")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if a.what in ("ingest", "all"):
        bench_ingest()
    if a.what in ("pipeline", "all"):
        bench_pipeline(a.jobs)
    if a.what in ("national", "all"):
        bench_national(a.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
