"""Early Help episodes (CAF): one row per episode."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class EarlyHelpEpisodes(SourceModel, source="early_help_episodes"):
    episode_id: Series[Text] = field()
    child_id: Series[Text] = field()
    family_id: Series[Text] = field()
    start_date: Series[pd.Timestamp] = field(checks.plausible_date())
    level: Series[pd.Int64Dtype] = field(codes="an Early Help level (2 or 3)")
    initiating_agency: Series[Text] = field(codes="an agency code")
    contributing_agencies: Series[Text] = field(codes="an agency code", multi=True)
    needs_identified: Series[Text] = field(codes="a need code", multi=True)
    plan_date: Series[pd.Timestamp] = field(checks.plausible_date())
    last_review_date: Series[pd.Timestamp] = field(checks.plausible_date())
    closure_date: Series[pd.Timestamp] = field(checks.plausible_date())
    closure_reason: Series[Text] = field(codes="a closure reason code")
    ward_code: Series[Text] = field(checks.ward_code())
    locality: Series[Text] = field(codes="a locality code")
    # Early Help runs from birth to 18 (the 18th birthday can fall during the assessment).
    age: Series[pd.Int64Dtype] = field(checks.between(0, 18, "age at start"))
    sex: Series[Text] = field(codes="a sex code (F, M, U)")
    imd_decile: Series[pd.Int64Dtype] = field(checks.between(1, 10, "IMD decile"))

    @checks.row_rule("closed on or after start", ("closure_date", "start_date"),
                     "closure_date {closure_date} is before start_date {start_date}")
    def _closed_after_start(cls, df: DataFrame) -> Series[bool]:
        return checks.not_before(df, "closure_date", "start_date")

    @checks.row_rule("closure reason iff closed", ("closure_date", "closure_reason"),
                     "closure_reason ({closure_reason}) must be given exactly when closure_date "
                     "({closure_date}) is")
    def _reason_iff_closed(cls, df: DataFrame) -> Series[bool]:
        return checks.present_iff(df, "closure_date", "closure_reason")

    @checks.row_rule("plan on or after start", ("plan_date", "start_date"),
                     "plan_date {plan_date} is before start_date {start_date}")
    def _plan_after_start(cls, df: DataFrame) -> Series[bool]:
        return checks.not_before(df, "plan_date", "start_date")

    @checks.row_rule("review on or after start", ("last_review_date", "start_date"),
                     "last_review_date {last_review_date} is before start_date {start_date}")
    def _review_after_start(cls, df: DataFrame) -> Series[bool]:
        return checks.not_before(df, "last_review_date", "start_date")
