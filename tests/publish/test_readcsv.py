"""Reading a report's CSVs once per content (mangfold.publish.readcsv)."""

from __future__ import annotations

import pandas as pd

from mangfold.publish.readcsv import read_text, read_typed_csv


def test_the_same_as_pandas_reads_them_and_a_copy_each_time(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n'=SUM(A1),1,\nx,<5,0.5\n", encoding="utf-8-sig")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(read_text(path, restored=False), raw)
    restored = read_text(path)
    assert restored.loc[0, "a"] == "=SUM(A1)" and restored.loc[1, "b"] == "<5" and restored.loc[0, "c"] == ""
    pd.testing.assert_frame_equal(read_typed_csv(path), pd.read_csv(path, encoding="utf-8-sig"))
    restored.loc[0, "a"] = "changed by a caller"
    assert read_text(path).loc[0, "a"] == "=SUM(A1)"


def test_a_file_that_changed_is_read_again(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("n\n7\n", encoding="utf-8")
    assert read_text(path).loc[0, "n"] == "7"
    path.write_text("n\n8\n", encoding="utf-8")  # same size, perhaps the same time stamp
    assert read_text(path).loc[0, "n"] == "8"
    assert read_typed_csv(path).loc[0, "n"] == 8
