"""Youth Offending Service substantive outcomes: one row per caution or conviction."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class YosOutcomes(SourceModel, source="yos_outcomes"):
    outcome_id: Series[Text] = field()
    child_id: Series[Text] = field()
    offence_date: Series[pd.Timestamp] = field(checks.plausible_date())
    outcome_date: Series[pd.Timestamp] = field(checks.plausible_date())
    outcome_type: Series[Text] = field(codes="a substantive outcome type")
    # 10 is the age of criminal responsibility; 18+ are dealt with by adult services.
    age_at_offence: Series[pd.Int64Dtype] = field(checks.between(10, 17, "age at offence"))
    sex: Series[Text] = field(codes="a sex code (F, M, U)")
    ward_code: Series[Text] = field(checks.ward_code())

    @checks.row_rule("outcome on or after offence", ("outcome_date", "offence_date"),
                     "outcome_date {outcome_date} is before offence_date {offence_date}")
    def _outcome_after_offence(cls, df: DataFrame) -> Series[bool]:
        return checks.not_before(df, "outcome_date", "offence_date")
