"""Partnership practitioner survey: one row per response."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class PractitionerFeedback(SourceModel, source="practitioner_feedback"):
    response_id: Series[Text] = field()
    agency: Series[Text] = field(codes="an agency code")
    response_date: Series[pd.Timestamp] = field(checks.plausible_date())
    joint_working_score: Series[pd.Int64Dtype] = field(checks.between(1, 5, "survey score"))
    know_how_to_refer: Series[pd.Int64Dtype] = field(checks.between(1, 5, "survey score"))
