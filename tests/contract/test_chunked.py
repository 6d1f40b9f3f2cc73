"""Chunked reading: faults, quarantine and the store are those of a whole-file read.

Every folder here is validated twice, in chunks of 3 rows and in one piece, and the two
results must be equal; hand-counted expectations make sure the cases test something.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mangfold.contract import parse, readers
from mangfold.contract import validate as v
from mangfold.contract.schemas import TABLE_ORDER, TABLES, Column
from mangfold.store import ingest, query, write_store
from tests.helpers import UNITS, VACANCIES, applications_csv, write_tiny

WHOLE = 10**9
MENTORING = "pair_id,mentor_id,mentee_id,unit_id,start_date,end_date\n" \
            "R1,P1,P2,U1,2024-01-01,2024-06-01\nR2,P3,P4,U2,2024-03-01,2023-03-01\nR3,P5,P6,U1,2024-02-01,\n"
SURVEY = "pair_id,respondent,wave,item,score\n" + "".join(
    f"{p},{r},{w},trust,{s}\n" for p, r, w, s in [("R1", "mentor", "pre", 3), ("R2", "mentee", "pre", 4),
                                                   ("R1", "mentor", "pre", 5), ("R3", "mentee", "post", 2)])


def _faults(directory, chunk_rows):
    with pytest.raises(v.ContractError) as exc:
        v.validate_folder(directory, chunk_rows=chunk_rows)
    return exc.value


def _broken_folder(tmp_path):
    apps = applications_csv().splitlines()
    header, rows = apps[0], apps[1:]
    rows = [r.replace(",lbg2,", ",lbg9,") for r in rows]  # 16 unknown codes, in every chunk
    rows[30] = rows[30].replace(",V3,", ",V9,")  # unknown reference
    rows[35] = "," + rows[35].split(",", 1)[1]  # a fault in the first column, first seen in a later chunk
    rows += rows[1:3] + [rows[0]]  # duplicate keys, found across chunks
    workforce = "person_id,year,unit_id,position_level,background\nP1,2024,U1,leader,none\nP2,2024,U1,leader,none\n" \
                "P1,2024.0,U1,leader,none\nP1,2024,U2,employee,none\n"  # last row repeats row 2's raw key
    return write_tiny(tmp_path / "d", extra={"applications.csv": "\n".join([header, *rows]) + "\n",
                                             "workforce.csv": workforce})


def test_faults_in_chunks_equal_a_whole_file_read(tmp_path, monkeypatch):
    d = _broken_folder(tmp_path)
    monkeypatch.setattr(v, "MAX_LISTED_PER_RULE", 10)  # so that "... and N more" is reached in chunks
    chunked, whole = _faults(d, 3), _faults(d, WHOLE)
    assert chunked.faults == whole.faults
    assert chunked.omitted == whole.omitted
    assert str(chunked) == str(whole)
    apps = str(d / "applications.csv")
    dup = [(f.row, f.value) for f in chunked.faults if f.rule.startswith("duplicate key") and f.file == apps]
    assert dup == [(50, "A0002"), (51, "A0003"), (52, "A0001")]
    assert [(f.row, f.value) for f in chunked.faults if f.file.endswith("workforce.csv")] == [(5, "P1|2024")]
    assert [(f.row, f.value) for f in chunked.faults if f.rule.startswith("refers")] == [(32, "V9")]
    assert chunked.faults[0] == v.Fault(apps, 37, "application_id", v.RULE_EMPTY, "")  # listed before row 2's code
    code_rule = v.RULE_CODE.format(codes=", ".join(TABLES["applications"].column("background").codes))
    assert chunked.omitted == {(apps, "background", code_rule): 16 + 1 - 10}  # row 52 repeats row 2 (lbg9)
    listed = [f.row for f in chunked.faults if f.rule == code_rule]
    assert listed == sorted(listed) and len(listed) == 10


def test_hash_collisions_are_not_duplicates(tmp_path, monkeypatch):
    d = _broken_folder(tmp_path)
    expected = _faults(d, 3).faults
    monkeypatch.setattr(v.pd.util, "hash_pandas_object", lambda df, index: pd.Series(0, index=df.index, dtype="uint64"))
    assert _faults(d, 3).faults == expected  # every row a candidate; only equal text is a duplicate


def test_unreadable_later_chunk_is_one_fault(tmp_path):
    apps = applications_csv().splitlines()
    apps[1] = apps[1].replace(",none,", ",nada,")  # a cell fault in the first chunk ...
    apps[30] += ",surplus"  # ... and a row the parser cannot read in a later one
    d = write_tiny(tmp_path / "d", extra={"applications.csv": "\n".join(apps) + "\n"})
    chunked, whole = _faults(d, 3), _faults(d, WHOLE)
    assert chunked.faults == whole.faults
    assert [(f.row, f.rule) for f in chunked.faults if f.file.endswith("applications.csv")] == \
        [(None, "cannot be read: Error tokenizing data. C error: Expected 9 fields in line 31, saw 10\n")]


def _quarantine_folder(tmp_path):
    apps = applications_csv().splitlines()
    apps[5] = "A9001,V1,P9001,lbg2,female,true,true,false,true"  # hired but not recommended
    apps[44] = "A9002,V4,P9002,none,male,false,true,false,false"  # interviewed but not qualified
    vac = VACANCIES.replace("vacancy_id,unit_id", "Vacancy_ID , Unit_ID").replace("\n", ",note\n")
    return write_tiny(tmp_path / "d", extra={"applications.csv": "\n".join(apps) + "\n", "vacancies.csv": vac,
                                             "mentoring.csv": MENTORING, "mentoring_survey.csv": SURVEY})


def test_quarantine_and_tables_in_chunks_equal_a_whole_file_read(tmp_path):
    d = _quarantine_folder(tmp_path)
    chunked, whole = v.validate_folder(d, chunk_rows=3), v.validate_folder(d, chunk_rows=WHOLE)
    assert list(chunked.tables) == list(whole.tables)
    for name in whole.tables:
        pd.testing.assert_frame_equal(chunked.tables[name], whole.tables[name])
    pd.testing.assert_frame_equal(chunked.quarantine, whole.quarantine)
    pd.testing.assert_frame_equal(chunked.files, whole.files)
    q = chunked.quarantine
    assert list(zip(q["table"], q["row"], q["reason"])) == [
        ("applications", 6, v.REASON_HIRED),
        ("applications", 45, v.REASON_INTERVIEWED),
        ("mentoring", 3, v.REASON_DATE_ORDER.format(start="start_date", end="end_date")),
        ("mentoring_survey", 3, v.REASON_PARENT.format(parent="mentoring")),
        ("mentoring_survey", 4, v.REASON_DUPLICATE_ANSWER),
    ]
    assert q["record"].iloc[0] == ("application_id=A9001; vacancy_id=V1; applicant_id=P9001; background=lbg2; "
                                   "gender=female; qualified=true; interviewed=true; recommended=false; hired=true")
    assert list(chunked.tables["vacancies"].columns)[-1] == "note"


def test_store_from_chunks_equals_store_from_whole_tables(tmp_path, monkeypatch):
    d = _quarantine_folder(tmp_path)
    write_store(v.validate_folder(d, chunk_rows=WHOLE), tmp_path / "whole.duckdb")
    monkeypatch.setattr(v, "CHUNK_ROWS", 3)
    data = ingest(d, tmp_path / "chunked.duckdb")
    assert data.tables == {} and len(data.quarantine) == 5
    sql = "SELECT table_name, column_name, data_type FROM information_schema.columns ORDER BY ALL"
    assert query(tmp_path / "chunked.duckdb", sql).equals(query(tmp_path / "whole.duckdb", sql))
    for name in [*data.files["table"], "_files", "_quarantine", "_missing_tables"]:
        pd.testing.assert_frame_equal(query(tmp_path / "chunked.duckdb", f'SELECT * FROM "{name}"'),
                                      query(tmp_path / "whole.duckdb", f'SELECT * FROM "{name}"'))


def test_failed_chunked_ingest_leaves_no_store(tmp_path, monkeypatch):
    monkeypatch.setattr(v, "CHUNK_ROWS", 3)
    with pytest.raises(v.ContractError):
        ingest(_broken_folder(tmp_path), tmp_path / "s.duckdb")
    assert list(tmp_path.glob("*.duckdb*")) == [] and list(tmp_path.glob(".s.duckdb*")) == []


# ------------------------------------------------------------------ readers
def test_encoding_is_found_by_streaming_the_whole_file(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_BYTES", 3)
    p = tmp_path / "f.csv"
    p.write_bytes("a,b\nxø,y\n".encode("utf-8"))  # ø (bytes 5 and 6) straddles blocks 2 and 3
    assert readers.detect_encoding(p) == "utf-8-sig"
    p.write_bytes(b"a,b\n" + b"x,y\n" * 10 + "z,ø\n".encode("cp1252"))  # the only non-ASCII byte, last
    assert readers.detect_encoding(p) == "cp1252"


def test_undefined_cp1252_byte_is_refused_with_its_row(tmp_path):
    d = write_tiny(tmp_path / "d")
    (d / "units.csv").write_bytes(UNITS.encode("cp1252").replace(b"l\xf8kka", b"l\x81kka"))  # 0x81: undefined
    faults = _faults(d, WHOLE).faults
    assert faults == [v.Fault(str(d / "units.csv"), 2, None, readers.MSG_INVALID.format(byte=0x81))]


def test_chunks_concatenate_to_the_whole_file(tmp_path):
    d = write_tiny(tmp_path / "d")
    whole = readers.read_table_text(d / "applications.csv")
    chunks = list(readers.iter_table_text(d / "applications.csv", chunk_rows=5))
    assert [len(c) for c in chunks] == [5] * 9 + [3]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)


def test_foreign_keys_point_to_tables_validated_earlier():
    for name, table in TABLES.items():
        for fk in table.foreign_keys:
            assert TABLE_ORDER.index(fk.table) < TABLE_ORDER.index(name), (name, fk.table)


# ------------------------------------------------------------------- parsing
@pytest.mark.parametrize("col", [
    Column("b", "bool", nullable=True), Column("d", "date"), Column("i", "int", minimum=1, maximum=5),
    Column("f", "float"), Column("c", "code", codes=("x", "y"), default="y"), Column("t", "text"),
])
def test_parsing_by_distinct_value_equals_parsing_every_cell(col):
    cells = ["1", "ja", "NEI", "", "2024-02-29", "29.02.2023", "3,5", "7", "x", "maybe", "0", "1", "", "x"]
    s = pd.Series(cells * 3, dtype=str)
    out, problems = parse.parse_column(s, col)
    ref_out, ref_problems = parse._parse_cells(s, col)
    pd.testing.assert_series_equal(out, ref_out, check_names=False)
    assert [rule for _, rule in problems] == [rule for _, rule in ref_problems]
    for (mask, _), (ref_mask, _) in zip(problems, ref_problems):
        assert (mask == ref_mask).all()
