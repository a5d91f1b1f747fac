"""Periods and date helpers for the demo data.

The demo is a snapshot "as at" 31 October 2026: ten complete financial, academic and
calendar years of history, plus NEET months up to September 2026. Every date the
generator writes is derived from these constants, never from the clock, so the files are
reproducible byte for byte. Keys, file names and year starts are the period calendar's
(``sources.periods``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources import periods

AS_AT = np.datetime64("2026-10-31")
FIRST_YEAR = 2016          # first financial / academic / calendar year of history
LAST_YEAR = 2025           # last complete financial / academic / calendar year
YEARS = list(range(FIRST_YEAR, LAST_YEAR + 1))
NEET_MONTHS = pd.period_range("2016-04", "2026-09", freq="M")
# The one re-issued delivery: the 2025-26 Early Help file was first sent as at 30 April
# 2026 and re-sent as at the snapshot date with the closures recorded since.
REISSUE_FIRST_AS_AT = np.datetime64("2026-04-30")


def fy_label(start_year: int) -> str:
    """Financial / academic year label used in file names: 2016 -> '2016-17'."""
    return periods.file_name_key("financial_year", start_year)


def ay_text(start_year: int) -> str:
    """Academic year as written inside files: 2016 -> '2016/17'."""
    return periods.year_key("academic_year", start_year)


def fy_start(year: int) -> np.datetime64:
    return np.datetime64(periods.year_start("financial_year", year))


def ay_start(year: int) -> np.datetime64:
    return np.datetime64(periods.year_start("academic_year", year))


def years_of(period_type: str, dates) -> np.ndarray:
    """The year the annual period holding each date starts in (``periods.year_of``, vectorised)."""
    d = pd.DatetimeIndex(dates)
    return np.where(d.month >= periods.START_MONTH[period_type], d.year, d.year - 1)


def fy_of(dates: np.ndarray) -> np.ndarray:
    """Financial year (starting year) of each date: April to March."""
    return years_of("financial_year", dates)


def ay_of(dates: np.ndarray) -> np.ndarray:
    """Academic year (starting year) of each date: September to August."""
    return years_of("academic_year", dates)


def random_days(rng: np.random.Generator, start: np.datetime64, days: int, n: int) -> np.ndarray:
    """n dates uniformly within [start, start + days)."""
    return start + rng.integers(0, days, n).astype("timedelta64[D]")


def to_weekday(dates: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays to the following Monday (schools record school days)."""
    d = dates.astype("datetime64[D]")
    dow = (d.astype("int64") - 4) % 7          # 1970-01-01 was a Thursday: 0 = Monday
    shift = np.where(dow == 5, 2, np.where(dow == 6, 1, 0))
    return d + shift.astype("timedelta64[D]")


def age_on(birth: np.ndarray, on) -> np.ndarray:
    """Age in whole years on a date (vectorised, birthday-exact)."""
    b = pd.DatetimeIndex(birth)
    o = pd.DatetimeIndex(np.broadcast_to(np.asarray(on, dtype="datetime64[D]"), b.shape))
    before = (o.month < b.month) | ((o.month == b.month) & (o.day < b.day))
    return (o.year - b.year - before.astype(int)).to_numpy()


def format_dates(values) -> np.ndarray:
    """dd/mm/yyyy text, '' for missing. Formats each distinct date once, so millions of
    rows with a few thousand distinct dates cost one sort, not millions of strftime calls."""
    arr = np.asarray(values, dtype="datetime64[D]")
    out = np.full(arr.shape, "", dtype=object)
    ok = ~np.isnat(arr)
    if ok.any():
        uniq, inv = np.unique(arr[ok], return_inverse=True)
        text = pd.DatetimeIndex(uniq).strftime("%d/%m/%Y").to_numpy(dtype=object)
        out[ok] = text[inv]
    return out
