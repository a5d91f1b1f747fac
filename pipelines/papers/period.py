"""The reporting period of a board paper.

Measures come in financial, academic and calendar years (and months), so a paper cannot
be "for 2024-25". Its period is the **calendar quarter or month the board looks at**,
written ``2026-Q1`` or ``2026-03``; the paper shows, for every measure, the latest
period that had ended by the end of that quarter or month. The default is the quarter in
which the most recent measure period ends, i.e. the latest data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ReportPeriod:
    label: str
    start: dt.date
    end: dt.date

    @property
    def title(self) -> str:
        """How the cover names it: 'January to March 2026' or 'March 2026'."""
        if self.start.month == self.end.month:
            return self.end.strftime("%B %Y")
        return f"{self.start.strftime('%B')} to {self.end.strftime('%B %Y')}"


def _month_end(year: int, month: int) -> dt.date:
    return (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()


def parse(label: str) -> ReportPeriod:
    """``2026-Q1`` (calendar quarter) or ``2026-03`` (month); anything else is an error."""
    text = label.strip().upper()
    if m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        return ReportPeriod(text, dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        return ReportPeriod(text, dt.date(year, month, 1), _month_end(year, month))
    raise ValueError(f"period {label!r}: write a calendar quarter (2026-Q1) or a month (2026-03)")


def quarter_of(day: dt.date) -> ReportPeriod:
    return parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def default(period_ends: pd.Series) -> ReportPeriod:
    """The quarter containing the latest measure period end (the latest data)."""
    ends = pd.to_datetime(period_ends).dropna()
    if ends.empty:
        raise ValueError("no indicator values: nothing to report")
    return quarter_of(ends.max().date())


def resolve(label: str | None, period_ends: pd.Series) -> ReportPeriod:
    return parse(label) if label else default(period_ends)


def latest_per_measure(frame: pd.DataFrame, period: ReportPeriod) -> pd.DataFrame:
    """Rows of ``frame`` (measure_id, period, period_end, ...) for each measure's latest
    period ending on or before the end of ``period``."""
    ends = pd.to_datetime(frame["period_end"])
    done = frame[ends <= pd.Timestamp(period.end)]
    last = done.assign(_end=pd.to_datetime(done["period_end"])).groupby("measure_id")["_end"].transform("max")
    return done[pd.to_datetime(done["period_end"]) == last]
