"""raw_<source> keeps only what validation accepted (issue 31): a cell that fails a check of its
own value is blank in raw_ and its value is only in quarantine (row, column, reason, masked
where it is an identifier); counts still reconcile; a released held delivery does not load a
failed record with its failing cell blank."""

from __future__ import annotations

import pandas as pd

from pipelines.ingest import holding
from pipelines.ingest.loading import ingest, masked_values
from sources.catalogue import get

NEET, CME = get("neet"), get("cme")
NEET_HEADER = "extract_month,child_id,academic_age,activity_code,send,care_leaver,young_parent,youth_justice,ward_code,sex\n"
CME_HEADER = "case_id,child_id,referral_date,reason,resolved_date,outcome,age,ward_code\n"


def _id(n: int) -> str:
    return f"{n:016x}"


def _neet_row(n: int, month="01/04/2024", age="17", code="110", sex="F") -> str:
    return f"{month},{_id(n)},{age},{code},0,0,0,0,E05001234,{sex}\n"


def _cme_row(n: int, age="11", outcome="back_in_school", referral="03/04/2024", resolved="20/04/2024") -> str:
    return f"CME{n:05d},{_id(n)},{referral},moved_in,{resolved},{outcome},{age},E05001234\n"


# value -> (source, column): each fails a check of its own cell
FAILING = {"25": ("neet", "academic_age"), "X": ("neet", "sex"), "999": ("neet", "activity_code"),
           "31/04/2024": ("neet", "extract_month"), "47": ("cme", "age"), "UNKNOWN": ("cme", "outcome")}


def _deliver(landing):
    neet = NEET_HEADER + "".join(_neet_row(n) for n in range(1, 61))
    neet += _neet_row(101, age="25", sex="X")          # two failing cells in one record
    neet += _neet_row(102, code="999") + _neet_row(103, month="31/04/2024")
    neet += _neet_row(5) + "01/04/2024,1,7\n"          # a repeated key (a record rule); a malformed record
    cme = CME_HEADER + "".join(_cme_row(n) for n in range(1, 41))
    cme += _cme_row(201, age="47", outcome="UNKNOWN") + _cme_row(202, referral="22/04/2024", resolved="01/04/2024")
    (landing / "neet_2024-04.csv").write_text(neet)
    (landing / "cme_2024-25.csv").write_text(cme)


def _everywhere(con, table: str, value: str) -> int:
    cols = [c for (c,) in con.execute(f"select column_name from duckdb_columns() where table_name = '{table}' "
                                      f"and data_type = 'VARCHAR'").fetchall()]
    return con.execute(f"select count(*) from {table} where " + " or ".join(f'"{c}" = ?' for c in cols),
                       [value] * len(cols)).fetchone()[0]


def test_failing_values_are_in_quarantine_only_and_counts_reconcile(con, data_dir):
    landing = data_dir / "landing"
    _deliver(landing)
    for source in (NEET, CME):
        ingest(con, source, landing)
    for value, (source, column) in FAILING.items():
        assert _everywhere(con, f"raw_{source}", value) == 0, (value, source)
        got = con.execute("select count(*) from quarantine where source = ? and column_name = ? and failure_value = ?",
                          [source, column, value]).fetchone()[0]
        assert got == 1, (value, source, column)
    # The failed records' other cells, each accepted, are still there (blank only where they failed).
    row = con.execute("select academic_age, sex, activity_code, ward_code from raw_neet where child_id = ?",
                      [_id(101)]).fetchone()
    assert row == (None, None, "110", "E05001234")
    # A record that broke a rule across cells (a repeated key, dates out of order) keeps its cells.
    assert con.execute("select count(*) from raw_neet where child_id = ?", [_id(5)]).fetchone()[0] == 2
    assert con.execute("select resolved_date from raw_cme where child_id = ?", [_id(202)]).fetchone() == ("01/04/2024",)
    log = {s: r for s, *r in con.execute("select source, status, rows_read, rows_loaded, rows_quarantined "
                                         "from load_log").fetchall()}
    assert log == {"neet": ["loaded", 65, 60, 5], "cme": ["loaded", 42, 40, 2]}
    for source in ("neet", "cme"):
        raw = con.execute(f"select count(*) from raw_{source}").fetchone()[0]
        malformed = con.execute("select count(*) from quarantine where source = ? and check_name = 'record_shape'",
                                [source]).fetchone()[0]
        assert raw == log[source][1] - malformed
        assert log[source][2] + log[source][3] == log[source][1]


def test_a_released_held_delivery_does_not_load_its_failed_records(con, data_dir):
    landing = data_dir / "landing"
    text = NEET_HEADER + "".join(_neet_row(n) for n in range(1, 21))
    text += "".join(_neet_row(100 + n, code="999") for n in range(8))     # 8 of 28: held
    (landing / "neet_2024-04.csv").write_text(text)
    ingest(con, NEET, landing)
    assert con.execute("select status from load_log").fetchone() == ("held",)
    digest = con.execute("select file_hash from load_log").fetchone()[0]
    holding.record_release(data_dir / "settings", "neet", "neet_2024-04.csv", digest)
    ingest(con, NEET, landing)
    assert con.execute("select status, rows_loaded, rows_quarantined from load_log").fetchone() == ("loaded", 20, 8)
    assert con.execute("select count(*) from stg_neet where child_id >= ?", [_id(100)]).fetchone() == (0,)
    assert con.execute("select count(*), min(check_name) from quarantine").fetchone() == \
        (8, "known NCCIS activity code")
    assert _everywhere(con, "raw_neet", "999") == 0


def test_failure_values_that_are_identifiers_are_masked():
    values = pd.Series(["943 476 5919", "UNKNOWN", None, "jo.bloggs@example.com"], dtype="string")
    got = masked_values(values)
    assert got[1] == "UNKNOWN" and pd.isna(got[2])
    assert got[0] != "943 476 5919" and got[3] != "jo.bloggs@example.com"
    assert got[0].startswith("94") and "*" in got[0]
