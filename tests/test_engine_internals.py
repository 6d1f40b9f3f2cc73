"""The warm-kernel engine (mangfold.run.execute: _start_kernel, _shutdown, _alive, _reset,
_register_engine) uses private or undocumented parts of papermill, nbclient, jupyter_client and
jupyter_core; the in-process engine (mangfold.run.inprocess) parts of papermill, IPython and pandas.
These tests check each of them (``ENGINE_INTERNALS`` of both modules) against the installed
versions without starting a kernel, so that an upgrade that renames or changes one fails here, by
name, rather than as a hung or wrong ``mangfold run``. The versions that pass are pinned in
requirements.lock: when one of these fails after ``make lock``, adapt run/execute.py to the new release
(and the expectations below) or keep the old pin."""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import version
from pathlib import Path

import pytest

from mangfold.run import execute, inprocess

ENGINE_INTERNALS = execute.ENGINE_INTERNALS + inprocess.ENGINE_INTERNALS

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PACKAGES = ("papermill", "nbclient", "jupyter_client", "jupyter_core", "ipython", "pandas")

_missing = object()
ATTRIBUTE = "attribute"  # exists; not called (a trait, a registry, a logger, an instance attribute)

#: what run/execute.py expects of each internal: the signature without annotations (as written by
#: ``str(inspect.Signature)``), or ATTRIBUTE. Keep the keys equal to ENGINE_INTERNALS.
EXPECTED: dict[str, str] = {
    "papermill.execute_notebook": (
        "(input_path, output_path, parameters=None, engine_name=None, request_save_on_cell_execute=True, "
        "prepare_only=False, kernel_name=None, language=None, progress_bar=True, log_output=False, "
        "stdout_file=None, stderr_file=None, start_timeout=60, report_mode=False, cwd=None, **engine_kwargs)"),
    "papermill.PapermillExecutionError": "(cell_index, exec_count, source, ename, evalue, traceback)",
    # WarmEngine overrides it: papermill calls it with these names
    "papermill.engines.NBClientEngine.execute_managed_notebook": (
        "(nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None, start_timeout=60, "
        "execution_timeout=None, **kwargs)"),
    "papermill.engines.papermill_engines._engines": ATTRIBUTE,
    "papermill.engines.papermill_engines.register": "(name, engine)",
    "papermill.clientwrap.PapermillNotebookClient": "(nb_man, km=None, raise_on_iopub_timeout=True, **kw)",
    "papermill.clientwrap.PapermillNotebookClient.execute": "(self, **kwargs)",
    "papermill.log.logger": ATTRIBUTE,
    "papermill.utils.merge_kwargs": "(caller_args, **callee_args)",
    "papermill.utils.remove_args": "(args=None, **kwargs)",
    "nbclient.NotebookClient": "(nb, km=None, **kw)",
    "nbclient.NotebookClient.km": ATTRIBUTE,
    "nbclient.NotebookClient.kc": ATTRIBUTE,
    "nbclient.NotebookClient.kernel_manager_class": ATTRIBUTE,
    "nbclient.NotebookClient.startup_timeout": ATTRIBUTE,
    "nbclient.NotebookClient.create_kernel_manager": "(self)",
    # the sync names are run_sync wrappers, (*args, **kwargs): their async originals carry the signature
    "nbclient.NotebookClient.start_new_kernel": "(*args, **kwargs)",
    "nbclient.NotebookClient.async_start_new_kernel": "(self, **kwargs)",
    "nbclient.NotebookClient.start_new_kernel_client": "(*args, **kwargs)",
    "nbclient.NotebookClient.async_start_new_kernel_client": "(self)",
    "nbclient.NotebookClient.setup_kernel": "(self, **kwargs)",
    "nbclient.NotebookClient._cleanup_kernel": "(*args, **kwargs)",
    "nbclient.NotebookClient._async_cleanup_kernel": "(self)",
    "jupyter_client.manager.AsyncKernelManager.transport": ATTRIBUTE,
    "jupyter_client.manager.AsyncKernelManager.ip": ATTRIBUTE,
    "jupyter_client.manager.AsyncKernelManager.start_kernel": "(self, **kw)",
    "jupyter_client.manager.AsyncKernelManager.is_alive": "(self)",
    "jupyter_client.manager.KernelManager.provisioner": ATTRIBUTE,
    "jupyter_client.provisioning.local_provisioner.LocalProvisioner.process": ATTRIBUTE,
    "jupyter_client.asynchronous.client.AsyncKernelClient.execute_interactive": (
        "(self, code, silent=False, store_history=True, user_expressions=None, allow_stdin=None, "
        "stop_on_error=True, timeout=None, output_hook=None, stdin_hook=None)"),
    "jupyter_core.utils.ensure_async": "(obj)",
    "jupyter_core.utils.run_sync": "(coro)",
    # the in-process engine (run/inprocess.py)
    "papermill.engines.Engine.execute_managed_notebook": "(nb_man, kernel_name, **kwargs)",
    "IPython.core.interactiveshell.InteractiveShell.run_cell": (
        "(self, raw_cell, store_history=False, silent=False, shell_futures=True, cell_id=None, cell_meta=None)"),
    "IPython.core.interactiveshell.InteractiveShell.reset": "(self, new_session=True, aggressive=False)",
    "IPython.core.interactiveshell.InteractiveShell._showtraceback": "(self, etype, evalue, stb)",
    "IPython.core.interactiveshell.InteractiveShell.enable_gui": "(self, gui=None)",
    "IPython.core.interactiveshell.InteractiveShell.display_pub_class": ATTRIBUTE,
    "IPython.core.interactiveshell.InteractiveShell.displayhook_class": ATTRIBUTE,
    "IPython.core.interactiveshell.InteractiveShell.cache_size": ATTRIBUTE,
    "IPython.core.displayhook.DisplayHook.start_displayhook": "(self)",
    "IPython.core.displayhook.DisplayHook.write_output_prompt": "(self)",
    "IPython.core.displayhook.DisplayHook.write_format_data": "(self, format_dict, md_dict=None)",
    "IPython.core.displayhook.DisplayHook.finish_displayhook": "(self)",
    "IPython.core.displayhook.DisplayHook.prompt_count": ATTRIBUTE,
    # its `source` default is a fresh sentinel object: checked by name in the test below
    "IPython.core.displaypub.DisplayPublisher.publish": ATTRIBUTE,
    "IPython.core.displaypub.DisplayPublisher.clear_output": "(self, wait=False)",
    "pandas.io.formats.console.in_ipython_frontend": "()",
}

#: coroutine functions that run/execute.py runs with run_sync/ensure_async
ASYNC = ("nbclient.NotebookClient.async_start_new_kernel", "nbclient.NotebookClient.async_start_new_kernel_client",
         "nbclient.NotebookClient._async_cleanup_kernel", "jupyter_client.manager.AsyncKernelManager.is_alive",
         "jupyter_client.manager.AsyncKernelManager.start_kernel",
         "jupyter_client.asynchronous.client.AsyncKernelClient.execute_interactive")


def _locked() -> dict[str, str]:
    out = {}
    if LOCK.is_file():
        for line in LOCK.read_text(encoding="utf-8").splitlines():
            if "==" in line and not line.startswith("#"):
                name, v = line.split("==", 1)
                out[name.strip().lower().replace("_", "-")] = v.strip()
    return out


def _versions() -> str:
    locked = _locked()
    return ", ".join(f"{p} {version(p)} (requirements.lock: {locked.get(p.replace('_', '-'), 'not pinned')})"
                     for p in PACKAGES)


def _why(path: str, problem: str) -> str:
    module = "inprocess.py" if path in inprocess.ENGINE_INTERNALS else "execute.py"
    return (f"mangfold's notebook engine (src/mangfold/run/{module}) uses {path}, which {problem} in the "
            f"installed versions: {_versions()}. Install the versions pinned in {LOCK.name} "
            f"(pip install -c {LOCK.name} -e '.[test]'), or adapt src/mangfold/run/{module} and "
            f"tests/test_engine_internals.py to the new release before you commit a lock that has it.")


def _instance(cls):
    """An instance to look instance attributes up on (set in ``__init__``, not on the class)."""
    import nbformat
    from nbclient import NotebookClient

    if issubclass(cls, NotebookClient):
        return cls(nbformat.v4.new_notebook())
    return None


def _resolve(path: str):
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            nxt = getattr(obj, name, _missing)
            if nxt is _missing and inspect.isclass(obj):
                inst = _instance(obj)
                nxt = _missing if inst is None else getattr(inst, name, _missing)
            if nxt is _missing:
                return _missing
            obj = nxt
        return obj
    return _missing


def _plain_signature(obj) -> str:
    sig = inspect.signature(obj)
    return str(sig.replace(parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
                           return_annotation=inspect.Signature.empty))


def test_every_internal_has_an_expectation():
    assert sorted(EXPECTED) == sorted(ENGINE_INTERNALS), \
        "ENGINE_INTERNALS of run.execute and run.inprocess and EXPECTED here must list the same names"


@pytest.mark.parametrize("path", ENGINE_INTERNALS)
def test_internal_exists_with_the_expected_signature(path):
    obj = _resolve(path)
    assert obj is not _missing, _why(path, "does not exist")
    want = EXPECTED[path]
    if want == ATTRIBUTE:
        return
    assert callable(obj), _why(path, "is not callable")
    got = _plain_signature(obj)
    assert got == want, _why(path, f"has the signature {got}, not {want}")
    if path in ASYNC:
        assert inspect.iscoroutinefunction(obj), _why(path, "is not a coroutine function")


def test_internals_behave_as_the_engine_assumes():
    """What a signature does not show: the values and code paths the warm engine depends on."""
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import Engine, NBClientEngine, papermill_engines

    p = "papermill.engines.papermill_engines._engines"
    assert isinstance(papermill_engines._engines, dict), _why(p, "is not a dict of engines")
    assert issubclass(NBClientEngine, Engine) and "nbclient" in papermill_engines._engines, \
        _why("papermill.engines.NBClientEngine", "is not registered as papermill's 'nbclient' engine")
    assert isinstance(inspect.getattr_static(NBClientEngine, "execute_managed_notebook"), classmethod), \
        _why("papermill.engines.NBClientEngine.execute_managed_notebook", "is not a classmethod")

    client = NotebookClient(nbformat.v4.new_notebook())
    assert client.km is None and client.kc is None and client.owns_km, \
        _why("nbclient.NotebookClient.km/kc/owns_km", "are not None, None, True on a new client")
    assert issubclass(client.kernel_manager_class, AsyncKernelManager), \
        _why("nbclient.NotebookClient.kernel_manager_class", "is not an AsyncKernelManager")
    # WarmEngine hands the warm kernel's km to papermill's client and keeps its kc open: the client must
    # not own the km, and execute(cleanup_kc=False) must reach setup_kernel, which must honour it.
    assert "cleanup_kc" in inspect.getsource(NotebookClient.setup_kernel), \
        _why("nbclient.NotebookClient.setup_kernel", "no longer takes cleanup_kc")
    assert "setup_kernel(**kwargs)" in inspect.getsource(PapermillNotebookClient.execute), \
        _why("papermill.clientwrap.PapermillNotebookClient.execute", "no longer passes its kwargs to setup_kernel")
    assert issubclass(PapermillNotebookClient, NotebookClient), \
        _why("papermill.clientwrap.PapermillNotebookClient", "is no longer an nbclient.NotebookClient")

    transport = AsyncKernelManager.class_traits()["transport"]
    assert "ipc" in transport.values, _why("jupyter_client.manager.AsyncKernelManager.transport", "has no 'ipc'")
    assert "ip" in AsyncKernelManager.class_traits(), _why("jupyter_client.manager.AsyncKernelManager.ip",
                                                           "is not a trait")


def test_internals_behave_as_the_in_process_engine_assumes():
    """What a signature does not show, for run/inprocess.py."""
    import pandas as pd
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from pandas.io.formats import console

    p = "IPython.core.displaypub.DisplayPublisher.publish"
    params = list(inspect.signature(DisplayPublisher.publish).parameters)
    assert params[:4] == ["self", "data", "metadata", "source"] and {"transient", "update"} <= set(params), \
        _why(p, f"takes {params}")
    # the shell makes its publisher and display hook from these traits (what the engine replaces)
    for name in ("display_pub_class", "displayhook_class", "cache_size"):
        assert name in InteractiveShell.class_traits(), _why(f"IPython...InteractiveShell.{name}", "is not a trait")
    src = inspect.getsource(DisplayHook.__call__)
    for step in ("start_displayhook", "write_output_prompt", "compute_format_data", "write_format_data",
                 "finish_displayhook"):
        assert step in src, _why("IPython.core.displayhook.DisplayHook.__call__", f"no longer calls {step}")
    # pandas formats frames for a notebook front end when the shell's type name says zmq
    assert '"zmq" in str(type(ip)).lower()' in inspect.getsource(console.in_ipython_frontend), \
        _why("pandas.io.formats.console.in_ipython_frontend", "no longer looks for 'zmq' in the shell's type")
    assert pd.get_option("display.max_columns") in (0, 20), \
        _why("pandas option display.max_columns", "has a default the engine does not set (0 or 20)")
