"""Confidence intervals: Wilson, Byar / exact Poisson, t, Newcombe, Welch (arrays and scalars)."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st

from indicators.stats._common import BYAR_MIN_COUNT, _as_float_array, _check_level, _missing, z_for

# --------------------------------------------------------------------------------------
# Vectorised cores. The scalar functions call these, so a single row and a frame of
# thousands of rows go through exactly the same arithmetic.
# --------------------------------------------------------------------------------------

def wilson_arrays(num, den, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score bounds (0-1 scale) for arrays of numerators and denominators."""
    z = z_for(level)
    num = _as_float_array(num)
    den = _as_float_array(den)
    valid = np.isfinite(num) & np.isfinite(den) & (den > 0)
    bad = valid & ((num < 0) | (num > den))
    if bad.any():
        raise ValueError(f"{int(bad.sum())} row(s) have a numerator below 0 or above "
                         "the denominator; a proportion cannot be formed")
    lower = np.full(num.shape, np.nan)
    upper = np.full(num.shape, np.nan)
    n, x = den[valid], num[valid]
    p = x / n
    z2 = z * z
    centre = 2 * n * p + z2
    half = z * np.sqrt(z2 + 4 * n * p * (1 - p))
    denom = 2 * (n + z2)
    lo = (centre - half) / denom
    hi = (centre + half) / denom
    # The closed form gives these exactly in real arithmetic; pin them so rounding
    # never reports a lower bound of 1e-17 for 0 events or an upper of 0.9999999.
    lo = np.where(x == 0, 0.0, lo)
    hi = np.where(x == n, 1.0, hi)
    lower[valid], upper[valid] = lo, hi
    return lower, upper

def byar_arrays(count, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Poisson bounds for arrays of counts: Byar's method for counts >= 10, the exact
    (chi-square) method below 10."""
    level = _check_level(level)
    z = z_for(level)
    alpha = 1.0 - level
    o = _as_float_array(count)
    finite = np.isfinite(o)
    if (o[finite] < 0).any():
        raise ValueError("counts cannot be negative")
    lower = np.full(o.shape, np.nan)
    upper = np.full(o.shape, np.nan)

    big = finite & (o >= BYAR_MIN_COUNT)
    ob = o[big]
    lower[big] = ob * (1 - 1 / (9 * ob) - z / (3 * np.sqrt(ob))) ** 3
    o1 = ob + 1
    upper[big] = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3

    small = finite & (o < BYAR_MIN_COUNT)
    os_ = o[small]
    # chi2 with 0 degrees of freedom is undefined; the exact lower bound for 0 is 0.
    with np.errstate(invalid="ignore"):
        lo = _st.chi2.ppf(alpha / 2, 2 * os_) / 2
    lower[small] = np.where(os_ == 0, 0.0, lo)
    upper[small] = _st.chi2.ppf(1 - alpha / 2, 2 * (os_ + 1)) / 2
    return lower, upper

def mean_ci_arrays(mean, sd, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval for arrays of means; NaN where n < 2 or sd is missing."""
    level = _check_level(level)
    mean, sd, n = (_as_float_array(a) for a in (mean, sd, n))
    ok = np.isfinite(mean) & np.isfinite(sd) & np.isfinite(n) & (n >= 2)
    if (sd[ok] < 0).any():
        raise ValueError("standard deviations cannot be negative")
    lower = np.full(mean.shape, np.nan)
    upper = np.full(mean.shape, np.nan)
    t = _st.t.ppf(1 - (1 - level) / 2, n[ok] - 1)
    half = t * sd[ok] / np.sqrt(n[ok])
    lower[ok], upper[ok] = mean[ok] - half, mean[ok] + half
    return lower, upper

def newcombe_arrays(num1, den1, num2, den2, level: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference p1 - p2 and Newcombe hybrid score bounds (method 10), 0-1 scale,
    for arrays; NaN where either denominator is missing or zero."""
    num1, den1, num2, den2 = (_as_float_array(a) for a in (num1, den1, num2, den2))
    l1, u1 = wilson_arrays(num1, den1, level)
    l2, u2 = wilson_arrays(num2, den2, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(den1 > 0, num1 / den1, np.nan)
        p2 = np.where(den2 > 0, num2 / den2, np.nan)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lower, upper

def welch_arrays(mean1, sd1, n1, mean2, sd2, n2, level: float = 0.95
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference mean1 - mean2 and Welch bounds for arrays; bounds NaN where either
    n < 2 or an sd is missing (the difference itself is still given)."""
    level = _check_level(level)
    m1, s1, n1, m2, s2, n2 = (_as_float_array(a) for a in (mean1, sd1, n1, mean2, sd2, n2))
    d = m1 - m2
    ok = np.isfinite(d) & np.isfinite(s1) & np.isfinite(s2) & (n1 >= 2) & (n2 >= 2)
    if (s1[ok] < 0).any() or (s2[ok] < 0).any():
        raise ValueError("standard deviations cannot be negative")
    lower = np.full(d.shape, np.nan)
    upper = np.full(d.shape, np.nan)
    v1, v2 = s1[ok] ** 2 / n1[ok], s2[ok] ** 2 / n2[ok]
    se = np.sqrt(v1 + v2)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (v1 + v2) ** 2 / (v1 ** 2 / (n1[ok] - 1) + v2 ** 2 / (n2[ok] - 1))
    # Both sds 0: no sampling spread, the interval collapses onto the difference.
    half = np.where(se > 0, _st.t.ppf(1 - (1 - level) / 2, np.where(se > 0, df, 1)) * se, 0.0)
    lower[ok], upper[ok] = d[ok] - half, d[ok] + half
    return d, lower, upper

# --------------------------------------------------------------------------------------
# Scalar intervals
# --------------------------------------------------------------------------------------

def _pair(arrays) -> tuple[float, float]:
    lo, hi = arrays
    return float(lo[0]), float(hi[0])

def wilson(num, den, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for the proportion num/den, on the 0-1 scale.

    (NaN, NaN) when den is 0, None or NaN. Lower is exactly 0 when num is 0 and upper
    exactly 1 when num equals den. 65/100 at 95% gives 0.5525 to 0.7364.
    """
    if _missing(num) or _missing(den):
        return math.nan, math.nan
    return _pair(wilson_arrays([num], [den], level))

def byar(count, level: float = 0.95) -> tuple[float, float]:
    """Interval for a Poisson count: Byar's approximation for count >= 10, the exact
    Poisson (chi-square) interval below 10; lower is 0 for a count of 0.
    65 events at 95% gives 50.16 to 82.85; 5 events gives 1.6235 to 11.6683."""
    if _missing(count):
        return math.nan, math.nan
    return _pair(byar_arrays([count], level))

def rate_ci(count, population, per: float = 100000, level: float = 0.95
            ) -> tuple[float, float]:
    """Interval for count / population * per, from the Poisson interval of the count
    (the population is treated as known exactly, as in PHE practice)."""
    if _missing(population) or float(population) <= 0:
        return math.nan, math.nan
    lo, hi = byar(count, level)
    return lo / float(population) * per, hi / float(population) * per

def mean_ci(mean, sd, n, level: float = 0.95) -> tuple[float, float]:
    """Student t interval mean +/- t(n-1) * sd / sqrt(n); NaN for n < 2."""
    if _missing(mean) or _missing(sd) or _missing(n):
        return math.nan, math.nan
    return _pair(mean_ci_arrays([mean], [sd], [n], level))

def diff_proportions_ci(num1, den1, num2, den2, level: float = 0.95
                        ) -> tuple[float, float, float]:
    """Difference p1 - p2 with Newcombe's hybrid score interval (Newcombe 1998,
    method 10), all on the 0-1 scale.

    Built from the two Wilson intervals, so it stays sensible for 0% and 100% and for
    small groups, where the normal (Wald) interval fails. 56/70 vs 48/80 gives
    0.2000 (0.0524 to 0.3339).
    """
    if any(_missing(v) for v in (num1, den1, num2, den2)) or float(den1) <= 0 \
            or float(den2) <= 0:
        return math.nan, math.nan, math.nan
    d, lo, hi = newcombe_arrays([num1], [den1], [num2], [den2], level)
    return float(d[0]), float(lo[0]), float(hi[0])

def diff_means_ci(mean1, sd1, n1, mean2, sd2, n2, level: float = 0.95
                  ) -> tuple[float, float, float]:
    """Difference mean1 - mean2 with a Welch interval (unequal variances,
    Welch-Satterthwaite degrees of freedom). NaN when either n < 2."""
    vals = (mean1, sd1, n1, mean2, sd2, n2)
    if any(_missing(v) for v in vals):
        return math.nan, math.nan, math.nan
    mean1, sd1, n1, mean2, sd2, n2 = (float(v) for v in vals)
    if n1 < 2 or n2 < 2:
        return math.nan, math.nan, math.nan
    d, lo, hi = welch_arrays([mean1], [sd1], [n1], [mean2], [sd2], [n2], level)
    return float(d[0]), float(lo[0]), float(hi[0])
