"""Pupil population (January school census): headcounts by phase x year group x FSM x SEN need."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "pupil_population"


class PupilPopulation(SourceModel):
    academic_year: Series[Text] = field(SOURCE, "academic_year", checks.academic_year())
    phase: Series[Text] = field(SOURCE, "phase", codes="a school phase code")
    year_group: Series[pd.Int64Dtype] = field(SOURCE, "year_group", checks.between(0, 13, "year group"))
    fsm: Series[pd.BooleanDtype] = field(SOURCE, "fsm")
    sen_primary_need: Series[Text] = field(SOURCE, "sen_primary_need", codes="an SEN primary need code")
    headcount: Series[pd.Int64Dtype] = field(SOURCE, "headcount", checks.at_least(0, "headcount"))

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        # a blank sen_primary_need (no SEN) is a key value like any other
        unique = ["academic_year", "phase", "year_group", "fsm", "sen_primary_need"]
