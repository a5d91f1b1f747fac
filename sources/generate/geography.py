"""B&NES-like geography: real ward names mapped to the partnership's five localities.

Ward codes follow the ONS pattern (``E05`` + six digits) in one contiguous block; they
are illustrative and were not checked against the ONS register, so nothing downstream
should treat them as the official codes. ``child_share`` is each ward's share of the
authority's children; ``deprivation`` is a latent shift (higher = more deprived) chosen
so that child poverty runs from about 1% (Saltford) to about a third (Twerton), the
spread quoted in the strategy's needs assessment (sources.md); ``imd_mean`` is the
typical IMD 2019 decile of the ward's LSOAs (1 = most deprived).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#            name                          locality        share  depriv  imd_mean
_WARDS = [
    ("Twerton",                     "bath_city",    0.070,  1.60, 2.0),
    ("Southdown",                   "bath_city",    0.060,  1.10, 3.0),
    ("Kingsmead",                   "bath_city",    0.035,  0.40, 5.0),
    ("Westmoreland",                "bath_city",    0.050,  0.70, 4.0),
    ("Odd Down",                    "bath_city",    0.055,  0.60, 4.5),
    ("Combe Down",                  "bath_city",    0.045, -0.60, 8.5),
    ("Widcombe & Lyncombe",         "bath_city",    0.050, -0.50, 8.0),
    ("Lansdown",                    "bath_city",    0.040, -0.90, 9.0),
    ("Weston",                      "bath_city",    0.050, -0.40, 7.5),
    ("Walcot",                      "bath_city",    0.035,  0.00, 6.5),
    ("Keynsham North",              "keynsham",     0.055,  0.10, 6.5),
    ("Keynsham South",              "keynsham",     0.055,  0.30, 5.5),
    ("Saltford",                    "keynsham",     0.040, -1.40, 9.5),
    ("Radstock",                    "somer_valley", 0.055,  0.90, 3.5),
    ("Westfield",                   "somer_valley", 0.050,  0.80, 4.0),
    ("Midsomer Norton Redfield",    "somer_valley", 0.055,  0.50, 4.5),
    ("Paulton",                     "somer_valley", 0.050,  0.30, 5.5),
    ("Peasedown",                   "somer_valley", 0.050,  0.20, 6.0),
    ("Chew Valley",                 "chew_valley",  0.050, -0.90, 8.5),
    ("High Littleton",              "chew_valley",  0.035, -0.40, 7.0),
    ("Bathavon North",              "bathavon",     0.035, -1.00, 9.0),
    ("Bathavon South",              "bathavon",     0.025, -0.90, 8.5),
]

WARDS = pd.DataFrame(_WARDS, columns=["ward_name", "locality", "child_share", "deprivation", "imd_mean"])
WARDS["ward_code"] = [f"E05{12424 + i:06d}" for i in range(len(WARDS))]
WARDS["child_share"] = WARDS["child_share"] / WARDS["child_share"].sum()

WARD_CODES = WARDS["ward_code"].to_numpy(dtype=object)
LOCALITY_OF_WARD = WARDS["locality"].to_numpy(dtype=object)


def assign_wards(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ward index of n children, in proportion to each ward's child population."""
    return rng.choice(len(WARDS), size=n, p=WARDS["child_share"].to_numpy())


def imd_deciles(rng: np.random.Generator, ward_idx: np.ndarray, deprivation: np.ndarray) -> np.ndarray:
    """IMD decile of each child's home LSOA: the ward's typical decile, pulled down for the
    more deprived families within it (wards mix LSOAs of different deprivation)."""
    base = WARDS["imd_mean"].to_numpy()[ward_idx]
    within = deprivation - WARDS["deprivation"].to_numpy()[ward_idx]
    raw = base - 1.3 * within + rng.normal(0, 0.8, len(ward_idx))
    return np.clip(np.rint(raw), 1, 10).astype(int)
