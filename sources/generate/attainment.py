"""Attainment (EYFS, KS2, KS4) and two-year-old funded places.

Attainment is made by rank, not by coin toss: within each year, stage and FSM /
disadvantage group, pupils are ordered by ability (plus noise) and exactly the published
B&NES share reaches the standard, so the gaps (EH03) follow the real authority's figures
while individual results still track deprivation and vulnerability.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import calibration as cal
from .calendar import YEARS, age_on, ay_text
from .geography import WARD_CODES
from .people import Population, choice
from sources import periods

STAGES = (("EYFS", 0), ("KS2", 6), ("KS4", 11))
PROVIDER_P = {"nursery": 0.55, "preschool": 0.22, "childminder": 0.08, "school": 0.15}
A8_SD = 17.0


def _top_share(score: np.ndarray, group: np.ndarray, share: dict[bool, float]) -> np.ndarray:
    """True for the best ``share[g]`` of scores within each group g."""
    out = np.zeros(len(score), dtype=bool)
    for g, s in share.items():
        m = np.flatnonzero(group == g)
        if len(m):
            k = round(s * len(m))
            out[m[np.argsort(-score[m], kind="stable")[:k]]] = True
    return out


def _a8(score: np.ndarray, group: np.ndarray, means: dict[bool, float]) -> np.ndarray:
    out = np.zeros(len(score))
    for g, mean in means.items():
        m = group == g
        if m.sum() > 1:
            z = (score[m] - score[m].mean()) / score[m].std()
            out[m] = mean + A8_SD * z
    return np.round(np.clip(out, 0, 90) * 4) / 4       # Attainment 8 moves in quarter points


def attainment(rng: np.random.Generator, pop: Population, rolls: dict[int, pd.DataFrame]) -> pd.DataFrame:
    p = pop.people
    parts = []
    for y, r in rolls.items():
        fsm_all, dis_all = pop.fsm(y), pop.disadvantaged(y)
        for stage, yg in STAGES:
            if stage != "KS4" and y in cal.NO_PRIMARY_ASSESSMENT:
                continue                       # COVID: no EYFS or KS2 assessment
            pid = r.loc[r["year_group"] == yg, "pid"].to_numpy()
            n = len(pid)
            fsm, dis = fsm_all[pid], dis_all[pid]
            score = p["ability"].to_numpy()[pid] + rng.normal(0, 0.6, n)
            gld = ks2 = np.full(n, None, dtype=object)
            a8 = np.full(n, np.nan)
            if stage == "EYFS":
                gld = _top_share(score, fsm, {True: cal.GLD_FSM[y] / 100, False: cal.GLD_OTHER[y] / 100})
            elif stage == "KS2":
                ks2 = _top_share(score, fsm, {True: cal.KS2_RWM_FSM[y] / 100, False: cal.KS2_RWM_NONFSM[y] / 100})
            else:
                a8 = _a8(score, dis, {True: cal.A8_DISADV[y], False: cal.A8_OTHER[y]})
            parts.append(pd.DataFrame({
                "child_id": p["child_id"].to_numpy()[pid], "academic_year": ay_text(y), "stage": stage,
                "fsm": fsm, "disadvantaged": dis, "gld": gld, "ks2_rwm_expected": ks2, "ks4_attainment8": a8,
                "sex": p["sex"].to_numpy()[pid], "imd_decile": p["imd_decile"].to_numpy()[pid], "_ay": y}))
    return pd.concat(parts, ignore_index=True)


def two_year_funding(rng: np.random.Generator, pop: Population) -> pd.DataFrame:
    """One row per child on the termly eligibility list: the DWP-eligible two-year-olds
    plus a few checked and found not eligible. A child is on the list in the three terms
    after their second birthday; take-up is decided per child and grows over the terms."""
    p = pop.people
    n_all = len(p)
    poverty = p["poverty"].to_numpy()
    eligible = poverty < cal.TWO_YEAR_ELIGIBLE_SHARE
    applied = eligible | ((poverty < cal.TWO_YEAR_ELIGIBLE_SHARE + 0.04) & (rng.random(n_all) < 0.25))
    u = rng.random(n_all)
    imd = p["imd_decile"].to_numpy()
    provider = choice(rng, PROVIDER_P, list(PROVIDER_P.values()), n_all)
    parts = []
    for y in YEARS:
        for term, offset in (("AUT", -0.05), ("SPR", 0.0), ("SUM", 0.04)):
            age = age_on(p["birth"].to_numpy(), np.datetime64(periods.term_start(y, term)))
            idx = np.flatnonzero((age == 2) & applied)
            rate = cal.TWO_YEAR_TAKEUP_PCT[y] / 100 + offset + 0.05 * (imd[idx] >= 5) - 0.04 * (imd[idx] <= 2)
            took = eligible[idx] & (u[idx] < rate)
            parts.append(pd.DataFrame({
                "child_id": p["child_id"].to_numpy()[idx], "term": periods.term_key(y, term),
                "eligible": eligible[idx], "took_up": took,
                "provider_type": np.where(took, provider[idx], "none"), "imd_decile": imd[idx],
                "ward_code": WARD_CODES[p["ward"].to_numpy()[idx]], "_ay": y}))
    return pd.concat(parts, ignore_index=True)
