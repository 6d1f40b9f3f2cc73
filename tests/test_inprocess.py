"""The in-process notebook engine (mangfold.run.inprocess) against a warm Jupyter kernel: the same
outputs cell by cell, the same failure, and nothing of a notebook left in the worker process."""

from __future__ import annotations

import os
import re
import sys

import nbformat
import pytest

from mangfold.run.execute import execute_job_inprocess, execute_job_warm, shutdown_kernels
from mangfold.run.jobs import Job
from tools.nb import code, md, params_cell, write_notebook

#: a notebook that leaves every kind of output a cell can: display() of several mime types, printed
#: text in two writes, a warning on stderr, a last expression's value (a frame wider than a terminal
#: would show, and a plain value), an image, a cell with no output, markdown
CELLS = [
    params_cell(),
    md("## Overskrift"),
    code("import warnings\nimport pandas as pd\nfrom IPython.display import Image, Markdown, display\n"
         "display(Markdown('**fet** tekst'))\nprint('første', end='')\nprint(' linje')\nprint('andre linje')"),
    code("warnings.warn('en advarsel')\nx = 41"),
    code("pd.DataFrame({f'kolonne_nummer_{i}': [i * 1.5, i / 7] for i in range(12)})"),
    code("x + 1"),
    code("x = x + 1;"),
    code("import base64\npng = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ'\n"
         "                         'DwAEhQGAhKmMIQAAAABJRU5ErkJggg==')\n"
         "display(Image(data=png, alt='en prikk'))"),
    code(""),
    code("import os\nprint(os.environ.get('MANGFOLD_NOTEBOOK'), os.path.basename(os.getcwd()))"),
]


def _normal(nb) -> list:
    """What a cell shows, without the timings papermill and nbclient record, and with the file name a
    warning names (a kernel compiles a cell as /tmp/ipykernel_<pid>/<hash>.py, a shell as
    <ipython-input-...>) taken out."""
    def out(o):
        if o.get("output_type") == "stream":
            return {**o, "text": re.sub(r"^\S+:(\d+): ", r"<cell>:\1: ", o["text"], flags=re.M)}
        return o

    return [(c.cell_type, c.source, c.get("execution_count"), [out(o) for o in c.get("outputs", [])],
             {k: v for k, v in c.metadata.items() if k not in ("papermill", "execution")}) for c in nb.cells]


def _cell(nb, start: str):
    """The code cell whose source starts with ``start``."""
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(start))


def _run(tmp_path, cells, name, engine, run):
    d = tmp_path / "nbs"
    d.mkdir(exist_ok=True)
    write_notebook(str(d / name), cells)
    job = Job(2025, d / name, tmp_path / engine / name, {"year": 2025}, engine=engine)
    result = run(job)
    return result, nbformat.read(job.output, as_version=4)


@pytest.mark.slow
def test_the_same_outputs_as_a_warm_kernel(tmp_path):
    try:
        warm, nb_warm = _run(tmp_path, CELLS, "10-alt.ipynb", "kernel", execute_job_warm)
    finally:
        shutdown_kernels()
    here, nb_here = _run(tmp_path, CELLS, "10-alt.ipynb", "inprocess", execute_job_inprocess)
    assert warm.ok and here.ok, (warm.error, here.error)
    assert _normal(nb_here) == _normal(nb_warm)
    assert nb_here.metadata["language_info"] == nb_warm.metadata["language_info"]
    kinds = [o.output_type for c in nb_here.cells for o in c.get("outputs", [])]
    # the test covers what it claims: every kind of output is there
    assert {"display_data", "stream", "execute_result"} <= set(kinds)
    streams = [(o.name, o.text) for c in nb_here.cells for o in c.get("outputs", []) if o.output_type == "stream"]
    assert streams[0] == ("stdout", "første linje\nandre linje\n")  # two prints, one output
    assert streams[1][0] == "stderr" and "UserWarning: en advarsel" in streams[1][1]
    assert streams[2] == ("stdout", "10-alt.ipynb nbs\n")  # the notebook's name and folder


@pytest.mark.slow
def test_a_failing_cell_stops_the_notebook_as_in_a_kernel(tmp_path):
    cells = [params_cell(), code("y = 1"), code("def f():\n    raise ValueError('plantet feil')\nf()"),
             code("print('skal ikke kjøre')")]
    try:
        warm, nb_warm = _run(tmp_path, cells, "30-feil.ipynb", "kernel", execute_job_warm)
    finally:
        shutdown_kernels()
    here, nb_here = _run(tmp_path, cells, "30-feil.ipynb", "inprocess", execute_job_inprocess)
    assert not warm.ok and not here.ok
    assert here.error == warm.error == "30-feil.ipynb (2025) failed in cell 4: ValueError: plantet feil"
    err_warm, err_here = (_cell(nb, "def f").outputs[0] for nb in (nb_warm, nb_here))
    assert (err_here.output_type, err_here.ename, err_here.evalue) == (err_warm.output_type, err_warm.ename,
                                                                        err_warm.evalue)
    assert any("plantet feil" in line for line in err_here.traceback)
    # nothing after the failure ran
    assert _cell(nb_here, "print").outputs == _cell(nb_warm, "print").outputs == []
    assert _cell(nb_here, "def f").metadata.papermill.exception is True


def test_notebooks_in_one_process_see_only_their_own_variables(tmp_path):
    main, cwd, stdout = sys.modules["__main__"], os.getcwd(), sys.stdout
    first, _ = _run(tmp_path, [params_cell(), code("hemmelig = 41\nimport os\nos.environ['X_LEFT'] = '1'")],
                    "10-a.ipynb", "inprocess", execute_job_inprocess)
    second, nb = _run(tmp_path, [params_cell(), code("print('hemmelig' in globals(), year)")],
                      "20-b.ipynb", "inprocess", execute_job_inprocess)
    assert first.ok and second.ok
    assert _cell(nb, "print").outputs[0].text == "False 2025\n"
    # counted from 1 in every notebook: the parameters cell, papermill's, then this one
    assert _cell(nb, "print").execution_count == 3
    # the worker is given back as it was: its __main__, working directory and output streams
    assert sys.modules["__main__"] is main and os.getcwd() == cwd and sys.stdout is stdout
    os.environ.pop("X_LEFT", None)


def test_a_syntax_error_is_a_failed_cell(tmp_path):
    result, nb = _run(tmp_path, [params_cell(), code("def (:")], "10-syntaks.ipynb", "inprocess",
                      execute_job_inprocess)
    assert not result.ok and "SyntaxError" in result.error
    assert _cell(nb, "def (").outputs[0].output_type == "error"


def test_an_unknown_engine_is_bad_input(tmp_path, monkeypatch, capsys):
    from mangfold.cli import main

    monkeypatch.setenv("MANGFOLD_ENGINE", "turbo")
    rc = main(["run", "--year", "2025", "--store", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "out")])
    assert rc == 2 and "unknown notebook engine 'turbo'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing written
    with pytest.raises(SystemExit) as exc:  # the option itself only takes the two names
        main(["run", "--year", "2025", "--engine", "turbo"])
    assert exc.value.code == 2


def test_cell_transformations_kept_per_text_are_ipythons():
    """The shell keeps IPython's static transformation of a cell's text (the same text in every
    report): the same code as a fresh transformer gives, the first time and the next."""
    from IPython.core.inputtransformer2 import TransformerManager

    from mangfold.run.inprocess import shell

    sources = ["x = 1\ny = 2\n", "%time x = 1\n", "!echo hi\n", "%%capture c\nprint(1)\n", "df?\n",
               "    indented = True\n", "for i in range(2):\n    print(i)\n"]
    manager = shell().input_transformer_manager
    for src in sources * 2:
        assert manager.transform_cell(src) == TransformerManager().transform_cell(src)
