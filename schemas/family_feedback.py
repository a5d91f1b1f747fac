"""Family feedback on Early Help: one row per survey response."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "family_feedback"


class FamilyFeedback(SourceModel):
    response_id: Series[Text] = field(SOURCE, "response_id")
    episode_id: Series[Text] = field(SOURCE, "episode_id")
    respondent: Series[Text] = field(SOURCE, "respondent", codes="a respondent code")
    response_date: Series[pd.Timestamp] = field(SOURCE, "response_date", checks.plausible_date())
    support_helpful: Series[pd.Int64Dtype] = field(SOURCE, "support_helpful", checks.between(1, 5, "survey score"))
    better_supported_wellbeing: Series[pd.Int64Dtype] = field(SOURCE, "better_supported_wellbeing",
                                                              checks.between(1, 5, "survey score"))

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["response_id"]
