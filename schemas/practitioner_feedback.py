"""Partnership practitioner survey: one row per response."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "practitioner_feedback"


class PractitionerFeedback(SourceModel):
    response_id: Series[Text] = field(SOURCE, "response_id")
    agency: Series[Text] = field(SOURCE, "agency", codes="an agency code")
    response_date: Series[pd.Timestamp] = field(SOURCE, "response_date", checks.plausible_date())
    joint_working_score: Series[pd.Int64Dtype] = field(SOURCE, "joint_working_score",
                                                       checks.between(1, 5, "survey score"))
    know_how_to_refer: Series[pd.Int64Dtype] = field(SOURCE, "know_how_to_refer",
                                                     checks.between(1, 5, "survey score"))

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["response_id"]
