"""Social care referrals (with the Early Help step-ups), family feedback and audits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import calibration as cal
from .calendar import AS_AT, YEARS, age_on, fy_of, fy_start, random_days
from .people import Population, choice, pick, short_ids

FIRST_DAY, LAST_DAY = fy_start(YEARS[0]), fy_start(YEARS[-1] + 1) - np.timedelta64(1, "D")
SOURCE_P = {"police": 0.28, "school": 0.20, "health": 0.14, "la_services": 0.10, "early_help": 0.06,
            "individual": 0.11, "anonymous": 0.03, "other": 0.08}
# Outcome mix of referrals not stepped up from Early Help (DfE C1: ~30% not in need, NFA rare).
OUTCOME_P = {"nfa": 0.03, "assessment_no_plan": 0.33, "cin_plan": 0.45, "cp_plan": 0.13,
             "looked_after": 0.06}
OUTCOME_DAYS = {"nfa": (0, 4), "assessment_no_plan": (15, 46), "cin_plan": (20, 46),
                "cp_plan": (15, 61), "looked_after": (0, 31)}


def referrals(rng: np.random.Generator, pop: Population, eh: pd.DataFrame, scale: float,
              salt: str) -> pd.DataFrame:
    p = pop.people
    ups = eh[eh["_refer"] & (eh["_referral_date"] <= LAST_DAY)]
    step = pd.DataFrame({"pid": ups["_pid"].to_numpy(), "referral_date": ups["_referral_date"].to_numpy(),
                         "referral_source": "early_help",
                         "outcome": choice(rng, ["cin_plan", "cp_plan", "looked_after"], [0.62, 0.28, 0.10],
                                           len(ups))})
    step_fy = fy_of(step["referral_date"].to_numpy())
    parts = [step]
    for y in YEARS:
        n = round(cal.REFERRALS[y] * scale) - int((step_fy == y).sum())
        age0 = age_on(p["birth"].to_numpy(), fy_start(y))
        cand = np.flatnonzero((age0 >= 0) & (age0 <= 16))
        first = pick(rng, cand, np.exp(1.0 * p["vuln"].to_numpy()[cand]), round(n * 0.87))
        dates = random_days(rng, fy_start(y), 365, len(first))
        # ~15% are re-referrals of a child referred earlier in the year (DfE C1: 13-20%).
        again = rng.choice(len(first), n - len(first))
        re_dates = dates[again] + rng.integers(20, 200, len(again)).astype("timedelta64[D]")
        pids = np.concatenate([first, first[again]])
        when = np.concatenate([dates, re_dates])
        keep = when < fy_start(y + 1)
        parts.append(pd.DataFrame({
            "pid": pids[keep], "referral_date": when[keep],
            "referral_source": choice(rng, SOURCE_P, list(SOURCE_P.values()), int(keep.sum())),
            "outcome": choice(rng, OUTCOME_P, list(OUTCOME_P.values()), int(keep.sum()))}))
    r = pd.concat(parts, ignore_index=True).sort_values(["referral_date", "pid"], ignore_index=True)
    r = r[(r["referral_date"] >= FIRST_DAY) & (r["referral_date"] <= LAST_DAY)].reset_index(drop=True)
    n = len(r)
    lo = np.array([OUTCOME_DAYS[o][0] for o in r["outcome"]])
    hi = np.array([OUTCOME_DAYS[o][1] for o in r["outcome"]])
    outcome_date = r["referral_date"].to_numpy().astype("datetime64[D]") + \
        (lo + (rng.random(n) * (hi - lo)).astype(int)).astype("timedelta64[D]")
    pending = rng.random(n) < 0.005         # outcome not yet recorded on the system
    outcome = np.where(pending, None, r["outcome"].to_numpy())
    outcome_date = np.where(pending, np.datetime64("NaT"), outcome_date)
    looked_after = r.loc[r["outcome"] == "looked_after", "pid"].to_numpy()
    p.loc[looked_after, "looked_after"] = True
    return pd.DataFrame({
        "referral_id": short_ids("REF", salt, n),
        "child_id": p["child_id"].to_numpy()[r["pid"].to_numpy()],
        "referral_date": r["referral_date"].to_numpy(), "referral_source": r["referral_source"].to_numpy(),
        "outcome": outcome, "outcome_date": outcome_date,
        "_fy": fy_of(r["referral_date"].to_numpy()),
    })


def _likert(rng: np.random.Generator, agree: np.ndarray) -> np.ndarray:
    """1-5 answers where P(4 or 5) = ``agree``; disagreement spread over 1-3."""
    n = len(agree)
    pos = np.where(rng.random(n) < 0.55, 5, 4)
    neg = choice(rng, [1, 2, 3], [0.15, 0.30, 0.55], n).astype(int)
    return np.where(rng.random(n) < agree, pos, neg)


def _delivered(eh: pd.DataFrame) -> pd.DataFrame:
    """Episodes that appear in a delivered file (not the burn-in year): feedback and audits
    must reference an episode_id the warehouse knows."""
    return eh[eh["_fy"] >= YEARS[0]]


def family_feedback(rng: np.random.Generator, eh: pd.DataFrame, scale: float, salt: str) -> pd.DataFrame:
    eh = _delivered(eh)
    closed = eh[eh["closure_date"] <= AS_AT]
    share = cal.FAMILY_FEEDBACK * scale * len(YEARS) / max(len(closed), 1)
    f = closed[rng.random(len(closed)) < share]
    n = len(f)
    date = f["closure_date"].to_numpy().astype("datetime64[D]") + rng.integers(0, 29, n).astype("timedelta64[D]")
    keep = (date >= FIRST_DAY) & (date <= LAST_DAY)
    f, date, n = f[keep], date[keep], int(keep.sum())
    age = f["age"].to_numpy()
    u = rng.random(n)
    respondent = np.where(age < 8, "parent", np.where(age < 13, np.where(u < 0.4, "child", "parent"),
                                                      np.where(u < 0.5, "young_person", "parent")))
    shift = (fy_of(date) - 2016) / 9
    good = (f["closure_reason"].to_numpy() == "outcomes_achieved").astype(float)
    bad = np.isin(f["closure_reason"].to_numpy(), ["disengaged", "stepped_up"]).astype(float)
    helpful = _likert(rng, 0.74 + 0.08 * shift + 0.08 * good - 0.2 * bad).astype(float)
    wellbeing = _likert(rng, 0.56 + 0.12 * shift + 0.1 * good - 0.2 * bad).astype(float)
    helpful[rng.random(n) < 0.03] = np.nan
    wellbeing[rng.random(n) < 0.07] = np.nan
    order = np.argsort(date, kind="stable")
    return pd.DataFrame({
        "response_id": short_ids("FB", salt, n), "episode_id": f["episode_id"].to_numpy()[order],
        "respondent": respondent[order], "response_date": date[order],
        "support_helpful": helpful[order], "better_supported_wellbeing": wellbeing[order],
        "_fy": fy_of(date[order]),
    })


RATINGS = np.array(["outstanding", "good", "requires_improvement", "inadequate"], dtype=object)


def audits(rng: np.random.Generator, eh: pd.DataFrame, scale: float, salt: str) -> pd.DataFrame:
    eh = _delivered(eh)
    a = eh[rng.random(len(eh)) < cal.AUDITS * scale / cal.EARLY_HELP_EPISODES]
    n = len(a)
    date = a["start_date"].to_numpy().astype("datetime64[D]") + rng.integers(40, 160, n).astype("timedelta64[D]")
    keep = (date >= FIRST_DAY) & (date <= LAST_DAY)
    a, date, n = a[keep], date[keep], int(keep.sum())
    shift = (fy_of(date) - 2016) / 9
    # Quality improves: good or outstanding from ~55% to ~78% of audits (EH12).
    u = rng.random(n)
    good_plus = 0.55 + 0.23 * shift
    overall = np.where(u < good_plus * 0.16, 0, np.where(u < good_plus, 1, np.where(u < good_plus + (1 - good_plus) * 0.75, 2, 3)))

    def domain(bias: float) -> np.ndarray:
        step = choice(rng, [-1, 0, 1], [0.18, 0.62, 0.20 + bias], n).astype(int)
        return RATINGS[np.clip(overall + step, 0, 3)]

    order = np.argsort(date, kind="stable")
    cols = {"audit_id": short_ids("AUD", salt, n), "episode_id": a["episode_id"].to_numpy()[order],
            "audit_date": date[order], "overall_rating": RATINGS[overall][order]}
    for name, bias in (("assessment_rating", 0.0), ("plan_rating", 0.03), ("review_rating", 0.06),
                       ("voice_of_child_rating", 0.1)):
        cols[name] = domain(bias)[order]
    cols["information_sharing_evidenced"] = (rng.random(n) < 0.55 + 0.15 * shift + 0.15 * (overall <= 1))[order]
    cols["_fy"] = fy_of(date[order])
    return pd.DataFrame(cols)
