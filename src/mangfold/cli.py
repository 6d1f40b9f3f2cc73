"""The ``mangfold`` command: parses arguments, calls the package, sets the exit status.

Exit status: 0 success, 1 a failed analysis or audit, 2 bad input or bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__
from .config import ParamsError, default_store, load_params, parse_years

# The commands' own modules are imported inside the commands: `mangfold --help` and argument errors
# stay quick, and each command loads only what it needs (pandas, duckdb, nbformat, papermill, ...).
# The same codes as mangfold.run.jobs, which is not imported here for that reason.
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 already; keep the message short and clear
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"mangfold: error: {message}\n")


def _years_arg(text: str):
    try:
        return parse_years(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="mangfold",
        description=(
            "Research and reporting pipeline for more leaders, employees and board members with "
            "immigrant background (landbakgrunnsgruppe 2). Typical use:\n"
            "  mangfold demo-data data/demo          # or export your own data (docs/data-contract.md)\n"
            "  mangfold run --years 2021-2025 --data data/demo\n"
            "  open outputs/2025/public/report.html"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 success, 1 a failed analysis or audit, 2 bad input or bad arguments.",
    )
    p.add_argument("--version", action="version", version=f"mangfold {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    d = sub.add_parser("demo-data", help="write a synthetic municipality in the input data contract",
                       description="Write every table of the input data contract for a synthetic "
                                   "municipality (planted truths documented in mangfold/demo/truths.py). "
                                   "Same seed, same bytes.")
    d.add_argument("dir", type=Path, help="folder to write the CSV files into (created if needed)")
    d.add_argument("--years", type=_years_arg, default="2021-2025", help="year range, e.g. 2021-2025 (default)")
    d.add_argument("--scale", choices=("small", "oslo", "national"), default="small",
                   help="small: seconds, for tests; oslo: ~50 000 employees, 150 000 applications/year; "
                        "national: ~10x oslo over many municipalities (default small)")
    d.add_argument("--seed", type=int, default=20230101, help="random seed (default 20230101)")

    i = sub.add_parser("ingest", help="validate a data folder and load it into the store",
                       description="Validate DIR against the input data contract and load it into the "
                                   "embedded DuckDB store, replacing it atomically. Structural faults are "
                                   "listed with file, row, column, rule and value; exit 2, nothing written. "
                                   "Inconsistent rows are quarantined with their reason.")
    i.add_argument("dir", type=Path, help="data folder with units, vacancies, applications (+ optional tables)")
    i.add_argument("--store", type=Path, default=None, help="store file (default outputs/mangfold.duckdb)")
    i.add_argument("--params", type=Path, default=None, help="params file (for the default municipality name)")

    r = sub.add_parser("run", help="execute every notebook for each year and publish the reports",
                       description="Execute every notebook in notebooks/ with papermill for each year, in "
                                   "parallel, render the annual report and publish OUT/<year>/ atomically.")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--year", type=_years_arg, help="one year, e.g. 2025")
    g.add_argument("--years", type=_years_arg, help="a range, e.g. 2021-2025")
    r.add_argument("--data", type=Path, default=None, help="ingest this data folder first")
    r.add_argument("--store", type=Path, default=None, help="store file (default outputs/mangfold.duckdb)")
    r.add_argument("--params", type=Path, default=None, help="params YAML (default params/default.yaml)")
    r.add_argument("--out", type=Path, default=None, help="output folder (default outputs/)")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="notebooks executed in parallel (default: number of cores)")
    r.add_argument("--pdf", action="store_true", help="also print report.pdf with headless Chromium")
    r.add_argument("--notebooks", type=Path, default=None, help="notebook folder (default notebooks/)")
    r.add_argument("--municipality", default=None, metavar="NAME|all",
                   help="one report per municipality of a store with several: NAME (e.g. '0301 Oslo', 0301 or "
                        "Oslo) publishes OUT/<kommune>/<year>/; 'all' does every municipality and the national "
                        "report OUT/national/<year>/, and OUT/index.html links them (default: the ordinary "
                        "report OUT/<year>/ over the whole store)")
    r.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: --jobs processes on this machine (default); dask: a dask.distributed cluster "
                        "(pip install -e .[dask])")
    r.add_argument("--engine", choices=("inprocess", "kernel"), default=None,
                   help="what runs the notebooks: inprocess (papermill in each worker process, the default; "
                        "or set MANGFOLD_ENGINE) or kernel (a warm Jupyter kernel per worker, which keeps a "
                        "notebook that crashes its process from ending the worker)")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask; default: a "
                        "local cluster of --jobs workers)")

    a = sub.add_parser("audit", help="check a published folder for disclosure faults",
                       description="Check OUT/<year>/public (its tables and report.html) for person-key "
                                   "columns and values, counts of 1 to min_cell-1, figures derived from hidden "
                                   "counts, and hidden cells that the tables' totals give away (also across "
                                   "tables). Exit 1 with a list when it finds any.")
    a.add_argument("folder", type=Path, help="a public folder, e.g. outputs/2025/public")
    a.add_argument("--min-cell", type=int, default=None,
                   help="smallest publishable count (default: the one the year was published with, from "
                        "provenance.json; else from --params; else 5)")
    a.add_argument("--params", type=Path, default=None, help="params YAML (for min_cell)")
    a.add_argument("--store", type=Path, default=None,
                   help="store to look person-key values up in (default: the one provenance.json names)")
    return p


def _cmd_demo(args) -> int:
    from .demo.generate import write_demo  # numpy, pandas: only for this command (see the top)

    t0 = time.perf_counter()
    rows = write_demo(args.dir, years=(args.years.first, args.years.last), scale=args.scale, seed=args.seed)
    total = sum(rows.values())
    print(f"Wrote {len(rows)} tables ({total:,} rows) for {args.years.first}-{args.years.last} "
          f"at scale {args.scale} to {args.dir} in {time.perf_counter() - t0:.1f} s")
    return EXIT_OK


def _cmd_ingest(args) -> int:
    from .store import ingest  # duckdb, pandas: only for this command (see the top)

    params = load_params(args.params)
    store = args.store or default_store()
    t0 = time.perf_counter()
    data = ingest(args.dir, store, municipality=params["municipality"])
    for notice in data.notices:
        print(f"mangfold ingest: notice: {notice}", file=sys.stderr)
    print(f"Ingested {args.dir} into {store} in {time.perf_counter() - t0:.1f} s")
    for row in data.files.itertuples():
        print(f"  {row.table:<17} read {row.rows_read:>9,}  used {row.rows_used:>9,}  quarantined {row.rows_quarantined:>6,}")
    if data.missing_optional:
        print("  optional tables absent: " + ", ".join(data.missing_optional))
    return EXIT_OK


def _cmd_run(args) -> int:
    from .run import ExecutorError, run  # duckdb, pandas, nbformat: only for this command (see the top)

    yr = args.year or args.years
    if args.scheduler and args.executor != "dask":
        print("mangfold run: --scheduler needs --executor dask", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return run(years=yr.years, data=args.data, store=args.store, params_file=args.params, out=args.out,
                   jobs=args.jobs, pdf=args.pdf, notebooks=args.notebooks, municipality=args.municipality,
                   executor=args.executor, scheduler=args.scheduler, engine=args.engine)
    except ExecutorError as exc:
        print(f"mangfold run: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _cmd_audit(args) -> int:
    from .publish.audit import audit, min_cell_from_provenance  # pandas, numpy: only for this command

    min_cell = args.min_cell or (None if args.params else min_cell_from_provenance(args.folder)) \
        or load_params(args.params)["min_cell"]
    result = audit(args.folder, min_cell=int(min_cell), store=args.store)
    for note in result.notes:
        print(f"  note: {note}", file=sys.stderr)
    if result.problems:
        print(f"Audit of {args.folder} FAILED: {len(result.problems)} disclosure fault(s):")
        for p in result.problems:
            print(f"  - {p}")
        return EXIT_FAILED
    print(f"Audit of {args.folder}: no disclosure faults found (min_cell {min_cell}).")
    return EXIT_OK


COMMANDS = {"demo-data": _cmd_demo, "ingest": _cmd_ingest, "run": _cmd_run, "audit": _cmd_audit}


def main(argv: list[str] | None = None) -> int:
    # the exceptions' modules import pandas, duckdb and nbformat: loaded after parsing, once a command runs
    from .contract.validate import ContractError
    from .publish.render import BrowserMissing
    from .store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return COMMANDS[args.command](args)
    except (ContractError, ParamsError, StoreError, BrowserMissing) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:  # a bad path
        print(f"mangfold: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
