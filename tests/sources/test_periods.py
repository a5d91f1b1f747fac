"""The one period calendar (sources/periods.py): Python and the SQL macros made from it agree."""

import datetime as dt
import re
from pathlib import Path

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
        for month in range(24):                 # the NEET winter: every month of two years
            day = dt.date(2023 + month // 12, month % 12 + 1, 15)
            inside, key = con.execute("select in_neet_winter(?::date), neet_winter_of(?::date)", [day, day]).fetchone()
            assert (key if inside else None) == periods.neet_winter_of(day), day
            if inside:
                assert con.execute("select neet_winter_start(?), neet_winter_end(?)", [key, key]).fetchone() == \
                    periods.neet_winter_bounds(key)
                start, end = periods.neet_winter_bounds(key)
                assert start <= day <= end and (start.month, end.month, end.year) == (12, 2, key)


def test_every_key_round_trips_and_its_periods_tile_the_calendar():
    """Each type's keys, from the index back: a key of its pattern, read back to the same index, and
    its bounds run from the day after the period before it ends, for as many months as the type spans."""
    for pt in periods.PERIOD_TYPES:
        first = periods.index(periods.EXAMPLES[pt], pt) - 30
        before = None
        for i in range(first, first + 60):
            key = periods.key_of_index(i, pt)
            assert periods.is_key(key, pt, consecutive=True) and periods.index(key, pt) == i, (pt, key)
            start, end = periods.bounds(key, pt)
            assert start.day == 1 and end + dt.timedelta(days=1) == \
                periods.months_bounds(start.year, start.month, periods.months(pt) + 1)[1].replace(day=1), (pt, key)
            assert before is None or before + dt.timedelta(days=1) == start, (pt, key)
            before = end
            if pt in periods.ANNUAL:
                y = i
                assert (start, end) == (periods.year_start(pt, y), periods.year_end(pt, y))
                assert periods.year_of(pt, start) == periods.year_of(pt, end) == y
                assert periods.year_ending_in(pt, end.year) == y
                for month in range(1, 13):     # each month of the year falls in its bounds
                    assert start <= dt.date(periods.calendar_year_of(pt, y, month), month, 1) <= end
                file_key = periods.file_name_key(pt, y)
                assert "/" not in file_key and file_key.replace("-", periods.SEPARATOR.get(pt, "-")) == key
    assert periods.bounds("2024-25 Q4", "quarter") == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert periods.bounds("2024-02", "month") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    with pytest.raises(ValueError, match="not a academic_year key"):
        periods.bounds("2024-25", "academic_year")


def test_two_digit_years_and_month_spans():
    assert periods.names_next_year(2024, "25") and periods.names_next_year(1999, "00")
    assert not periods.names_next_year(2024, "26")
    assert periods.months_bounds(2025, 12, 3) == (dt.date(2025, 12, 1), dt.date(2026, 2, 28))   # the NEET winter
    assert periods.months_bounds(2023, 12, 3)[1] == dt.date(2024, 2, 29)
    assert periods.month_end(2100, 2) == dt.date(2100, 2, 28)
    assert periods.month_key(2024, 3) == "2024-03" and periods.is_key(periods.month_key(999, 12), "month")


def test_a_board_papers_quarter_and_the_words_for_periods():
    assert periods.calendar_quarter_key(dt.date(2026, 3, 31)) == "2026-Q1"
    assert periods.calendar_quarter_key(dt.date(2026, 10, 1)) == "2026-Q4"
    for q in range(1, 5):
        start, end = periods.calendar_quarter_bounds(f"2026-Q{q}")
        assert periods.calendar_quarter_key(start) == periods.calendar_quarter_key(end) == f"2026-Q{q}"
        assert (end + dt.timedelta(days=1)).month == (3 * q) % 12 + 1
    with pytest.raises(ValueError):
        periods.calendar_quarter_bounds("2026-Q5")
    assert periods.months_title(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == "January to March 2026"
    assert periods.months_title(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == "March 2026"
    assert periods.window_label("2026", "calendar_year", dt.date(2025, 12, 1), dt.date(2026, 2, 28)) == \
        "2026 (Dec 2025 to Feb 2026)"
    for pt in periods.ANNUAL:      # a year that runs its type's months is printed as its key alone
        key = periods.year_key(pt, 2025)
        assert periods.window_label(key, pt, *periods.bounds(key, pt)) == key
    assert periods.window_label("2025-03", "month", dt.date(2025, 3, 1), dt.date(2025, 3, 31)) == "2025-03"


# How a period label or year arithmetic is written by hand: a two-digit year (``% 100``), a year's
# start month (``.month >= 9``), a month's last day, a month's name, a month key or a year's first
# or last day made from a year (``f"{y}-{m:02d}"``, ``f"{y}-09-01"``). Only the calendar writes them.
HAND_WRITTEN = re.compile(r"%\s*100\b|\.month\s*>=\s*\d|monthrange|MonthEnd|%B|%b %Y"
                          r"|\}-\{[^}]*:02d\}|\}-(?:01-01|12-31|04-01|03-31|09-01|08-31)\b")
ELSEWHERE = {"schemas/checks.py"}       # the delivered-text check of a two-year key (vectorised, in pandas)


def test_period_labels_and_arithmetic_are_written_only_in_the_calendar():
    root = Path(__file__).resolve().parents[2]
    found = []
    for package in ("sources", "schemas", "indicators", "pipelines"):
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel == "sources/periods.py" or rel in ELSEWHERE:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if HAND_WRITTEN.search(line) and not re.search(r"%d %B %Y|%d %b %Y", line):
                    found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "period arithmetic written outside sources/periods.py:\n" + "\n".join(found)


def test_a_funding_term_key():
    assert [periods.term_key(2024, t) for t in periods.TERM_CODES] == ["2024-AUT", "2025-SPR", "2025-SUM"]
    starts = [periods.term_start(2024, t) for t in periods.TERM_CODES]
    assert starts == sorted(starts) and all(periods.year_of("academic_year", d) == 2024 for d in starts)
    assert all(re.fullmatch(periods.TERM_PATTERN, periods.term_key(2024, t)) for t in periods.TERM_CODES)
    assert not re.fullmatch(periods.TERM_PATTERN, "2024-WIN")
    with pytest.raises(ValueError):
        periods.term_key(2024, "WIN")
