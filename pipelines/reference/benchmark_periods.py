"""Published-data conventions: suppression symbols and the many ways a year is written.

Published tables label the same year in many ways (``2024``, ``202324``, ``2023/24``,
``2024-25 (OT)``, ``2025 (Rev)``). Every label is turned into the warehouse's period keys
(financial year ``2024-25``, academic year ``2024/25``, calendar year ``2024``, month
``2024-03``, NEET winter ``2024`` = Dec 2023-Feb 2024) so published values join local ones.

A bare year names the year in which the period *ends*: academic ``2024`` = 2023/24 (the
summer 2024 results), financial ``2024`` = 2023-24 (year to 31 March 2024). The LAIT data
shows it: KS2 and EYFS are blank for ``2020`` and ``2021``, the two summers without
assessments, and the NEET series' latest label (``2025``) was loaded in July 2025, when
only the Dec 2024-Feb 2025 average could exist. Keys and bounds are the period calendar's
(``sources.periods``); only the published labels' own spellings and the NEET winter are read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sources import periods

# Symbols used in DfE / GSS / LAIT tables for a value that is not published. Each becomes
# value NULL and status = the symbol, never zero and never a parse error.
SYMBOLS: dict[str, str] = {
    "c": "confidential: suppressed to protect individuals",
    "x": "not available (older DfE files also use it for suppressed)",
    "z": "not applicable",
    "low": "rounds to zero but is not zero",
    "k": "rounds to zero but is not zero (older DfE symbol for low)",
    "u": "low reliability",
    "-": "missing (LAIT)",
    ":": "not available",
    "..": "not available",
    "~": "rounds to zero but is not zero (older DfE symbol)",
    "*": "suppressed",
    "na": "not available",
    "n/a": "not applicable",
    "supp": "suppressed",
}

PERIOD_TYPES = ("academic_year", "financial_year", "calendar_year", "neet_winter", "month", "span")

# How DfE open-data files name their period types in ``time_identifier``.
TIME_IDENTIFIERS = {
    "academic year": "academic_year",
    "financial year": "financial_year",
    "calendar year": "calendar_year",
    "tax year": "financial_year",
}

_ANNOTATION = re.compile(r"\s*\((?P<note>[^)]*)\)\s*$")


@dataclass(frozen=True)
class Period:
    period: str
    period_start: date
    period_end: date
    note: str = ""  # the label's annotation (Rev, OT, prov, Final) or why it could not be read


def _ending_in(period_type: str, end_year: int) -> Period:
    """The annual period of the type that ends in ``end_year``."""
    key = periods.year_key(period_type, periods.year_ending_in(period_type, end_year))
    return Period(key, *periods.bounds(key, period_type))


def _neet_winter(january_year: int) -> Period:
    # DfE's NEET headline averages December, January and February; keyed by the January.
    return Period(f"{january_year}", *periods.neet_winter_bounds(january_year))


def _full_year(first: int, second2: str) -> int:
    """The four-digit year of a two-digit suffix that follows ``first`` (``2023``, ``24`` -> 2024)."""
    second = (first // 100) * 100 + int(second2)
    return second + 100 if second < first else second


def normalise_period(raw: str | None, period_type: str) -> Period | None:
    """The warehouse period for a published year label, or None when the label is not a year.

    ``period_type`` is the measure's type (see ``PERIOD_TYPES``); two-year labels
    (``2023/24``, ``202324``, ``2023-24``) are read as the year ending in the second year.
    """
    if period_type not in PERIOD_TYPES:
        raise ValueError(f"unknown period type {period_type!r}")
    if raw is None:
        return None
    text = str(raw).strip()
    note = ""
    m = _ANNOTATION.search(text)
    if m:
        note = m.group("note").strip()
        text = text[: m.start()].strip()

    end_year: int | None = None
    if period_type == "month" and periods.is_key(text, "month"):
        return Period(text, *periods.bounds(text, "month"), note)
    if re.fullmatch(r"(19|20)\d{2}", text):
        end_year = int(text)
    elif m2 := re.fullmatch(r"((?:19|20)\d{2})\s*[-/]?\s*(\d{2})", text):
        first = int(m2.group(1))
        end_year = _full_year(first, m2.group(2))
        if end_year - first > 1:
            # A multi-year span such as 2014-16 (three calendar years), not a single year.
            return Period(f"{first}-{end_year}", periods.year_start("calendar_year", first),
                          periods.year_end("calendar_year", end_year), note or "span")
    elif m3 := re.fullmatch(r"((?:19|20)\d{2})/(\d{2})-(\d{2})/(\d{2})", text):
        # A span of academic years such as 2013/14-15/16.
        first = int(m3.group(1))
        last_end = _full_year(first, m3.group(4))
        start = _ending_in("academic_year", _full_year(first, m3.group(2)))
        end = _ending_in("academic_year", last_end)
        return Period(f"{start.period}-{end.period[-5:]}", start.period_start, end.period_end, note or "span")
    if end_year is None:
        return None

    if period_type in periods.ANNUAL:
        p = _ending_in(period_type, end_year)
    elif period_type == "neet_winter":
        p = _neet_winter(end_year)
    else:
        return None
    return Period(p.period, p.period_start, p.period_end, note)


def period_type_for(time_identifier: str | None, declared: str | None) -> str:
    """A DfE file's period type: the catalogue's declaration, else its ``time_identifier``."""
    if declared:
        return declared
    key = (time_identifier or "").strip().lower()
    if key in TIME_IDENTIFIERS:
        return TIME_IDENTIFIERS[key]
    raise ValueError(f"time_identifier {time_identifier!r} needs a period_type in the catalogue entry")
