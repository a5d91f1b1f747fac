"""Every kind of bad delivery is named; nothing loads silently wrong (issue 13).

Real files in a real landing folder, judged by a real Dagster run of the NEET ingest step,
its checks and the publish step (``test_reliability.run_neet``), or by ``oba validate``.
Every test ends with a load log that reconciles.
"""

import os
import socket

import duckdb
import openpyxl
import pytest

from pipelines.operations.cli import main
from pipelines.ingest.loading import load_raw, stage
from sources.catalogue import get
from neet_runs import (HEADER, assert_log_reconciles, baseline, check_results, neet_rows,  # noqa: F401
                              published_rows, run_neet, write_neet)


def build(data_dir):
    return duckdb.connect(str(data_dir / "warehouse" / "build" / "oba.duckdb"), read_only=True)


def log_of(data_dir) -> dict[str, tuple]:
    return {r[0]: r for r in assert_log_reconciles(data_dir)}


def validate(capsys, path, source="neet") -> tuple[int, str]:
    code = main(["validate", str(path), "--source", source])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out


# --- decoding ---------------------------------------------------------------------------------

def test_bom_followed_by_windows_1252_loads_and_validates(baseline, capsys):
    text = "\n".join([HEADER + ",comment", *(r + ",caf\u00e9 \u2013 \u00a320" for r in neet_rows("2026-09", 12))])
    path = baseline / "landing" / "neet_2026-09.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (text + "\r\n").encode("cp1252"))
    code, out = validate(capsys, path)
    assert code == 0 and "Encoding: cp1252" in out and "12 rows would load" in out
    result = run_neet(baseline)
    assert result.success
    log = log_of(baseline)
    assert log["neet_2026-09.csv"][1:4] == ("loaded", 12, 12)
    assert published_rows(baseline) == 92


def test_undecodable_file_is_refused_by_name(baseline, capsys):
    path = baseline / "landing" / "neet_2026-09.csv"
    path.write_bytes(("\n".join([HEADER, *neet_rows("2026-09", 5)]) + "\n").encode() + b"\x81\xfe,\x8d\n")
    code, out = validate(capsys, path)
    assert code == 1 and "FAILED: cannot be decoded" in out and "0x81" in out
    result = run_neet(baseline)
    found = check_results(result)
    assert result.success and published_rows(baseline) == 80
    status, message = log_of(baseline)["neet_2026-09.csv"][1::5]
    assert status == "failed" and "cannot be decoded" in message
    assert "neet_2026-09.csv" in found["deliveries_accepted"].description


# --- dates ------------------------------------------------------------------------------------

def test_month_first_dates_refuse_the_file_whole(baseline, capsys):
    rows = [r.replace("01/09/2026", "09/%02d/2026" % (1 + i % 28)) for i, r in enumerate(neet_rows("2026-09", 30))]
    path = baseline / "landing" / "neet_2026-09.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    code, out = validate(capsys, path)
    assert code == 1 and "REJECTED: dates written month-first" in out and "extract_month '09/13/2026'" in out
    result = run_neet(baseline)
    status, message = log_of(baseline)["neet_2026-09.csv"][1::5]
    assert status == "rejected" and "month-first" in message and "row 14" in message
    with build(baseline) as con:
        assert con.execute("select count(*) from raw_neet where source_file = 'neet_2026-09.csv'").fetchone()[0] == 0
    assert result.success and published_rows(baseline) == 80
    assert "neet_2026-09.csv" in check_results(result)["deliveries_accepted"].description


def test_ambiguous_dates_are_judged_against_the_period_and_reported(baseline):
    landing = baseline / "landing"
    # Every day is 12 or less. October 2026 read day-first would be 10 January: month-first.
    us = [r.replace("01/10/2026", "10/01/2026") for r in neet_rows("2026-10", 20)]
    (landing / "neet_2026-10.csv").write_text("\n".join([HEADER, *us]) + "\n")
    write_neet(landing, "2026-11", 20, start=500)                 # 01/11/2026: day-first fits the period
    result = run_neet(baseline)
    log = log_of(baseline)
    assert log["neet_2026-10.csv"][1] == "rejected"
    assert "judged against the period 2026-10 (2026-10-01 to 2026-10-31)" in log["neet_2026-10.csv"][6]
    assert "0 of 20 such dates fall in it read day-first, 20 read month-first" in log["neet_2026-10.csv"][6]
    assert log["neet_2026-11.csv"][1:4] == ("loaded", 20, 20)
    assert "read as dd/mm/yyyy" in log["neet_2026-11.csv"][6]
    assert result.success and published_rows(baseline) == 100


def test_iso_and_excel_date_time_forms_are_read(baseline):
    rows = neet_rows("2026-09", 30)
    forms = ["2026-09-01", "01/09/2026 00:00:00", "2026-09-01 00:00:00", "2026-09-01T00:00:00", "01/09/2026"]
    rows = [r.replace("01/09/2026", forms[i % len(forms)], 1) for i, r in enumerate(rows)]
    (baseline / "landing" / "neet_2026-09.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    assert run_neet(baseline).success
    assert log_of(baseline)["neet_2026-09.csv"][1:5] == ("loaded", 30, 30, 0)
    with build(baseline) as con:
        assert con.execute("select list(distinct extract_month) from stg_neet "
                           "where source_file = 'neet_2026-09.csv'").fetchone()[0] == [
            __import__("datetime").date(2026, 9, 1)]


# --- names and kinds of landing entries -------------------------------------------------------

def test_unrecognised_names_are_recorded_reported_and_shown(baseline, capsys):
    landing = baseline / "landing"
    good = "\n".join([HEADER, *neet_rows("2026-10", 10)]) + "\n"
    for name in ("neet_2026-10 (1).csv", "neet_2026-10.xlsx", "NEET_Oct.csv", "NEET_October_2026.csv",
                 "neet_2026-13.csv"):
        (landing / name).write_text(good)
    result = run_neet(baseline)
    assert result.success and published_rows(baseline) == 80
    log = log_of(baseline)
    for name, period in (("neet_2026-10 (1).csv", "2026-10"), ("neet_2026-10.xlsx", "2026-10"),
                         ("NEET_Oct.csv", None), ("NEET_October_2026.csv", "2026-10")):
        assert log[name][1] == "unrecognised", name
        assert "nearest source neet" in log[name][6]
        assert f"period {period or 'not recognisable'}" in log[name][6]
    assert ".xlsx files are not accepted for neet" in log["neet_2026-10.xlsx"][6]
    assert log["neet_2026-13.csv"][1] == "unrecognised" and "2026-13 is not a valid month" in log["neet_2026-13.csv"][6]
    warning = check_results(result)["deliveries_accepted"]
    assert not warning.passed and "NEET_Oct.csv (unrecognised" in warning.description
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Landing files not loaded" in out and "neet_2026-10 (1).csv" in out and "unrecognised" in out


def test_links_folders_fifos_and_control_names_are_refused_unread(baseline, capsys):
    landing = baseline / "landing"
    secret = baseline.parent / "secret.csv"
    secret.write_text("\n".join([HEADER, *neet_rows("2026-09", 3)]).replace("E05012437", "SECRETWARD") + "\n")
    os.symlink("/etc/passwd", landing / "neet_2026-09.csv")
    os.symlink(secret, landing / "neet_2026-10.csv")
    os.symlink(baseline.parent, landing / "neet_2026-11")
    os.mkfifo(landing / "neet_2027-01.csv")
    (landing / "neet_2027-02.csv").mkdir()
    (landing / "neet_2027-03.csv\n").write_text("\n".join([HEADER, *neet_rows("2027-03", 3)]) + "\n")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(landing / "neet_2027-04.csv"))
    try:
        code, out = validate(capsys, landing / "neet_2026-09.csv")
        assert code == 1 and "REFUSED: a symbolic link" in out and "root:" not in out
        result = run_neet(baseline)
    finally:
        sock.close()
    assert result.success and published_rows(baseline) == 80
    log = log_of(baseline)
    kinds = {"neet_2026-09.csv": "symbolic link", "neet_2026-10.csv": "symbolic link", "neet_2026-11": "symbolic",
             "neet_2027-01.csv": "FIFO", "neet_2027-02.csv": "folder",
             "neet_2027-03.csv\\x0a": "control characters", "neet_2027-04.csv": "socket"}
    for name, word in kinds.items():
        assert log[name][1] == "refused" and word in log[name][6], (name, log.get(name))
        assert log[name][2] == 0
    with build(baseline) as con:
        text = con.execute("select string_agg(t::varchar, ' ') from (select * from load_log) t").fetchone()[0]
        text += con.execute("select coalesce(string_agg(t::varchar, ' '), '') from quarantine t").fetchone()[0]
        assert "root:" not in text and "SECRETWARD" not in text
        assert con.execute("select count(*) from raw_neet where ward_code = 'SECRETWARD'").fetchone()[0] == 0
    description = check_results(result)["deliveries_accepted"].description
    assert "neet_2026-09.csv (refused: a symbolic link" in description and "root:" not in description
    main(["status"])
    out = capsys.readouterr().out
    assert "neet_2027-03.csv\\x0a" in out and "root:" not in out
    for entry in landing.iterdir():                  # taken away: the warning goes, the log keeps the record
        if entry.name not in ("neet_2026-07.csv", "neet_2026-08.csv"):
            entry.rmdir() if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    result = run_neet(baseline)
    assert check_results(result)["deliveries_accepted"].passed
    assert log_of(baseline)["neet_2027-02.csv"][1] == "refused"


# --- re-issues --------------------------------------------------------------------------------

def test_highest_version_always_wins_whatever_came_before(baseline):
    landing = baseline / "landing"
    (landing / "neet_2026-08_v2.csv").write_bytes(b"")                # a 0-byte re-issue...
    write_neet(landing, "2026-08", 25, suffix="_v3", start=5000)      # ...then a good one
    assert run_neet(baseline).success
    log = log_of(baseline)
    assert log["neet_2026-08_v2.csv"][1] == "superseded" and log["neet_2026-08_v3.csv"][1:4] == ("loaded", 25, 25)
    assert published_rows(baseline) == 40 + 25


def test_reissue_identical_to_a_superseded_delivery_is_in_force(baseline, monkeypatch):
    monkeypatch.setenv("OBA_MIN_REISSUE_SHARE", "0")   # a re-issue of 10 rows replaces 40 (the setting)
    landing = baseline / "landing"
    write_neet(landing, "2026-08", 10, suffix="_v2", start=6000)
    assert run_neet(baseline).success and published_rows(baseline) == 50
    (landing / "neet_2026-08_v3.csv").write_bytes((landing / "neet_2026-08.csv").read_bytes())   # = v1
    assert run_neet(baseline).success
    log = log_of(baseline)
    assert log["neet_2026-08_v2.csv"][1] == "superseded"
    assert log["neet_2026-08_v3.csv"][1:4] == ("loaded", 40, 40)
    assert published_rows(baseline) == 80
    assert run_neet(baseline).success and published_rows(baseline) == 80   # and it stays so


def test_empty_reissue_is_held_until_a_higher_version(baseline):
    landing = baseline / "landing"
    (landing / "neet_2026-08_v2.csv").write_bytes(b"")                 # 0 bytes: same as header only
    result = run_neet(baseline)
    assert result.success and check_results(result)["no_empty_delivery"].passed
    log = log_of(baseline)
    assert log["neet_2026-08_v2.csv"][1] == "held" and log["neet_2026-08.csv"][1] == "loaded"
    assert published_rows(baseline) == 80                               # the period keeps its 40 rows
    assert "held" in check_results(result)["deliveries_accepted"].description
    write_neet(landing, "2026-08", 25, suffix="_v3", start=8000)
    assert run_neet(baseline).success and published_rows(baseline) == 65
    log = log_of(baseline)
    assert log["neet_2026-08_v2.csv"][1] == "superseded" and log["neet_2026-08.csv"][1] == "superseded"


# --- cut-off files ----------------------------------------------------------------------------

@pytest.mark.parametrize("cut", ["open quote", "no line end"])
def test_last_record_cut_off_is_quarantined_with_a_reason(baseline, capsys, cut):
    rows = neet_rows("2026-09", 10)
    if cut == "open quote":
        rows = [r.replace(",E05012437,", ',"E05012437",') for r in rows]
        text = "\n".join([HEADER, *rows]) + "\n"
        text = text[:text.rindex('"E05012437"') + 5]                  # inside the last quoted ward
    else:
        text = "\n".join([HEADER, *rows])
        text = text[:-1] if cut == "no line end" else text            # "...,M" cut to "...," keeps the width
    path = baseline / "landing" / "neet_2026-09.csv"
    path.write_text(text)
    code, out = validate(capsys, path)
    assert code == 1 and "row 11" in out and "cut off in transfer" in out
    assert run_neet(baseline).success
    assert log_of(baseline)["neet_2026-09.csv"][1:5] == ("loaded", 10, 9, 1)
    with build(baseline) as con:
        reason = con.execute("select reason from quarantine where source_file = 'neet_2026-09.csv'").fetchone()[0]
    assert "cut off in transfer" in reason


# --- workbooks --------------------------------------------------------------------------------

SHEU = get("sheu_survey")


def _sheet(ws, first: int, n: int) -> None:
    ws.append(SHEU.column_names)
    for i in range(first, first + n):
        ws.append([f"R{i}", 2025, f"S{i % 4}", 8, "FM"[i % 2], 10 + i % 5, "Y"])


def test_every_sheet_with_the_header_is_read_and_the_others_named(data_dir, con, capsys):
    book = openpyxl.Workbook()
    _sheet(book.active, 0, 30)
    book.active.title = "Responses"
    _sheet(book.create_sheet("Responses (2)"), 30, 20)
    book.create_sheet("Notes").append(["This sheet explains the survey"])
    path = data_dir / "landing" / "sheu_survey_2025.xlsx"
    book.save(path)
    code, out = validate(capsys, path, "sheu_survey")
    assert code == 0 and "50 rows would load" in out and "sheets not read (no sheu_survey header): 'Notes'" in out
    load_raw(con, SHEU, data_dir / "landing")
    stage(con, SHEU)
    status, read, loaded, message = con.execute("select status, rows_read, rows_loaded, message from load_log"
                                                ).fetchone()
    assert (status, read, loaded) == ("loaded", 50, 50)
    assert "'Responses (2)' (rows 10,000,002-10,000,021" in message and "'Notes'" in message


def test_a_declared_sheet_is_the_only_one_read(data_dir, con):
    import dataclasses

    book = openpyxl.Workbook()
    _sheet(book.active, 0, 5)
    _sheet(book.create_sheet("Final"), 100, 7)
    path = data_dir / "landing" / "sheu_survey_2025.xlsx"
    book.save(path)
    declared = dataclasses.replace(SHEU, sheet="Final")
    load_raw(con, declared, data_dir / "landing")
    stage(con, declared)
    assert con.execute("select status, rows_loaded from load_log").fetchone() == ("loaded", 7)
    assert "not the declared sheet" in con.execute("select message from load_log").fetchone()[0]
    missing = dataclasses.replace(SHEU, sheet="Other")
    book.create_sheet("More")
    book.save(data_dir / "landing" / "sheu_survey_2024.xlsx")
    load_raw(con, missing, data_dir / "landing")
    status, message = con.execute("select status, message from load_log where period = '2024'").fetchone()
    assert status == "rejected" and "no sheet 'Other'" in message


def test_status_works_from_the_published_warehouse_when_the_instance_cannot_be_opened(baseline, monkeypatch,
                                                                                      capsys):
    (baseline.parent / "not_a_folder").write_text("a file where the Dagster instance should be")
    monkeypatch.setenv("DAGSTER_HOME", str(baseline.parent / "not_a_folder"))
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Published warehouse" in out and "the Dagster instance could not be opened" in out
    assert "neet" in out


def test_a_higher_version_equal_to_the_one_in_force_still_outranks_a_later_lower_version(baseline):
    landing = baseline / "landing"
    (landing / "neet_2026-08_v3.csv").write_bytes((landing / "neet_2026-08.csv").read_bytes())   # v3 = v1
    assert run_neet(baseline).success
    write_neet(landing, "2026-08", 7, suffix="_v2", start=9000)       # a v2 arriving after v3
    assert run_neet(baseline).success
    log = log_of(baseline)
    assert log["neet_2026-08_v3.csv"][1:4] == ("loaded", 40, 40)
    assert log["neet_2026-08_v2.csv"][1] == "superseded" and log["neet_2026-08.csv"][1] == "superseded"
    assert published_rows(baseline) == 80


def test_no_cut_point_loads_a_shortened_value(tmp_path):
    """A quoted file cut at every possible byte: each record that loads is exactly as sent."""
    from pipelines.ingest.extracts import ExtractError, read_extract
    from pipelines.ingest.validation import check

    neet = get("neet")
    names = HEADER.split(",")
    order = [n for n in names if n != "child_id"] + ["child_id"]    # a value still valid when shortened, last
    records = [dict(zip(names, r.split(","))) for r in neet_rows("2026-09", 3)]
    rows = [",".join(f'"{rec[n]}"' for n in order) for rec in records]
    text = "\r\n".join([",".join(order), *rows]) + "\r\n"
    sent = {i + 2: [rec[n] for n in neet.column_names] for i, rec in enumerate(records)}
    path = tmp_path / "neet_2026-09.csv"
    for cut in range(text.index("\r\n") + 2, len(text) + 1):
        path.write_text(text[:cut], newline="")
        try:
            extract = read_extract(path, neet)
        except ExtractError:
            continue
        if extract.pii:       # refused whole: nothing of it loads (a cut value can look like an identifier)
            continue
        result = check(extract, neet)
        frame = extract.frame.set_index("source_row")
        for row in result.valid["source_row"]:
            assert list(frame.loc[row, neet.column_names]) == sent[row], (cut, text[:cut][-30:])
        assert extract.rows_read == result.rows_loaded + result.rows_quarantined


def test_utf8_mixed_with_windows_1252_is_refused_not_read_as_mojibake(tmp_path, capsys):
    rows = neet_rows("2026-09", 3)
    data = "\n".join([HEADER + ",comment", rows[0] + ",café", rows[1] + ",ok"]).encode("utf-8")
    path = tmp_path / "neet_2026-09.csv"
    path.write_bytes(data + b"\n" + (rows[2] + ",caf\xe9").encode("latin-1") + b"\n")
    code, out = validate(capsys, path)
    assert code == 1 and "FAILED: mixed encodings" in out and "0xE9" in out
