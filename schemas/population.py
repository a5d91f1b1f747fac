"""Population estimates (ONS mid-year, by ward): ward x single year of age x sex."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class Population(SourceModel, source="population"):
    year: Series[pd.Int64Dtype] = field(checks.plausible_year())
    ward_code: Series[Text] = field(checks.ward_code())
    age: Series[pd.Int64Dtype] = field(checks.between(0, 25, "single year of age"))
    sex: Series[Text] = field(codes="a population sex code (F, M)")
    population: Series[pd.Int64Dtype] = field(checks.at_least(0, "population"))
