"""Real exports and real faults (issue 14): every case with its exit status and its exact message.

Data-folder faults go through ``mangfold ingest`` (exit 2, the fault list, the previous store
byte-identical); store faults through ``mangfold run`` (exit 2, one line, no traceback); a run killed
with SIGKILL leaves no readable staging, no stale staging after the next run and no process behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mangfold.cli import main
from mangfold.contract import readers
from mangfold.contract import validate as v
from mangfold.contract.parse import HINT_CODE, RULE_OPEN_ENDED
from mangfold.contract.schemas import MAX_CELL_CHARS, TABLES
from mangfold.run import report
from mangfold.store import (MSG_BAD_STORE, REASON_DAMAGED, REASON_EMPTY, REASON_FOREIGN, REASON_NOT_DUCKDB,
                            REASON_TRUNCATED, STORE_TABLES, ingest, query)
from tests.helpers import UNITS, VACANCIES, applications_csv, write_tiny

HEAD = "The data folder breaks the input data contract (1 fault(s)); nothing was written:"
BOARDS = ("person_id,board_id,board_name,company_form,owner_department,appointed_by_municipality,role,"
          "start_date,end_date,reappointed,gender,background\n")


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _ingest_fails(tmp_path: Path, capsys, folder: Path, file: str, fault: str) -> None:
    """``mangfold ingest folder`` exits 2 with exactly this one fault, and the store stays byte-identical."""
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(write_tiny(tmp_path / "good")), "--store", str(store)]) == 0
    before = _sha(store)
    capsys.readouterr()
    assert main(["ingest", str(folder), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err == f"{HEAD}\n{folder / file}:\n  - {folder / file}{fault}\n"
    assert _sha(store) == before and not list(tmp_path.glob(".s.duckdb*"))


# ------------------------------------------------------------------ dates
def test_open_ended_dates_are_missing_and_later_years_are_dates(tmp_path, capsys):
    boards = BOARDS + ("P1,B1,Oslo Havn KF,KF,Næring,ja,chair,01.01.2020,31.12.9999,nei,kvinne,lbg2\n"
                       "P2,B1,Oslo Havn KF,KF,Næring,ja,member,2020-01-01,9999-12-31,nei,mann,none\n"
                       "P3,B1,Oslo Havn KF,KF,Næring,ja,member,2020-01-01,2300-06-30,nei,annet,none\n"
                       "P4,B1,Oslo Havn KF,KF,Næring,ja,member,2020-01-01,,nei,ukjent,none\n")
    pilots = "unit_id,pilot,start_date,end_date\nU1,job_analysis,2024-01-01,31.12.9999\n"
    d = write_tiny(tmp_path / "d", extra={"boards.csv": boards, "pilots.csv": pilots})
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(d), "--store", str(store)]) == 0
    b = query(store, "SELECT person_id, end_date, gender FROM boards ORDER BY person_id")
    assert b["end_date"].isna().tolist() == [True, True, False, True]
    assert b["end_date"][2] == pd.Timestamp("2300-06-30")
    assert b["gender"].tolist() == ["female", "male", "other", "undeclared"]
    assert query(store, "SELECT end_date FROM pilots")["end_date"].isna().all()
    types = query(store, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'boards'")
    assert dict(zip(types["column_name"], types["data_type"]))["end_date"] == "DATE"


def test_open_ended_date_in_a_required_date_is_a_fault(tmp_path, capsys):
    pilots = "unit_id,pilot,start_date,end_date\nU1,job_analysis,31.12.9999,\n"
    d = write_tiny(tmp_path / "d", extra={"pilots.csv": pilots})
    _ingest_fails(tmp_path, capsys, d, "pilots.csv",
                  f", row 2, column start_date: {RULE_OPEN_ENDED} (value: '31.12.9999')")


def test_xlsx_far_future_date_cell_is_open_ended(tmp_path):
    d = write_tiny(tmp_path / "d")
    df = pd.DataFrame({"unit_id": ["U1"], "pilot": ["job_analysis"], "start_date": [dt.datetime(2024, 1, 1)],
                       "end_date": [dt.datetime(9999, 12, 31)]})
    df.to_excel(d / "pilots.xlsx", index=False)
    t = v.validate_folder(d).tables["pilots"]
    assert t["start_date"][0] == pd.Timestamp("2024-01-01") and pd.isna(t["end_date"][0])


# --------------------------------------------------------------- encodings
UNITS_3 = UNITS + "U3,Bydel Bjerke,Byrådsavdeling for kultur\n"


@pytest.mark.parametrize("encoding,sep", [("utf-16", "\t"), ("utf-16-le", ","), ("utf-16-be", ";"),
                                          ("utf-8", "\t"), ("cp1252", "|"), ("utf-8-sig", ";")])
def test_utf16_and_tab_separated_exports_are_read(tmp_path, encoding, sep):
    d = write_tiny(tmp_path / "d")
    (d / "units.csv").write_bytes(UNITS_3.replace(",", sep).encode(encoding))
    names = v.validate_folder(d).tables["units"].set_index("unit_id")
    assert names.loc["U1", "unit_name"] == "Bydel Grünerløkka"
    assert names.loc["U3", "sector"] == "Byrådsavdeling for kultur"


def test_utf8_file_with_a_windows_1252_row_is_refused(tmp_path, capsys):
    d = write_tiny(tmp_path / "d")
    (d / "units.csv").write_bytes(UNITS.encode() + "U3,Bydel Bjerke,Byrådsavdeling for kultur\n".encode("cp1252"))
    _ingest_fails(tmp_path, capsys, d, "units.csv",
                  ", row 4: not UTF-8 (byte 0xE5), though row 2 is UTF-8: the file mixes encodings (tried UTF-8 "
                  "(with or without BOM), UTF-16, Windows-1252); save it again as UTF-8")


def test_windows_1252_file_with_a_utf8_row_is_refused(tmp_path, capsys):
    d = write_tiny(tmp_path / "d")
    (d / "units.csv").write_bytes(UNITS.encode("cp1252") + "U3,Bydel Bjerke,Byrådsavdeling\n".encode())
    _ingest_fails(tmp_path, capsys, d, "units.csv", ", row 2: " + readers.MSG_MIXED.format(byte=0xFC, utf8_row=4))


@pytest.mark.parametrize("codec,row,char,byte", [("mac_roman", 2, "Ÿ", 0x9F), ("cp850", 3, "†", 0x86)])
def test_other_8bit_code_pages_are_refused_not_guessed(tmp_path, capsys, codec, row, char, byte):
    d = write_tiny(tmp_path / "d")
    text = "unit_id,unit_name,sector\nU1,Bydel Sagene,Byrådsavdeling for oppvekst\nU2,Bydel Alna,Byrådsavdeling\n"
    if codec == "mac_roman":
        text = text.replace("Sagene", "Grünerløkka")
    else:
        text = text.replace("Byrådsavdeling for oppvekst", "Oppvekst")
    (d / "units.csv").write_bytes(text.encode(codec))
    _ingest_fails(tmp_path, capsys, d, "units.csv",
                  f", row {row}: not UTF-8, and as Windows-1252 it would read {char!r} (byte 0x{byte:02X}), which "
                  "suggests another 8-bit code page (cp850, MacRoman, ...) that cannot be told apart safely; tried "
                  "UTF-8 (with or without BOM), UTF-16, Windows-1252; save the file as UTF-8")


def test_byte_valid_in_no_encoding_is_refused(tmp_path, capsys):
    d = write_tiny(tmp_path / "d")
    (d / "units.csv").write_bytes(UNITS.encode("cp1252").replace(b"Sykehjemsetaten", b"Sykehjem\x8fetaten"))
    _ingest_fails(tmp_path, capsys, d, "units.csv",
                  ", row 3: byte 0x8F is valid in none of the encodings tried (UTF-8 (with or without BOM), UTF-16, "
                  "Windows-1252); another 8-bit code page (cp850, MacRoman, ...)? Save the file as UTF-8")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_nul_byte_is_refused(tmp_path, capsys, encoding):
    d = write_tiny(tmp_path / "d")
    (d / "units.csv").write_bytes(UNITS.replace("U2,Syke", "U2,Syke\x00").encode(encoding))
    _ingest_fails(tmp_path, capsys, d, "units.csv",
                  ", row 3: contains a NUL byte (0x00); a text export never does (binary file, or UTF-32?)")


def test_header_that_does_not_parse_names_encoding_and_delimiter(tmp_path, capsys):
    d = write_tiny(tmp_path / "d")
    (d / "units.csv").write_text(UNITS.replace(",", ":"), encoding="utf-8")
    assert main(["ingest", str(d), "--store", str(tmp_path / "s.duckdb")]) == 2
    f = d / "units.csv"
    assert capsys.readouterr().err.splitlines() == [
        "The data folder breaks the input data contract (4 fault(s)); nothing was written:",
        f"{f}:",
        f"  - {f}, row 1: header read with encoding UTF-8, delimiter comma (,) gives the columns "
        "'unit_id:unit_name:sector'",
        *[f"  - {f}, row 1, column {c}: {v.RULE_MISSING_COLUMN}" for c in ("unit_id", "unit_name", "sector")],
    ]
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.parametrize("block", [3, 7, readers.BLOCK_BYTES])
def test_encoding_faults_name_the_same_row_in_any_block_size(tmp_path, monkeypatch, block):
    monkeypatch.setattr(readers, "BLOCK_BYTES", block)
    p = tmp_path / "units.csv"
    p.write_bytes(UNITS.encode() + "U3,Bydel Bjerke,Byrådsavdeling\n".encode("cp1252"))
    with pytest.raises(readers.ReadError) as exc:
        readers.detect_encoding(p)
    assert (exc.value.row, exc.value.rule) == (4, readers.MSG_MIXED.format(byte=0xE5, utf8_row=2))
    p.write_bytes(UNITS.replace("ü", "u").encode("cp850"))
    with pytest.raises(readers.ReadError) as exc:
        readers.detect_encoding(p)
    assert exc.value.row == 2 and "'›' (byte 0x9B)" in exc.value.rule  # cp850 ø
    p.write_bytes(UNITS.encode("cp850"))  # ü is 0x81, undefined in Windows-1252, before ø
    with pytest.raises(readers.ReadError) as exc:
        readers.detect_encoding(p)
    assert (exc.value.row, exc.value.rule) == (2, readers.MSG_INVALID.format(byte=0x81))
    p.write_bytes("a,b\nx,y\nBærum,z\n".encode("cp850"))  # æ is 0x91, an opening quote after a letter
    with pytest.raises(readers.ReadError) as exc:
        readers.detect_encoding(p)
    assert exc.value.row == 3 and "'‘' (byte 0x91)" in exc.value.rule
    p.write_bytes(UNITS.replace("U2", "U\x002").encode("utf-8"))
    with pytest.raises(readers.ReadError) as exc:
        readers.detect_encoding(p)
    assert (exc.value.row, exc.value.rule) == (3, readers.MSG_NUL)

# ------------------------------------------------------------ files, cells
def test_empty_optional_file_is_absent_with_a_notice(tmp_path, capsys):
    d = write_tiny(tmp_path / "d", extra={"boards.csv": ""})
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(d), "--store", str(store)]) == 0
    err = capsys.readouterr().err
    assert err == f"mangfold ingest: notice: {d / 'boards.csv'} is empty (0 bytes): table boards treated as absent\n"
    assert "boards" in set(query(store, 'SELECT "table" FROM _missing_tables')["table"])


def test_empty_required_file_is_a_fault(tmp_path, capsys):
    d = write_tiny(tmp_path / "d", extra={"units.csv": ""})
    _ingest_fails(tmp_path, capsys, d, "units.csv", ": file is empty (0 bytes)")


def test_two_files_for_one_table_is_a_fault(tmp_path, capsys):
    d = write_tiny(tmp_path / "d")
    pd.read_csv(d / "units.csv").to_excel(d / "units.xlsx", index=False)
    _ingest_fails(tmp_path, capsys, d, "units.csv", ": two files for table units (units.csv, units.xlsx); keep one")


def test_absurdly_long_cell_is_refused(tmp_path, capsys):
    d = write_tiny(tmp_path / "d")
    long = "x" * (MAX_CELL_CHARS + 1)
    (d / "units.csv").write_text(UNITS.replace("Sykehjemsetaten", long), encoding="utf-8")
    _ingest_fails(tmp_path, capsys, d, "units.csv",
                  f", row 3, column unit_name: cell longer than {MAX_CELL_CHARS} characters "
                  f"(value: '{'x' * v.MAX_SHOWN_CHARS}...'); it has {MAX_CELL_CHARS + 1} characters")


# ------------------------------------------------------------------- keys
def test_keys_that_differ_only_by_case_are_refused(tmp_path, capsys):
    apps = applications_csv().splitlines()
    apps.append(apps[1].replace("A0001", "a0001", 1))
    d = write_tiny(tmp_path / "d", extra={"applications.csv": "\n".join(apps) + "\n"})
    _ingest_fails(tmp_path, capsys, d, "applications.csv",
                  f", row {len(apps)}, column application_id: key differs from an earlier row's only in upper/lower "
                  "case (application_id); keys are compared exactly, so both would count (value: 'a0001'); "
                  "row 2 has 'A0001'")


def test_exact_duplicate_is_still_a_duplicate_not_a_near_one(tmp_path):
    d = write_tiny(tmp_path / "d", extra={"units.csv": UNITS + "U1,Dobbel,Helse\nu2,Nesten,Helse\n"})
    with pytest.raises(v.ContractError) as exc:
        v.validate_folder(d)
    got = [(f.row, f.rule.split(" (")[0], f.value) for f in exc.value.faults]
    assert got == [(4, "duplicate key", "U1"), (5, "key differs from an earlier row's only in upper/lower case", "u2")]


def test_reference_in_another_case_names_the_key(tmp_path, capsys):
    d = write_tiny(tmp_path / "d", extra={"vacancies.csv": VACANCIES.replace("V3,U2,", "V3,u2,")})
    _ingest_fails(tmp_path, capsys, d, "vacancies.csv",
                  ", row 4, column unit_id: refers to a units.unit_id that does not exist (value: 'u2'); units has "
                  "'U2'; keys are compared exactly, case included")


def test_reference_without_leading_zeros_names_the_key(tmp_path, capsys):
    """units.csv keeps "0101", a vacancies sheet stored the ids as numbers ("101"): the message says why."""
    units = UNITS.replace("U1,", "0101,").replace("U2,", "0102,")
    vac = VACANCIES.replace(",U1,", ",0101,").replace(",U2,", ",0102,").replace("V3,0102,", "V3,102,")
    d = write_tiny(tmp_path / "d", extra={"units.csv": units, "vacancies.csv": vac})
    _ingest_fails(tmp_path, capsys, d, "vacancies.csv",
                  ", row 4, column unit_id: refers to a units.unit_id that does not exist (value: '102'); units has "
                  "'0102'; keys are compared exactly, leading zeros included (a spreadsheet column of numbers drops "
                  "them: format the id column as text)")


# ------------------------------------------------------------------ codes
def test_norwegian_aliases_are_read_as_codes(tmp_path):
    apps = applications_csv()
    for code, alias in (("female", "Kvinne"), ("male", "MANN")):
        apps = apps.replace(f",{code},", f",{alias},")
    vac = VACANCIES.replace(",leader", ",leder").replace("V2,U1,15.03.2025,employee", "V2,U1,15.03.2025,Ansatt")
    d = write_tiny(tmp_path / "d", extra={"applications.csv": apps, "vacancies.csv": vac})
    t = v.validate_folder(d).tables
    assert set(t["applications"]["gender"]) == {"female", "male"}
    assert t["vacancies"]["position_level"].tolist() == ["leader", "employee", "employee", "leader"]


def test_every_alias_names_a_code_and_no_alias_is_a_code():
    for table in TABLES.values():
        for col in table.columns:
            for alias, code in col.aliases:
                assert code in col.codes, (table.name, col.name, alias)
                assert alias.casefold() not in {c.casefold() for c in col.codes}, (table.name, col.name, alias)


def test_close_code_gets_a_hint(tmp_path, capsys):
    apps = applications_csv().splitlines()
    apps[1] = apps[1].replace(",male,", ",kvine,")
    d = write_tiny(tmp_path / "d", extra={"applications.csv": "\n".join(apps) + "\n"})
    _ingest_fails(tmp_path, capsys, d, "applications.csv",
                  ", row 2, column gender: unknown code; allowed: female, male, other, undeclared (value: 'kvine'); "
                  + HINT_CODE.format(suggestion="'kvinne' (= female)"))


# ------------------------------------------------------------------ store
def _damaged(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "truncated":
        os.truncate(path, size // 2)
    elif how == "zero bytes":
        os.truncate(path, 0)
    elif how == "overwritten header":
        with open(path, "r+b") as fh:
            fh.write(b"\xff" * 4096)
    elif how == "damaged block":
        with open(path, "r+b") as fh:
            fh.seek(4096)
            fh.write(b"\x00" * 8192)
    elif how == "not duckdb":
        path.write_text("unit_id,unit_name\n", encoding="utf-8")
    elif how == "foreign duckdb":
        path.unlink()
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE t AS SELECT 1 AS a")
        con.close()


STORE_CASES = {
    "truncated": REASON_TRUNCATED, "zero bytes": REASON_EMPTY, "overwritten header": REASON_NOT_DUCKDB,
    "damaged block": REASON_DAMAGED, "not duckdb": REASON_NOT_DUCKDB,
    "foreign duckdb": REASON_FOREIGN.format(tables=", ".join(STORE_TABLES)),
}


@pytest.mark.parametrize("how", list(STORE_CASES))
def test_corrupt_or_foreign_store_is_one_line_exit_2(tmp_path, capsys, how):
    store = tmp_path / "s.duckdb"
    ingest(write_tiny(tmp_path / "d"), store)
    _damaged(store, how)
    capsys.readouterr()
    rc = main(["run", "--year", "2025", "--store", str(store), "--out", str(tmp_path / "out"), "--jobs", "1"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err == MSG_BAD_STORE.format(path=store, reason=STORE_CASES[how]) + "\n"
    assert "re-run `mangfold ingest DIR`" in err and not (tmp_path / "out").exists()


def test_corrupt_store_gives_no_traceback_in_a_real_process(tmp_path):
    store = tmp_path / "s.duckdb"
    ingest(write_tiny(tmp_path / "d"), store)
    _damaged(store, "truncated")
    p = subprocess.run([sys.executable, "-m", "mangfold", "run", "--year", "2025", "--store", str(store), "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stderr.splitlines() == [MSG_BAD_STORE.format(path=store, reason=REASON_TRUNCATED)]



def test_store_path_that_is_a_folder_is_one_line_exit_2(tmp_path, capsys):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert main(["ingest", str(write_tiny(tmp_path / "d")), "--store", str(folder)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("mangfold: [Errno 21] Is a directory: ")
    assert folder.is_dir() and not list(folder.iterdir()) and not list(tmp_path.glob(".a-folder*"))

# ------------------------------------------------------- staging, orphans
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_staging_is_private_and_stale_staging_is_removed(tmp_path):
    out = tmp_path / "out"
    old_umask = os.umask(0o022)
    try:
        st = report.make_staging(out / f".2025.building-{os.getpid()}")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(st.stat().st_mode) == 0o700
    assert all((st / sub).is_dir() for sub in report.STAGING_DIRS)
    dead = _dead_pid()
    stale = report.make_staging(out / f".2024.building-{dead}")
    (stale / "restricted" / "tables" / "x.csv").write_text("secret\n")
    half = out / f".2023.old-{dead}"  # a swap killed between its two renames: the published 2023 is aside
    (half / "public").mkdir(parents=True)
    kept = out / f".2022.old-{dead}"
    kept.mkdir()
    (out / "2022").mkdir()
    assert sorted(p.name for p in report.remove_stale_staging(out)) == sorted([stale.name, half.name, kept.name])
    assert st.is_dir() and not stale.exists() and not kept.exists()  # a live run's staging is kept
    assert (out / "2023" / "public").is_dir()  # put back


def test_ingest_removes_temporary_stores_of_killed_ingests(tmp_path):
    dead = _dead_pid()
    stale = [tmp_path / f".s.duckdb.{dead}.tmp", tmp_path / f".s.duckdb.{dead}.tmp.wal"]
    live = tmp_path / f".s.duckdb.{os.getppid()}.tmp"  # a live process's ingest: kept
    for p in [*stale, live]:
        p.write_bytes(b"unsuppressed rows")
    ingest(write_tiny(tmp_path / "d"), tmp_path / "s.duckdb")
    assert not any(p.exists() for p in stale) and live.exists()

def test_swap_gives_the_published_folder_the_usual_mode(tmp_path):
    st = report.make_staging(tmp_path / f".2025.building-{os.getpid()}")
    old_umask = os.umask(0o022)
    try:
        report._swap_in(st, tmp_path / "2025")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "2025").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "2025" / "restricted").stat().st_mode) == 0o700


WORKER_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from mangfold.run.execute import _LocalPool
    pool = _LocalPool(1)
    fut = pool.submit(os.getpid)
    print(fut.result(), flush=True)
    pool.submit(time.sleep, 120)
    time.sleep(120)
""")


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _worker_dies_with(p: subprocess.Popen, *, seconds: float) -> bool:
    """Kill ``p`` (which printed its worker's pid) with SIGKILL; True once the worker is gone too."""
    worker = int(p.stdout.readline())
    assert _alive(worker)
    p.send_signal(signal.SIGKILL)
    p.wait()
    deadline = time.monotonic() + seconds
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(worker)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_worker_ends_with_its_parent_on_sigkill():
    p = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], stdout=subprocess.PIPE, text=True)
    assert _worker_dies_with(p, seconds=10)


DASK_SCRIPT = textwrap.dedent("""
    import os, time
    from mangfold.run.execute import _DaskPool
    if __name__ == "__main__":
        pool = _DaskPool(1, None)
        print(pool.submit(os.getpid).result(), flush=True)
        time.sleep(120)
""")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_dask_local_worker_ends_with_its_parent_on_sigkill(tmp_path):
    pytest.importorskip("distributed")
    script = tmp_path / "probe.py"
    script.write_text(DASK_SCRIPT, encoding="utf-8")
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert _worker_dies_with(p, seconds=20)

def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in found:
                found.add(c)
                todo.append(c)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_run_killed_at_any_point_leaves_nothing_readable_and_no_process(tmp_path):
    data = tmp_path / "data"
    assert main(["demo-data", str(data), "--years", "2025-2025", "--scale", "small"]) == 0
    store, out = tmp_path / "s.duckdb", tmp_path / "out"
    assert main(["ingest", str(data), "--store", str(store)]) == 0
    cmd = [sys.executable, "-m", "mangfold", "run", "--year", "2025", "--store", str(store), "--out", str(out),
           "--jobs", "2"]
    # kill after 2 s (starting), 5 s (workers starting), 1 s after the first table was written (notebooks
    # running in the workers) and, with warm kernels (--engine kernel), 3 s after the first kernel started
    for delay in (2, 5, "notebooks", "kernel"):
        env = {**os.environ, "MANGFOLD_ENGINE": "kernel" if delay == "kernel" else "inprocess"}
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        seen: dict[int, str] = {}  # pid -> command line
        t0 = time.monotonic()
        until = delay if isinstance(delay, int) else 120
        while time.monotonic() - t0 < until:
            seen.update({pid: _cmdline(pid) for pid in _descendants(p.pid) if pid not in seen})
            if delay == "kernel" and until == 120 and any("ipykernel" in c for c in seen.values()):
                until = time.monotonic() - t0 + 3
            written = list(out.glob(f".2025.building-{p.pid}/public/tables/*.csv"))  # this run's, not a stale one
            if delay == "notebooks" and until == 120 and written:
                until = time.monotonic() - t0 + 1
            time.sleep(0.1)
        assert p.poll() is None, f"the run ended before it was killed ({delay})"
        seen.update({pid: _cmdline(pid) for pid in _descendants(p.pid) if pid not in seen})
        p.send_signal(signal.SIGKILL)
        p.wait()
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in seen) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not {pid: c for pid, c in seen.items() if _alive(pid)}, f"processes left after a kill ({delay})"
        if delay == "kernel":  # the workers ran notebooks in their kernels: those ended too
            assert any("ipykernel" in c for c in seen.values()), seen
        for entry in out.iterdir() if out.exists() else []:
            # only the killed run's own staging: this run removed those of the runs killed before it
            assert entry.name.startswith(".2025.building-") and entry.name.endswith(f"-{p.pid}"), entry
            assert stat.S_IMODE(entry.stat().st_mode) == 0o700, entry
    assert len(list(out.glob(".*.building-*"))) == 1  # the run killed while notebooks ran left its staging
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    assert not list(out.glob(".*.building-*")) and not list(out.glob(".*.old-*"))


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""
