"""Suspensions and permanent exclusions: one row per exclusion."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class Exclusions(SourceModel, source="exclusions"):
    exclusion_id: Series[Text] = field()
    child_id: Series[Text] = field()
    school_id: Series[Text] = field()
    phase: Series[Text] = field(codes="a school phase code")
    academic_year: Series[Text] = field(checks.academic_year())
    start_date: Series[pd.Timestamp] = field(checks.plausible_date())
    category: Series[Text] = field(codes="an exclusion category (suspension, permanent)")
    sessions: Series[pd.Float64Dtype] = field(checks.greater_than(0, "sessions"))
    reason_code: Series[Text] = field(codes="a DfE exclusion reason code")
    sen_primary_need: Series[Text] = field(codes="an SEN primary need code")
    fsm: Series[pd.BooleanDtype] = field()
    year_group: Series[pd.Int64Dtype] = field(checks.between(0, 13, "year group"))

    # Academic year runs 1 September - 31 August: 2024/25 holds 2024-09-01 .. 2025-08-31.
    @checks.row_rule("start date in academic year", ("start_date", "academic_year"),
                     "start_date {start_date} is not in academic_year {academic_year}")
    def _start_in_year(cls, df: DataFrame) -> Series[bool]:
        first = pd.to_numeric(df["academic_year"].str.slice(0, 4), errors="coerce")
        start = df["start_date"]
        year_of = start.dt.year - (start.dt.month < 9).astype("int64")
        ok = first.isna() | start.isna() | (year_of == first)
        return ok.fillna(True).astype(bool)

    # The school census collects sessions for suspensions (fixed period, lunchtime) only: a
    # permanent exclusion has no length. Blank is allowed for it and for it alone.
    @checks.row_rule("sessions for a suspension", ("category", "sessions"),
                     "sessions ({sessions}) must be given for a {category}")
    def _sessions_for_suspension(cls, df: DataFrame) -> Series[bool]:
        return ((df["category"] != "suspension").fillna(True) | df["sessions"].notna()).astype(bool)
