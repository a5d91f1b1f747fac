"""SHEU school health-related behaviour survey: one row per respondent."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class SheuSurvey(SourceModel, source="sheu_survey"):
    respondent_id: Series[Text] = field()
    survey_year: Series[pd.Int64Dtype] = field(checks.plausible_year())
    school_id: Series[Text] = field()
    year_group: Series[pd.Int64Dtype] = field(checks.one_of((6, 8, 10, 12), "SHEU year group"))
    sex: Series[Text] = field(codes="a SHEU sex code (F, M, O)")
    self_esteem_score: Series[pd.Int64Dtype] = field(checks.between(0, 20, "self-esteem score"))
    someone_to_talk_to: Series[pd.BooleanDtype] = field()
