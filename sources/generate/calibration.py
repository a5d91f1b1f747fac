"""Calibration figures, baked in so the generator never needs the published files.

Keys are the *starting* year of the period the demo writes (financial year 2016 =
2016-17, academic year 2016 = 2016/17, calendar year = itself). Where a published value
exists for Bath & North East Somerset (DfE old LA code 800) it is copied here with its
source; gaps (COVID years, years not yet published, obviously faulty published values)
are filled by interpolation or a gentle continuation of the trend and marked "est.".
"""

from __future__ import annotations

# ONS mid-year estimates, B&NES children aged 0-17
# (ons_mid-year_population_estimates_2012_to_2024.csv): 34,982 in 2016, 35,608 in 2020,
# 36,601 in 2024. Birth cohorts are sized so the synthetic 0-17 total follows this line.
ONS_0_17 = {2016: 34982, 2017: 35178, 2018: 35423, 2019: 35669, 2020: 35608,
            2021: 35713, 2022: 36209, 2023: 36554, 2024: 36601}
COHORT_SIZE_2008 = 1949      # children per birth year in 2008, fitted to ONS_0_17
COHORT_GROWTH = 11           # extra children per birth year per year (ONS trend +198/yr)

# DfE LAIT `16-17 NEET` and `16-17_not known` (%, Dec-Feb average). LAIT year 2023 is
# the 2022/23 academic year, keyed here as 2022. 2015-2016 and 2025-2026 est.
NEET_PCT = {2015: 3.0, 2016: 2.9, 2017: 2.66, 2018: 2.5, 2019: 2.3, 2020: 2.2, 2021: 1.6,
            2022: 1.5, 2023: 2.1, 2024: 2.3, 2025: 2.2, 2026: 2.1}
NOT_KNOWN_PCT = {2015: 2.4, 2016: 2.5, 2017: 2.73, 2018: 4.65, 2019: 4.62, 2020: 5.9,
                 2021: 4.2, 2022: 5.44, 2023: 2.75, 2024: 2.35, 2025: 2.5, 2026: 2.5}
NCCIS_COHORT_SHARE = 0.87    # published 2023 cohort 3,435 of ~3,950 16-17s: the rest attend
                             # independent schools outside the authority's tracking

# LAIT `%_2yr_olds` (take-up of funded places by eligible two-year-olds, January).
# 2018's published 130.1 is a data fault and is replaced by an estimate; 2016, 2025 est.
TWO_YEAR_TAKEUP_PCT = {2016: 70.0, 2017: 72.0, 2018: 74.2, 2019: 84.0, 2020: 69.4,
                       2021: 80.7, 2022: 77.0, 2023: 89.0, 2024: 79.2, 2025: 80.0}

# LAIT KS2 reading, writing and maths expected standard, FSM and non-FSM (%).
# No assessments in 2019/20 and 2020/21 (COVID): those years are absent, as in reality.
KS2_RWM_FSM = {2016: 36, 2017: 40, 2018: 41, 2021: 32, 2022: 29, 2023: 33, 2024: 36, 2025: 37}
KS2_RWM_NONFSM = {2016: 66, 2017: 69, 2018: 71, 2021: 67, 2022: 66, 2023: 67, 2024: 70, 2025: 70}
# LAIT `FSP_Gooddev_FSM` / `FSP_Gooddev_FSM_Other` (EYFS good level of development, %).
GLD_FSM = {2016: 47, 2017: 48, 2018: 46, 2021: 47.3, 2022: 36.4, 2023: 44.6, 2024: 38.2, 2025: 40}
GLD_OTHER = {2016: 75, 2017: 76, 2018: 78, 2021: 75.1, 2022: 75.8, 2023: 76.8, 2024: 77.1, 2025: 77.5}
NO_PRIMARY_ASSESSMENT = (2019, 2020)
# LAIT `DAP_KS4_ATT8` / `NonDAP_KS4_ATT8` (mean Attainment 8). 2025/26 est.
A8_DISADV = {2016: 36.4, 2017: 33.8, 2018: 33.7, 2019: 40.0, 2020: 41.7, 2021: 37.1,
             2022: 35.1, 2023: 34.4, 2024: 32.5, 2025: 33.0}
A8_OTHER = {2016: 49.8, 2017: 51.9, 2018: 52.1, 2019: 55.8, 2020: 58.1, 2021: 55.9,
            2022: 52.9, 2023: 52.9, 2024: 51.7, 2025: 52.0}

# LAIT `TotFixedEx` (suspensions per 100 pupils), `Total_ Pup_FixedEx` (% of pupils with
# one or more), `TotPermEx` (permanent exclusions per 100 pupils). 2024/25-2025/26 est.
SUSPENSIONS_PER_100 = {2016: 5.61, 2017: 6.28, 2018: 6.51, 2019: 4.41, 2020: 6.94,
                       2021: 8.22, 2022: 9.28, 2023: 13.03, 2024: 13.4, 2025: 13.1}
PUPILS_SUSPENDED_PCT = {2016: 2.62, 2017: 2.83, 2018: 2.89, 2019: 2.17, 2020: 2.95,
                        2021: 3.30, 2022: 3.88, 2023: 4.47, 2024: 4.6, 2025: 4.5}
PERMANENT_PER_100 = {2016: 0.097, 2017: 0.115, 2018: 0.111, 2019: 0.081, 2020: 0.058,
                     2021: 0.047, 2022: 0.142, 2023: 0.102, 2024: 0.09, 2025: 0.085}

# LAIT `FirstYJS`: first-time entrants aged 10-17 per 100,000 10-17s. 2021 (not
# published) interpolated; 2025 est.
FTE_PER_100K = {2016: 361, 2017: 286, 2018: 227, 2019: 115, 2020: 83, 2021: 78,
                2022: 72, 2023: 81, 2024: 89, 2025: 86}
# LAIT `ReoffYO` (43.5, 50, 40.9, 44.4 for 2016-2019) and the strategy's 34% (sources.md):
# share of a year's first-time entrants who re-offend within 12 months, easing to ~33%.
REOFFEND_SHARE = {2016: 0.43, 2017: 0.45, 2018: 0.41, 2019: 0.40, 2020: 0.37, 2021: 0.36,
                  2022: 0.35, 2023: 0.34, 2024: 0.33, 2025: 0.33}

# DfE children in need census table C1 (referrals, year ending 31 March), financial year
# 2016 = published 2017. 2025-26 est.
REFERRALS = {2016: 1156, 2017: 1264, 2018: 1006, 2019: 931, 2020: 860, 2021: 885,
             2022: 1070, 2023: 821, 2024: 920, 2025: 950}

# B&NES free school meals eligibility roughly doubled over the decade, as nationally
# (school census; est. from the published England trend at about 60% of its level).
FSM_RATE = {2010: 0.085, 2016: 0.085, 2017: 0.083, 2018: 0.088, 2019: 0.10, 2020: 0.118,
            2021: 0.128, 2022: 0.136, 2023: 0.142, 2024: 0.148, 2025: 0.152}

# Local volumes with no published equivalent (sources.md, B&NES scale per year).
EARLY_HELP_EPISODES = 1800
FAMILY_FEEDBACK = 1000
PRACTITIONER_RESPONSES = 300
CME_CASES = 300
PARENTING_PARTICIPANTS = 400
ADULT_REFERRALS_2016, ADULT_REFERRALS_2025 = 220, 340   # rising: EH10 is "higher is better"
AUDITS = 150
BEHAVIOUR_PANEL_REFERRALS = 180
SHEU_RESPONDENTS = 4000
SHEU_YEARS = (2017, 2019, 2021, 2023, 2025)             # biennial survey
TWO_YEAR_ELIGIBLE_SHARE = 0.15                         # of two-year-olds, per term


def trend(start: float, end: float, year: int) -> float:
    """Linear drift from ``start`` in 2016 to ``end`` in 2025: a gentle curve to turn."""
    return start + (end - start) * (year - 2016) / 9
