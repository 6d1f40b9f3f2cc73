"""mangfold run: end to end on the small demo, atomic publish, missing optional tables,
default parameters, the report's shape, PDF and the browser."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mangfold.cli import main
from mangfold.run import list_notebooks, run
from mangfold.publish import render
from mangfold.store import ingest
from tests.helpers import write_tiny
from tools.nb import code, md, params_cell, write_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The three required tables only, run through every notebook."""
    base = tmp_path_factory.mktemp("tiny")
    data = write_tiny(base / "data")
    out = base / "out"
    status = run(years=[2025], data=data, store=base / "s.duckdb", out=out, jobs=2)
    return base, out, status


# ------------------------------------------------------------- the demo run
@pytest.mark.slow
@pytest.mark.xdist_group("demo_run")
def test_demo_run_publishes_the_layout(demo_run):
    assert demo_run.status == 0
    y = demo_run.out / str(demo_run.year)
    assert (y / "public" / "report.html").is_file()
    assert list((y / "public" / "tables").glob("*.csv"))
    assert (y / "restricted" / "quarantine.csv").is_file()
    executed = sorted(p.name for p in (y / "restricted" / "notebooks").glob("*.ipynb"))
    assert executed == [p.name for p in list_notebooks(NOTEBOOKS, "municipality")]  # one municipality: no national
    prov = json.loads((y / "provenance.json").read_text(encoding="utf-8"))
    for key in ("inputs", "params", "packages", "git_commit", "seed", "started", "finished"):
        assert key in prov
    assert prov["inputs"]["applications.csv"] == hashlib.sha256(
        (demo_run.data / "applications.csv").read_bytes()).hexdigest()
    lock = ROOT / "requirements.lock"  # the environment's lock: its hash, and whether it is what is installed
    assert prov["lock"]["sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    assert isinstance(prov["lock"]["matches"], bool) and isinstance(prov["lock"]["differs"], dict)
    assert not [p for p in demo_run.out.iterdir() if p.name.startswith(".")], "staging folders left behind"


@pytest.mark.slow
@pytest.mark.xdist_group("demo_run")
def test_report_has_no_code_no_errors_no_external_links(demo_run):
    html = (demo_run.out / str(demo_run.year) / "public" / "report.html").read_text(encoding="utf-8")
    assert 'lang="nb"' in html
    assert "jp-InputArea" not in html and "highlight-ipynb" not in html and "import " not in html
    for bad in ("Traceback", "Error:", "output_error", "jp-RenderedText\" data-mime-type=\"application/vnd.jupyter.stderr"):
        assert bad not in html
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', html)
    assert "<nav class=\"mf-toc\">" in html and 'id="Metode"' in html
    assert html.index("Sammendrag") < html.index("Datakvalitet") < html.index('id="Metode"')
    assert "data:image/png;base64," in html


@pytest.mark.slow
@pytest.mark.xdist_group("demo_run")
def test_public_tables_match_restricted_columns_minus_keys(demo_run):
    y = demo_run.out / str(demo_run.year)
    for pub in (y / "public" / "tables").glob("*.csv"):
        assert (y / "restricted" / "tables" / pub.name).is_file()
        assert pub.read_bytes().startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"


# ------------------------------------------------------ atomic publish
@pytest.mark.slow
def test_failing_notebook_leaves_previous_output_byte_identical(tmp_path, tiny_run, capsys):
    base, out, status = tiny_run
    assert status == 0
    prev = tmp_path / "out"
    shutil.copytree(out, prev)
    before = _tree_hashes(prev)
    nbdir = tmp_path / "nbs"
    shutil.copytree(NOTEBOOKS, nbdir)
    write_notebook(str(nbdir / "15-broken.ipynb"), [
        params_cell(), md("## Ødelagt"), code("x = 1"), code("raise RuntimeError('planted failure')")])
    rc = main(["run", "--year", "2025", "--store", str(base / "s.duckdb"), "--out", str(prev),
               "--notebooks", str(nbdir), "--jobs", "2"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "15-broken.ipynb" in err and "cell" in err and "planted failure" in err
    assert _tree_hashes(prev) == before
    assert not [p for p in prev.iterdir() if p.name.startswith(".")]


# --------------------------------------------- only the required tables
@pytest.mark.slow
def test_required_tables_only_runs_and_says_what_is_missing(tiny_run):
    base, out, status = tiny_run
    assert status == 0
    html = (out / "2025" / "public" / "report.html").read_text(encoding="utf-8")
    assert "Valgfrie tabeller som mangler" in html and "workforce" in html


@pytest.mark.slow
def test_same_inputs_same_tables(tmp_path, tiny_run):
    base, out, _ = tiny_run
    out2 = tmp_path / "again"
    assert run(years=[2025], store=base / "s.duckdb", out=out2, jobs=2) == 0
    a = _tree_hashes(out / "2025" / "public" / "tables")
    b = _tree_hashes(out2 / "2025" / "public" / "tables")
    assert a == b and a


# ------------------------------------------------------ default parameters
@pytest.mark.slow
def test_every_notebook_runs_with_its_default_parameters(tmp_path):
    """As a researcher opens it in JupyterLab: no parameters injected, default store and params."""
    import papermill as pm

    home = tmp_path / "home"
    (home / "params").mkdir(parents=True)
    shutil.copy(ROOT / "params" / "default.yaml", home / "params" / "default.yaml")
    ingest(write_tiny(tmp_path / "data"), home / "outputs" / "mangfold.duckdb")
    old = os.environ.get("MANGFOLD_HOME")
    os.environ["MANGFOLD_HOME"] = str(home)
    try:
        for nb in list_notebooks(NOTEBOOKS):
            pm.execute_notebook(str(nb), str(tmp_path / nb.name), kernel_name="python3", progress_bar=False,
                                cwd=str(NOTEBOOKS))
    finally:
        if old is None:
            os.environ.pop("MANGFOLD_HOME")
        else:
            os.environ["MANGFOLD_HOME"] = old
    assert (home / "outputs" / "interactive" / "2025").is_dir()


# ------------------------------------------------------------ PDF / browser
def test_pdf_without_browser_is_a_clear_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(render, "chromium_path", lambda: None)
    store = tmp_path / "s.duckdb"
    ingest(write_tiny(tmp_path / "d"), store)
    rc = main(["run", "--year", "2025", "--store", str(store), "--out", str(tmp_path / "o"), "--pdf"])
    assert rc == 2
    assert "Chromium" in capsys.readouterr().err
    assert not (tmp_path / "o" / "2025").exists()


@pytest.mark.slow
@pytest.mark.xdist_group("demo_run")
def test_report_renders_figures_in_headless_chromium(demo_run, tmp_path):
    exe = render.chromium_path()
    if exe is None:
        pytest.skip("no headless Chromium on this machine (Debian package `chromium`); .ci/run installs it")
    report = demo_run.out / str(demo_run.year) / "public" / "report.html"
    pdf = render.print_pdf(report, tmp_path / "r.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    n_img = len(re.findall(rb"/Subtype\s*/Image", data))
    n_fig = report.read_text(encoding="utf-8").count("data:image/png;base64,")
    assert n_fig >= 1 and n_img >= 1, (n_fig, n_img)
    # the DOM after load: every <img> decoded (naturalWidth > 0). The report forbids scripts (its
    # Content-Security-Policy), so the probe runs in a copy without that one line, and the report
    # itself must still hold exactly one CSP meta tag.
    page = report.read_text(encoding="utf-8")
    csp = re.findall(r'<meta http-equiv="Content-Security-Policy"[^>]*>', page)
    assert len(csp) == 1 and "script-src 'none'" in csp[0], csp
    script = tmp_path / "check.html"
    script.write_text(page.replace(csp[0], "").replace(
        "</body>", "<script>window.onload=()=>{const bad=[...document.images].filter(i=>!i.naturalWidth).length;"
                   "document.title='IMAGES:'+document.images.length+':BROKEN:'+bad;}</script></body>"), encoding="utf-8")
    r = subprocess.run([exe, *render.CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'prof'}", "--dump-dom",
                        "--virtual-time-budget=5000", script.as_uri()], capture_output=True, text=True, timeout=120)
    m = re.search(r"<title>IMAGES:(\d+):BROKEN:(\d+)</title>", r.stdout)
    assert m, r.stderr[-500:]
    assert int(m.group(1)) == n_fig and int(m.group(2)) == 0
