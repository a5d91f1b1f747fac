"""Population estimates (ONS mid-year, by ward): ward x single year of age x sex."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "population"


class Population(SourceModel):
    year: Series[pd.Int64Dtype] = field(SOURCE, "year", checks.plausible_year())
    ward_code: Series[Text] = field(SOURCE, "ward_code", checks.ward_code())
    age: Series[pd.Int64Dtype] = field(SOURCE, "age", checks.between(0, 25, "single year of age"))
    sex: Series[Text] = field(SOURCE, "sex", codes="a population sex code (F, M)")
    population: Series[pd.Int64Dtype] = field(SOURCE, "population", checks.at_least(0, "population"))

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["year", "ward_code", "age", "sex"]
