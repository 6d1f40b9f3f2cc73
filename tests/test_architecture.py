"""The package's import graph (../shared/spec/architecture.md): no circle anywhere, ``stats/`` imports
nothing of mangfold, ``analyses/`` never imports ``publish``, ``run`` or ``cli``.

Every module under src/mangfold is parsed with :mod:`ast` (not imported); relative imports are resolved,
and imports inside functions count as much as those at the top (they are edges all the same)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "mangfold"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name ``from <node.module>`` refers to inside ``module``."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]  # a module's relative imports start from its package
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _target(name: str, modules: dict[str, Path]) -> str | None:
    """The mangfold module ``name`` is, or lies in (``mangfold.store.connect`` -> ``mangfold.store``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """module -> the mangfold modules it imports (at any depth of its code)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node)
                # `from . import x` / `from .pkg import sub` may name submodules; else the names are attributes
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for name in names:
                if name == PACKAGE or name.startswith(PACKAGE + "."):
                    t = _target(name, modules)
                    if t and t != module:
                        graph[module].add(t)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _in(module: str, area: str) -> bool:
    name = f"{PACKAGE}.{area}"
    return module == name or module.startswith(name + ".")


GRAPH = import_graph()


def test_the_graph_is_built_from_every_module():
    assert {"mangfold.cli", "mangfold.store", "mangfold.run", "mangfold.run.jobs", "mangfold.run.plan",
            "mangfold.run.execute", "mangfold.run.report"} <= set(GRAPH)
    # relative imports resolved, function-level imports included (cli imports the commands inside them)
    assert "mangfold.run" in GRAPH["mangfold.cli"] and "mangfold.store" in GRAPH["mangfold.cli"]
    assert "mangfold.config" in GRAPH["mangfold.run.plan"]


def test_no_import_cycle():
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles (each a set of modules that import each other): " + "; ".join(
        " <-> ".join(c) for c in cycles)


def test_orchestration_imports_only_downward():
    run_graph = {m: {t for t in ts if _in(t, "run")} for m, ts in GRAPH.items() if _in(m, "run")}
    assert run_graph["mangfold.run.jobs"] == set()
    assert run_graph["mangfold.run.inprocess"] == set()
    assert run_graph["mangfold.run.execute"] == {"mangfold.run.jobs", "mangfold.run.inprocess"}
    assert run_graph["mangfold.run.report"] == {"mangfold.run.jobs"}
    assert run_graph["mangfold.run.plan"] == {"mangfold.run.jobs", "mangfold.run.report", "mangfold.run.execute"}
    below = ("config", "contract", "store", "partition", "publish", "tablespec")
    for m in run_graph:  # nothing above run (cli, the deprecated shims) and no analyses
        outside = {t for t in GRAPH[m] if not _in(t, "run")}
        assert all(any(_in(t, b) for b in below) or t == PACKAGE for t in outside), (m, outside)


def test_stats_imports_nothing_of_mangfold():
    bad = {m: {t for t in ts if not _in(t, "stats")} for m, ts in GRAPH.items() if _in(m, "stats")}
    assert not {m: ts for m, ts in bad.items() if ts}


def test_analyses_never_import_publish_run_or_cli():
    bad = {m: {t for t in ts if any(_in(t, x) for x in ("publish", "run", "cli"))}
           for m, ts in GRAPH.items() if _in(m, "analyses")}
    assert not {m: ts for m, ts in bad.items() if ts}


def test_publish_modules_share_only_public_names():
    """publish/ modules import each other's public names (``publish/model.py`` is their shared face),
    never a ``_private`` one."""
    modules = _modules()
    offences = []
    for name, path in modules.items():
        if not _in(name, "mangfold.publish"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = _resolve(name, path.name == "__init__.py", node)
                if not target.startswith("mangfold.publish"):
                    continue
                offences += [f"{name}: from {target} import {a.name}" for a in node.names
                             if a.name.startswith("_") and a.name != "__version__"]
    assert offences == []
