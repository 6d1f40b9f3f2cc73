"""Notebooks executed by papermill inside the worker process: no kernel, no messages.

A warm kernel (:mod:`mangfold.run.execute`) still costs every notebook a round of Jupyter messages: each
cell's code goes out over ZeroMQ, every display (a table, a figure's PNG) comes back serialised, and
the worker decodes it into the notebook. With seven small notebooks per municipality report that was,
with kernel start-up, about a fifth of a ``--municipality all`` run (4.2 CPU-s per report with warm
kernels, 3.3 with this engine, on 2026-12-04). This engine runs the cells in the worker itself, on an IPython
:class:`~IPython.core.interactiveshell.InteractiveShell` (the shell a kernel wraps), and writes the same
notebook: papermill injects the parameters, records each cell's start, end and status and
raises :class:`papermill.PapermillExecutionError` on a failed cell, as with any engine.

What a cell leaves is what a kernel would send:

* ``display()`` output as ``display_data`` (the shell's display publisher is replaced by one that
  appends to the running cell);
* a last expression's value as ``execute_result``, with the cell's execution count;
* text written to ``sys.stdout``/``sys.stderr`` (warnings too) as ``stream`` outputs, consecutive
  writes to the same stream in one output (as nbclient joins them);
* an exception as an ``error`` output (name, value, the shell's traceback lines), after which no
  further cell runs.

Before each notebook the namespace is cleared (``%reset -f``), figures are closed, the execution count
starts at 1 and the working directory is the notebook's folder (given back afterwards, with
``sys.modules["__main__"]`` and the environment variable naming the notebook), so a notebook sees only
its own variables; imported modules stay loaded, as in a warm kernel.

The engine runs notebooks one at a time per process (a lock), and while a cell runs the process's
working directory and output streams are the notebook's: the local pool and the Dask cluster that
``mangfold run`` starts have one thread per worker; give the workers of another cluster one thread each
(``dask worker --nthreads 1``) or use warm kernels. A notebook that ends the process (a crash in a C
extension) ends the worker with it, and the run reports the reports it took with it as failed; a kernel
would only have lost itself. tests/test_inprocess.py checks that the two engines write the same outputs.
"""

from __future__ import annotations

import base64
import functools
import gc
import io
import os
import sys
import threading
import warnings
from typing import Any

ENGINE = "mangfold-inprocess"

#: The papermill, IPython and pandas names (some private) this engine relies on, as dotted paths.
#: tests/test_engine_internals.py checks each against the installed versions (pinned in
#: requirements.lock), so that an upgrade that changes one fails there, by name.
ENGINE_INTERNALS: tuple[str, ...] = (
    "papermill.engines.Engine.execute_managed_notebook",
    "IPython.core.interactiveshell.InteractiveShell.run_cell",
    "IPython.core.interactiveshell.InteractiveShell.reset",
    "IPython.core.interactiveshell.InteractiveShell._showtraceback",
    "IPython.core.interactiveshell.InteractiveShell.enable_gui",
    "IPython.core.interactiveshell.InteractiveShell.display_pub_class",
    "IPython.core.interactiveshell.InteractiveShell.displayhook_class",
    "IPython.core.interactiveshell.InteractiveShell.cache_size",
    "IPython.core.displayhook.DisplayHook.start_displayhook",
    "IPython.core.displayhook.DisplayHook.write_output_prompt",
    "IPython.core.displayhook.DisplayHook.write_format_data",
    "IPython.core.displayhook.DisplayHook.finish_displayhook",
    "IPython.core.displayhook.DisplayHook.prompt_count",
    "IPython.core.displaypub.DisplayPublisher.publish",
    "IPython.core.displaypub.DisplayPublisher.clear_output",
    "pandas.io.formats.console.in_ipython_frontend",
)

_lock = threading.Lock()
_shell = None


class _Cell:
    """The outputs of the cell that runs now."""

    outputs: list[dict] | None = None

    @classmethod
    def append(cls, out: dict) -> None:
        if cls.outputs is not None:
            cls.outputs.append(out)

    @classmethod
    def stream(cls, name: str, text: str) -> None:
        outs = cls.outputs
        if outs is None or not text:
            return
        if outs and outs[-1]["output_type"] == "stream" and outs[-1]["name"] == name:
            outs[-1]["text"] += text
        else:
            outs.append({"output_type": "stream", "name": name, "text": text})


class _Stream:
    """``sys.stdout``/``sys.stderr`` while a cell runs."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name: str):
        self.name = name

    def write(self, text: str) -> int:
        _Cell.stream(self.name, str(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        # no file descriptor of its own: what C code writes to the process's fd 1 or 2 goes to the
        # worker's terminal, not into the notebook
        raise io.UnsupportedOperation("a notebook cell's output stream has no file descriptor")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as a kernel shows it: on the cell's stderr (whatever the host process does with
    warnings, e.g. a test runner that records them)."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """A mime bundle as the notebook stores it (ipykernel's ``json_clean``: bytes as base64 text)."""
    return {k: (base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v) for k, v in data.items()}


def _make_shell():
    # IPython (and pandas) only in a process that runs notebooks: importing this module costs nothing
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            _Cell.append({"output_type": "display_data", "data": _clean(data), "metadata": metadata or {}})

        def clear_output(self, wait=False):
            if _Cell.outputs is not None:
                _Cell.outputs.clear()

    class Hook(DisplayHook):
        """A last expression's value as ``execute_result`` (what ipykernel's display hook sends)."""

        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            _Cell.append({"output_type": "execute_result", "execution_count": self.prompt_count,
                          "data": _clean(format_dict), "metadata": md_dict or {}})

        def finish_displayhook(self):
            pass

    # pandas formats a frame's text for a notebook front end (display.width, not the terminal's size)
    # only when the shell's type name says "zmq" (pandas.io.formats.console.in_ipython_frontend), as a
    # kernel's does: so the name, for the same text/plain output as a kernel's
    class ZMQLikeShell(InteractiveShell):
        display_pub_class = Type(Publisher)
        displayhook_class = Type(Hook)

        def _showtraceback(self, etype, evalue, stb):
            _Cell.append({"output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                          "evalue": str(evalue), "traceback": list(stb)})

        def enable_gui(self, gui=None):  # no event loop here
            pass

    cfg = Config()
    cfg.HistoryManager.enabled = False  # no sqlite history file per worker
    cfg.HistoryAccessor.enabled = False
    cfg.InteractiveShell.colors = "nocolor"
    # no output cache (Out, _, __): nothing reads it in a batch run, and a shell with one collects garbage
    # in every reset before the namespace is cleared (in vain); _reset collects after, every few notebooks
    cfg.InteractiveShell.cache_size = 0
    # pandas chose its console defaults when this process imported it, outside any shell, as for a
    # terminal (max_columns 0: fit the terminal); a kernel's are a notebook front end's (20 columns)
    import pandas as pd

    pd.set_option("display.max_columns", 20)
    main = sys.modules.get("__main__")
    try:
        shell = ZMQLikeShell.instance(config=cfg)
    finally:  # the shell puts its namespace there while a cell runs, not for the worker's life
        if main is not None:
            sys.modules["__main__"] = main
    # IPython's static input transformations (magics, shell escapes, prompts) are a function of the
    # cell's text, and a run repeats every notebook's cells in each report: tokenized once per text
    manager = shell.input_transformer_manager
    manager.transform_cell = functools.lru_cache(maxsize=4096)(manager.transform_cell)
    return shell


def shell():
    """This process's shell (made on first use)."""
    global _shell
    if _shell is None:
        _shell = _make_shell()
    return _shell


#: a collection of what the notebooks left (then frozen) every this many notebooks per process: each
#: costs about 9 ms, and the garbage of a few notebooks (closed figures, frames) may wait for it
COLLECT_EVERY = 3
#: a full garbage collection (frozen objects included) every this many notebooks per process (a
#: multiple of COLLECT_EVERY, so that the unfrozen objects are collected at once)
FULL_COLLECT_EVERY = 24
_runs = 0


def _reset(sh, notebook: str, env: str) -> None:
    """A clean namespace; every :data:`COLLECT_EVERY` notebooks the garbage collected and the surviving
    objects (mostly imported modules) frozen, so that later garbage collections need not scan them
    (as the warm kernels do)."""
    global _runs
    sh.reset(new_session=False)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if _runs % FULL_COLLECT_EVERY == 0:
        gc.unfreeze()
    if _runs % COLLECT_EVERY == 0:
        gc.collect()
        gc.freeze()
    _runs += 1
    sh.execution_count = 1
    os.environ[env] = notebook


def run_cells(nb_man, notebook_dir: str, notebook: str, env: str) -> None:
    """Execute ``nb_man.nb`` cell by cell in this process (see the module docstring)."""
    from nbformat import from_dict  # only where notebooks run

    with _lock:
        sh = shell()
        cwd, main, old_env = os.getcwd(), sys.modules.get("__main__"), os.environ.get(env)
        out, err = sys.stdout, sys.stderr
        try:
            os.chdir(notebook_dir)
            _reset(sh, notebook, env)
            sys.modules["__main__"] = sh.user_module
            for index, cell in enumerate(nb_man.nb.cells):
                failed = False
                try:
                    nb_man.cell_start(cell, index)
                    if cell.cell_type != "code":
                        continue
                    cell.outputs = []
                    if not cell.source.strip():
                        continue
                    _Cell.outputs = outputs = []
                    sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
                    show, warnings.showwarning = warnings.showwarning, _show_warning
                    try:
                        count = sh.execution_count
                        result = sh.run_cell(cell.source, store_history=True)
                    finally:
                        sys.stdout, sys.stderr = out, err
                        warnings.showwarning = show
                        _Cell.outputs = None
                    cell.execution_count = count
                    cell.outputs = [from_dict(o) for o in outputs]
                    failed = not result.success
                    if failed:
                        nb_man.cell_exception(cell, cell_index=index, exception=result.error_in_exec
                                              or result.error_before_exec)
                finally:
                    nb_man.cell_complete(cell, cell_index=index)
                if failed:
                    break
            nb_man.nb.metadata["language_info"] = LANGUAGE_INFO
        finally:
            sys.stdout, sys.stderr = out, err
            if main is not None:
                sys.modules["__main__"] = main
            os.chdir(cwd)
            if old_env is None:
                os.environ.pop(env, None)
            else:
                os.environ[env] = old_env


#: what ipykernel reports as the kernel's language (papermill stores it in the notebook's metadata)
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": sys.version.split()[0],
}


def register_engine() -> None:
    """Register the engine with papermill (once per process)."""
    from papermill.engines import Engine, papermill_engines  # papermill only where notebooks run

    if ENGINE in papermill_engines._engines:
        return

    class InProcessEngine(Engine):
        """papermill engine: the cells run in this process (see the module docstring)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            run_cells(nb_man, kwargs["notebook_dir"], kwargs["notebook_name"], kwargs["notebook_env"])

    papermill_engines.register(ENGINE, InProcessEngine)
