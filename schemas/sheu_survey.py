"""SHEU school health-related behaviour survey: one row per respondent."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "sheu_survey"


class SheuSurvey(SourceModel):
    respondent_id: Series[Text] = field(SOURCE, "respondent_id")
    survey_year: Series[pd.Int64Dtype] = field(SOURCE, "survey_year", checks.plausible_year())
    school_id: Series[Text] = field(SOURCE, "school_id")
    year_group: Series[pd.Int64Dtype] = field(SOURCE, "year_group", checks.one_of((6, 8, 10, 12), "SHEU year group"))
    sex: Series[Text] = field(SOURCE, "sex", codes="a SHEU sex code (F, M, O)")
    self_esteem_score: Series[pd.Int64Dtype] = field(SOURCE, "self_esteem_score",
                                                     checks.between(0, 20, "self-esteem score"))
    someone_to_talk_to: Series[pd.BooleanDtype] = field(SOURCE, "someone_to_talk_to")

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["respondent_id"]
