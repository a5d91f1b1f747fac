"""The reporting period of a board paper, and the date the data are "as at".

Measures come in financial, academic and calendar years (and months), so a paper cannot
be "for 2024-25". Its period is the **calendar quarter or month the board looks at**,
written ``2026-Q1`` or ``2026-03``; the paper shows, for every measure, the latest
period that had ended by the end of that quarter or month.

"Data as at" is the date of the newest data (``data_as_at``), never later than today. The
default period is the last calendar quarter complete by then. The scorecard is judged as
at that default period, so the warehouse's ``scorecard`` and the default paper agree;
``pipelines.outputs.period`` builds the paper's choices on these. The keys, their bounds and
their words are the period calendar's (``sources.periods``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from sources import periods


@dataclass(frozen=True)
class ReportPeriod:
    label: str
    start: dt.date
    end: dt.date

    @property
    def title(self) -> str:
        """How the cover names it: 'January to March 2026' or 'March 2026'."""
        return periods.months_title(self.start, self.end)


def parse(label: str) -> ReportPeriod:
    """``2026-Q1`` (calendar quarter) or ``2026-03`` (month); anything else is an error."""
    text = label.strip().upper()
    if re.fullmatch(periods.CALENDAR_QUARTER, text):
        return ReportPeriod(text, *periods.calendar_quarter_bounds(text))
    if periods.is_key(text, "month"):
        return ReportPeriod(text, *periods.bounds(text, "month"))
    raise ValueError(f"period {label!r}: write a calendar quarter (2026-Q1) or a month (2026-03)")


def quarter_of(day: dt.date) -> ReportPeriod:
    return parse(periods.calendar_quarter_key(day))


def _day(value) -> dt.date:
    return pd.Timestamp(value).date()


def delivery_end(period_label: str, period_type: str, received) -> dt.date | None:
    """The newest date a delivery's data can describe: the end of the period it covers, or
    the day it was received when that period was still running then."""
    from pipelines.reference.benchmark_periods import normalise_period

    p = normalise_period(period_label, period_type) if period_label else None
    if p is None:
        return None
    end = p.period_end
    return min(end, _day(received)) if received is not None and not pd.isna(received) else end


def data_as_at(load_log: pd.DataFrame, period_ends: pd.Series, today: dt.date) -> dt.date:
    """The date of the newest data, never after ``today``.

    From the load log: the latest ``delivery_end`` of the deliveries loaded. Without one
    (a warehouse built another way): the latest measure period that had ended by today."""
    from sources.catalogue import SOURCES

    types = {s.name: s.period_type for s in SOURCES}
    ends = []
    if not load_log.empty and {"source", "period", "status"} <= set(load_log.columns):
        log = load_log[load_log["status"].astype(str).isin(["loaded", "empty"])]
        received = log["received_at"] if "received_at" in log.columns else pd.Series(None, index=log.index)
        ends = [e for src, p, r in zip(log["source"], log["period"], received)
                if src in types and (e := delivery_end(str(p), types[src], r)) is not None]
    if not ends:
        measured = pd.to_datetime(period_ends).dropna()
        ends = [d.date() for d in measured if d.date() <= today]
    if not ends:
        raise ValueError("no complete period in the data: nothing to report")
    return min(max(ends), today)


def default(as_at: dt.date) -> ReportPeriod:
    """The last calendar quarter complete by ``as_at``."""
    q = quarter_of(as_at)
    return q if q.end == as_at else quarter_of(q.start - dt.timedelta(days=1))
