"""Early Help episodes and what follows them: social care referrals, family feedback, audits.

The step-up link (EH01) is built in, not left to chance: a share of closed episodes
(about 13% in 2016-17 easing to about 9-10%, higher for level 3 and the most vulnerable) is
followed by a social care referral with a statutory outcome, most at closure ("stepped
up"), the rest 1-12 months later after an apparently successful closure, plus a few
beyond 12 months that the indicator must not count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources import codes
from . import calibration as cal
from .calendar import AS_AT, YEARS, age_on, fy_of, fy_start, random_days
from .geography import LOCALITY_OF_WARD, WARD_CODES
from .people import Population, choice, pick, short_ids

AGENCIES = list(codes.AGENCIES)
# Initiating agency mix; adult services, housing and police (EH02) gain share over time.
AGENCY_P = {"school": 0.30, "health": 0.20, "early_years": 0.08, "police": 0.06, "housing": 0.04,
            "adult_services": 0.03, "social_care": 0.07, "voluntary_sector": 0.07,
            "self_referral": 0.09, "youth_service": 0.04, "other": 0.02}
# Needs at assessment (sources.md: housing in 18% of CAFs).
NEED_P = {"housing": 0.18, "domestic_abuse": 0.28, "parental_mental_health": 0.33,
          "substance_misuse": 0.10, "parental_alcohol": 0.09, "child_mental_health": 0.30,
          "school_attendance": 0.24, "behaviour": 0.30, "parenting": 0.40, "financial": 0.22,
          "neglect": 0.09, "send": 0.15}
STATUTORY = np.array(["cin_plan", "cp_plan", "looked_after"], dtype=object)


def _joined(rng: np.random.Generator, names: list[str], probs: np.ndarray) -> np.ndarray:
    """';'-joined codes from an (n x k) matrix of Bernoulli draws, vectorised by column."""
    hits = rng.random(probs.shape) < probs
    out = np.full(probs.shape[0], "", dtype=object)
    for j, name in enumerate(names):
        out = np.where(hits[:, j], out + name + ";", out)
    return np.array([s[:-1] for s in out], dtype=object)


def episodes(rng: np.random.Generator, pop: Population, scale: float, salt: str) -> pd.DataFrame:
    p = pop.people
    parts = []
    # One burn-in year before the history starts, so the first year's closures, feedback,
    # audits and step-ups come from episodes already open, as in a live system.
    for y in [YEARS[0] - 1, *YEARS]:
        n = round(cal.EARLY_HELP_EPISODES * scale * cal.trend(0.94, 1.06, y) * rng.normal(1, 0.03))
        age0 = age_on(p["birth"].to_numpy(), fy_start(y))
        cand = np.flatnonzero((age0 >= 0) & (age0 <= 16))
        chosen = pick(rng, cand, np.exp(0.9 * p["vuln"].to_numpy()[cand]), n)
        parts.append(pd.DataFrame({"pid": chosen, "start_date": random_days(rng, fy_start(y), 365, len(chosen))}))
    e = pd.concat(parts, ignore_index=True).sort_values(["start_date", "pid"], ignore_index=True)
    n = len(e)
    pid = e["pid"].to_numpy()
    vuln = p["vuln"].to_numpy()[pid]
    start = e["start_date"].to_numpy().astype("datetime64[D]")
    fy = fy_of(start)
    shift = (fy - 2016) / 9
    level = np.where(rng.random(n) < 0.33 + 0.12 * (vuln > 1), 3, 2)
    agency_p = np.array([AGENCY_P[a] for a in AGENCIES])
    joint = np.isin(AGENCIES, codes.JOINT_WORKING_AGENCIES)
    initiating = np.empty(n, dtype=object)
    for y in np.unique(fy):     # the joint-working share rises from 13% to 21%
        pr = np.where(joint, agency_p * (1 + 0.6 * (y - 2016) / 9), agency_p)
        m = fy == y
        initiating[m] = choice(rng, AGENCIES, pr, int(m.sum()))
    contrib_names = [a for a in AGENCIES if a != "self_referral"]
    cp = np.where(level[:, None] == 3, 0.22, 0.07) * np.ones((n, len(contrib_names)))
    # Police, housing and adult services join fewer plans than schools and health do;
    # adult services' share grows (EH10 supporting measure, EH02 headline).
    for agency in codes.JOINT_WORKING_AGENCIES:
        cp[:, contrib_names.index(agency)] *= 0.45
    cp[:, contrib_names.index("adult_services")] += 0.02 + 0.06 * shift
    needs = np.array(list(NEED_P.values()))[None, :] * np.where(level[:, None] == 3, 1.35, 0.8)
    duration = np.rint(np.exp(rng.normal(np.where(level == 3, 5.3, 4.8), 0.45))).astype(int) + 21
    closure = start + duration.astype("timedelta64[D]")
    plan = start + rng.integers(5, 36, n).astype("timedelta64[D]")
    plan = np.where(rng.random(n) < 0.04, np.datetime64("NaT"), plan)
    review = closure - rng.integers(0, 21, n).astype("timedelta64[D]")
    review = np.where((duration > 75) & ~np.isnat(plan), review, np.datetime64("NaT"))

    # Step-up to statutory social care: at closure, or 1-12 months after it.
    closed = closure <= AS_AT
    # Calibrated so that, with the background referrals these vulnerable children also get,
    # ~13% of closures in 2016-17 and ~9-10% by 2024-25 are followed by a statutory outcome.
    p_up = (0.042 + 0.035 * (level == 3) + 0.03 * (vuln > 1)) * np.maximum(1.25 - 0.55 * shift, 0.6)
    up = closed & (rng.random(n) < p_up)
    at_closure = up & (rng.random(n) < 0.6)
    late = closed & ~up & (rng.random(n) < 0.035)            # beyond 12 months: not counted
    reason_p = np.stack([0.58 + 0.10 * shift, np.full(n, 0.10), np.full(n, 0.05), np.full(n, 0.04),
                         np.full(n, 0.08), np.full(n, 0.03)], axis=1)
    cum = np.cumsum(reason_p / reason_p.sum(axis=1, keepdims=True), axis=1)
    reasons = np.array(["outcomes_achieved", "disengaged", "moved_away", "consent_withdrawn",
                        "transferred", "other"], dtype=object)
    reason = reasons[np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), len(reasons) - 1)]
    reason = np.where(at_closure, "stepped_up", reason)
    gap = np.where(at_closure, rng.integers(0, 15, n), np.where(up, rng.integers(30, 360, n),
                                                               rng.integers(400, 720, n)))
    people_sex = p["sex"].to_numpy()[pid]
    ward = p["ward"].to_numpy()[pid]
    return pd.DataFrame({
        "episode_id": short_ids("EH", salt, n),
        "child_id": p["child_id"].to_numpy()[pid],
        "family_id": p["family_id"].to_numpy()[pid],
        "start_date": start, "level": level, "initiating_agency": initiating,
        "contributing_agencies": _joined(rng, contrib_names, cp),
        "needs_identified": _joined(rng, list(NEED_P), needs),
        "plan_date": plan, "last_review_date": review,
        "closure_date": closure, "closure_reason": reason,
        "ward_code": WARD_CODES[ward], "locality": LOCALITY_OF_WARD[ward],
        "age": age_on(p["birth"].to_numpy()[pid], start),
        "sex": np.where(rng.random(n) < 0.005, "U", people_sex),
        "imd_decile": p["imd_decile"].to_numpy()[pid],
        # internal, not written: who is referred on and when
        "_pid": pid, "_fy": fy, "_refer": up | late,
        "_referral_date": closure + gap.astype("timedelta64[D]"),
    })


def as_at(e: pd.DataFrame, when: np.datetime64) -> pd.DataFrame:
    """The episodes as the module would have exported them on ``when``: later closures,
    reviews and plans are not yet recorded."""
    out = e.copy()
    for col in ("plan_date", "last_review_date", "closure_date"):
        out[col] = out[col].where(out[col] <= when)
    out["closure_reason"] = out["closure_reason"].where(out["closure_date"].notna(), None)
    return out
