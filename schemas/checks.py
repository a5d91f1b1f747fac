"""Named, vectorised checks shared by the per-source schemas.

Every check has a readable ``name`` (shown to analysts as why a row was quarantined) and an
``error`` that completes a sentence about the failing value: ``failures()`` writes
"<column> '<value>' <error>", e.g. "activity_code '999' is not an NCCIS activity code".
Row rules (cross-field checks) carry an ``error`` template naming their columns in braces,
filled in per failing row, and register their columns so a failure can name them.

All checks are whole-column pandas operations: they run on half a million rows. Each factory
also records the check's SQL form (``schemas.sql``), the same rule as a DuckDB expression, so a
table can be validated inside DuckDB; a factory that records none leaves its check to pandera.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pandas as pd
import pandera.pandas as pa

from schemas import sql
from sources import periods

EARLIEST_DATE = pd.Timestamp("2000-01-01")  # no extract holds real events before the partnership's records

# name of a row rule -> the columns it reads (what a failure names and shows)
ROW_RULES: dict[str, tuple[str, ...]] = {}


def _noun(label: str) -> str:
    """'an NCCIS activity code' -> 'NCCIS activity code'."""
    return re.sub(r"^(a|an)\s+", "", label)


def known_code(allowed: Iterable, label: str) -> pa.Check:
    """The value is one of ``allowed`` (a catalogue code list); ``label`` e.g. 'an agency code'."""
    allowed = list(allowed)
    check = pa.Check.isin(allowed, name=f"known {_noun(label)}", error=f"is not {label}")
    return sql.record(check, _isin_form(allowed))


def _isin_form(allowed: list) -> sql.Form:
    return sql.Form("{column} IN {0}", tuple(allowed)) if allowed else sql.Form("false")


def known_codes(allowed: Iterable[str], label: str) -> pa.Check:
    """Every ``;``-separated token is one of ``allowed``; blanks around a ``;`` are tolerated.

    One anchored regex per column keeps this vectorised (no split / explode of 500k rows).
    An empty token (``a;;b``, a trailing ``;``) is not a known code and fails.
    """
    allowed = [str(code) for code in allowed]
    check = pa.Check(_full_match(_codes_pattern(allowed, re.escape, r"\s")),
                     name=f"known {_noun(label)}s (;-separated)", error=f"contains something that is not {label}")
    # The same pattern for RE2: codes escaped character by character, Python's \s spelled out.
    return sql.record(check, sql.Form("regexp_full_match({column}, {0})",
                                      _codes_pattern(allowed, sql.re2_literal, sql.SPACE)))


def _codes_pattern(allowed: list[str], escape: Callable[[str], str], space: str) -> str:
    one = "(?:" + "|".join(escape(code) for code in sorted(allowed, key=len, reverse=True)) + ")"
    return rf"^{space}*{one}{space}*(?:;{space}*{one}{space}*)*$"


def between(low, high, what: str) -> pa.Check:
    """Inclusive range, e.g. ``between(1, 5, "survey score")``."""
    check = pa.Check.in_range(low, high, name=f"{what} {low}-{high}", error=f"is not between {low} and {high}")
    return sql.record(check, sql.Form("{column} BETWEEN {0} AND {1}", low, high))


def one_of(values: Iterable, what: str) -> pa.Check:
    """A small fixed set of numbers, e.g. the SHEU year groups."""
    values = list(values)
    shown = ", ".join(str(v) for v in values[:-1]) + f" or {values[-1]}"
    check = pa.Check.isin(values, name=f"{what} {shown}", error=f"is not {shown}")
    return sql.record(check, _isin_form(values))


def greater_than(low, what: str) -> pa.Check:
    check = pa.Check.gt(low, name=f"{what} above {low}", error=f"is not more than {low}")
    return sql.record(check, sql.Form("{column} > {0}", low))


def at_least(low, what: str) -> pa.Check:
    check = pa.Check.ge(low, name=f"{what} at least {low}", error=f"is less than {low}")
    return sql.record(check, sql.Form("{column} >= {0}", low))


def plausible_date() -> pa.Check:
    """Not before 2000-01-01 and not in the future. 'Today' is read at validation time so a
    long-running process does not keep the day it started."""

    def from_2000_to_today(values: pd.Series) -> pd.Series:
        return values.between(EARLIEST_DATE, pd.Timestamp.today().normalize())

    check = pa.Check(from_2000_to_today, name="date from 2000-01-01 to today",
                     error="is before 2000-01-01 or after today")
    return sql.record(check, sql.Form("{column} BETWEEN {0} AND {today}", EARLIEST_DATE))


def plausible_year() -> pa.Check:
    """A calendar year from 2000 to this year (read at validation time)."""

    def from_2000_to_this_year(values: pd.Series) -> pd.Series:
        return values.between(EARLIEST_DATE.year, pd.Timestamp.today().year)

    check = pa.Check(from_2000_to_this_year, name="year from 2000 to this year",
                     error="is before 2000 or after this year")
    return sql.record(check, sql.Form("{column} BETWEEN {0} AND {this_year}", EARLIEST_DATE.year))


def first_of_month() -> pa.Check:
    def is_first_day(values: pd.Series) -> pd.Series:
        return values.dt.day == 1

    check = pa.Check(is_first_day, name="first day of a month", error="is not the first day of a month")
    return sql.record(check, sql.Form("day({column}) = 1"))


def _full_match(pattern: str) -> Callable[[pd.Series], pd.Series]:
    def matches(values: pd.Series) -> pd.Series:
        return values.str.fullmatch(pattern).fillna(False).astype(bool)

    return matches


def _full_match_check(pattern: str, **kwargs) -> pa.Check:
    """``pattern`` matches the whole value; in SQL by RE2, whose ``\\d`` is Python's on ASCII text."""
    return sql.record(pa.Check(_full_match(pattern), **kwargs), sql.Form("regexp_full_match({column}, {0})", pattern))


def ward_code() -> pa.Check:
    return _full_match_check(r"E05\d{6}", name="ONS ward code format",
                             error="is not an ONS ward code (E05 and six digits)")


def academic_year() -> pa.Check:
    """Written ``2024/25``: a four-digit year from 2000 and the next year's last two digits."""

    def consecutive_years(values: pd.Series) -> pd.Series:
        parts = values.str.extract(r"^(\d{4})/(\d{2})$")
        first = pd.to_numeric(parts[0], errors="coerce")
        second = pd.to_numeric(parts[1], errors="coerce")
        ok = (first >= EARLIEST_DATE.year) & ((first + 1) % 100 == second)
        return ok.fillna(False).astype(bool)

    check = pa.Check(consecutive_years, name="academic year format",
                     error="is not an academic year written like 2024/25")
    # str.extract searches with Python's re, whose $ also matches before a final newline.
    return sql.record(check, sql.Form(
        "regexp_full_match({column}, {0})"
        " AND try_cast(left({column}, 4) AS INTEGER) >= {1}"
        " AND (try_cast(left({column}, 4) AS INTEGER) + 1) % 100 = try_cast(substr({column}, 6, 2) AS INTEGER)",
        r"\d{4}/\d{2}\n?", EARLIEST_DATE.year))


def term() -> pa.Check:
    """A funding term's key as the period calendar writes it (``sources.periods.TERM_PATTERN``)."""
    return _full_match_check(periods.TERM_PATTERN, name="term format",
                             error=f"is not a term written like 2024-SPR ({', '.join(periods.TERM_CODES[:-1])} "
                                   f"or {periods.TERM_CODES[-1]})")


def row_rule(name: str, columns: tuple[str, ...], error: str) -> Callable:
    """Decorator for a cross-field check on whole rows (a ``pa.dataframe_check``).

    The decorated method returns one boolean per row (True = fine), so a failure names the
    row. ``error`` is a template over ``columns`` filled in with the row's values, e.g.
    ``"closure_date {closure_date} is before start_date {start_date}"``.
    """
    columns = tuple(columns)
    if ROW_RULES.setdefault(name, columns) != columns:
        raise ValueError(f"row rule {name!r} already registered with columns {ROW_RULES[name]}")
    # ignore_na=False: blanks are part of what these rules judge (e.g. "reason present iff date").
    return pa.dataframe_check(name=name, error=error, ignore_na=False)


# --- small vectorised helpers for row rules -----------------------------------------------

def not_before(frame: pd.DataFrame, later: str, earlier: str) -> pd.Series:
    """``later`` is on or after ``earlier``, or either is blank."""
    ok = frame[later].isna() | frame[earlier].isna() | (frame[later] >= frame[earlier])
    return ok.astype(bool)


def present_iff(frame: pd.DataFrame, one: str, other: str) -> pd.Series:
    return frame[one].notna() == frame[other].notna()


def present_only_if(frame: pd.DataFrame, column: str, condition: pd.Series) -> pd.Series:
    """``column`` is blank unless ``condition`` (a boolean Series, NA = False) holds."""
    return (frame[column].isna() | condition.fillna(False)).astype(bool)
