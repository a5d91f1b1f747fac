"""Youth Offending Service outcomes and the monthly NEET / Youth Connect caseload.

YOS: each year the published number of first-time entrants per 100,000 10-17s
(calibration.FTE_PER_100K) get a first substantive outcome; a calibrated share
re-offend within 12 months of their first outcome, a few more only later (outside the binary
measure), and offences after the 18th birthday leave the youth system.
NEET: every young person of academic age 16-17 known to the careers service, plus the
18-year-olds it still tracks, appears once a month with a persistent activity; the
not-known share spikes each September and is chased down by the December-February
window the DfE measure uses, where NEET and not known match the published rates.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from . import calibration as cal
from .calendar import NEET_MONTHS, YEARS, age_on, ay_of
from .geography import WARD_CODES
from .people import Population, choice, pick, short_ids
from sources import periods

FIRST_OUTCOME_P = {"youth_caution": 0.45, "youth_conditional_caution": 0.25, "referral_order": 0.20,
                   "fine": 0.03, "conditional_discharge": 0.05, "youth_rehabilitation_order": 0.02}
LATER_OUTCOME_P = {"referral_order": 0.30, "youth_rehabilitation_order": 0.25, "youth_conditional_caution": 0.15,
                   "custody": 0.05, "fine": 0.10, "conditional_discharge": 0.10, "absolute_discharge": 0.02,
                   "youth_caution": 0.03}
# Month-of-year multipliers (Sep..Aug); Dec-Feb = 1 so the DfE window hits the published rate.
NK_SEASON = {9: 5.0, 10: 2.5, 11: 1.3, 12: 1.0, 1: 1.0, 2: 1.0, 3: 1.05, 4: 1.1, 5: 1.15, 6: 1.2, 7: 1.3, 8: 1.6}
NEET_SEASON = {9: 0.7, 10: 0.85, 11: 0.95, 12: 1.0, 1: 1.0, 2: 1.0, 3: 1.05, 4: 1.08, 5: 1.1, 6: 1.12,
               7: 1.15, 8: 1.2}
EET_16_P = {"110": 0.34, "120": 0.15, "130": 0.30, "150": 0.01, "170": 0.01, "210": 0.07, "220": 0.01,
            "230": 0.03, "240": 0.01, "250": 0.005, "260": 0.01, "310": 0.01, "320": 0.005, "340": 0.01,
            "180": 0.02, "330": 0.01}
EET_18_P = {"140": 0.30, "130": 0.20, "210": 0.15, "230": 0.20, "260": 0.05, "110": 0.05, "250": 0.05}
NEET_P = {"540": 0.55, "530": 0.08, "550": 0.07, "350": 0.06, "620": 0.12, "610": 0.03, "630": 0.02,
          "650": 0.02, "660": 0.05}


def yos_outcomes(rng: np.random.Generator, pop: Population, salt: str) -> pd.DataFrame:
    p = pop.people
    birth = p["birth"].to_numpy()
    offended = np.zeros(len(p), dtype=bool)
    parts = []
    for y in YEARS:
        mid = age_on(birth, np.datetime64(f"{y}-06-30"))
        n_fte = round(cal.FTE_PER_100K[y] * ((mid >= 10) & (mid <= 17)).sum() / 1e5)
        jan = np.datetime64(periods.year_start("calendar_year", y))
        age_jan = age_on(birth, jan)
        cand = np.flatnonzero((age_jan >= 10) & (age_jan <= 16) & ~offended)
        w = np.exp(1.3 * p["vuln"].to_numpy()[cand]) * np.where(p["sex"].to_numpy()[cand] == "M", 3.0, 1.0)
        fte = pick(rng, cand, w, n_fte)
        offended[fte] = True
        outcome = jan + rng.integers(0, 365, len(fte)).astype("timedelta64[D]")
        offence = outcome - rng.integers(14, 120, len(fte)).astype("timedelta64[D]")
        parts.append(pd.DataFrame({"pid": fte, "offence_date": offence, "outcome_date": outcome,
                                   "outcome_type": choice(rng, FIRST_OUTCOME_P, list(FIRST_OUTCOME_P.values()),
                                                          len(fte))}))
        # Re-offending: binary within 12 months of the first outcome, or (a few) only later.
        u = rng.random(len(fte))
        again = u < cal.REOFFEND_SHARE[y]
        later = ~again & (u < cal.REOFFEND_SHARE[y] + 0.06)
        who = np.flatnonzero(again | later)
        if len(who) == 0:
            continue
        k = 1 + rng.poisson(1.6, len(who))
        rows = np.repeat(who, k)
        gaps = rng.integers(20, 200, len(rows))
        first_row = np.r_[0, np.cumsum(k)[:-1]]
        gaps[first_row] = np.where(again[who], rng.integers(14, 365, len(who)), rng.integers(380, 700, len(who)))
        cum = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first_row] - gaps[first_row], k)
        # MoJ method: the 12-month follow-up starts at the caution or conviction (the index date).
        off2 = outcome[rows] + cum.astype("timedelta64[D]")
        parts.append(pd.DataFrame({"pid": fte[rows], "offence_date": off2,
                                   "outcome_date": off2 + rng.integers(14, 150, len(rows)).astype("timedelta64[D]"),
                                   "outcome_type": choice(rng, LATER_OUTCOME_P, list(LATER_OUTCOME_P.values()),
                                                          len(rows))}))
    o = pd.concat(parts, ignore_index=True)
    o["age_at_offence"] = age_on(birth[o["pid"].to_numpy()], o["offence_date"].to_numpy())
    o = o[(o["age_at_offence"].between(10, 17)) & (o["outcome_date"] <= np.datetime64(periods.year_end("calendar_year", YEARS[-1])))]
    o = o.sort_values(["outcome_date", "pid"], kind="stable", ignore_index=True)
    pid = o["pid"].to_numpy()
    return pd.DataFrame({
        "outcome_id": short_ids("YOS", salt, len(o)), "child_id": p["child_id"].to_numpy()[pid],
        "offence_date": o["offence_date"].to_numpy(), "outcome_date": o["outcome_date"].to_numpy(),
        "outcome_type": o["outcome_type"].to_numpy(), "age_at_offence": o["age_at_offence"].to_numpy(),
        "sex": p["sex"].to_numpy()[pid], "ward_code": WARD_CODES[p["ward"].to_numpy()[pid]],
        "_year": pd.DatetimeIndex(o["outcome_date"]).year.to_numpy(), "_pid": pid})


def _calibrated(mult: np.ndarray, in_measure: np.ndarray, p: float) -> np.ndarray:
    """Rescale individual NEET risk multipliers so the expected NEET share of the measured
    cohort is exactly ``p``. A plain mean-of-1 scaling falls short because the riskiest
    young people are capped at certainty; bisection on the scale factor fixes that."""
    lo, hi = 0.0, 50.0 / max(mult[in_measure].mean(), 1e-9)
    for _ in range(40):
        mid = (lo + hi) / 2
        if np.minimum(1.0, p * mid * mult[in_measure]).mean() < p:
            lo = mid
        else:
            hi = mid
    return mult * (lo + hi) / 2


def neet(rng: np.random.Generator, pop: Population, yos: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (month 'YYYY-MM', rows) one month at a time, so ten years of a large area's
    caseload never sit in memory at once."""
    p = pop.people
    n_all = len(p)
    vuln = p["vuln"].to_numpy()
    track18 = rng.random(n_all) < 0.08 + 0.25 * (vuln > 1)
    young_parent = rng.random(n_all) < np.where(p["sex"].to_numpy() == "F", 0.012, 0.003) * (1 + (vuln > 0.5))
    first_yos = yos.groupby("_pid")["outcome_date"].min()
    yj_since = np.full(n_all, np.datetime64("NaT"), dtype="datetime64[ns]")
    yj_since[first_yos.index.to_numpy()] = first_yos.to_numpy()
    months = pd.DataFrame({"period": NEET_MONTHS})
    months["ay"] = ay_of(NEET_MONTHS.to_timestamp())
    for ay, ms in months.groupby("ay", sort=True):
        aage = ay - p["cohort"].to_numpy()
        idx = np.flatnonzero(p["nccis"].to_numpy() & (((aage >= 16) & (aage <= 17)) | ((aage == 18) & track18)))
        n = len(idx)
        age = aage[idx]
        send = p["ehcp"].to_numpy()[idx]
        care = p["looked_after"].to_numpy()[idx]
        yp = young_parent[idx] & (age >= 17)
        mult = np.exp(0.8 * vuln[idx]) * (1 + 2.5 * send + 3 * care + 4 * yp) * np.where(age == 18, 1.8, 1.0)
        mult = _calibrated(mult, age <= 17, cal.NEET_PCT[ay] / 100)
        r_neet, r_nk = rng.random(n) / mult, rng.random(n)
        eet = np.where(age == 18, choice(rng, EET_18_P, list(EET_18_P.values()), n),
                       choice(rng, EET_16_P, list(EET_16_P.values()), n))
        neet_code = np.where(yp, "615", choice(rng, NEET_P, list(NEET_P.values()), n))
        nk_code = np.where(rng.random(n) < 0.9, "810", "820")
        moved = rng.random(n) < 0.004
        for period in ms["period"]:
            start = np.datetime64(period.start_time.date())
            yj = ~np.isnat(yj_since[idx]) & (yj_since[idx] <= start)
            noise = np.exp(rng.normal(0, 0.2, n))
            is_neet = r_neet * noise < cal.NEET_PCT[ay] / 100 * NEET_SEASON[period.month]
            is_nk = ~is_neet & (r_nk * noise < cal.NOT_KNOWN_PCT[ay] / 100 * NK_SEASON[period.month])
            code = np.where(is_neet, neet_code, np.where(is_nk, nk_code, eet))
            code = np.where(moved, "910", np.where(yj & (r_nk < 0.03), "710", code))
            yield periods.month_key(period.year, period.month), pd.DataFrame({
                "extract_month": np.full(n, start), "child_id": p["child_id"].to_numpy()[idx],
                "academic_age": age, "activity_code": code, "send": send, "care_leaver": care,
                "young_parent": yp, "youth_justice": yj, "ward_code": WARD_CODES[p["ward"].to_numpy()[idx]],
                "sex": p["sex"].to_numpy()[idx]})
