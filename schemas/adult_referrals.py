"""Adult services referrals to children's Early Help: one row per referral."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class AdultReferrals(SourceModel, source="adult_referrals"):
    referral_id: Series[Text] = field()
    referral_date: Series[pd.Timestamp] = field(checks.plausible_date())
    referring_service: Series[Text] = field(codes="an adult service code")
    parent_took_up_support: Series[pd.BooleanDtype] = field()
