"""Young people's activity (NEET / Youth Connect, NCCIS): one row per young person per month.

The largest extract (about 4,000 rows a month): only whole-column checks, no row rules.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "neet"


class Neet(SourceModel):
    extract_month: Series[pd.Timestamp] = field(SOURCE, "extract_month", checks.plausible_date(),
                                                checks.first_of_month())
    child_id: Series[Text] = field(SOURCE, "child_id")
    academic_age: Series[pd.Int64Dtype] = field(SOURCE, "academic_age", checks.between(16, 18, "academic age"))
    activity_code: Series[Text] = field(SOURCE, "activity_code", codes="an NCCIS activity code")
    send: Series[pd.BooleanDtype] = field(SOURCE, "send")
    care_leaver: Series[pd.BooleanDtype] = field(SOURCE, "care_leaver")
    young_parent: Series[pd.BooleanDtype] = field(SOURCE, "young_parent")
    youth_justice: Series[pd.BooleanDtype] = field(SOURCE, "youth_justice")
    ward_code: Series[Text] = field(SOURCE, "ward_code", checks.ward_code())
    sex: Series[Text] = field(SOURCE, "sex", codes="a sex code (F, M, U)")

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["extract_month", "child_id"]
