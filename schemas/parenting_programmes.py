"""Parenting programme evaluations: one row per participant."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class ParentingProgrammes(SourceModel, source="parenting_programmes"):
    participant_id: Series[Text] = field()
    programme: Series[Text] = field(codes="a parenting programme code")
    start_date: Series[pd.Timestamp] = field(checks.plausible_date())
    end_date: Series[pd.Timestamp] = field(checks.plausible_date())
    completed: Series[pd.BooleanDtype] = field()
    pre_score: Series[pd.Int64Dtype] = field(checks.between(0, 60, "confidence score"))
    post_score: Series[pd.Int64Dtype] = field(checks.between(0, 60, "confidence score"))

    @checks.row_rule("ended on or after start", ("end_date", "start_date"),
                     "end_date {end_date} is before start_date {start_date}")
    def _ended_after_start(cls, df: DataFrame) -> Series[bool]:
        return checks.not_before(df, "end_date", "start_date")

    # The programme's outcome measure is pre -> post change: a completer without a post
    # score cannot be counted, so the row is sent back rather than silently dropped.
    @checks.row_rule("post score when completed", ("post_score", "completed"),
                     "completed is {completed} but post_score is {post_score}")
    def _post_score_when_completed(cls, df: DataFrame) -> Series[bool]:
        return (~df["completed"].fillna(False) | df["post_score"].notna()).astype(bool)
