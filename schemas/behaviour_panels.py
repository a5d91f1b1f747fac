"""Behaviour, attendance and fair access panel referrals: one row per panel referral."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "behaviour_panels"


class BehaviourPanels(SourceModel):
    referral_id: Series[Text] = field(SOURCE, "referral_id")
    child_id: Series[Text] = field(SOURCE, "child_id")
    referral_date: Series[pd.Timestamp] = field(SOURCE, "referral_date", checks.plausible_date())
    panel: Series[Text] = field(SOURCE, "panel", codes="a panel code")
    outcome: Series[Text] = field(SOURCE, "outcome", codes="a panel outcome code")
    phase: Series[Text] = field(SOURCE, "phase", codes="a school phase code")

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["referral_id"]
