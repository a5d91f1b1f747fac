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
turn-the-curve files' checks (``PATTERNS``), the demo generator's and ``oba prepare``'s keys and file
names (``year_key``, ``file_name_key``, ``year_of``, ``year_start``), the published labels' reading
(``year_ending_in``, ``bounds``, ``months_bounds``), the NEET winter (``neet_winter_bounds``, and
EH07's ``neet_winter_*`` macros), the code lists' years, and the words a paper
prints (``window_label``: "2026 (Dec 2025 to Feb 2026)"; ``months_title``: "January to March 2026";
a board paper's calendar quarter ``2026-Q1``: ``calendar_quarter_key``, ``calendar_quarter_bounds``).
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
    return m is not None and not (consecutive and m.groups() and not names_next_year(int(m[1]), m[2]))


def names_next_year(year: int, two_digits: str | int) -> bool:
    """Whether a two-digit year is the one after ``year``, as the second half of a two-year key:
    2024 and '25', 1999 and '00'."""
    return int(two_digits) == (year + 1) % 100


def year_key(period_type: str, year: int) -> str:
    """The key of the annual period starting in ``year``: 2024-25, 2024/25 or 2024."""
    if period_type == "calendar_year":
        return str(year)
    return f"{year}{SEPARATOR[period_type]}{(year + 1) % 100:02d}"


def file_name_key(period_type: str, year: int) -> str:
    """The annual period starting in ``year`` as a delivery's file name writes it: its key with
    ``-`` for ``/`` (a file name holds no ``/``): academic 2024 -> ``2024-25``."""
    return year_key(period_type, year).replace(SEPARATOR["academic_year"], SEPARATOR["financial_year"])


def year_ending_in(period_type: str, end_year: int) -> int:
    """The year the annual period that ends in ``end_year`` starts in (financial 2025 -> 2024,
    calendar 2025 -> 2025): published tables name a year by the year it ends in."""
    return end_year - 1 if START_MONTH[period_type] > 1 else end_year


def calendar_year_of(period_type: str, year: int, month: int) -> int:
    """The calendar year that month ``month`` of the annual period starting in ``year`` falls in
    (academic 2024, January -> 2025)."""
    return year + (month < START_MONTH[period_type])


def year_start(period_type: str, year: int) -> dt.date:
    return dt.date(year, START_MONTH[period_type], 1)


def year_end(period_type: str, year: int) -> dt.date:
    return months_bounds(year, START_MONTH[period_type], 12)[1]


def year_of(period_type: str, day: dt.date) -> int:
    """The year the annual period holding ``day`` starts in."""
    return day.year if day.month >= START_MONTH[period_type] else day.year - 1


def month_key(year: int, month: int) -> str:
    """The key of a month: (2024, 3) -> ``2024-03``."""
    return f"{year:04d}-{month:02d}"


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def months_bounds(year: int, month: int, count: int) -> tuple[dt.date, dt.date]:
    """First day of ``month`` of ``year`` and last day of the ``count``-th month from it
    (``2025, 12, 3``: 1 December 2025 to 28 February 2026)."""
    last = year * 12 + month - 1 + count - 1
    return dt.date(year, month, 1), month_end(last // 12, last % 12 + 1)


def bounds(key: str, period_type: str) -> tuple[dt.date, dt.date]:
    """First and last day of the period ``key`` names; a text that is not a key of the type is an error."""
    if not is_key(key, period_type):
        raise ValueError(f"{key!r} is not a {period_type} key (such as {EXAMPLES[period_type]})")
    i = index(key, period_type)
    if period_type in ANNUAL:
        return year_start(period_type, i), year_end(period_type, i)
    if period_type == "month":
        return months_bounds(i // 12, i % 12 + 1, 1)
    first = (i // 4) * 12 + START_MONTH["financial_year"] - 1 + 3 * (i % 4)     # a quarter of the financial year
    return months_bounds(first // 12, first % 12 + 1, 3)


# The DfE NEET headline's window: the average of December, January and February, keyed by the
# calendar year of the January (EH07's ``2024`` = December 2023 to February 2024; published
# tables' ``neet_winter``): a ``calendar_year`` key whose window is not the calendar year.
NEET_WINTER_START, NEET_WINTER_MONTHS = 12, 3
NEET_WINTER_MONTH_LIST = tuple((NEET_WINTER_START - 1 + k) % 12 + 1 for k in range(NEET_WINTER_MONTHS))


def neet_winter_bounds(year: int) -> tuple[dt.date, dt.date]:
    """First and last day of the NEET winter keyed ``year``: 1 December ``year - 1`` to the end of February."""
    return months_bounds(year - 1, NEET_WINTER_START, NEET_WINTER_MONTHS)


def neet_winter_of(day: dt.date) -> int | None:
    """The key of the NEET winter holding ``day`` (the year of its January), None outside one."""
    if day.month not in NEET_WINTER_MONTH_LIST:
        return None
    return day.year + 1 if day.month >= NEET_WINTER_START else day.year


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
        return month_key(i // 12, i % 12 + 1)
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
    ``period_end(pt, y)`` for any annual type; the NEET winter's ``in_neet_winter(d)``,
    ``neet_winter_of(d)`` (the year of its January), ``neet_winter_start(y)`` / ``_end(y)``."""
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
    months = ", ".join(map(str, NEET_WINTER_MONTH_LIST))
    last = NEET_WINTER_MONTH_LIST[-1]
    out.append(f"create or replace temp macro in_neet_winter(d) as month(d) in ({months});")
    out.append(f"create or replace temp macro neet_winter_of(d) as\n"
               f"    case when month(d) >= {NEET_WINTER_START} then year(d) + 1 else year(d) end;")
    out.append(f"create or replace temp macro neet_winter_start(y) as make_date(y - 1, {NEET_WINTER_START}, 1);")
    out.append(f"create or replace temp macro neet_winter_end(y) as last_day(make_date(y, {last}, 1));")
    for what in ("key", "start", "end"):
        cases = " ".join(f"when '{pt}' then {p}_{what}(y)" for pt, p in SQL_PREFIX.items() if pt != "calendar_year")
        default = "y::varchar" if what == "key" else f"cy_{what}(y)"
        out.append(f"create or replace temp macro period_{what}(pt, y) as\n"
                   f"    case pt {cases} else {default} end;")
    return "\n".join(out) + "\n"


# A funding term (two_year_funding's ``term``) of an academic year, keyed by the calendar year it
# starts in and its code: the academic year 2024/25's terms are 2024-AUT, 2025-SPR and 2025-SUM.
TERM_START_MONTH = {"AUT": 9, "SPR": 1, "SUM": 4}
TERM_CODES = tuple(TERM_START_MONTH)
TERM_PATTERN = rf"\d{{4}}-(?:{'|'.join(TERM_CODES)})"


def term_start(academic_year: int, term: str) -> dt.date:
    """The first day of a funding term of the academic year starting in ``academic_year``."""
    if term not in TERM_START_MONTH:
        raise ValueError(f"term {term!r} is none of {', '.join(TERM_CODES)}")
    month = TERM_START_MONTH[term]
    return dt.date(calendar_year_of("academic_year", academic_year, month), month, 1)


def term_key(academic_year: int, term: str) -> str:
    """A funding term's key: (2024, 'SPR') -> '2025-SPR' (the spring term of 2024/25 starts in 2025)."""
    return f"{term_start(academic_year, term).year}-{term}"


# A board paper's reporting period (pipelines.compute.report_period) is a calendar quarter, 2026-Q1,
# or a month: not a period type of the warehouse, the window a board looks at.
CALENDAR_QUARTER = r"(\d{4})-Q([1-4])"


def calendar_quarter_key(day: dt.date) -> str:
    """The calendar quarter holding ``day``: 2026-03-31 -> ``2026-Q1``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def calendar_quarter_bounds(key: str) -> tuple[dt.date, dt.date]:
    m = re.fullmatch(CALENDAR_QUARTER, key)
    if m is None:
        raise ValueError(f"{key!r} is not a calendar quarter (such as 2026-Q1)")
    return months_bounds(int(m[1]), 3 * int(m[2]) - 2, 3)


def months_title(start: dt.date, end: dt.date) -> str:
    """The months from ``start`` to ``end`` in words: 'March 2026', 'January to March 2026'."""
    if (start.year, start.month) == (end.year, end.month):
        return end.strftime("%B %Y")
    return f"{start.strftime('%B')} to {end.strftime('%B %Y')}"


def window_label(key: str, period_type: str, start: dt.date, end: dt.date) -> str:
    """A key as a paper prints it, one meaning per label: the key alone when its period runs the
    months its type names (a financial year April to March), else with its months, as the NEET
    "2026" averaging December 2025 to February 2026 beside a calendar 2026:
    "2026 (Dec 2025 to Feb 2026)"."""
    if period_type not in START_MONTH:
        return key
    if (start.month, end.month) == (START_MONTH[period_type], year_end(period_type, 2001).month):
        return key
    return f"{key} ({start:%b %Y} to {end:%b %Y})"
