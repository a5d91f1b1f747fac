"""Youth Offending Service substantive outcomes: one row per caution or conviction."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "yos_outcomes"


class YosOutcomes(SourceModel):
    outcome_id: Series[Text] = field(SOURCE, "outcome_id")
    child_id: Series[Text] = field(SOURCE, "child_id")
    offence_date: Series[pd.Timestamp] = field(SOURCE, "offence_date", checks.plausible_date())
    outcome_date: Series[pd.Timestamp] = field(SOURCE, "outcome_date", checks.plausible_date())
    outcome_type: Series[Text] = field(SOURCE, "outcome_type", codes="a substantive outcome type")
    # 10 is the age of criminal responsibility; 18+ are dealt with by adult services.
    age_at_offence: Series[pd.Int64Dtype] = field(SOURCE, "age_at_offence", checks.between(10, 17, "age at offence"))
    sex: Series[Text] = field(SOURCE, "sex", codes="a sex code (F, M, U)")
    ward_code: Series[Text] = field(SOURCE, "ward_code", checks.ward_code())

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["outcome_id"]

    @checks.row_rule("outcome on or after offence", ("outcome_date", "offence_date"),
                     "outcome_date {outcome_date} is before offence_date {offence_date}")
    def _outcome_after_offence(cls, df: DataFrame) -> Series[bool]:
        return checks.not_before(df, "outcome_date", "offence_date")
