"""How numbers read in a paper: one formatter per unit, "c" for suppressed figures.

Everything shown in a paper, table or chart label goes through ``value`` or ``ci`` so
suppressed cells and missing values read the same everywhere.
"""

from __future__ import annotations

import math

import pandas as pd

from indicators.disclosure import SUPPRESSED
from sources import periods

UNIT_LABEL = {
    "pct": "%", "pp": "percentage points", "per_100": "per 100 pupils", "per_1000": "per 1,000",
    "per_100k": "per 100,000", "count": "number", "mean": "mean score",
    "points": "points", "ratio": "ratio",
}
OBA_LABEL = {"population": "Population indicator", "how_much": "How much did we do?",
             "how_well": "How well did we do it?", "better_off": "Is anyone better off?"}
POLARITY_LABEL = {"higher": "higher is better", "lower": "lower is better", "none": "no judgement"}
MISSING = "–"


_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def in_words(n: int) -> str:
    """A small whole number as a heading writes it ("the twelve indicators"); digits above twenty."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (type(v).__name__ == "NAType")


def decimals(unit: str) -> int:
    """Decimal places a figure of ``unit`` is shown with (papers and workbook alike)."""
    if unit == "count":
        return 0
    if unit in ("mean", "points", "ratio"):
        return 2
    return 1


# A figure keeps at least this many significant figures: a rate of 0.014 is "0.014", not "0.0".
MIN_SIGNIFICANT = 2


def places(v, unit: str) -> int:
    """Decimal places for ``v``: the unit's (``decimals``), more for a small figure so it
    keeps MIN_SIGNIFICANT significant figures; a whole count stays whole."""
    d = decimals(unit)
    x = abs(float(v))
    if x == 0 or not math.isfinite(x) or (unit == "count" and x == round(x)):
        return d
    return max(d, MIN_SIGNIFICANT - 1 - math.floor(math.log10(x)))


def number(v, unit: str, digits: int | None = None) -> str:
    """A figure in its unit without the unit sign; "c" stays "c". Rounded here, once, from
    the stored full-precision figure (``digits`` decimal places, default ``places``)."""
    if isinstance(v, str):
        return v
    if missing(v):
        return MISSING
    return f"{float(v):,.{places(v, unit) if digits is None else digits}f}"


def value(v, unit: str, digits: int | None = None) -> str:
    text = number(v, unit, digits)
    return text + "%" if unit == "pct" and text not in (SUPPRESSED, MISSING) else text


def ci(lo, hi, unit: str) -> str:
    """'31.2 to 40.5'; CI bounds of a count keep one decimal (they are not counts); small
    bounds keep MIN_SIGNIFICANT significant figures ('0.014 to 0.52')."""
    if SUPPRESSED in (lo, hi):
        return SUPPRESSED
    if missing(lo) or missing(hi):
        return MISSING
    u = "per_1000" if unit == "count" else unit   # one decimal place
    # Both bounds to the same places (the more precise one's), each rounded once from its
    # stored value: rounding is monotone, so a shown bound never crosses the shown value
    # unless the stored one does.
    digits = max(places(lo, u), places(hi, u))
    return f"{number(lo, u, digits)} to {number(hi, u, digits)}"


def value_ci(v, lo, hi, unit: str) -> tuple[str, str]:
    """A value and its interval shown together: all three to the same places (the most any
    of them needs), each rounded once from its stored figure. Rounding to the same places is
    monotone, so no shown bound crosses the shown value unless the stored one does."""
    figures = [x for x in (v, lo, hi) if not isinstance(x, str) and not missing(x)]
    if isinstance(v, str) or missing(v) or SUPPRESSED in (lo, hi) or missing(lo) or missing(hi):
        return value(v, unit), ci(lo, hi, unit)
    u = "per_1000" if unit == "count" else unit   # bounds of a count are not counts
    digits = max(places(x, u) for x in figures)
    if unit == "count" and float(v) == round(float(v)):
        shown = value(v, unit)                     # a whole count stays whole
    else:
        shown = value(v, unit, digits)
    return shown, f"{number(lo, u, digits)} to {number(hi, u, digits)}"


def unit_label(unit: str) -> str:
    return UNIT_LABEL.get(unit, unit)


def arrow(trend) -> tuple[str, str]:
    """(symbol, words) for a trend judgement; the words make it readable without colour."""
    if missing(trend):
        return "", "not assessed"
    t = str(trend)
    if t == SUPPRESSED:
        return "", SUPPRESSED
    symbol = {"getting better": "▲", "getting worse": "▼", "increasing": "↗",
              "decreasing": "↘", "no significant change": "▶"}.get(t, "")
    return symbol, t


def period(key, period_type=None, start=None, end=None) -> str:
    """A period key as the paper prints it, one meaning per label: a year that is not the
    window its key names (the NEET "2026", December 2025 to February 2026, beside a
    calendar 2026) carries its months, "2026 (Dec 2025 to Feb 2026)" (``periods.window_label``)."""
    if missing(key):
        return MISSING
    if str(period_type) not in periods.ANNUAL or missing(start) or missing(end):     # only a year names a window
        return str(key)
    return periods.window_label(str(key), str(period_type), pd.Timestamp(start), pd.Timestamp(end))
