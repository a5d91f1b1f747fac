"""Suspensions and permanent exclusions: one row per exclusion."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "exclusions"


class Exclusions(SourceModel):
    exclusion_id: Series[Text] = field(SOURCE, "exclusion_id")
    child_id: Series[Text] = field(SOURCE, "child_id")
    school_id: Series[Text] = field(SOURCE, "school_id")
    phase: Series[Text] = field(SOURCE, "phase", codes="a school phase code")
    academic_year: Series[Text] = field(SOURCE, "academic_year", checks.academic_year())
    start_date: Series[pd.Timestamp] = field(SOURCE, "start_date", checks.plausible_date())
    category: Series[Text] = field(SOURCE, "category", codes="an exclusion category (suspension, permanent)")
    sessions: Series[pd.Float64Dtype] = field(SOURCE, "sessions", checks.greater_than(0, "sessions"))
    reason_code: Series[Text] = field(SOURCE, "reason_code", codes="a DfE exclusion reason code")
    sen_primary_need: Series[Text] = field(SOURCE, "sen_primary_need", codes="an SEN primary need code")
    fsm: Series[pd.BooleanDtype] = field(SOURCE, "fsm")
    year_group: Series[pd.Int64Dtype] = field(SOURCE, "year_group", checks.between(0, 13, "year group"))

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["exclusion_id"]

    # Academic year runs 1 September - 31 August: 2024/25 holds 2024-09-01 .. 2025-08-31.
    @checks.row_rule("start date in academic year", ("start_date", "academic_year"),
                     "start_date {start_date} is not in academic_year {academic_year}")
    def _start_in_year(cls, df: DataFrame) -> Series[bool]:
        first = pd.to_numeric(df["academic_year"].str.slice(0, 4), errors="coerce")
        start = df["start_date"]
        year_of = start.dt.year - (start.dt.month < 9).astype("int64")
        ok = first.isna() | start.isna() | (year_of == first)
        return ok.fillna(True).astype(bool)
