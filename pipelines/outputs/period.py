"""The reporting period of a board paper.

Measures come in financial, academic and calendar years (and months), so a paper cannot
be "for 2024-25". Its period is the **calendar quarter or month the board looks at**,
written ``2026-Q1`` or ``2026-03``; the paper shows, for every measure, the latest
period that had ended by the end of that quarter or month.

"Data as at" is the date of the newest data (``data_as_at``), never later than today. The
default period is the last calendar quarter complete by then; a period that ends after
it is refused, since its figures would be partly in the future.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

# The period arithmetic and "as at" live beside the scorecard, which is judged as at the
# default period; the paper uses the same functions.
from pipelines.compute.report_period import (  # noqa: F401  (the paper's names)
    ReportPeriod, data_as_at, default, delivery_end, parse, quarter_of)


def resolve(label: str | None, as_at: dt.date) -> ReportPeriod:
    """The paper's period: ``label``, or the default; refused when it ends after ``as_at``."""
    if not label:
        return default(as_at)
    chosen = parse(label)
    if chosen.end > as_at:
        raise ValueError(
            f"period {chosen.label} ends on {chosen.end:%d %B %Y}, after the newest data (as at "
            f"{as_at:%d %B %Y}): it is not complete yet. The latest complete period is {default(as_at).label}.")
    return chosen


def latest_per_measure(frame: pd.DataFrame, period: ReportPeriod) -> pd.DataFrame:
    """Rows of ``frame`` (measure_id, period, period_end, ...) for each measure's latest
    period ending on or before the end of ``period``."""
    ends = pd.to_datetime(frame["period_end"])
    done = frame[ends <= pd.Timestamp(period.end)]
    last = done.assign(_end=pd.to_datetime(done["period_end"])).groupby("measure_id")["_end"].transform("max")
    return done[pd.to_datetime(done["period_end"]) == last]
