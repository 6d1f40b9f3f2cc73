"""Text from the data reaches the reader as text (issue 13, item 5): narrative Markdown with raw
HTML escaped, public CSV cells that a spreadsheet would run neutralised, and the audit catching
markup and formulas in a public folder; end to end on the demo with hostile names."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mangfold.publish.audit import audit, audit_injection
from mangfold.publish.context import Context, write_csv
from mangfold.publish.render import CHROMIUM_FLAGS, chromium_path
from mangfold.publish.safe import (
    TEXT_CLASS,
    formula_findings,
    is_formula,
    markdown_to_html,
    markup_findings,
    neutralise,
    neutralise_frame,
    restore,
    restore_frame,
    show_markdown,
)
from mangfold.tablespec import TableSpec

ROOT = Path(__file__).resolve().parents[2]
SECTOR = "Helse<img src=x onerror=alert(9)>"
BOARD = '=HYPERLINK("http://x","klikk")'
SCRIPT = "<script>alert(1)</script>"
FORMULAS = ('=HYPERLINK("http://x","klikk")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+2", "-2+3+cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1", "=1", "-", "+0,3 (-4,5 til +5,2)")
NUMBERS = ("-0.5", "-3", "+3", "-1e-4", "-0,5", "0.25", "12", ".5", "-.5", "1E+05")


# ------------------------------------------------------------------ narrative Markdown
def _tags(page: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][\w-]*)", page)}


@pytest.mark.parametrize("hostile", [SECTOR, SCRIPT, "<iframe src=//x></iframe>", '<a href="javascript:alert(1)">x</a>',
                                     "<svg/onload=alert(1)>", "<div>\n<script>alert(1)</script>\n</div>"])
def test_raw_html_is_shown_as_text(hostile):
    out = markdown_to_html(f"Sektoren **{hostile}** nådde målet.")
    assert _tags(out) <= {"p", "strong"}, out
    assert not markup_findings(out)
    assert "<strong>" in out or "\n" in hostile  # Markdown still works around the name
    assert html.escape(hostile).split("\n")[0] in out  # shown, as the reader typed it


def test_script_urls_and_images_are_not_rendered():
    assert 'href="#"' in markdown_to_html("[x](javascript:alert(1))")
    for url in ("JaVaScRiPt:alert(1)", "java&#115;cript:alert(1)", "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=",
                "//evil.example/x", "file:///etc/passwd"):
        out = markdown_to_html(f"[x]({url})")
        assert 'href="#"' in out and not markup_findings(out), (url, out)
    assert 'href="https://www.ks.no/"' in markdown_to_html("[KS](https://www.ks.no/)")
    assert 'href="tables/summary.csv"' in markdown_to_html("[tabellen](tables/summary.csv)")
    out = markdown_to_html('![bilde <b>](http://x/beacon.png "t") og ![a](x onerror=alert(1))')
    assert "<img" not in out and "bilde &lt;b&gt;" in out, out


def test_markdown_features_survive():
    out = markdown_to_html("**fet**, *kursiv*, `kode <b>`, ~~strøket~~\n\n- a & b\n- c\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    for tag in ("<strong>fet</strong>", "<em>kursiv</em>", "<code>kode &lt;b&gt;</code>", "<del>strøket</del>",
                "<li>a &amp; b</li>", "<table>"):
        assert tag in out, (tag, out)


def test_show_markdown_displays_html_in_the_marker(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    show_markdown(f"Kommune **{SCRIPT}**")
    (bundle, raw), = shown
    assert raw and bundle["text/html"].startswith(f'<div class="{TEXT_CLASS}">')
    assert "<script" not in bundle["text/html"] and "&lt;script&gt;" in bundle["text/html"]
    assert bundle["text/plain"] == f"Kommune **{SCRIPT}**"
    assert "<script" not in bundle["text/markdown"]  # a reader that prefers Markdown gets no raw HTML either


def test_notebooks_use_show_markdown():
    """No notebook (the notebooks are their own source) displays Markdown that nbconvert would read
    with raw HTML."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        assert "Markdown(" not in text, path.name
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        if "show_markdown(" in src:
            assert re.search(r"from mangfold\.publish import [^\n]*\bshow_markdown\b", src), path.name
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


# ------------------------------------------------------------------ CSV injection
@pytest.mark.parametrize("cell", FORMULAS)
def test_formulas_are_neutralised(cell):
    assert is_formula(cell)
    assert neutralise(cell) == "'" + cell and not is_formula(neutralise(cell))
    assert restore(neutralise(cell)) == cell


@pytest.mark.parametrize("cell", NUMBERS + ("Helse", "", "'quoted", "a=b", " =1", "–", "<5", "skjult"))
def test_numbers_and_text_stay(cell):
    assert not is_formula(cell)
    assert neutralise(cell) == cell and restore(cell) == cell


@pytest.mark.parametrize("cell", ["'=1", "''@x", "'-"])
def test_quoted_formulas_round_trip(cell):
    assert restore(neutralise(cell)) == cell and neutralise(cell) == "'" + cell


def test_neutralise_frame_leaves_numbers_and_restores_exactly():
    df = pd.DataFrame({"name": [BOARD, "Oslo", None, "-0.5", "@x"], "n": [-3, 4, 5, 6, 7],
                       "share": [-0.5, 0.1, None, 0.2, 0.3], BOARD: ["a", "b", "c", "d", "e"]})
    out = neutralise_frame(df)
    assert out["name"].tolist()[:2] == ["'" + BOARD, "Oslo"] and pd.isna(out["name"][2])
    assert out["name"][3] == "-0.5" and out["name"][4] == "'@x"
    assert out["n"].dtype == df["n"].dtype and out["share"].dtype == df["share"].dtype
    assert list(out.columns)[-1] == "'" + BOARD
    pd.testing.assert_frame_equal(restore_frame(out), df)
    assert df["name"][0] == BOARD  # the input is not changed


@pytest.mark.parametrize("seed", range(8))
def test_restore_frame_of_csv_text_cell_by_cell(seed, tmp_path):
    """A public CSV read as text, restored: each cell and column name as :func:`restore` gives it,
    the frame's types kept (most tables have nothing to restore, some a quoted formula)."""
    rng = np.random.default_rng(seed)
    pool = ["Oslo", "12", "<5", ":", "", "'=SUM(A1)", "'@x", "'-0.5x", "'+", "a'b", "''=1", "-0.5", "=1"]
    cols = [f"c{i}" for i in range(int(rng.integers(1, 6)))] + (["'=name"] if seed % 4 == 1 else [])
    df = pd.DataFrame({c: [pool[i] for i in rng.integers(0, len(pool) if seed % 2 else 5, size=7)] for c in cols})
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = restore_frame(text)
    assert list(out.columns) == [restore(c) for c in text.columns]
    assert list(out.dtypes) == list(text.dtypes)
    for c, rc in zip(text.columns, out.columns):
        assert out[rc].tolist() == [restore(v) for v in text[c].tolist()]
    assert text.equals(pd.read_csv(path, dtype=str, keep_default_na=False))  # the input is not changed


SECTORS = TableSpec(name="sectors", counts=("n",), dims=("sector",), derived={"n": ("share",)})


def test_public_csv_is_neutralised_restricted_raw_and_audit_matches(tmp_path):
    out = tmp_path / "2025"
    ctx = Context(2025, tmp_path / "none.duckdb", {"min_cell": 5}, out)
    df = pd.DataFrame({"sector": [BOARD, SECTOR, "-Oppvekst", "Kultur"], "n": [20, 30, 40, 50]})
    df["share"] = df["n"] / 140
    ctx.table(df, SECTORS, show=False)
    public = pd.read_csv(out / "public" / "tables" / "sectors.csv", dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")
    assert public["sector"].tolist() == ["'" + BOARD, SECTOR, "'-Oppvekst", "Kultur"]
    assert public["n"].tolist() == ["20", "30", "40", "50"]
    restricted = pd.read_csv(out / "restricted" / "tables" / "sectors.csv", encoding="utf-8-sig")
    assert restricted["sector"].tolist() == df["sector"].tolist()
    res = audit(out / "public", min_cell=5)
    assert not [p for p in res.problems if "sectors.csv" in p], res.problems
    # the public copy matched the restricted copy row for row (the neutralised dimension restored)
    assert not [n for n in res.notes if "no matching unsuppressed copy" in n], res.notes


# ------------------------------------------------------------------ the audit
def _folder(tmp_path: Path, page: str, cells: list[str]) -> Path:
    pub = tmp_path / "public"
    (pub / "tables").mkdir(parents=True)
    (pub / "report.html").write_text(page, encoding="utf-8")
    write_csv(pd.DataFrame({"name": cells, "n": range(10, 10 + len(cells))}), pub / "tables" / "t.csv")
    return pub


CLEAN = ('<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
         "content=\"default-src 'none'\"><style>p{}</style></head><body><p>&lt;script&gt;alert(1)&lt;/script&gt;"
         '</p><img src="data:image/png;base64,iVBORw0KGgo="><a href="#x">x</a></body></html>')


def test_audit_passes_a_clean_folder(tmp_path):
    pub = _folder(tmp_path, CLEAN, ["'" + BOARD, "Oslo", "-0.5"])
    assert audit_injection(pub) == []


@pytest.mark.parametrize("planted", ["<script>alert(1)</script>", "<SCRIPT src=x.js></SCRIPT>", "<scr<script>ipt>",
                                     '<img src=x onerror=alert(9)>', '<p onmouseover="alert(1)">x</p>',
                                     '<a href=" javascript:alert(1)">x</a>', "<iframe src=x></iframe>",
                                     "<object data=x></object>", "<embed src=x>", '<img src="http://x/beacon.png">',
                                     '<meta http-equiv="refresh" content="0;url=http://x">'])
def test_audit_flags_markup_in_the_report(tmp_path, planted):
    pub = _folder(tmp_path, CLEAN.replace("</body>", planted + "</body>"), ["Oslo"])
    problems = audit_injection(pub)
    assert problems and all(p.startswith("report.html:") for p in problems), problems
    assert any(p.startswith("report.html:") for p in audit(pub, min_cell=5).problems)


def test_audit_allows_exactly_the_template_scripts():
    page = CLEAN.replace("</body>", "<script>var a = 1;</script></body>")
    assert markup_findings(page, ("var a = 1;",)) == []
    assert markup_findings(page, ("var a = 2;",))


def test_audit_flags_a_formula_cell(tmp_path):
    pub = tmp_path / "public"
    (pub / "tables").mkdir(parents=True)
    (pub / "report.html").write_text(CLEAN, encoding="utf-8")
    pd.DataFrame({"name": ["Oslo", BOARD], "n": [10, 11]}).to_csv(pub / "tables" / "t.csv", index=False)
    problems = audit_injection(pub)
    assert len(problems) == 1 and "tables/t.csv: row 3, column name" in problems[0], problems
    assert any("formula" in p for p in audit(pub, min_cell=5).problems)
    assert formula_findings(pd.DataFrame({"=x": ["a"]}), "t.csv")


# ------------------------------------------------------------------ end to end
def _hostile_data(src: Path, dst: Path) -> Path:
    """The demo with a sector, a unit and a board renamed to markup and formulas, and a municipality
    name with a script."""
    shutil.copytree(src, dst)
    units = pd.read_csv(dst / "units.csv", dtype=str, keep_default_na=False)
    sector = units["sector"].value_counts().index[0]
    units.loc[units["sector"] == sector, "sector"] = SECTOR
    units.loc[0, "unit_name"] = BOARD
    if "municipality" in units.columns:
        units["municipality"] = "0301 Oslo" + SCRIPT
    units.to_csv(dst / "units.csv", index=False)
    boards = pd.read_csv(dst / "boards.csv", dtype=str, keep_default_na=False)
    boards.loc[boards["board_id"] == boards["board_id"].iloc[0], "board_name"] = BOARD
    boards.to_csv(dst / "boards.csv", index=False)
    return dst


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, demo_data) -> Path:
    """The small demo with hostile names run through the pipeline; its ``OUT/2025``."""
    from mangfold.run import run

    base = tmp_path_factory.mktemp("hostile")
    data = _hostile_data(demo_data, base / "data")
    params = yaml.safe_load((ROOT / "params" / "default.yaml").read_text(encoding="utf-8"))
    params["municipality"] = "0301 Oslo" + SCRIPT
    params_file = base / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    status = run(years=[2025], data=data, store=base / "s.duckdb", params_file=params_file, out=base / "out",
                 jobs=4, notebooks=ROOT / "notebooks")
    assert status == 0
    return base / "out" / "2025"


@pytest.mark.slow
def test_hostile_names_reach_the_reader_as_text(hostile_run):
    pub = hostile_run / "public"
    page = (pub / "report.html").read_text(encoding="utf-8")

    # the names reached the report, as text
    assert "&lt;img src=x onerror=alert(9)&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the title/header from the params
    assert f'<div class="{TEXT_CLASS}">' in page  # narrative through show_markdown
    assert "<img src=x" not in page and "<script>alert" not in page and "<script" not in page.lower()
    assert not re.search(r"<[^>]*\sonerror\s*=", page)
    assert markup_findings(page) == []
    intro = page[page.index(f'<div class="{TEXT_CLASS}">'):][:3000]
    assert "0301 Oslo&lt;script&gt;" in intro  # the summary's first sentence names the municipality

    # public CSVs: no cell a spreadsheet would run; the restricted copies hold the data as it is
    neutralised = 0
    for path in sorted((pub / "tables").glob("*.csv")):
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert not formula_findings(df, path.name)
        for c in df.columns:
            assert not str(c).startswith("="), (path.name, c)
            assert not df[c].str.startswith("=").any(), (path.name, c)
            neutralised += int((df[c] == "'" + BOARD).sum())
    assert neutralised, "the board named as a formula is in no public table"
    board_gender = pd.read_csv(hostile_run / "restricted" / "tables" / "board_gender.csv", encoding="utf-8-sig")
    assert BOARD in set(board_gender["board_name"])

    res = audit(pub, min_cell=5)
    assert res.ok, res.problems


@pytest.mark.slow
def test_hostile_report_in_a_browser(hostile_run):
    """The report opened in headless Chromium: the DOM holds the names as text and no injected element."""
    exe = chromium_path()
    if exe is None:
        pytest.skip("no headless Chromium on PATH (chromium, chromium-browser, google-chrome), so the report "
                    "was not opened in a browser (test_hostile_names_reach_the_reader_as_text checks the markup)")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                              (hostile_run / "public" / "report.html").resolve().as_uri()],
                             check=True, capture_output=True, text=True, timeout=120).stdout
    assert "&lt;img src=x onerror=alert(9)&gt;" in dom
    assert markup_findings(dom) == [], "the browser's DOM holds injected elements"


def test_the_frames_map_only_what_changes_and_give_what_mapping_every_cell_gives():
    """neutralise_frame/restore_frame skip the text cells that cannot change: the result (values and
    dtypes) is what mapping every cell of every text column gives."""
    import random

    import numpy as np
    import pandas as pd

    from mangfold.publish.safe import neutralise, neutralise_frame, restore, restore_frame

    def every_cell(df, f):
        out = df.copy()
        for i in range(df.shape[1]):
            col = df.iloc[:, i]
            if col.dtype == object or isinstance(col.dtype, (pd.StringDtype, pd.CategoricalDtype)):
                out.isetitem(i, col.map(f, na_action="ignore"))
        out.columns = [f(c) for c in df.columns]
        return out

    rng = random.Random(7)
    pool = ["a", "'=x", "=1", "-0.5", "-x", "''=y", "'b", "+3", "@h", "\tq", "x'y", None, np.nan, "", "'", "''-z"]
    for _ in range(500):
        n = rng.randint(0, 6)
        names = [f"c{j}" if rng.random() < .8 else rng.choice(["=a", "'=a", "-b"]) + str(j) for j in range(3)]
        cells = pool if rng.random() < .5 else [None, np.nan, "a"]
        df = pd.DataFrame({**{nm: [rng.choice(cells) for _ in range(n)] for nm in names}, "num": np.arange(n),
                           "mixed": [rng.choice([1, "=q", "a", None]) for _ in range(n)],
                           "numbers": pd.Series([rng.choice([1, 2.5]) for _ in range(n)], dtype=object)})
        if rng.random() < .5:
            df[names[0]] = df[names[0]].astype("str")
        if rng.random() < .3:
            df[names[1]] = df[names[1]].astype("category")
        for f, frame in ((neutralise, neutralise_frame), (restore, restore_frame)):
            pd.testing.assert_frame_equal(frame(df), every_cell(df, f))
    text = pd.DataFrame({"a": ["'=SUM(A1)", "x", "''-y"], "b": ["1", "'b", "-2"]}, dtype="str")
    pd.testing.assert_frame_equal(restore_frame(text), every_cell(text, restore))
    assert restore_frame(text)["a"].tolist() == ["=SUM(A1)", "x", "'-y"]


def test_cleaned_prefix_is_the_prefix_of_the_cleaned_value():
    """The markup check reads the first characters of an attribute with control characters removed,
    cleaning only a prefix of it: the same characters as cleaning the whole value, whatever the runs
    of control characters and wherever they fall."""
    import random

    from mangfold.publish.safe import _CONTROL, _cleaned_prefix

    rng = random.Random(5)
    alphabet = ["\x00", "\x01", "\t", "\n", " ", "\x7f", "j", "a", "v", ":", "D", "é", "/"]
    for _ in range(3000):
        value = "".join(rng.choice(alphabet) if rng.random() < 0.7 else rng.choice(alphabet) * rng.randint(1, 200)
                        for _ in range(rng.randint(0, 60)))
        for n in (0, 1, 11, 40):
            assert _cleaned_prefix(value, n) == _CONTROL.sub("", value)[:n]


def test_script_urls_hidden_behind_control_characters_are_found():
    page = ('<a href="\\x01 java\\tscript:alert(1)">x</a><img src="' + " " * 500 + 'javascript:alert(2)">'
            '<img src="\\n\\ndata:image/png;base64,' + "A" * 5000 + '">').replace("\\x01", "\x01").replace(
                "\\t", "\t").replace("\\n", "\n")
    found = markup_findings(page)
    assert any("a script URL in href" in f for f in found)
    assert any("a script URL in src" in f for f in found) and any("an image from" in f for f in found)
    assert sum("an image from" in f for f in found) == 1  # the embedded figure passes
