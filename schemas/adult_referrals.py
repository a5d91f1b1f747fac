"""Adult services referrals to children's Early Help: one row per referral."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "adult_referrals"


class AdultReferrals(SourceModel):
    referral_id: Series[Text] = field(SOURCE, "referral_id")
    referral_date: Series[pd.Timestamp] = field(SOURCE, "referral_date", checks.plausible_date())
    referring_service: Series[Text] = field(SOURCE, "referring_service", codes="an adult service code")
    parent_took_up_support: Series[pd.BooleanDtype] = field(SOURCE, "parent_took_up_support")

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["referral_id"]
