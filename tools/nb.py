"""Developer helper: write an output-free notebook from a list of cells.

    from tools.nb import write_notebook, md, code, params_cell
    write_notebook("notebooks/30-rekruttering.ipynb", [params_cell(), code("..."), md("## ...")])

Cells tagged ``metode`` go to the report's method appendix; the ``parameters`` cell is tagged
for papermill and left out of the report.
"""

from __future__ import annotations

import nbformat

PARAMS_SOURCE = """# Parametere: papermill setter disse i den årlige kjøringen; standardverdiene virker i JupyterLab.
# year: rapportår (None = siste år i databasen)
year = None
# store: DuckDB-databasen (None = outputs/mangfold.duckdb)
store = None
# params: parameterfil (None = params/default.yaml)
params = None
# out: utmappe for året (None = outputs/interactive/<år>)
out = None"""


def md(source: str, *tags: str):
    c = nbformat.v4.new_markdown_cell(source.strip("\n"))
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def code(source: str, *tags: str):
    c = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def params_cell():
    return code(PARAMS_SOURCE, "parameters")


def write_notebook(path: str, cells: list, *, mangfold: dict | None = None) -> None:
    """Write ``cells`` as a notebook; ``mangfold`` is its ``metadata.mangfold`` (``scope``,
    ``requires``, ``topic``: see :mod:`mangfold.pipeline`)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    if mangfold:
        nb.metadata["mangfold"] = mangfold
    for i, c in enumerate(nb.cells):
        c["id"] = f"c{i:02d}"
    nbformat.write(nb, path)
