"""Reading deliveries as councils send them: encodings, BOM, xlsx, renamed/extra columns, bad records."""

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from pipelines.ingest.extracts import ExtractError, read_extract
from sources.catalogue import get

ADULT = get("adult_referrals")
HEADER = "referral_id,referral_date,referring_service,parent_took_up_support"


def write(path, text, encoding="utf-8", bom=False):
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def test_utf8_with_bom_is_decoded_and_header_clean(tmp_path):
    f = write(tmp_path / "adult_referrals_2024-25.csv", f"{HEADER}\nAR1,01/05/2024,housing,Y\n", bom=True)
    ex = read_extract(f, ADULT)
    assert ex.encoding == "utf-8-sig"
    assert list(ex.frame.columns) == ["source_row", *ADULT.column_names]
    assert ex.frame.loc[0, "referral_id"] == "AR1"
    assert ex.frame.loc[0, "source_row"] == 2  # header is row 1, as Excel shows it


def test_windows_1252_extra_column_is_decoded_and_dropped(tmp_path):
    text = f"{HEADER},comments\nAR1,01/05/2024,housing,Y,café – £20 voucher\n"
    f = write(tmp_path / "adult_referrals_2024-25.csv", text, encoding="cp1252")
    ex = read_extract(f, ADULT)
    assert ex.encoding == "cp1252"
    assert ex.dropped_columns == ["comments"]
    assert "comments" not in ex.frame.columns


def test_aliases_and_messy_headers_are_mapped(tmp_path):
    src = get("neet")
    text = ("Extract Month,Child ID,academic_age,Activity,send,care_leaver,young_parent,youth_justice,Ward,Gender\n"
            "01/03/2024,abc,16,110,N,N,N,N,E05001234,F\n")
    ex = read_extract(write(tmp_path / "neet_2024-03.csv", text), src)
    assert ex.renamed_columns == {"Activity": "activity_code", "Ward": "ward_code", "Gender": "sex"}
    assert ex.frame.loc[0, "sex"] == "F"


def test_missing_required_column_rejects_the_file(tmp_path):
    f = write(tmp_path / "adult_referrals_2024-25.csv", "referral_id,referral_date\nAR1,01/05/2024\n")
    with pytest.raises(ExtractError) as err:
        read_extract(f, ADULT)
    assert err.value.status == "rejected"
    assert "referring_service" in err.value.message and "adult_referrals_2024-25.csv" in str(err.value)


def test_empty_file_is_reported_as_empty(tmp_path):
    f = write(tmp_path / "adult_referrals_2024-25.csv", "")
    with pytest.raises(ExtractError) as err:
        read_extract(f, ADULT)
    assert err.value.status == "empty"


def test_records_with_wrong_field_count_are_kept_aside_not_dropped(tmp_path):
    text = f"{HEADER}\nAR1,01/05/2024,housing,Y\nAR2,02/05/2024\n\nAR3,03/05/2024,housing,N,extra\nAR4,04/05/2024,probation,N\n"
    ex = read_extract(write(tmp_path / "adult_referrals_2024-25.csv", text), ADULT)
    assert list(ex.frame["referral_id"]) == ["AR1", "AR4"]
    assert [m[0] for m in ex.malformed] == [3, 5]  # the blank line (row 4) holds no data
    assert ex.rows_read == 4


def test_truncated_file_mid_quote_fails_readably(tmp_path):
    f = write(tmp_path / "adult_referrals_2024-25.csv", f'{HEADER}\nAR1,01/05/2024,"housing')
    ex = read_extract(f, ADULT)  # an unterminated quote swallows the rest: one malformed record
    assert ex.rows_read == 1 and len(ex.frame) == 0


def test_xlsx_dates_and_numbers_become_text(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["AR1", dt.datetime(2024, 5, 1), "housing", 1.0])
    ws.append([None, None, None, None])
    f = tmp_path / "adult_referrals_2024-25.xlsx"
    wb.save(f)
    ex = read_extract(f, ADULT)
    assert ex.encoding == "xlsx"
    assert ex.frame.loc[0, "referral_date"] == "2024-05-01"
    assert ex.frame.loc[0, "parent_took_up_support"] == "1"
    assert ex.rows_read == 1  # the empty formatted row is not a record


def test_xlsx_rows_shorter_than_the_header_are_padded_not_malformed(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["AR1", "01/05/2024", "housing"])          # last cell never written
    f = tmp_path / "adult_referrals_2024-25.xlsx"
    wb.save(f)
    ex = read_extract(f, ADULT)
    assert ex.malformed == [] and ex.frame.loc[0, "parent_took_up_support"] == ""


PLAIN = [
    "a,b,c\n1,2,3\n4,5,6\n",
    "a,b,c\r\n1,2,3\r\n4,5,6\r\n",                       # Windows line ends
    "a,b,c\r1,2,3\r4,5,6",                              # old Mac line ends, no final newline
    "a,b,c\n1,2,3\n , ,\t\n4, 5 ,6 \n",                 # a whitespace-only row is blank, not data
    "a,b,c\n1,2,3\n\x1c,\u3000,\xa0\nx,\x1c,é\n",       # what str.strip() calls whitespace
    "a,b\n" + "x" * 200_000 + ",y\n",                   # a field longer than csv's default limit
    "a,b\n",                                            # header and nothing else
    "id,value\nA1,\nA2,2\n",                            # empty cells stay empty text
    "a,b\n1,2\n\n3,4\n\n",                              # blank lines skipped, still counted
]
NOT_PLAIN = [
    'a,b\n"1,5",2\n',                                   # quoted comma: the csv module's job
    "a,b\n1,2,3\n4,5\n",                                # a malformed record
    "a\n1\n\n2\n",                                      # one column
    "a,b",                                              # header only, no line end
    "",
]


@pytest.mark.parametrize("text", PLAIN)
def test_arrow_read_of_a_plain_csv_is_exactly_the_csv_modules(tmp_path, text):
    """The Arrow fast path gives the same frame, text and row numbers as the csv module."""
    from pipelines.ingest.extracts import _read_csv_records, _read_plain_csv, _split_records

    header, frame, rows = _read_plain_csv(text)
    expected_header, records = _read_csv_records(tmp_path / "x.csv", text)
    expected, expected_rows, malformed = _split_records(expected_header, records)
    assert header == expected_header and rows == expected_rows and malformed == []
    frame.columns = expected.columns
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected.reset_index(drop=True))


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_anything_but_a_plain_csv_goes_to_the_csv_module(text):
    from pipelines.ingest.extracts import _read_plain_csv

    assert _read_plain_csv(text) is None
