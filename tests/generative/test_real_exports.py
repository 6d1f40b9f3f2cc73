"""The same municipality exported plainly and as real exports come: the results must not change.

A generated municipality (:mod:`tests.generative.municipalities`) is written twice: as plain UTF-8 CSV
with ISO dates and ``true/false``, and as a municipality's systems and spreadsheets write it: some
tables as ``.xlsx`` (real date and boolean cells, a second sheet), the others as ``;``-separated CSV in
Windows-1252 or UTF-8 with BOM and CRLF line ends, columns in another order with padded and partly
upper-case headers, an extra column holding delimiters and quotes, Norwegian dates (some with a time
of day), booleans spelt ``Ja``/``nei``/``1``/``0``, population counts with no-break spaces between
digit groups, and empty rows (``;;;;``) in the middle and at the end. Both go through ``mangfold run
--data``; every public and restricted table, figure, workbook and ledger must be byte-identical, and
the report may differ only by the one line that names the tables with empty rows.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.generative.municipalities import _write_tables, generate

ROOT = Path(__file__).resolve().parents[2]
MANGFOLD = str(Path(sys.executable).with_name("mangfold"))
#: a seed whose municipality has every optional table but maturity, active pilots and several units
SEED = 3213
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
#: files that name the inputs (hashes, paths) or were run from them, and the quarantine (it lists the empty rows)
NOT_COMPARED = ("provenance.json", "params.yaml", ".ipynb", "restricted/quarantine.csv",
                "restricted/outputs/10-datakvalitet.ipynb.json", "report.html")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real_exports")]


def write_as_exported(tables: dict[str, pd.DataFrame], folder: Path, seed: int) -> dict[str, str]:
    """Write ``tables`` into ``folder`` the way real exports look (see the module docstring); returns
    the format of each table."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    styles = {}
    for i, (name, df) in enumerate(sorted(tables.items())):
        style = ("xlsx", "cp1252", "utf-8-sig")[i % 3]
        styles[name] = style
        cols = list(df.columns)
        rng.shuffle(cols)
        df = df[cols].astype(object).copy()
        df["Kommentar"] = 'x; "y", z'

        def cell(v, style=style):
            if not isinstance(v, str):
                return v
            m = _ISO.match(v)
            if m:
                if style == "xlsx":
                    return pd.Timestamp(v).to_pydatetime()
                return f"{m[3]}.{m[2]}.{m[1]}" + rng.choice(["", " 08:15", " 0:00:00"])
            if v in ("true", "false"):
                if style == "xlsx":
                    return v == "true"
                return rng.choice(["Ja", "JA", "1", "yes"] if v == "true" else ["nei", "Nei", "0", "NO"])
            return v

        for c in df.columns:
            df[c] = df[c].map(cell)
        if "persons" in df.columns and style != "xlsx":
            df["persons"] = df["persons"].map(lambda v: f"{int(v):,}".replace(",", "\u00a0"))
        df.columns = [f" {c.upper() if rng.random() < 0.3 else c} " for c in df.columns]
        if style == "xlsx":
            with pd.ExcelWriter(folder / f"{name}.xlsx") as xw:
                df.to_excel(xw, index=False, sheet_name="Ark1")
                pd.DataFrame({"notat": ["eksportert fra HR"]}).to_excel(xw, index=False, sheet_name="Notater")
        else:
            blank = pd.DataFrame([[""] * df.shape[1]], columns=df.columns)
            k = len(df) // 2
            df = pd.concat([df.iloc[:k], blank, df.iloc[k:], blank, blank], ignore_index=True)
            df.to_csv(folder / f"{name}.csv", index=False, encoding=style, sep=";", lineterminator="\r\n")
    return styles


def _run(data: Path, out: Path, years: str) -> subprocess.CompletedProcess:
    return subprocess.run([MANGFOLD, "run", "--data", str(data), "--store", f"{out}.duckdb", "--out", str(out),
                           "--years", years, "--jobs", "2"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONHASHSEED": "0"}, timeout=1800)


def test_real_exports_give_the_same_results(tmp_path):
    tables, edges = generate(SEED)
    y1 = edges["years"][1]
    years = f"{y1 - 1}-{y1}"
    _write_tables(tmp_path / "plain", tables)
    styles = write_as_exported(tables, tmp_path / "exported", SEED)
    assert {"xlsx", "cp1252", "utf-8-sig"} <= set(styles.values())
    assert styles["population"] != "xlsx"  # digit groups with no-break spaces are exercised
    plain, exported = _run(tmp_path / "plain", tmp_path / "a", years), _run(tmp_path / "exported", tmp_path / "b", years)
    assert plain.returncode == 0, plain.stdout[-2000:] + plain.stderr[-3000:]
    assert exported.returncode == 0, exported.stdout[-2000:] + exported.stderr[-3000:]

    a, b = tmp_path / "a", tmp_path / "b"
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    assert files_a == files_b
    compared = sorted(f for f in files_a if not f.endswith(NOT_COMPARED))
    assert sum(f.endswith(".csv") and "/public/tables/" in f for f in compared) >= 20
    differ = [f for f in compared if (a / f).read_bytes() != (b / f).read_bytes()]
    assert not differ, f"real exports changed the results: {differ}"

    for year in range(y1 - 1, y1 + 1):  # the report: only the output naming the tables with empty rows is new
        ra = (a / str(year) / "public" / "report.html").read_text(encoding="utf-8")
        rb = (b / str(year) / "public" / "report.html").read_text(encoding="utf-8")
        note = re.compile(r'<div class="output_area">\s*<div class="output_html rendered_html output_subarea ">'
                          r'<div class="mf-text"><p>Tomme rader [^<]*(?:<code>[a-z_]+</code>[^<]*)*</p>\s*</div></div>\s*</div>\s*')
        assert len(note.findall(rb)) == 1 and not note.findall(ra)
        assert note.sub("", rb) == ra
