"""The one period calendar: period types, their keys, bounds, shifts and labels, for Python and SQL.

The warehouse writes a period as a key (the period-key contract in docs/warehouse.md):

| type | key | runs |
|---|---|---|
| ``financial_year`` | ``2024-25`` | 1 April 2024 - 31 March 2025 |
| ``academic_year`` | ``2024/25`` | 1 September 2024 - 31 August 2025 |
| ``calendar_year`` | ``2024`` | 1 January - 31 December 2024 |
| ``month`` | ``2024-03`` | the month |
| ``quarter`` | ``2024-25 Q1`` | a quarter of the financial year (Q1 = April-June) |

Everything that writes or reads a key uses this module: the indicator SQL's macros are generated
from it (``sql_macros``: ``fy_key``, ``period_key``, ``period_start``, ... in ``indicators/sql``),
the scorecard's period arithmetic (``index``, ``key_of_index``, ``shift``), the catalogue's and the
turn-the-curve files' checks (``PATTERNS``), the demo generator's and ``oba prepare``'s labels.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

PERIOD_TYPES = ("financial_year", "academic_year", "calendar_year", "month", "quarter")
ANNUAL = ("financial_year", "academic_year", "calendar_year")
# The month a year of each annual type starts in, and what separates its two years in a key.
START_MONTH = {"financial_year": 4, "academic_year": 9, "calendar_year": 1}
SEPARATOR = {"financial_year": "-", "academic_year": "/"}
# A key of each type, as a pattern (two-year keys also name consecutive years: ``consecutive``).
PATTERNS = {
    "financial_year": r"(\d{4})-(\d{2})", "academic_year": r"(\d{4})/(\d{2})", "calendar_year": r"\d{4}",
    "month": r"\d{4}-(?:0[1-9]|1[0-2])", "quarter": r"(\d{4})-(\d{2}) Q[1-4]",
}
EXAMPLES = {"financial_year": "2024-25", "academic_year": "2024/25", "calendar_year": "2025", "month": "2025-03",
            "quarter": "2024-25 Q1"}


def is_key(text: str, period_type: str, consecutive: bool = False) -> bool:
    """Whether ``text`` is a key of ``period_type`` (and, with ``consecutive``, a two-year key
    names consecutive years: 2024-25, not 2024-26)."""
    m = re.fullmatch(PATTERNS[period_type], text)
    return m is not None and not (consecutive and m.groups() and int(m[2]) != (int(m[1]) + 1) % 100)


def year_key(period_type: str, year: int) -> str:
    """The key of the annual period starting in ``year``: 2024-25, 2024/25 or 2024."""
    if period_type == "calendar_year":
        return str(year)
    return f"{year}{SEPARATOR[period_type]}{(year + 1) % 100:02d}"


def year_start(period_type: str, year: int) -> dt.date:
    return dt.date(year, START_MONTH[period_type], 1)


def year_end(period_type: str, year: int) -> dt.date:
    month = START_MONTH[period_type] - 1 or 12
    last = year + 1 if START_MONTH[period_type] > 1 else year
    return dt.date(last, month, calendar.monthrange(last, month)[1])


def year_of(period_type: str, day: dt.date) -> int:
    """The year the annual period holding ``day`` starts in."""
    return day.year if day.month >= START_MONTH[period_type] else day.year - 1


def index(period: str, period_type: str) -> int:
    """A number that increases by one per period (2024-25 -> 2024; 2024-03 -> 24290)."""
    if period_type in ANNUAL:
        return int(period[:4])
    if period_type == "month":
        return int(period[:4]) * 12 + int(period[5:7]) - 1
    if period_type == "quarter":
        return int(period[:4]) * 4 + int(period[-1]) - 1
    raise ValueError(f"unknown period type {period_type!r}")


def key_of_index(i: int, period_type: str) -> str:
    """The key of ``index`` ``i`` (its inverse)."""
    if period_type in ANNUAL:
        return year_key(period_type, i)
    if period_type == "month":
        return f"{i // 12}-{i % 12 + 1:02d}"
    if period_type == "quarter":
        return f"{year_key('financial_year', i // 4)} Q{i % 4 + 1}"
    raise ValueError(f"unknown period type {period_type!r}")


def months(period_type: str) -> int:
    """How many months one period of the type spans."""
    return 12 if period_type in ANNUAL else 3 if period_type == "quarter" else 1


def _sql_year_key(period_type: str) -> str:
    if period_type == "calendar_year":
        return "y::varchar"
    return f"y::varchar || '{SEPARATOR[period_type]}' || lpad(((y + 1) % 100)::varchar, 2, '0')"


SQL_PREFIX = {"financial_year": "fy", "academic_year": "ay", "calendar_year": "cy"}


def sql_macros() -> str:
    """The period helpers of the indicator SQL, as DuckDB temporary macros made from this calendar:
    ``fy_of(d)`` / ``ay_of(d)`` (the year a date's period starts in), ``fy_key(y)`` / ``ay_key(y)``,
    ``<fy|ay|cy>_start(y)`` / ``_end(y)``, and ``period_key(pt, y)``, ``period_start(pt, y)``,
    ``period_end(pt, y)`` for any annual type."""
    out = ["-- Made from sources/periods.py (the one period calendar): do not edit here."]
    for pt, p in SQL_PREFIX.items():
        start = START_MONTH[pt]
        if pt != "calendar_year":
            out.append(f"create or replace temp macro {p}_of(d) as\n"
                       f"    case when month(d) >= {start} then year(d) else year(d) - 1 end;")
            out.append(f"create or replace temp macro {p}_key(y) as\n    {_sql_year_key(pt)};")
        end = year_end(pt, 2001)        # a year's end never falls in February: its day is the same every year
        end_year = "y + 1" if start > 1 else "y"
        out.append(f"create or replace temp macro {p}_start(y) as make_date(y, {start}, 1);")
        out.append(f"create or replace temp macro {p}_end(y) as make_date({end_year}, {end.month}, {end.day});")
    for what in ("key", "start", "end"):
        cases = " ".join(f"when '{pt}' then {p}_{what}(y)" for pt, p in SQL_PREFIX.items() if pt != "calendar_year")
        default = "y::varchar" if what == "key" else f"cy_{what}(y)"
        out.append(f"create or replace temp macro period_{what}(pt, y) as\n"
                   f"    case pt {cases} else {default} end;")
    return "\n".join(out) + "\n"
