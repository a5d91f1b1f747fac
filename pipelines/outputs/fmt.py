"""How numbers read in a paper: one formatter per unit, "c" for suppressed figures.

Everything shown in a paper, table or chart label goes through ``value`` or ``ci`` so
suppressed cells and missing values read the same everywhere.
"""

from __future__ import annotations

import math

from indicators.disclosure import SUPPRESSED

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


def number(v, unit: str) -> str:
    """A figure in its unit without the unit sign; "c" stays "c"."""
    if isinstance(v, str):
        return v
    if missing(v):
        return MISSING
    return f"{float(v):,.{decimals(unit)}f}"


def value(v, unit: str) -> str:
    text = number(v, unit)
    return text + "%" if unit == "pct" and text not in (SUPPRESSED, MISSING) else text


def ci(lo, hi, unit: str) -> str:
    """'31.2 to 40.5'; CI bounds of a count keep one decimal (they are not counts)."""
    if SUPPRESSED in (lo, hi):
        return SUPPRESSED
    if missing(lo) or missing(hi):
        return MISSING
    u = "per_1000" if unit == "count" else unit   # one decimal place
    return f"{number(lo, u)} to {number(hi, u)}"


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
