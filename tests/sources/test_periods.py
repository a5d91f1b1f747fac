"""The one period calendar (sources/periods.py): Python and the SQL macros made from it agree."""

import datetime as dt

import duckdb
import pytest

from sources import periods


def test_keys_bounds_and_indexes():
    assert periods.year_key("financial_year", 2024) == "2024-25"
    assert periods.year_key("academic_year", 1999) == "1999/00"
    assert periods.year_key("calendar_year", 2024) == "2024"
    assert (periods.year_start("financial_year", 2024), periods.year_end("financial_year", 2024)) == \
        (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    assert periods.year_end("academic_year", 2024) == dt.date(2025, 8, 31)
    assert periods.year_end("calendar_year", 2024) == dt.date(2024, 12, 31)
    assert periods.year_of("academic_year", dt.date(2025, 8, 31)) == 2024
    for pt, key in [("financial_year", "2024-25"), ("month", "2024-03"), ("quarter", "2024-25 Q4"),
                    ("calendar_year", "2024"), ("academic_year", "2024/25")]:
        assert periods.key_of_index(periods.index(key, pt), pt) == key
        assert periods.is_key(key, pt, consecutive=True)
    assert periods.index("2024-03", "month") == 24290
    assert not periods.is_key("2024-26", "financial_year", consecutive=True)
    assert periods.is_key("2024-26", "financial_year") and not periods.is_key("2024-13", "month")
    with pytest.raises(ValueError):
        periods.index("2024", "fortnight")


def test_the_sql_helpers_are_the_calendar():
    with duckdb.connect() as con:
        con.execute(periods.sql_macros())
        for pt in periods.ANNUAL:
            for y in (1999, 2020, 2024, 2031):
                got = con.execute("select period_key(?, ?), period_start(?, ?), period_end(?, ?)",
                                  [pt, y, pt, y, pt, y]).fetchone()
                assert got == (periods.year_key(pt, y), periods.year_start(pt, y), periods.year_end(pt, y))
        for day in (dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2024, 8, 31), dt.date(2024, 9, 1)):
            assert con.execute("select fy_of(?::date), ay_of(?::date)", [day, day]).fetchone() == \
                (periods.year_of("financial_year", day), periods.year_of("academic_year", day))
