"""Family feedback on Early Help: one row per survey response."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class FamilyFeedback(SourceModel, source="family_feedback"):
    response_id: Series[Text] = field()
    episode_id: Series[Text] = field()
    respondent: Series[Text] = field(codes="a respondent code")
    response_date: Series[pd.Timestamp] = field(checks.plausible_date())
    support_helpful: Series[pd.Int64Dtype] = field(checks.between(1, 5, "survey score"))
    better_supported_wellbeing: Series[pd.Int64Dtype] = field(checks.between(1, 5, "survey score"))
