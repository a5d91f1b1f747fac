"""Partnership extracts with no child id: practitioner survey, adult referrals, parenting."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import calibration as cal
from .calendar import YEARS, fy_of, fy_start, random_days
from .people import choice, short_ids
from .social_care import _likert

PRACTITIONER_AGENCY_P = {"school": 0.30, "health": 0.20, "early_years": 0.10, "police": 0.06, "housing": 0.05,
                         "adult_services": 0.07, "social_care": 0.10, "voluntary_sector": 0.08,
                         "youth_service": 0.03, "other": 0.01}
ADULT_SERVICE_P = {"adult_mental_health": 0.30, "substance_misuse": 0.18, "housing": 0.18,
                   "domestic_abuse_service": 0.14, "adult_social_care": 0.08, "probation": 0.07, "other": 0.05}
PROGRAMME_P = {"incredible_years": 0.30, "triple_p": 0.30, "freedom": 0.15, "mellow_parenting": 0.10,
               "strengthening_families": 0.15}


def practitioner_feedback(rng: np.random.Generator, scale: float, salt: str) -> pd.DataFrame:
    """The annual partnership survey runs for six weeks each October-November."""
    parts = []
    for y in YEARS:
        n = round(cal.PRACTITIONER_RESPONSES * scale * rng.normal(1, 0.08))
        shift = (y - 2016) / 9
        agency = choice(rng, PRACTITIONER_AGENCY_P, list(PRACTITIONER_AGENCY_P.values()), n)
        joint = _likert(rng, np.full(n, 0.55 + 0.15 * shift)).astype(float)
        # Knowing how to refer improves with the partnership's training; adult services lag.
        refer = _likert(rng, 0.68 + 0.15 * shift - 0.15 * (agency == "adult_services")).astype(float)
        joint[rng.random(n) < 0.02] = np.nan
        refer[rng.random(n) < 0.02] = np.nan
        parts.append(pd.DataFrame({"agency": agency,
                                   "response_date": random_days(rng, np.datetime64(f"{y}-10-06"), 42, n),
                                   "joint_working_score": joint, "know_how_to_refer": refer, "_year": y}))
    f = pd.concat(parts, ignore_index=True).sort_values(["response_date"], kind="stable", ignore_index=True)
    f.insert(0, "response_id", short_ids("PS", salt, len(f)))
    return f


def adult_referrals(rng: np.random.Generator, scale: float, salt: str) -> pd.DataFrame:
    parts = []
    for y in YEARS:
        n = round(cal.trend(cal.ADULT_REFERRALS_2016, cal.ADULT_REFERRALS_2025, y) * scale * rng.normal(1, 0.05))
        service = choice(rng, ADULT_SERVICE_P, list(ADULT_SERVICE_P.values()), n)
        took_up = rng.random(n) < 0.58 + 0.1 * (y - 2016) / 9 - 0.1 * (service == "substance_misuse")
        parts.append(pd.DataFrame({"referral_date": random_days(rng, fy_start(y), 365, n),
                                   "referring_service": service, "parent_took_up_support": took_up}))
    r = pd.concat(parts, ignore_index=True).sort_values("referral_date", kind="stable", ignore_index=True)
    r.insert(0, "referral_id", short_ids("AR", salt, len(r)))
    r["_fy"] = fy_of(r["referral_date"].to_numpy())
    return r


def parenting_programmes(rng: np.random.Generator, scale: float, salt: str) -> pd.DataFrame:
    """Confidence 0-60 before and after; completers gain ~8 points (reliable change is 5-6)."""
    parts = []
    for y in YEARS:
        n = round(cal.PARENTING_PARTICIPANTS * scale * rng.normal(1, 0.06))
        programme = choice(rng, PROGRAMME_P, list(PROGRAMME_P.values()), n)
        start = random_days(rng, fy_start(y), 365, n)
        completed = rng.random(n) < 0.66 + 0.08 * (y - 2016) / 9
        weeks = np.where(completed, rng.integers(8, 15, n), rng.integers(1, 8, n))
        end = start + (weeks * 7).astype("timedelta64[D]")
        end = np.where(~completed & (rng.random(n) < 0.5), np.datetime64("NaT"), end)  # drop-outs often unrecorded
        pre = np.clip(np.rint(rng.normal(31, 8, n)), 0, 60)
        gain = rng.normal(6.5 + 2.5 * (y - 2016) / 9, 6, n)
        post = np.clip(np.rint(pre + gain), 0, 60)
        post = np.where(completed | (rng.random(n) < 0.1), post, np.nan)
        post = np.where(np.isnat(end), np.nan, post)
        parts.append(pd.DataFrame({"programme": programme, "start_date": start, "end_date": end,
                                   "completed": completed, "pre_score": pre, "post_score": post}))
    r = pd.concat(parts, ignore_index=True).sort_values("start_date", kind="stable", ignore_index=True)
    r.insert(0, "participant_id", short_ids("PP", salt, len(r)))
    r["_fy"] = fy_of(r["start_date"].to_numpy())
    return r
