"""Children's social care referrals: one row per referral."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class SocialCareReferrals(SourceModel, source="social_care_referrals"):
    referral_id: Series[Text] = field()
    child_id: Series[Text] = field()
    referral_date: Series[pd.Timestamp] = field(checks.plausible_date())
    referral_source: Series[Text] = field(codes="a referral source code")
    outcome: Series[Text] = field(codes="a referral outcome code")
    outcome_date: Series[pd.Timestamp] = field(checks.plausible_date())

    @checks.row_rule("outcome on or after referral", ("outcome_date", "referral_date"),
                     "outcome_date {outcome_date} is before referral_date {referral_date}")
    def _outcome_after_referral(cls, df: DataFrame) -> Series[bool]:
        return checks.not_before(df, "outcome_date", "referral_date")

    # An outcome can be recorded without a date (e.g. no further action), never a date alone.
    @checks.row_rule("outcome date needs an outcome", ("outcome_date", "outcome"),
                     "outcome_date {outcome_date} is given but outcome is {outcome}")
    def _dated_outcome_named(cls, df: DataFrame) -> Series[bool]:
        return checks.present_only_if(df, "outcome_date", df["outcome"].notna())
