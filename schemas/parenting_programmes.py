"""Parenting programme evaluations: one row per participant."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "parenting_programmes"


class ParentingProgrammes(SourceModel):
    participant_id: Series[Text] = field(SOURCE, "participant_id")
    programme: Series[Text] = field(SOURCE, "programme", codes="a parenting programme code")
    start_date: Series[pd.Timestamp] = field(SOURCE, "start_date", checks.plausible_date())
    end_date: Series[pd.Timestamp] = field(SOURCE, "end_date", checks.plausible_date())
    completed: Series[pd.BooleanDtype] = field(SOURCE, "completed")
    pre_score: Series[pd.Int64Dtype] = field(SOURCE, "pre_score", checks.between(0, 60, "confidence score"))
    post_score: Series[pd.Int64Dtype] = field(SOURCE, "post_score", checks.between(0, 60, "confidence score"))

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["participant_id"]

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
