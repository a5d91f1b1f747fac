"""The SHEU health-related behaviour survey: anonymous pupils, so no child id.

Self-esteem / resilience is the sum of five 0-4 items (0-20). Scores fall with age and
are lower for girls, with girls' scores drifting down over the decade (the national
pattern), which gives EH05 a curve worth turning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import calibration as cal
from .people import Population, choice, short_ids

YEAR_GROUP_P = {6: 0.3, 8: 0.3, 10: 0.3, 12: 0.1}


def sheu_survey(rng: np.random.Generator, pop: Population, scale: float, salt: str) -> pd.DataFrame:
    parts = []
    for y in cal.SHEU_YEARS:
        n = round(cal.SHEU_RESPONDENTS * scale * rng.normal(1, 0.05))
        yg = choice(rng, YEAR_GROUP_P, list(YEAR_GROUP_P.values()), n).astype(int)
        other = 0.02 + 0.03 * (y - 2016) / 9
        sex = choice(rng, ["F", "M", "O"], [0.49, 0.49, other], n)
        girl = (sex == "F") | (sex == "O")
        # Five 0-4 items, each driven by one latent level per pupil, so the sum is lumpy like real scales.
        level = 2.75 - 0.12 * (yg - 6) - 0.3 * girl - 0.025 * girl * (y - 2016) + rng.normal(0, 0.8, n)
        items = np.clip(np.rint(level[:, None] + rng.normal(0, 0.7, (n, 5))), 0, 4)
        score = items.sum(axis=1)
        score[rng.random(n) < 0.03] = np.nan                     # incomplete questionnaires
        talk = rng.random(n) < 0.86 - 0.02 * (yg >= 10) - 0.03 * girl + 0.02 * (score >= 11)
        talk = np.where(rng.random(n) < 0.02, None, talk)
        schools = np.where(yg == 6, rng.choice(pop.schools["primary"], n), rng.choice(pop.schools["secondary"], n))
        parts.append(pd.DataFrame({"survey_year": y, "school_id": schools, "year_group": yg, "sex": sex,
                                   "self_esteem_score": score, "someone_to_talk_to": talk, "_year": y}))
    s = pd.concat(parts, ignore_index=True).sort_values(["survey_year", "school_id", "year_group"],
                                                        kind="stable", ignore_index=True)
    s.insert(0, "respondent_id", short_ids("SHEU", salt, len(s), width=8))
    return s
