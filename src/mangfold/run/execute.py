"""Where the units of work run: local worker processes or a Dask cluster.

A *report* is one (municipality or national, year): its notebooks (:class:`mangfold.run.jobs.Job`),
then its summary notebook, then publishing (render, audit, provenance, atomic swap). Every notebook is
an independent unit of work; a report's summary is submitted when its other notebooks are done, and its
publishing when the summary is. :func:`execute_reports` schedules any number of reports on

* ``local``: ``jobs`` worker processes on this machine (:class:`concurrent.futures.ProcessPoolExecutor`);
* ``dask``: a dask.distributed cluster (``Client(scheduler).submit`` of the same task function; without
  a scheduler address a ``LocalCluster`` with ``jobs`` single-threaded worker processes). Workers must
  see the store, its partitions and the output folder at the same paths (a shared file system);
  install with ``pip install -e .[dask]``.

Engines. A job names what runs its notebook (``Job.engine``, ``mangfold run --engine``). The default,
``inprocess`` (:mod:`mangfold.run.inprocess`), runs it with papermill in the worker process itself: the
stack is imported once per worker, and no cell's code or output crosses a Jupyter channel.

Warm kernels (``--engine kernel``). Starting a Jupyter kernel and importing the scientific stack costs about 4 s per
notebook, which dominates when a national run executes a thousand small notebooks. Each worker
therefore keeps one kernel and executes notebook after notebook in it with papermill (the same
parameter injection, outputs and errors as ``papermill.execute_notebook``); before each
notebook the kernel's namespace is cleared (``%reset -f``), open figures are closed and the working
directory is set to the notebook's folder, so a notebook sees only its own variables. Imported modules
stay loaded (that is the saving). After the reset the surviving objects (mostly the imported modules)
are frozen (:func:`gc.freeze`), so that the garbage collections of the next notebook need not scan
them again: that took about 0.27 s per notebook; a full collection runs every
:data:`FULL_COLLECT_EVERY` notebooks. A kernel is replaced after a failure that is not a cell error, after
:data:`MAX_NOTEBOOKS_PER_KERNEL` notebooks, and when a new run starts on a long-lived Dask worker.

Nothing outlives the run. A local worker ends with the process that started it, even one killed with
SIGKILL (:func:`_die_with_parent`: ``prctl(PR_SET_PDEATHSIG)`` on Linux, and a thread that watches the
parent everywhere), and a kernel ends with its worker (ipykernel's parent poller: jupyter_client
starts every kernel with ``JPY_PARENT_PID``, and the kernel exits within a second of its parent).
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Literal

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from tqdm import tqdm

from ..publish.context import NOTEBOOK_ENV
from ..store import KEEP_OPEN_ENV, release_kept
from . import inprocess
from .jobs import THREAD_VARS, Job, JobResult, Planned, Published, Report, ReportOutcome, has_any

Executor = Literal["local", "dask"]
EXECUTORS: tuple[str, ...] = ("local", "dask")
MAX_NOTEBOOKS_PER_KERNEL = 250
ENGINE = "mangfold-warm"
MSG_NO_DASK = ("--executor dask needs dask.distributed, which is not installed: "
               "pip install -e .[dask]  (or: pip install 'dask[distributed]')")


class ExecutorError(RuntimeError):
    """The executor cannot start (dask missing, scheduler unreachable): exit status 2."""


# ------------------------------------------------------------------ warm kernels (in the worker)
_local = threading.local()        # the kernel of this worker thread
_all_kernels: list = []           # every kernel of this process (for shutdown from any thread)
_all_lock = threading.Lock()
_finalizer_registered = False


@dataclass
class _Kernel:
    client: Any  # an nbclient.NotebookClient that owns km and kc
    token: str
    sockets: str  # the folder of its IPC sockets
    runs: int = 0


def _start_kernel(cwd: str, token: str) -> _Kernel:
    from nbclient import NotebookClient  # only the workers run notebooks: keeps `mangfold run` quick to start

    # One notebook per core already runs in parallel: a multi-threaded maths library in every
    # kernel only oversubscribes the cores (small SVDs became ~100x slower). Kernels inherit this.
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    # Notebooks only read the store: a kernel keeps its connection open between queries (and jobs).
    os.environ.setdefault(KEEP_OPEN_ENV, "1")
    client = NotebookClient(nbformat.v4.new_notebook(), kernel_name="python3", startup_timeout=120)
    client.km = client.create_kernel_manager()
    client.km.transport = "ipc"  # Unix sockets: local, no TCP ports (and no warning about unencrypted TCP)
    sockets = tempfile.mkdtemp(prefix="mangfold-kernel-")
    client.km.ip = os.path.join(sockets, "k")
    client.start_new_kernel(cwd=cwd)
    client.start_new_kernel_client()
    k = _Kernel(client, token, sockets)
    global _finalizer_registered
    with _all_lock:
        if not _finalizer_registered:
            _finalizer_registered = True
            multiprocessing.util.Finalize(None, shutdown_kernels, exitpriority=100)  # worker processes skip atexit
            atexit.register(shutdown_kernels)
        _all_kernels.append(k)
    return k


def _shutdown(k: _Kernel | None) -> None:
    if k is None:
        return
    proc = getattr(getattr(k.client.km, "provisioner", None), "process", None)
    try:
        k.client._cleanup_kernel()
    except Exception:  # noqa: BLE001 - a dead kernel is already shut down
        pass
    if proc is not None and proc.poll() is None:  # e.g. shut down from another thread's event loop
        proc.kill()
        proc.wait(timeout=10)
    shutil.rmtree(k.sockets, ignore_errors=True)
    with _all_lock:
        if k in _all_kernels:
            _all_kernels.remove(k)


def shutdown_kernels() -> int:
    """Shut down every warm kernel of this process (Dask: ``client.run(shutdown_kernels)``); returns
    how many there were. A worker thread whose kernel is gone starts a new one on its next notebook."""
    with _all_lock:
        ks = list(_all_kernels)
    for k in ks:
        _shutdown(k)
    _local.kernel = None
    return len(ks)


def _alive(k: _Kernel | None) -> bool:
    if k is None or k.client.km is None:
        return False

    async def check():
        return await ensure_async(k.client.km.is_alive())

    return bool(run_sync(check)())


def _kernel(cwd: str, token: str) -> _Kernel:
    k = getattr(_local, "kernel", None)
    alive = _alive(k)
    if alive and k.token == token and k.runs < MAX_NOTEBOOKS_PER_KERNEL:
        return k
    _shutdown(k)
    _local.kernel = _start_kernel(cwd, token)
    return _local.kernel


_RESET = """get_ipython().run_line_magic("reset", "-f")
import gc as _gc, os as _os, sys as _sys
_os.chdir({cwd!r})
_os.environ[{env!r}] = {notebook!r}
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
if {full_collect}:
    _gc.unfreeze()
_gc.collect()
_gc.freeze()
del _gc, _os, _sys
get_ipython().execution_count = 1
"""
#: a full garbage collection (frozen objects included) every this many notebooks per kernel
FULL_COLLECT_EVERY = 25


def _reset(k: _Kernel, cwd: str, notebook: str = "") -> None:
    code = _RESET.format(cwd=cwd, full_collect=k.runs % FULL_COLLECT_EVERY == 0, env=NOTEBOOK_ENV, notebook=notebook)
    reply = run_sync(k.client.kc.execute_interactive)(code, store_history=False,
                                                      timeout=120, output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"could not reset the kernel: {reply['content'].get('evalue', '')}")


#: The private or undocumented papermill, nbclient, jupyter_client and jupyter_core names the warm kernels
#: (:func:`_start_kernel`, :func:`_shutdown`, :func:`_alive`, :func:`_reset`, :func:`_register_engine`)
#: rely on, as dotted paths. tests/test_engine_internals.py checks that each exists, with the signature
#: this module expects, in the installed versions (pinned in requirements.lock), so that an upgrade
#: that changes one fails there, by name, rather than as a hung or wrong run.
ENGINE_INTERNALS: tuple[str, ...] = (
    "papermill.execute_notebook",
    "papermill.PapermillExecutionError",
    "papermill.engines.NBClientEngine.execute_managed_notebook",
    "papermill.engines.papermill_engines._engines",
    "papermill.engines.papermill_engines.register",
    "papermill.clientwrap.PapermillNotebookClient",
    "papermill.clientwrap.PapermillNotebookClient.execute",
    "papermill.log.logger",
    "papermill.utils.merge_kwargs",
    "papermill.utils.remove_args",
    "nbclient.NotebookClient",
    "nbclient.NotebookClient.km",
    "nbclient.NotebookClient.kc",
    "nbclient.NotebookClient.kernel_manager_class",
    "nbclient.NotebookClient.startup_timeout",
    "nbclient.NotebookClient.create_kernel_manager",
    "nbclient.NotebookClient.start_new_kernel",
    "nbclient.NotebookClient.async_start_new_kernel",
    "nbclient.NotebookClient.start_new_kernel_client",
    "nbclient.NotebookClient.async_start_new_kernel_client",
    "nbclient.NotebookClient.setup_kernel",
    "nbclient.NotebookClient._cleanup_kernel",
    "nbclient.NotebookClient._async_cleanup_kernel",
    "jupyter_client.manager.AsyncKernelManager.transport",
    "jupyter_client.manager.AsyncKernelManager.ip",
    "jupyter_client.manager.AsyncKernelManager.start_kernel",
    "jupyter_client.manager.AsyncKernelManager.is_alive",
    "jupyter_client.manager.KernelManager.provisioner",
    "jupyter_client.provisioning.local_provisioner.LocalProvisioner.process",
    "jupyter_client.asynchronous.client.AsyncKernelClient.execute_interactive",
    "jupyter_core.utils.ensure_async",
    "jupyter_core.utils.run_sync",
)


def _register_engine() -> None:
    # papermill (and its nbclient engine) only on the workers: the scheduling process never runs a notebook
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    if ENGINE in papermill_engines._engines:
        return

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine on the worker's warm kernel (see the module docstring)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            k: _Kernel = kwargs.pop("warm_kernel")
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                 kernel_name=kernel_name, log=logger, log_output=log_output,
                                 stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, km=k.client.km, **final)
            client.kc = k.client.kc
            return client.execute(cleanup_kc=False)

    papermill_engines.register(ENGINE, WarmEngine)


def execute_job_warm(job: Job, token: str = "") -> JobResult:
    """Run one notebook with papermill on this worker's warm kernel (the same result as
    ``papermill.execute_notebook`` with a fresh kernel)."""
    import papermill as pm  # on the workers only (see _register_engine)

    t0 = time.perf_counter()
    job.output.parent.mkdir(parents=True, exist_ok=True)
    cwd = str(job.notebook.parent)
    k = None
    try:
        _register_engine()
        k = _kernel(cwd, token)
        k.runs += 1
        _reset(k, cwd, job.notebook.name)
        pm.execute_notebook(
            str(job.notebook), str(job.output), parameters=job.parameters, kernel_name="python3",
            engine_name=ENGINE, progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            warm_kernel=k,
        )
        return JobResult(job, True, time.perf_counter() - t0)
    except pm.PapermillExecutionError as exc:
        return _failed(job, t0, exc)
    except Exception as exc:  # kernel death, bad notebook JSON, ...: start afresh next time
        _shutdown(k)
        _local.kernel = None
        return _failed(job, t0, exc)


def _failed(job: Job, t0: float, exc: Exception) -> JobResult:
    """The result of a notebook that failed in a cell (papermill's error) or could not run at all."""
    from papermill import PapermillExecutionError  # loaded already: only a worker runs notebooks

    if isinstance(exc, PapermillExecutionError):
        msg = f"failed in cell {exc.exec_count or exc.cell_index}: {exc.ename}: {exc.evalue}"
    else:
        msg = f"could not run: {type(exc).__name__}: {exc}"
    return JobResult(job, False, time.perf_counter() - t0, f"{job.notebook.name} ({job.year}) {msg}")


_run_token: str | None = None


def execute_job_inprocess(job: Job, token: str = "") -> JobResult:
    """Run one notebook with papermill in this worker process (:mod:`mangfold.run.inprocess`)."""
    import papermill as pm  # on the workers only (see _register_engine)

    global _run_token
    t0 = time.perf_counter()
    job.output.parent.mkdir(parents=True, exist_ok=True)
    if token != _run_token:  # a new run on a long-lived (Dask) worker: stores may have been cut again
        release_kept()
        _run_token = token
    # Notebooks only read the store: keep its connection open between queries and notebooks.
    os.environ.setdefault(KEEP_OPEN_ENV, "1")
    try:
        inprocess.register_engine()
        pm.execute_notebook(
            str(job.notebook), str(job.output), parameters=job.parameters, kernel_name="python3",
            engine_name=inprocess.ENGINE, progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            notebook_dir=str(job.notebook.parent), notebook_name=job.notebook.name, notebook_env=NOTEBOOK_ENV,
        )
        return JobResult(job, True, time.perf_counter() - t0)
    except Exception as exc:  # a failed cell; bad notebook JSON, an unwritable output, ...
        return _failed(job, t0, exc)


#: the garbage collector's thresholds in a worker (Python's own: 700, 10, 10). A worker freezes what its
#: notebooks leave (:func:`gc.freeze`, :mod:`mangfold.run.inprocess`), so that almost nothing counts as
#: long-lived, and CPython 3.11 then collects everything unfrozen every 100 young collections: on the
#: 20-municipality subset the collections took 3.5 of the two workers' 78 CPU-s, 1.8 with these (the same
#: peak memory). When garbage is collected changes no result.
WORKER_GC_THRESHOLD = (50_000, 20, 100)


def run_task(task: Job | Callable[[], Published], token: str = "") -> JobResult | Published:
    """The one function every worker runs: a notebook job, or a publishing task."""
    if gc.get_threshold() != WORKER_GC_THRESHOLD:  # once per worker process
        gc.set_threshold(*WORKER_GC_THRESHOLD)
    if isinstance(task, Job):
        if task.requires and not _has_data(task):
            return JobResult(task, True, 0.0, skipped=True)
        if task.engine == "kernel":
            return execute_job_warm(task, token)
        return execute_job_inprocess(task, token)
    return task()


def _has_data(job: Job) -> bool:
    try:
        return has_any(job.parameters["store"], job.requires)
    except Exception:  # noqa: BLE001 - cannot tell: run the notebook, which reports the problem
        return True


# ------------------------------------------------------------------ pools
#: prctl(2) option: the signal this process gets when its parent ends (Linux).
PR_SET_PDEATHSIG = 1
#: seconds between two looks at the parent process by a worker's watch thread
PARENT_POLL_SECONDS = 1.0


def _die_with_parent(parent: int) -> None:
    """Pool worker initializer: end this worker when ``parent`` (the ``mangfold run`` process) ends,
    even by SIGKILL. On Linux the kernel sends SIGKILL at once (``PR_SET_PDEATHSIG``; the worker's
    kernels then see their parent gone); everywhere a daemon thread checks the parent every
    :data:`PARENT_POLL_SECONDS`, kills the kernels and exits."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watch thread does it
            pass
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="mangfold-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    with _all_lock:
        ks = list(_all_kernels)
    for k in ks:
        proc = getattr(getattr(k.client.km, "provisioner", None), "process", None)
        if proc is not None:
            proc.kill()
        shutil.rmtree(k.sockets, ignore_errors=True)
    os._exit(1)


class _LocalPool:
    def __init__(self, jobs: int):
        self.pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_die_with_parent, initargs=(os.getpid(),))

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def wait_any(self, futures):
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return done

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


class _DaskPool:
    def __init__(self, jobs: int, scheduler: str | None):
        try:  # optional dependency (pip install -e .[dask]): imported only for --executor dask
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExecutorError(MSG_NO_DASK) from exc
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="30s")
            else:
                self.cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                            dashboard_address=None)
                self.client = Client(self.cluster)
        except OSError as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise ExecutorError(f"--scheduler {scheduler}: cannot reach the Dask scheduler: {exc}") from exc

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False, key=f"mangfold-{uuid.uuid4().hex}")

    def wait_any(self, futures):
        from distributed import wait as dwait  # optional dependency, present once _DaskPool started

        return dwait(list(futures), return_when="FIRST_COMPLETED").done

    def close(self):
        try:  # leave no kernels behind on a long-lived cluster
            self.client.run(shutdown_kernels)
        except Exception:  # noqa: BLE001 - a worker that is gone has no kernels
            pass
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@contextmanager
def pool(executor: Executor, jobs: int, scheduler: str | None = None) -> Iterator[_LocalPool | _DaskPool]:
    if executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    # One notebook per core already runs in parallel: a multi-threaded maths library in every worker
    # (which runs the notebooks in process) only oversubscribes the cores. Workers inherit this.
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    p = _DaskPool(jobs, scheduler) if executor == "dask" else _LocalPool(jobs)
    try:
        yield p
    finally:
        p.close()


def _progress(total: int):
    return tqdm(total=total, desc="notebooks", unit="nb", file=sys.stderr, disable=None, dynamic_ncols=True)


#: rounds of the publication ledger per group at most (each sends some reports round again): marks made
#: to agree first, then the series planned as one system (see mangfold.publish.ledger.reconcile)
MAX_LEDGER_ROUNDS = 6


def execute_reports(reports: list[Report], *, executor: Executor = "local", jobs: int = 1,
                    scheduler: str | None = None,
                    ledger: Callable[[list[str], bool], tuple[list[str], list[str]]] | None = None,
                    prefetch: Callable[[str, Any], Any] | None = None,
                    ) -> dict[str, ReportOutcome]:
    """Run every report's notebooks, then its summary, its plan (which may send the notebooks round
    again) and its publishing; returns the outcome per report key. A report whose notebook fails is
    not published (its summary does not run).

    ``ledger(keys, last)``: called (in this process) when every report of a group (``Report.group``)
    is planned, with the keys of those that are ready; returns (keys whose notebooks must run again,
    or a dict of them to the names of the notebooks to run again, None for all; keys that must not
    be published: with ``last`` no more rounds are allowed). Reports of a group are
    published only after it. ``prefetch(key, read)``: called (in this process) when a report is planned
    and the rest of its group is not, so that the ledger can read it while the workers are busy, and
    whenever its plan hands over what it read (``read``: :attr:`Planned.read`, else None)."""
    total = sum(len(r.jobs) + (r.summary is not None) for r in reports)
    with pool(executor, jobs, scheduler) as p, _progress(total) as bar:
        s = _Schedule(reports, p, bar, ledger, prefetch)
        for r in reports:
            s.start(r)
        while s.pending:
            for f in p.wait_any(list(s.pending)):
                s.finished(f)
    return s.outcomes


class _Schedule:
    """The state of :func:`execute_reports`: what is running, and the step each report takes next
    when a task of it finishes (notebooks -> summary -> plan -> ledger of its group -> publish)."""

    def __init__(self, reports: list[Report], p, bar, ledger, prefetch=None):
        self.pool, self.bar, self.ledger, self.prefetch = p, bar, ledger, prefetch
        self.token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.outcomes = {r.key: ReportOutcome(r.key) for r in reports}
        self.by_key = {r.key: r for r in reports}
        self.remaining = {r.key: len(r.jobs) for r in reports}
        self.groups: dict[str, list[str]] = {}
        for r in reports:
            self.groups.setdefault(r.group, []).append(r.key)
        self.ready: set[str] = set()  # planned, waiting for the rest of the group
        self.done: set[str] = set()   # failed, or handed to publishing
        self.pending: dict[Any, tuple[str, str, Any]] = {}

    # ---------------------------------------------------------------- steps
    def submit(self, kind: str, key: str, task) -> None:
        self.pending[self.pool.submit(run_task, task, self.token)] = (kind, key, task)

    def start(self, r: Report, jobs: list[Job] | None = None) -> None:
        jobs = r.jobs if jobs is None else jobs
        self.remaining[r.key] = len(jobs)
        for j in jobs:
            self.submit("notebook", r.key, j)
        if not jobs:
            self.notebooks_done(r)

    def notebooks_done(self, r: Report) -> None:
        if not all(x.ok for x in self.outcomes[r.key].results):
            self.failed(r)
        elif r.summary is not None:
            self.submit("summary", r.key, r.summary)
        else:
            self.summary_done(r)

    def summary_done(self, r: Report) -> None:
        if r.plan is not None and self.outcomes[r.key].plan_passes < r.max_passes:
            self.submit("plan", r.key, _WithResults(r.plan, list(self.outcomes[r.key].results)))
        else:
            self.planned(r)

    def rerun(self, r: Report, only: frozenset[str] | None = None) -> None:
        """Run the report's notebooks again: all, or ``only`` those named (the others' results stand)."""
        out = self.outcomes[r.key]
        out.passes += 1
        jobs = [j for j in r.jobs if only is None or j.notebook.name in only]
        names = {j.notebook.name for j in jobs}
        names |= {r.summary.notebook.name} if r.summary is not None else set()
        out.results = [x for x in out.results if x.job.notebook.name not in names]
        self.bar.total += len(jobs) + (r.summary is not None)
        self.bar.refresh()
        self.start(r, jobs)

    def publish(self, r: Report) -> None:
        self.done.add(r.key)
        if r.publish is not None:
            self.submit("publish", r.key, _WithResults(r.publish, list(self.outcomes[r.key].results)))

    def failed(self, r: Report) -> None:
        self.done.add(r.key)
        members = self.groups[r.group]
        waiting = [k for k in members if k in self.ready]
        if waiting and all(k in self.ready or k in self.done for k in members):
            self.planned(self.by_key[waiting[0]])

    def planned(self, r: Report, read: Any = None) -> None:
        """The report is safe on its own: reconcile its group once every member is. ``read``: what its
        plan read for the ledger (:attr:`Planned.read`)."""
        if self.ledger is None:
            self.publish(r)
            return
        self.ready.add(r.key)
        members = self.groups[r.group]
        complete = all(k in self.ready or k in self.done for k in members)
        if self.prefetch is not None and (read is not None or not complete):
            self.prefetch(r.key, read)
        if not complete:
            return
        keys = [k for k in members if k in self.ready and k not in self.done]
        rounds = max(self.outcomes[k].ledger_rounds for k in keys)
        again, refused = self.ledger(keys, rounds + 1 >= MAX_LEDGER_ROUNDS)
        for k in keys:
            self.outcomes[k].ledger_rounds = rounds + 1
            if k in refused or k in again:
                self.ready.discard(k)
            if k in refused:
                self.done.add(k)
                self.outcomes[k].published = Published(k, False, (
                    f"mangfold run: {k} would show cells that another report published with it hides, "
                    "and the ledger could not reconcile them; nothing published.",))
            elif k in again:
                self.outcomes[k].plan_passes = 1
                self.rerun(self.by_key[k], again.get(k) if isinstance(again, dict) else None)
        if not any(k in again for k in keys):
            for k in keys:
                if k not in self.done:
                    self.publish(self.by_key[k])

    # ---------------------------------------------------------------- a task finished
    def finished(self, f) -> None:
        kind, key, task = self.pending.pop(f)
        r, out = self.by_key[key], self.outcomes[key]
        try:
            res = f.result()
        except Exception as exc:  # a worker died
            if kind in ("plan", "publish"):
                res = Published(key, False, (f"mangfold run: {'planning' if kind == 'plan' else 'publishing'}"
                                             f" {key} failed: {type(exc).__name__}: {exc}",))
            else:
                res = JobResult(task, False, 0.0, f"{task.notebook.name} ({task.year}) could not run: "
                                                  f"{type(exc).__name__}: {exc}")
        if kind == "publish" or (kind == "plan" and isinstance(res, Published)):
            out.published = res
            if kind == "plan":
                self.failed(r)
            return
        if kind == "plan":
            if isinstance(res, Planned):  # nothing to change, and the tables read for the ledger
                self.planned(r, res.read)
            elif res:  # run the report's notebooks again (all, or those whose tables change)
                out.plan_passes += 1
                self.rerun(r, None if res is True else frozenset(res))
            else:
                self.planned(r)
            return
        out.results.append(res)
        out.executed += not res.skipped
        self.bar.update(1)
        if not res.ok:
            self.bar.write(f"FAILED: {key}: {res.error}")
        if kind == "notebook":
            self.remaining[key] -= 1
            if self.remaining[key] == 0:
                self.notebooks_done(r)
        elif res.ok:
            self.summary_done(r)
        else:
            self.failed(r)


@dataclass(frozen=True)
class _WithResults:
    """A planning or publishing task: ``fn(results)`` on a worker (picklable), ``results`` those of
    the report's notebooks in the last pass."""

    fn: Callable[[list[JobResult]], Any]
    results: list[JobResult]

    def __call__(self) -> Any:
        return self.fn(self.results)
