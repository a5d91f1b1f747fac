"""Early Help assessment quality audits: one row per audited assessment."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

SOURCE = "assessment_audits"
RATING = "an audit rating (outstanding, good, requires_improvement, inadequate)"


class AssessmentAudits(SourceModel):
    audit_id: Series[Text] = field(SOURCE, "audit_id")
    episode_id: Series[Text] = field(SOURCE, "episode_id")
    audit_date: Series[pd.Timestamp] = field(SOURCE, "audit_date", checks.plausible_date())
    overall_rating: Series[Text] = field(SOURCE, "overall_rating", codes=RATING)
    assessment_rating: Series[Text] = field(SOURCE, "assessment_rating", codes=RATING)
    plan_rating: Series[Text] = field(SOURCE, "plan_rating", codes=RATING)
    review_rating: Series[Text] = field(SOURCE, "review_rating", codes=RATING)
    voice_of_child_rating: Series[Text] = field(SOURCE, "voice_of_child_rating", codes=RATING)
    information_sharing_evidenced: Series[pd.BooleanDtype] = field(SOURCE, "information_sharing_evidenced")

    class Config:
        strict = True
        coerce = True
        name = SOURCE
        unique = ["audit_id"]
