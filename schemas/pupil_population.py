"""Pupil population (January school census): headcounts by phase x year group x FSM x SEN need."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class PupilPopulation(SourceModel, source="pupil_population"):
    academic_year: Series[Text] = field(checks.academic_year())
    phase: Series[Text] = field(codes="a school phase code")
    year_group: Series[pd.Int64Dtype] = field(checks.between(0, 13, "year group"))
    fsm: Series[pd.BooleanDtype] = field()
    sen_primary_need: Series[Text] = field(codes="an SEN primary need code")
    headcount: Series[pd.Int64Dtype] = field(checks.at_least(0, "headcount"))
