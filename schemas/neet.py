"""Young people's activity (NEET / Youth Connect, NCCIS): one row per young person per month.

The largest extract (about 4,000 rows a month): only whole-column checks, no row rules.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class Neet(SourceModel, source="neet"):
    extract_month: Series[pd.Timestamp] = field(checks.plausible_date(), checks.first_of_month())
    child_id: Series[Text] = field()
    academic_age: Series[pd.Int64Dtype] = field(checks.between(16, 18, "academic age"))
    activity_code: Series[Text] = field(codes="an NCCIS activity code")
    send: Series[pd.BooleanDtype] = field()
    care_leaver: Series[pd.BooleanDtype] = field()
    young_parent: Series[pd.BooleanDtype] = field()
    youth_justice: Series[pd.BooleanDtype] = field()
    ward_code: Series[Text] = field(checks.ward_code())
    sex: Series[Text] = field(codes="a sex code (F, M, U)")
