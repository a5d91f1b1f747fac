"""Hostile files: workbooks over a bound (zip bomb, a cell at XFD1048576), every part a
workbook carries, names of files, versions and periods in names; each refused with a message,
and the next run publishes the rest."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from pipelines.ingest import landing, workbook
from pipelines.ingest.extracts import ExtractError, read_extract
from pipelines.ingest.loading import ingest
from pipelines.ingest.validate_file import report
from sources import catalogue
from tests.ingest.identifier_corpus import hostile

SURVEY = catalogue.get("sheu_survey")   # takes xlsx


def _survey_book(path: Path, rows: int = 3) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append(SURVEY.column_names)
    for i in range(rows):
        sheet.append([_cell(c, i) for c in SURVEY.columns])
    book.save(path)
    return book


def _cell(column, i):
    if column.codes:
        return sorted(column.codes)[0]
    if column.type == "int":
        return 10
    if column.type == "date":
        return "2024-03-01"
    if column.type == "bool":
        return "Y"
    return f"SHEU{1000000 + i}"


def _with(path: Path, change) -> Path:
    _survey_book(path)
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


PARTS = {
    "a hidden sheet": lambda book, v: setattr(book.create_sheet("notes"), "sheet_state", "hidden")
    or book["notes"].append(["x", v]),
    "a very hidden sheet": lambda book, v: setattr(book.create_sheet("vh"), "sheet_state", "veryHidden")
    or book["vh"].append([v]),
    "a visible sheet not read": lambda book, v: book.create_sheet("other").append([v]),
    "a cell comment": lambda book, v: setattr(book["data"]["A2"], "comment", Comment(f"see {v}", "officer")),
    "a comment's author": lambda book, v: setattr(book["data"]["A2"], "comment", Comment("checked", v)),
    "a defined name": lambda book, v: book.defined_names.add(DefinedName("who", attr_text=f'"{v}"')),
    "the printed header": lambda book, v: setattr(book["data"].oddHeader.center, "text", v),
    "the printed footer": lambda book, v: setattr(book["data"].oddFooter.left, "text", v),
    "the document's author": lambda book, v: setattr(book.properties, "creator", v),
    "the document's title": lambda book, v: setattr(book.properties, "title", v),
    "the document's keywords": lambda book, v: setattr(book.properties, "keywords", v),
    "a sheet name": lambda book, v: book.create_sheet(v[:31].replace("/", " ").replace(":", " ")),
}


def test_every_workbook_part_is_screened(tmp_path):
    corpus = hostile(seed=5, per_kind=3)
    missed, n = [], 0
    for part, change in PARTS.items():
        for kind, forms in corpus.items():
            for value in forms:
                if part == "a sheet name" and any(c in value for c in "[]*?\\"):
                    continue
                n += 1
                path = _with(tmp_path / "sheu_survey_2024.xlsx", lambda book: change(book, value))
                ex = read_extract(path, SURVEY)
                if not ex.pii:
                    missed.append(f"{kind} in {part}: {value!r}")
    print(f"\nworkbook parts: {n - len(missed)}/{n} identifiers refused across {len(PARTS)} parts")
    assert not missed, missed[:10]


def test_a_clean_workbook_is_accepted(tmp_path):
    path = _with(tmp_path / "sheu_survey_2024.xlsx", lambda book: setattr(book.properties, "creator", "Public Health Team"))
    ex = read_extract(path, SURVEY)
    assert not ex.pii and len(ex.frame) == 3


def _bomb(path: Path, unpacked: int) -> Path:
    """A valid workbook whose sheet part is padded with ``unpacked`` bytes of white space."""
    _survey_book(path)
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    at = sheet.index(b"<sheetData>")
    parts["xl/worksheets/sheet1.xml"] = sheet[:at] + b" " * unpacked + sheet[at:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_unread_and_named(tmp_path):
    path = _bomb(tmp_path / "sheu_survey_2024.xlsx", 64 * 1024 * 1024)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(ExtractError) as err:
        read_extract(path, SURVEY)
    assert err.value.status == "refused" and "zip bomb" in err.value.message
    text, ok = report(path, "sheu_survey")
    assert not ok and "REFUSED" in text and "zip bomb" in text


def test_a_cell_at_the_last_column_and_row_is_refused_before_reading(tmp_path):
    path = _with(tmp_path / "sheu_survey_2024.xlsx", lambda book: book["data"].cell(1048576, 16384, "x"))
    with pytest.raises(ExtractError) as err:
        read_extract(path, SURVEY)
    assert err.value.status == "refused" and "16,384 columns" in err.value.message


def test_the_bounds_are_stated_and_ordinary_workbooks_pass(tmp_path):
    path = _survey_book(tmp_path / "b.xlsx", rows=2000) and tmp_path / "b.xlsx"
    workbook.check_bounds(path.read_bytes())
    assert workbook.MAX_COLUMNS < 16384 and workbook.MAX_RATIO > 50


def test_names_in_the_landing_folder_are_masked_and_bidi_escaped(tmp_path):
    land = tmp_path / "landing"
    land.mkdir()
    (land / "Lily Smith DOB 12.03.2012 BA2 4HD").mkdir()
    (land / "neet_2026-10\u202egpj.csv").write_text("x")
    (land / "population_\uff12\uff10\uff12\uff15.csv").write_text("x")
    (land / "neet_2026-10_v9434765919.csv").write_text("x")      # an NHS number as a version
    (land / "neet_2026-11_v20261105123000.csv").write_text("x")  # a time stamp as a version
    entries = {e.kind + ":" + e.name: e for e in landing.scan(land)}
    shown = " ".join(entries) + " ".join(e.message for e in entries.values())
    for secret in ("Lily Smith", "12.03.2012", "BA2 4HD", "\u202e", "9434765919"):
        assert secret not in shown, secret
    assert any("\\u202e" in name for name in entries)
    assert any("ASCII" in e.message for e in entries.values())
    assert any("outside 1-9999" in e.message for e in entries.values())


def test_hostile_deliveries_are_refused_and_the_next_run_loads_the_rest(tmp_path):
    land = tmp_path / "landing"
    land.mkdir()
    _survey_book(land / "sheu_survey_2023.xlsx")
    _bomb(land / "sheu_survey_2024.xlsx", 64 * 1024 * 1024)
    _with(land / "sheu_survey_2022.xlsx", lambda book: book["data"].cell(1048576, 16384, "x"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    loaded, _ = ingest(con, SURVEY, land)
    status = {o.file: o.status for o in loaded}
    assert status == {"sheu_survey_2022.xlsx": "refused", "sheu_survey_2023.xlsx": "pending",
                      "sheu_survey_2024.xlsx": "refused"}
    again, _ = ingest(con, SURVEY, land)     # remembered by hash: not read again
    assert again == []
    read, done = con.execute("select rows_read, rows_loaded + rows_quarantined from load_log "
                             "where source_file = 'sheu_survey_2023.xlsx'").fetchone()
    assert read == done == 3
    logged = dict(con.execute("select source_file, message from load_log").fetchall())
    assert "zip bomb" in logged["sheu_survey_2024.xlsx"]


def test_large_parts_are_read_a_chunk_at_a_time_without_losing_a_text():
    strings = [f"s{i}" for i in range(300_000)] + ["Lily Smith"]
    xml = b'<?xml version="1.0"?><sst>' + b"".join(f"<si><t>{t}</t></si>".encode() for t in strings) + b"</sst>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", xml)
    assert len(xml) > 5 * (1 << 20)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        assert workbook._texts(z, z.getinfo("xl/sharedStrings.xml"), workbook._STRING_TEXT) == strings


def test_a_file_over_the_size_bound_is_refused_unread_and_remembered(tmp_path, monkeypatch):
    land = tmp_path / "landing"
    land.mkdir()
    _survey_book(land / "sheu_survey_2023.xlsx")
    big = land / "sheu_survey_2024.xlsx"
    big.write_bytes(b"x" * 50_000)
    monkeypatch.setattr(workbook, "MAX_FILE_BYTES", 20_000)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    status = {o.file: (o.status, o.message) for o in ingest(con, SURVEY, land)[0]}
    assert status["sheu_survey_2024.xlsx"][0] == "refused" and "over the bound of 20,000" in status["sheu_survey_2024.xlsx"][1]
    assert status["sheu_survey_2023.xlsx"][0] == "pending"
    assert ingest(con, SURVEY, land)[0] == []
    with pytest.raises(ExtractError, match="over the bound"):
        read_extract(big, SURVEY)


def test_hostile_names_are_refused_with_a_message_and_the_run_publishes(data_dir):
    """A real Dagster run (ingest, checks, publish) with a full-width year, an NHS number as a
    version, a time stamp as a version and a folder named with a child's details beside good
    deliveries: each is logged with its reason, masked, and the warehouse is published."""
    from tests.neet_runs import assert_log_reconciles, check_results, published_rows, run_neet, write_neet

    landing = data_dir / "landing"
    write_neet(landing, "2026-07", 40)
    good = write_neet(landing, "2026-08", 40, start=1000)
    (landing / "neet_\uff12\uff10\uff12\uff16-08.csv").write_bytes(good.read_bytes())
    (landing / "neet_2026-08_v9434765919.csv").write_bytes(good.read_bytes())
    (landing / "neet_2026-08_v20261105123000.csv").write_bytes(good.read_bytes())
    (landing / "neet Lily Smith DOB 12.03.2012 BA2 4HD").mkdir()
    result = run_neet(data_dir)
    assert result.success and published_rows(data_dir) == 80
    log = {r[0]: r for r in assert_log_reconciles(data_dir)}
    shown = " ".join(f"{name} {r[6]}" for name, r in log.items())
    for secret in ("Lily Smith", "12.03.2012", "BA2 4HD", "9434765919"):
        assert secret not in shown
    statuses = sorted(r[1] for r in log.values())
    assert statuses == ["loaded", "loaded", "refused", "refused", "unrecognised", "unrecognised"], log
    warning = check_results(result)["deliveries_accepted"].description
    assert "ASCII" in warning and "outside 1-9999" in warning and "Lily Smith" not in warning
