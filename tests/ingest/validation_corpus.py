"""A corpus of deliveries with every kind of fault validation catches, and a signature of
what ingesting it leaves in the warehouse (raw_, stg_, quarantine, load_log; times left
out). ``test_validation_corpus`` compares today's signature with one recorded from the code
before validation was made faster (``python tests/ingest/validation_corpus.py record``, run on that code), so
a faster path that loses a quarantine row, a reason, a row number or a refusal fails.
Re-recorded when deliveries became holdable (issue 30): quarantine and every raw_ table are as
recorded before; the two hostile files with most records quarantined (neet_2024-04,
attainment_2023-24) are now held, so their rows are out of stg_ and load_log says held.
Re-recorded when raw_ came to keep only what validation accepted (issue 31): quarantine,
load_log, stg_ and every raw_ row count as recorded before; only the raw_ tables whose
deliveries had a cell fail its own check changed (that cell is now blank).

The corpus: the demo generator's deliveries at 1/50 scale (bad codes, impossible dates,
date order, out of range, missing keys, duplicates, Total rows, aliased headers, re-issues,
xlsx) plus hand-made hostile files: long cells, malformed and cut-off records, quoted
fields, blank lines, spaces, every spelling of numbers, dates and flags, row rules broken,
duplicate keys within and across deliveries, month-first dates, identifiers.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import duckdb

EXPECTED = Path(__file__).parent / "data" / "validation_corpus.json"
VOLATILE = {"loaded_at", "quarantined_at", "validated_at", "received_at", "file_modified_at"}


def _neet(rows: list[str]) -> str:
    return "extract_month,child_id,academic_age,activity_code,send,care_leaver,young_parent,youth_justice," \
           "ward_code,sex\n" + "".join(r + "\n" for r in rows)


def hostile_files() -> dict[str, str | bytes]:
    """File name -> content: faults the generator does not make, in small NEET and attainment files."""
    ok = "01/04/2024,{id},17,110,0,0,0,0,E05001234,F"
    files = {
        "neet_2024-04.csv": _neet([
            ok.format(id="A1"), ok.format(id="A1"),                     # duplicate key within the delivery
            ok.format(id="A2").replace(",17,", ",1,7,"),                  # wrong width: malformed
            ok.format(id="A3").replace(",17,", ", 17 ,"),                 # spaces around a number
            ok.format(id="A4").replace(",17,", ",17.0,"), ok.format(id="A5").replace(",17,", ",17.5,"),
            ok.format(id="A6").replace(",17,", ",1e1,"), ok.format(id="A7").replace(",17,", ",+17,"),
            ok.format(id="A8").replace(",17,", ",,"),                     # a required number left blank
            ok.format(id="A9").replace(",0,0,0,0,", ",Y,yes,TRUE,n,"),
            ok.format(id="A10").replace(",0,0,0,0,", ",2,maybe,,F,"),
            ok.format(id="A11").replace("01/04/2024", "2024-04-01"),
            ok.format(id="A12").replace("01/04/2024", "31/04/2024"),
            ok.format(id="A13").replace("01/04/2024", "02/04/2024"),      # not the first of a month
            ok.format(id="A14").replace("01/04/2024", "01/04/2099"),      # in the future
            ok.format(id="A15").replace("01/04/2024", "01/04/1999"),
            ok.format(id="A16").replace("01/04/2024", "1/4/2024"),
            ok.format(id="A17").replace("01/04/2024", "01/04/2024 00:00:00"),
            ok.format(id="A18").replace("E05001234", "E0500123"),
            ok.format(id="A19").replace(",110,", ",999,"), ok.format(id="A20").replace(",F", ",X"),
            ok.format(id="A21").replace(",F", ",") , ok.format(id="").rstrip(),
            ",,,,,,,,,", "   ,  ,,,,,,,,",                                # blank records
            "Total,,,,,,,,,", ok.format(id="A22").replace("E05001234", "E05" + "9" * 12000),
            ok.format(id="A23").replace(",17,", ",١٧,"), ok.format(id="A24").replace(",F", ",f"),
        ]),
        "neet_2024-05.csv": _neet([ok.format(id="A1").replace("04/2024", "05/2024"),
                                   ok.format(id="A1").replace("04/2024", "05/2024"),
                                   'x"quoted",' + ok.format(id="Q1").split(",", 1)[1]]).replace(
            "01/05/2024,A1,17", '"01/05/2024","A1","17"', 1),
        "neet_2024-06.csv": _neet([ok.format(id="B1").replace("04/2024", "06/2024"),
                                   ok.format(id="B2").replace("04/2024", "06/2024")]) + "01/06/2024,B3,17,1",
        "neet_2024-07.csv": _neet([ok.format(id="C1").replace("01/04/2024", "03/25/2024")]),  # month-first
        "neet_2024-08.csv": _neet([ok.format(id="C2").replace("01/04/2024", "01/08/2024"),
                                   ok.format(id="jo.bloggs@example.com").replace("01/04/2024", "01/08/2024")]),
        "neet_2024-09.csv": b"extract_month,child_id\r\n\xff\xfe",
        "attainment_2023-24.csv":
            "child_id,academic_year,stage,fsm,disadvantaged,gld,ks2_rwm_expected,ks4_attainment8,sex,imd_decile\n"
            "P1,2023/24,EYFS,0,0,1,,,F,3\nP2,2023/24,KS2,0,0,1,1,,M,3\nP3,2023/24,KS4,0,0,,,45.5,F,11\n"
            "P4,2023/25,KS4,1,1,,,1,234.5,F,2\nP5,2023/24,KS4,1,1,,,\"1,234.5\",F,2\nP6,2023/24,KS1,,,,,,U,\n"
            "P1,2023/24,EYFS,0,0,1,,,F,3\nP7,2023/24,KS2,0,0,,0,12,M,5\n",
    }
    return files


def make(landing: Path) -> None:
    from sources.generate import generate

    generate(landing, scale=0.02, seed=5)
    for name, content in hostile_files().items():
        (landing / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def signature(db: Path) -> dict:
    """Per table: rows and a hash of its rows in a total order (times left out); quarantine
    and load_log in full, so a difference can be read."""
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    tables = [t for (t,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
    for t in tables:
        cols = [c for (c,) in con.execute("select column_name from duckdb_columns() where table_name = ? "
                                          "order by column_index", [t]).fetchall() if c not in VOLATILE]
        names = ", ".join(f'"{c}"' for c in cols)
        rows = con.execute(f'select {names} from "{t}" order by all').fetchall()
        text = "\n".join(repr(r) for r in rows)
        if t in ("quarantine", "load_log"):
            out[t] = [[str(v) for v in r] for r in rows]
        else:
            out[t] = {"rows": len(rows), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    con.close()
    return out


def ingest_all(landing: Path, db: Path) -> None:
    from pipelines.ingest.loading import ingest
    from sources.catalogue import SOURCES

    with duckdb.connect(str(db)) as con:
        for source in SOURCES:
            ingest(con, source, landing)


if __name__ == "__main__" and sys.argv[1:2] == ["record"]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        make(landing)
        ingest_all(landing, Path(tmp) / "w.duckdb")
        EXPECTED.write_text(json.dumps(signature(Path(tmp) / "w.duckdb"), indent=0, sort_keys=True) + "\n")
    print(f"recorded {EXPECTED}")
