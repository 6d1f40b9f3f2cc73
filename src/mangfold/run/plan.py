"""The reports of ``mangfold run``: which (store, params, notebooks, year) each is, then executing
and publishing them (:func:`mangfold.run.execute.execute_reports`).

* without ``--municipality``: the ordinary report, ``OUT/<year>/`` over the whole store (on any executor);

* ``--municipality NAME`` publishes ``OUT/<slug>/<year>/`` for that municipality (``0301 Oslo`` ->
  ``OUT/0301-oslo/2025/``), from its own store (:mod:`mangfold.partition`) and the notebooks whose
  scope is ``municipality`` or ``both``; its params are the run's params with ``municipality`` set to it.
* ``--municipality all`` does that for every municipality with vacancies in the year and publishes
  ``OUT/national/<year>/``: the notebooks whose scope is ``national`` or ``both``, run on the full store.
* after a ``--municipality`` run, ``OUT/index.html`` links every published report.

Every (report, year, notebook) is an independent unit of work (:mod:`mangfold.run.execute`); each report is
published atomically on its own, so one municipality's failure leaves the others published and its
previous output unchanged. A store with one municipality is used as it is (no partitions).
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..config import ENV_HOME, project_root
from ..partition import Municipality, list_municipalities, partition_store, resolve
from ..publish.index import write_index
from ..publish.ledger import load_report, reconcile
from ..publish.provenance import git_commit, package_versions
from ..store import StoreError, years_by_municipality
from .execute import execute_reports
from .jobs import (DEFAULT_ENGINE, EXIT_FAILED, EXIT_OK, MAX_DISCLOSURE_PASSES, SUMMARY_PREFIX, Job, JobResult,
                   Planned, Published, Report, ReportSpec, list_notebooks, notebook_requires)
from .report import (make_staging, plan_report, prepare_report, publish_report, remove_stale_staging,
                     rerun_notebooks)

NATIONAL = "national"
ALL = "all"
MSG_NO_NATIONAL = "mangfold run: no notebook has scope national or both; no national report."


@dataclass(frozen=True)
class _Target:
    """One report series: a store, its params and notebooks, and where its years go."""

    key: str            # slug, "national", or "" for the whole store
    label: str          # shown in messages
    store: Path
    params: dict
    notebooks: tuple[Path, ...]
    out: Path           # OUT/<slug> (years below it)
    title: str | None = None
    subtitle: str | None = None
    scope: str = "municipality"
    skip_empty: bool = False  # leave out notebooks about data the store lacks (jobs.notebook_requires)


def _publish(results: list[JobResult], *, key: str, spec: ReportSpec) -> Published:
    t0 = time.perf_counter()
    ok, messages = publish_report(spec, results)
    return Published(key, ok, tuple(messages), time.perf_counter() - t0)


def _plan(results: list[JobResult], *, spec: ReportSpec, min_cell: int) -> bool | frozenset[str] | Planned:
    """The report's disclosure plan (:func:`~mangfold.run.report.plan_report`); when its notebooks need
    not run again, its publishing prepared at once on this worker, which has the tables parsed
    (:func:`~mangfold.run.report.prepare_report`), and the tables it read for the ledger handed back
    (:class:`~mangfold.run.jobs.Planned`: the run's process need not parse them again)."""
    changed = plan_report(spec.staging, min_cell=min_cell)
    if changed is False:
        return Planned(prepare_report(spec, results))
    return changed


def _params_for(params: dict, name: str) -> dict:
    """The params of one municipality's report: the run's, for that municipality; its targets are
    those of the params' own municipality (``targets_set_by``) unless it is that municipality."""
    own = params["municipality"]
    by = params.get("targets_set_by") or (own if own != name else None)
    return {**params, "municipality": name, "targets_set_by": by}


def _targets(*, store: Path, params: dict, out: Path, nb_dir: Path, municipality: str | None,
             munis: list[Municipality]) -> tuple[list[_Target], bool]:
    """The report series of this run and whether a national report is part of it."""
    multi = len(munis) > 1
    if municipality is None:  # the ordinary report on another executor
        if len(munis) == 1 and munis[0].name != params["municipality"]:
            # a store of one municipality reports on that one (the params' targets stay theirs)
            params = _params_for(params, munis[0].name)
        nbs = list_notebooks(nb_dir, None if multi else "municipality")
        if not nbs:
            raise StoreError(f"{nb_dir}: no report notebooks (NN-topic.ipynb) found; give --notebooks, or run "
                             f"from the mangfold project folder (or set ${ENV_HOME})")
        return [_Target("", "", store, params, tuple(nbs), out)], False
    wanted = munis if municipality.strip().lower() == ALL else [resolve(store, municipality, munis)]
    muni_nbs = tuple(list_notebooks(nb_dir, "municipality"))
    if not muni_nbs:
        raise StoreError(f"{nb_dir}: no notebooks with scope municipality or both")
    stores: dict[str, Path]
    if multi:
        parts = partition_store(store, home=params["municipality"])
        stores = dict(parts.stores)
        lost = parts.unattributed[(parts.unattributed["rows"] + parts.unattributed["quarantined"]) > 0]
        for r in lost.itertuples():
            print(f"mangfold run: {r.table}: {r.rows + r.quarantined:,} row(s) belong to no municipality "
                  f"({r.reason}); they are in the national report only.", file=sys.stderr)
    else:
        stores = {munis[0].slug: store}
    targets = [_Target(m.slug, m.name, stores[m.slug], _params_for(params, m.name), muni_nbs, out / m.slug,
                       skip_empty=multi) for m in wanted]
    national = municipality.strip().lower() == ALL
    if national:
        nat_nbs = tuple(list_notebooks(nb_dir, "national"))
        if nat_nbs:
            targets.append(_Target(NATIONAL, "national", store, params, nat_nbs, out / NATIONAL,
                                   title="Mangfold i ledelse i kommunene {year}",
                                   subtitle=f"Nasjonal rapport for {len(munis)} kommuner – KS' sjekkpunkter og "
                                            "indikatorer (landbakgrunnsgruppe 2)", scope="national"))
        else:
            print(MSG_NO_NATIONAL, file=sys.stderr)
            national = False
    return targets, national


def run(*, years: list[int], store: Path, params: dict, out: Path, nb_dir: Path, jobs: int, pdf: bool,
        data: Path | None, municipality: str | None, executor: str, scheduler: str | None, started: str,
        engine: str = DEFAULT_ENGINE) -> int:
    """Build, execute and publish every (target, year) report; returns the exit status."""
    munis = list_municipalities(store)
    available = years_by_municipality(store)
    every = set().union(*available.values()) if available else set()
    missing = [y for y in years if y not in every]
    if missing:
        raise StoreError(f"{store}: no vacancies in year(s) {', '.join(map(str, missing))}; "
                         f"the store has {', '.join(map(str, sorted(every))) or 'none'}")
    targets, national = _targets(store=store, params=params, out=out, nb_dir=nb_dir, municipality=municipality,
                                 munis=munis)
    single = municipality is not None and municipality.strip().lower() != ALL
    if single:
        t = targets[0]
        lacking = [y for y in years if y not in available.get(t.label, set())]
        if lacking:
            raise StoreError(f"{store}: {t.label} has no vacancies in year(s) {', '.join(map(str, lacking))}; "
                             f"it has {', '.join(map(str, sorted(available.get(t.label, set())))) or 'none'}")
    root = project_root()
    packages, commit = package_versions(), git_commit(root)
    requires = {nb: notebook_requires(nb) for nb in {nb for t in targets for nb in t.notebooks}}
    reports: list[Report] = []
    series: dict[str, str] = {}
    labels: dict[str, str] = {}
    staging: dict[str, tuple[Path, Path, str]] = {}
    skipped = []
    for t in targets:
        remove_stale_staging(t.out)  # of runs killed before they could clean up
        for y in years:
            if t.scope == "municipality" and t.key and y not in available.get(t.label, set()):
                skipped.append(f"{t.label} {y}")
                continue
            key = f"{t.key}/{y}" if t.key else str(y)
            st = make_staging(t.out / f".{y}.building-{os.getpid()}")
            params_copy = st / "restricted" / "params.yaml"
            params_copy.write_text(yaml.safe_dump(t.params, allow_unicode=True, sort_keys=True), encoding="utf-8")
            jobs_, summary = [], None
            for nb in t.notebooks:
                j = Job(y, nb, st / "restricted" / "notebooks" / nb.name,
                        {"year": y, "store": str(t.store), "params": str(params_copy), "out": str(st)},
                        requires=requires[nb] if t.skip_empty else (), engine=engine)
                if nb.name.startswith(SUMMARY_PREFIX):
                    summary = j
                else:
                    jobs_.append(j)
            spec = ReportSpec(
                staging=st, target=t.out / str(y), year=y, store=t.store, params=t.params,
                notebooks=tuple(t.notebooks), started=started, data=data, pdf=pdf, root=root,
                title=t.title.format(year=y) if t.title else None, subtitle=t.subtitle, label=key,
                provenance={"scope": t.scope if t.key else "whole store", "full_store": str(store)},
                packages=packages, commit=commit)
            publish = functools.partial(_publish, key=key, spec=spec)
            plan = functools.partial(_plan, spec=spec, min_cell=int(t.params["min_cell"]))
            # with the national report every report of the run is read together (its table of
            # municipalities repeats their own figures); else each municipality's years are
            group = "national-run" if national else t.key
            reports.append(Report(key, jobs_, summary, publish, plan, MAX_DISCLOSURE_PASSES, group=group))
            series[key], labels[key] = t.key, t.label
            staging[key] = (st, t.out / str(y), t.label)
    if skipped:
        print(f"mangfold run: no vacancies, so no report, for {len(skipped)} municipality-year(s): "
              + ", ".join(skipped[:10]) + (" ..." if len(skipped) > 10 else ""), file=sys.stderr)
    # reports already published in a group's folder and not part of this run: fixed in the ledger
    fixed = {t.key: [p for p in sorted(t.out.glob("[0-9]*")) if p.is_dir() and p.name.isdigit()
                     and int(p.name) not in years and (p / "public" / "tables").is_dir()] for t in targets}

    min_cell = min(int(t.params["min_cell"]) for t in targets) if targets else 5

    def reconcile_group(keys: list[str], last: bool) -> tuple[dict[str, frozenset[str] | None], list[str]]:
        changed: dict[str, set[str]] = {}
        again, refused = reconcile({k: staging[k][0] for k in keys}, fixed, last=last,
                                   series={k: series[k] for k in keys}, labels={k: labels[k] for k in keys},
                                   changed=changed, min_cell=min_cell)
        subsets: dict[str, frozenset[str] | None] = {}
        for k in again:  # only the notebooks whose tables change run again (and the summary)
            got = rerun_notebooks(staging[k][0], changed.get(k, set()))
            subsets[k] = None if got is True else got
        return subsets, refused

    t0 = time.perf_counter()
    def prefetch(key: str, read=None) -> None:  # the ledger reads a planned report while the rest of its group runs
        try:  # (or takes what the worker that prepared it read, if read from the same bytes)
            load_report(staging[key][0], read)
        except Exception:  # noqa: BLE001 - reconciling reads it again and reports any problem
            pass

    outcomes = execute_reports(reports, executor=executor, jobs=jobs, scheduler=scheduler, ledger=reconcile_group,
                               prefetch=prefetch)
    seconds = time.perf_counter() - t0

    status, published = EXIT_OK, []
    for key, o in outcomes.items():
        st, target, _ = staging[key]
        failed = [r for r in o.results if not r.ok]
        if failed:
            for r in failed:
                print(f"mangfold run: {key}: {r.error}", file=sys.stderr)
            print(f"mangfold run: {key} not published; the previous {target} is unchanged.", file=sys.stderr)
            shutil.rmtree(st, ignore_errors=True)
            status = EXIT_FAILED
            continue
        if o.published is None or not o.published.ok:
            for m in (o.published.messages if o.published else (f"mangfold run: {key} was not published.",)):
                print(m, file=sys.stderr)
            shutil.rmtree(st, ignore_errors=True)
            status = EXIT_FAILED
            continue
        published.append((key, o.published))
    if len(reports) <= 6:
        for _, p in published:
            for m in p.messages:
                print(m, file=sys.stderr)
    else:
        n_nat = sum(1 for k, _ in published if k.startswith(NATIONAL + "/"))
        print(f"Published {len(published)} of {len(reports)} reports in {out}: "
              f"{len(published) - n_nat} municipality report(s) in {out}/<kommune>/<year>/"
              + (f" and the national report in {out / NATIONAL}/<year>/" if n_nat else "") + ".", file=sys.stderr)
    if published:  # every report links to it ("Alle rapporter"), so it is written for every run
        index = write_index(out)
        if municipality is not None:
            print(f"Index of the published reports: {index}", file=sys.stderr)
    n_nb = sum(o.executed for o in outcomes.values())
    n_left = sum(r.skipped for o in outcomes.values() for r in o.results)
    reruns = sum(o.passes > 1 for o in outcomes.values())
    print(f"Executed {n_nb} notebook runs for {len(reports)} report(s) in {seconds:.1f} s with {jobs} "
          f"{'Dask' if executor == 'dask' else 'parallel'} worker(s)"
          + (f"; {n_left} left out for lack of data" if n_left else "")
          + (f"; {reruns} report(s) ran again to hide counts shared between tables" if reruns else "") + ".",
          file=sys.stderr)
    return status
