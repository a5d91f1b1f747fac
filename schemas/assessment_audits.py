"""Early Help assessment quality audits: one row per audited assessment."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from schemas import checks
from schemas.base import SourceModel, Text, field

RATING = "an audit rating (outstanding, good, requires_improvement, inadequate)"


class AssessmentAudits(SourceModel, source="assessment_audits"):
    audit_id: Series[Text] = field()
    episode_id: Series[Text] = field()
    audit_date: Series[pd.Timestamp] = field(checks.plausible_date())
    overall_rating: Series[Text] = field(codes=RATING)
    assessment_rating: Series[Text] = field(codes=RATING)
    plan_rating: Series[Text] = field(codes=RATING)
    review_rating: Series[Text] = field(codes=RATING)
    voice_of_child_rating: Series[Text] = field(codes=RATING)
    information_sharing_evidenced: Series[pd.BooleanDtype] = field()
