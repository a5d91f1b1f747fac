"""Children missing education: one row per CME case."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class Cme(SourceModel, source="cme"):
    case_id: Series[Text] = field()
    child_id: Series[Text] = field()
    referral_date: Series[pd.Timestamp] = field(checks.plausible_date())
    reason: Series[Text] = field(codes="a CME reason code")
    resolved_date: Series[pd.Timestamp] = field(checks.plausible_date())
    outcome: Series[Text] = field(codes="a CME outcome code")
    age: Series[pd.Int64Dtype] = field(checks.between(5, 16, "compulsory school age"))
    ward_code: Series[Text] = field(checks.ward_code())

    @checks.row_rule("resolved on or after referral", ("resolved_date", "referral_date"),
                     "resolved_date {resolved_date} is before referral_date {referral_date}")
    def _resolved_after_referral(cls, df: DataFrame) -> Series[bool]:
        return checks.not_before(df, "resolved_date", "referral_date")

    @checks.row_rule("outcome iff resolved", ("resolved_date", "outcome"),
                     "outcome ({outcome}) must be given exactly when resolved_date ({resolved_date}) is")
    def _outcome_iff_resolved(cls, df: DataFrame) -> Series[bool]:
        return checks.present_iff(df, "resolved_date", "outcome")
