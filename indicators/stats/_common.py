"""Constants and argument checks shared by the statistics modules."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

# Exact quantiles for the two levels the pipeline publishes, so the reference values in
# the PHE guidance (1.96 is 1.959963984540054) are reproduced to the last digit.
Z = {0.95: 1.959963984540054, 0.998: 3.090232306167813}

POLARITIES = ("higher", "lower", "none")
METHODS = ("wilson", "byar", "rate", "rate_above_one", "mean", "newcombe", "welch", "none")

# Below this count Byar's approximation is not accurate enough and the exact Poisson
# interval is used instead (the rule given in the indicator specification).
BYAR_MIN_COUNT = 10

def _check_level(level: float) -> float:
    """A two-sided confidence level as a fraction: 0.95, or 95 meaning 95% (as the
    PHEindicatormethods functions accept both). 1 and 100 are refused: no interval
    covers everything."""
    level = float(level)
    if 1.0 < level < 100.0:
        level = round(level / 100.0, 12)
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be a fraction between 0 and 1 or a percentage "
                         f"between 1 and 100, got {level!r}")
    return level

def level_fraction(level: float) -> float:
    """``level`` as the fraction every function uses: 95 -> 0.95, 0.998 -> 0.998 (checked)."""
    return _check_level(level)


def z_for(level: float = 0.95) -> float:
    """Two-sided standard normal quantile for ``level`` (1.959963984540054 for 0.95)."""
    level = _check_level(level)
    if level in Z:
        return Z[level]
    return float(_st.norm.ppf(1.0 - (1.0 - level) / 2.0))

def _check_polarity(polarity: str) -> str:
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    return polarity

def _missing(x) -> bool:
    """True for None, NaN and pandas NA (scalars only)."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False

def _as_float_array(x) -> np.ndarray:
    """Numeric copy with None / pandas NA turned into NaN."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiub":  # already numeric: no parsing
        return np.array(x, dtype=float, ndmin=1)
    return pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(x, dtype=object))),
                         errors="raise").to_numpy(dtype=float, na_value=np.nan)
