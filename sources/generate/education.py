"""School extracts: census headcounts, suspensions and permanent exclusions, behaviour
panels and children missing education, all drawn from the same pupils.

Exclusions are made for pupils on the census roll that year, so rates per 100 pupils
computed against ``pupil_population`` land on the published B&NES rates
(calibration.SUSPENSIONS_PER_100, PERMANENT_PER_100, PUPILS_SUSPENDED_PCT).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import calibration as cal
from .calendar import AS_AT, YEARS, age_on, ay_start, ay_text, random_days, to_weekday
from .geography import WARD_CODES
from .people import Population, choice, pick, short_ids

SUSPENSION_REASON_P = {"PD": 0.33, "VA": 0.16, "PA": 0.13, "VP": 0.09, "PP": 0.10, "DA": 0.04, "DM": 0.03,
                       "BU": 0.02, "RA": 0.01, "LG": 0.005, "DS": 0.002, "TH": 0.01, "SM": 0.01, "MT": 0.02,
                       "WP": 0.02, "OT": 0.023}
PERMANENT_REASON_P = {"PA": 0.25, "PD": 0.30, "WP": 0.10, "DA": 0.10, "PP": 0.15, "VA": 0.10}
SESSIONS_P = {0.5: 0.02, 1: 0.18, 2: 0.30, 3: 0.15, 4: 0.12, 5: 0.08, 6: 0.07, 8: 0.05, 10: 0.03}
CME_REASON_P = {"not_started": 0.12, "moved_in": 0.25, "removed_from_roll": 0.30, "left_uk_unconfirmed": 0.13,
                "ehe_unsuitable": 0.08, "other": 0.12}
CME_OUTCOME_P = {"back_in_school": 0.55, "moved_away": 0.18, "ehe": 0.12, "left_country": 0.08,
                 "alternative_provision": 0.04, "other": 0.03}
PANEL_OUTCOME_P = {"alternative_provision": 0.2, "managed_move": 0.2, "in_school_support": 0.45, "no_action": 0.15}


def roll(pop: Population, y: int, rng: np.random.Generator) -> pd.DataFrame:
    """The January census of academic year ``y``: one row per pupil with phase and school."""
    p = pop.people
    idx = pop.pupils(y)
    yg = pop.year_group(y)[idx]
    vuln = p["vuln"].to_numpy()[idx]
    phase = np.where(yg <= 6, "primary", "secondary").astype(object)
    ap = (yg >= 7) & (vuln > 2) & (rng.random(len(idx)) < 0.15)
    phase = np.where(p["special"].to_numpy()[idx], "special", np.where(ap, "alternative_provision", phase))
    school = np.select([phase == "primary", phase == "secondary", phase == "special"],
                       [p["primary_school"].to_numpy()[idx], p["secondary_school"].to_numpy()[idx],
                        p["special_school"].to_numpy()[idx]], p["alternative_provision_school"].to_numpy()[idx])
    return pd.DataFrame({"pid": idx, "year_group": yg, "phase": phase, "school_id": school,
                         "fsm": pop.fsm(y)[idx], "sen": p["sen"].to_numpy()[idx], "vuln": vuln})


def pupil_population(rolls: dict[int, pd.DataFrame]) -> pd.DataFrame:
    parts = []
    for y, r in rolls.items():
        g = r.groupby(["phase", "year_group", "fsm", "sen"], sort=True).size().reset_index(name="headcount")
        g.insert(0, "academic_year", ay_text(y))
        g["_ay"] = y
        parts.append(g)
    out = pd.concat(parts, ignore_index=True).rename(columns={"sen": "sen_primary_need"})
    out["sen_primary_need"] = out["sen_primary_need"].replace("", None)
    return out


def _school_days(rng: np.random.Generator, y: int, n: int) -> np.ndarray:
    # 2019/20: schools closed from 23 March 2020, so almost nothing after it.
    span = 200 if y == 2019 else 320
    return to_weekday(random_days(rng, ay_start(y) + np.timedelta64(3, "D"), span, n))


def exclusions(rng: np.random.Generator, pop: Population, rolls: dict[int, pd.DataFrame], salt: str) -> pd.DataFrame:
    parts = []
    for y, r in rolls.items():
        n = len(r)
        w = np.exp(1.1 * r["vuln"].to_numpy()) * np.where(r["phase"] == "primary", 0.25, 1.0) \
            * np.where(r["sen"] == "SEMH", 3.0, 1.0) * np.where(r["fsm"], 2.0, 1.0)
        k = round(cal.PUPILS_SUSPENDED_PCT[y] / 100 * n)
        total = round(cal.SUSPENSIONS_PER_100[y] / 100 * n)
        chosen = pick(rng, np.arange(n), w, k)
        lam = w[chosen] / w[chosen].sum() * max(total - k, 0)
        repeats = 1 + rng.poisson(lam)
        rows = np.repeat(chosen, repeats)
        perm = pick(rng, chosen, w[chosen], round(cal.PERMANENT_PER_100[y] / 100 * n))
        cat = np.concatenate([np.full(len(rows), "suspension", dtype=object), np.full(len(perm), "permanent", dtype=object)])
        rows = np.concatenate([rows, perm])
        m = len(rows)
        susp = cat == "suspension"
        reason = np.where(susp, choice(rng, SUSPENSION_REASON_P, list(SUSPENSION_REASON_P.values()), m),
                          choice(rng, PERMANENT_REASON_P, list(PERMANENT_REASON_P.values()), m))
        sessions = np.where(susp, choice(rng, SESSIONS_P, list(SESSIONS_P.values()), m).astype(float),
                            rng.integers(2, 11, m).astype(float))
        sel = r.iloc[rows]
        parts.append(pd.DataFrame({
            "pid": sel["pid"].to_numpy(), "school_id": sel["school_id"].to_numpy(), "phase": sel["phase"].to_numpy(),
            "academic_year": ay_text(y), "start_date": _school_days(rng, y, m), "category": cat,
            "sessions": sessions, "reason_code": reason, "sen_primary_need": sel["sen"].replace("", None).to_numpy(),
            "fsm": sel["fsm"].to_numpy(), "year_group": sel["year_group"].to_numpy(), "_ay": y}))
    e = pd.concat(parts, ignore_index=True).sort_values(["start_date", "pid"], kind="stable", ignore_index=True)
    e.insert(0, "exclusion_id", short_ids("EX", salt, len(e)))
    e.insert(1, "child_id", pop.people["child_id"].to_numpy()[e.pop("pid").to_numpy()])
    return e


def behaviour_panels(rng: np.random.Generator, pop: Population, excl: pd.DataFrame, rolls: dict,
                     scale: float, salt: str) -> pd.DataFrame:
    """Panel referrals are made for pupils with repeated suspensions that year."""
    parts = []
    for y in rolls:
        e = excl[excl["_ay"] == y]
        counts = e.groupby("child_id").agg(n=("exclusion_id", "size"), phase=("phase", "first"))
        cand = counts[counts["n"] >= 2]
        chosen = pick(rng, np.arange(len(cand)), cand["n"].to_numpy().astype(float),
                      round(cal.BEHAVIOUR_PANEL_REFERRALS * scale * cal.trend(0.9, 1.15, y) * rng.normal(1, 0.06)))
        m = len(chosen)
        outcome = choice(rng, PANEL_OUTCOME_P, list(PANEL_OUTCOME_P.values()), m)
        outcome = np.where(rng.random(m) < 0.03, None, outcome)      # decision not yet recorded
        parts.append(pd.DataFrame({"child_id": cand.index.to_numpy()[chosen],
                                   "referral_date": _school_days(rng, y, m),
                                   "panel": choice(rng, ["behaviour_attendance", "fair_access"], [0.7, 0.3], m),
                                   "outcome": outcome, "phase": cand["phase"].to_numpy()[chosen], "_ay": y}))
    b = pd.concat(parts, ignore_index=True).sort_values(["referral_date", "child_id"], kind="stable", ignore_index=True)
    b.insert(0, "referral_id", short_ids("BP", salt, len(b)))
    return b


def cme(rng: np.random.Generator, pop: Population, scale: float, salt: str) -> pd.DataFrame:
    p = pop.people
    parts = []
    for y in YEARS:
        n = round(cal.CME_CASES * scale * cal.trend(0.85, 1.2, y) * rng.normal(1, 0.05))
        age0 = age_on(p["birth"].to_numpy(), ay_start(y))
        cand = np.flatnonzero((age0 >= 5) & (age0 <= 15))
        chosen = pick(rng, cand, np.exp(0.7 * p["vuln"].to_numpy()[cand]), n)
        parts.append(pd.DataFrame({"pid": chosen, "referral_date": random_days(rng, ay_start(y), 365, len(chosen)),
                                   "_ay": y}))
    c = pd.concat(parts, ignore_index=True).sort_values(["referral_date", "pid"], kind="stable", ignore_index=True)
    n = len(c)
    pid = c["pid"].to_numpy()
    ref = c["referral_date"].to_numpy().astype("datetime64[D]")
    days = np.rint(np.exp(rng.normal(3.6, 0.8, n))).astype(int) + 1
    days = np.where(rng.random(n) < 0.04, 2000, days)            # a few cases stay open for years
    resolved = ref + days.astype("timedelta64[D]")
    is_resolved = resolved <= AS_AT
    outcome = np.where(is_resolved, choice(rng, CME_OUTCOME_P, list(CME_OUTCOME_P.values()), n), None)
    return pd.DataFrame({
        "case_id": short_ids("CME", salt, n), "child_id": p["child_id"].to_numpy()[pid], "referral_date": ref,
        "reason": choice(rng, CME_REASON_P, list(CME_REASON_P.values()), n),
        "resolved_date": np.where(is_resolved, resolved, np.datetime64("NaT")), "outcome": outcome,
        "age": age_on(p["birth"].to_numpy()[pid], ref), "ward_code": WARD_CODES[p["ward"].to_numpy()[pid]],
        "_ay": c["_ay"].to_numpy()})
