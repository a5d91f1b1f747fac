"""Two-year-old funded early education: one row per eligible child per term."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class TwoYearFunding(SourceModel, source="two_year_funding"):
    child_id: Series[Text] = field()
    term: Series[Text] = field(checks.term())
    eligible: Series[pd.BooleanDtype] = field()
    took_up: Series[pd.BooleanDtype] = field()
    provider_type: Series[Text] = field(codes="a provider type code")
    imd_decile: Series[pd.Int64Dtype] = field(checks.between(1, 10, "IMD decile"))
    ward_code: Series[Text] = field(checks.ward_code())

    @checks.row_rule("took up only if eligible", ("took_up", "eligible"),
                     "took_up is {took_up} but eligible is {eligible}")
    def _took_up_eligible(cls, df: DataFrame) -> Series[bool]:
        return (~df["took_up"] | df["eligible"]).fillna(True).astype(bool)

    # provider_type 'none' means "no place taken": it must agree with took_up.
    @checks.row_rule("provider matches take-up", ("provider_type", "took_up"),
                     "provider_type {provider_type} does not agree with took_up {took_up}")
    def _provider_matches(cls, df: DataFrame) -> Series[bool]:
        ok = (df["provider_type"] == "none") != df["took_up"]
        return ok.fillna(True).astype(bool)
