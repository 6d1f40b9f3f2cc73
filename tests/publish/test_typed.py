"""Typed public tables: hidden cells are :class:`mangfold.text.Hidden` (NaN with a mark), formatting
happens only when a table is written or shown, and the copy that the summary reads keeps every
type and value exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mangfold import text
from mangfold.analyses import summary
from mangfold.publish.context import Context, read_csv, table_html
from mangfold.publish.disclosure import apply_disclosure_control, disclose
from mangfold.publish.typed import as_published, read_typed, write_typed
from mangfold.tablespec import TableSpec

SPEC = TableSpec(name="t", dims=("sector",), counts=("n", "n_focal"), derived={"n_focal": ("share", "met")},
                 margins=(("sector", "all"),), constants=("target",))


def _frame() -> pd.DataFrame:
    n = [40, 30, 12, 82]
    k = [9, 6, 2, 17]
    return pd.DataFrame({"sector": ["a", "b", "c", "all"], "n": n, "n_focal": k,
                         "share": [x / y for x, y in zip(k, n)], "met": [x / y >= 0.2 for x, y in zip(k, n)],
                         "target": 0.2})


def test_hidden_is_missing_to_computation_and_its_mark_when_shown():
    h = text.Hidden("<5")
    s = pd.Series([3, h, 7], dtype=object)
    assert pd.isna(h) and math.isnan(float(h)) and math.isnan(text.to_float(h))
    assert pd.to_numeric(s).tolist()[1] != pd.to_numeric(s).tolist()[1]  # NaN, no parsing needed
    assert (s >= 5).tolist() == [False, False, True]
    assert f"{h} personer" == "<5 personer" and str(h) == "<5"
    assert text.integer(h) == text.NOT_SHOWN and text.percent(h) == text.NOT_SHOWN


def test_public_copy_is_typed_and_formats_to_the_published_csv():
    df = _frame()
    typed = disclose(df, SPEC, min_cell=5)
    hidden = typed["n_focal"].map(lambda v: isinstance(v, text.Hidden))
    assert hidden.sum() >= 2  # the 2 and a complement
    assert typed.loc[typed["sector"] == "c", "n_focal"].iloc[0].mark == "<5"
    # visible cells keep their type; the share and the flag that rest on a hidden count are blank
    assert isinstance(typed.loc[0, "n"], (int, np.integer))
    blanked = typed.loc[hidden.to_numpy(), ["share", "met"]]
    assert blanked.isna().all().all()
    # the published (CSV) form is exactly what apply_disclosure_control gives: the marks as text
    pub = apply_disclosure_control(df, SPEC, min_cell=5)
    pd.testing.assert_frame_equal(as_published(typed), pub)
    assert set(pub.loc[hidden.to_numpy(), "n_focal"]) <= {"<5", ":"}


def test_typed_copy_round_trips_exactly(tmp_path):
    df = pd.DataFrame({
        "year": np.array([2024, 2025], dtype="int64"),
        "x": [0.1 + 0.2, 1 / 3],
        "ratio": [float("inf"), -float("inf")],  # an impact ratio over a reference rate of 0
        "n": pd.Series([12, text.Hidden(":")], dtype=object),
        "flag": pd.Series([True, None], dtype=object),
        "ok": [True, False],
        "name": ["Helse og velferd", "Æ ø å <b>"],
    })
    write_typed(df, tmp_path / "t.json")
    back = read_typed(tmp_path / "t.json")
    assert list(back.columns) == list(df.columns)
    assert back["year"].dtype == "int64" and back["ok"].dtype == bool
    assert back["x"].tolist() == df["x"].tolist()  # bit for bit
    assert back["ratio"].tolist() == [float("inf"), -float("inf")] and back["ratio"].dtype == float
    assert isinstance(back["n"].iloc[1], text.Hidden) and back["n"].iloc[1].mark == ":" and back["n"].iloc[0] == 12
    assert back["flag"].iloc[0] is True and back["flag"].iloc[1] is None
    assert back["name"].tolist() == df["name"].tolist()
    empty = df.iloc[0:0]
    write_typed(empty, tmp_path / "e.json")
    assert list(read_typed(tmp_path / "e.json").columns) == list(df.columns)


def test_context_writes_marks_shows_marks_and_passes_types_on(tmp_path):
    ctx = Context(2025, tmp_path / "store.duckdb", {"min_cell": 5}, tmp_path / "out")
    typed = ctx.table(_frame(), SPEC, show=False)
    csv = read_csv(tmp_path / "out" / "public" / "tables" / "t.csv")
    assert csv.loc[2, "n_focal"] == "<5"  # the file holds the mark ...
    assert isinstance(typed.loc[2, "n_focal"], text.Hidden)  # ... the notebook a typed cell
    again = ctx.public_table("t")  # what the summary notebook reads
    assert isinstance(again.loc[2, "n_focal"], text.Hidden) and again.loc[0, "share"] == typed.loc[0, "share"]
    assert again["n"].dtype == typed["n"].dtype
    assert ctx.public_table("absent") is None
    html = table_html(typed, name="t", roles={"n_focal": "count", "share": "derived"})
    assert "<td>&lt;5</td>" in html and "nan" not in html.lower()


def test_summary_reads_numbers_and_flags_never_text():
    assert summary._num(0.25) == 0.25 and summary._num(np.int64(3)) == 3.0
    for x in (text.Hidden("<5"), None, float("nan"), "0.25", "<5", True):
        assert math.isnan(summary._num(x))
    assert summary._flag(np.bool_(True)) is True and summary._flag(False) is False
    for x in ("true", "ja", None, text.Hidden(":")):
        assert summary._flag(x) is None


@pytest.mark.parametrize("mark", ["<5", ":"])
def test_a_hidden_cell_never_shows_a_number(mark):
    h = text.Hidden(mark)
    df = pd.DataFrame({"n": pd.Series([h], dtype=object)})
    assert df.to_csv(index=False).splitlines()[1].strip('"') == ""  # written unformatted: blank, never a value
    assert as_published(df).loc[0, "n"] == mark
