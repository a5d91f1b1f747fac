"""Behaviour, attendance and fair access panel referrals: one row per panel referral."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class BehaviourPanels(SourceModel, source="behaviour_panels"):
    referral_id: Series[Text] = field()
    child_id: Series[Text] = field()
    referral_date: Series[pd.Timestamp] = field(checks.plausible_date())
    panel: Series[Text] = field(codes="a panel code")
    outcome: Series[Text] = field(codes="a panel outcome code")
    phase: Series[Text] = field(codes="a school phase code")
