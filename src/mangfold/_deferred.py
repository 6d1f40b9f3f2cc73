"""Start-up time: one import that does heavy work our processes never use, deferred to its first use.

nbformat (which papermill, nbconvert and the report's renderer use) imports jsonschema, and jsonschema
imports ``rfc3987_syntax`` when it is installed (jsonschema's ``format-nongpl`` extra, which jupyterlab
brings in through jupyter-events) to check the ``iri`` string format. ``rfc3987_syntax`` compiles an
Earley grammar with lark when it is imported: about 1 s of CPU in every process that imports nbformat
(the run's own process and each worker; 2 s on a slow machine), for a format no notebook schema uses.

:func:`defer_rfc3987_syntax` puts a stand-in module in ``sys.modules`` before anything imports the real
one. Its ``is_valid_syntax`` (the name jsonschema imports) and every other attribute import the real
module at first use, so jsonschema's ``iri`` check gives the same answers as before, only later; the
stand-in's ``__path__`` is the real package's, so its submodules import as usual.
tests/test_deferred.py checks both, and fails if jsonschema starts loading the grammar at import.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

#: the package whose import is deferred
NAME = "rfc3987_syntax"
_lock = threading.Lock()


def defer_rfc3987_syntax() -> bool:
    """Install the stand-in for :data:`NAME` unless it is imported already or not installed.
    Returns whether the stand-in is in place."""
    if NAME in sys.modules:
        return isinstance(sys.modules[NAME], _StandIn)
    spec = importlib.util.find_spec(NAME)
    if spec is None:
        return False
    stand_in = _StandIn(NAME, "A stand-in that imports rfc3987_syntax at first use (mangfold._deferred).")
    stand_in.__path__ = list(spec.submodule_search_locations or [])
    stand_in.__spec__ = spec  # importlib.util.find_spec(NAME) answers as before
    sys.modules[NAME] = stand_in
    return True


def _real() -> types.ModuleType:
    """The real module, imported now if only the stand-in is there."""
    with _lock:
        mod = sys.modules.get(NAME)
        if not isinstance(mod, _StandIn):
            return mod if mod is not None else importlib.import_module(NAME)
        del sys.modules[NAME]
        try:
            return importlib.import_module(NAME)
        except BaseException:
            sys.modules[NAME] = mod
            raise


def is_valid_syntax(term: str, value: str):
    """``rfc3987_syntax.is_valid_syntax``, imported at the first call."""
    return _real().is_valid_syntax(term, value)


class _StandIn(types.ModuleType):
    """The stand-in module: ``is_valid_syntax`` here, any other name from the real module."""

    is_valid_syntax = staticmethod(is_valid_syntax)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(_real(), name)
