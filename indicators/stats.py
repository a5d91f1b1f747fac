"""Statistics every measure needs: confidence intervals, trend, forecast, benchmark
comparison, RAG and ranking.

Pure functions, no I/O. The methods are the ones public-health indicator tools use
(PHE/OHID Fingertips "Technical Guide: Confidence Intervals"), so our numbers can be
reconciled with published ones. docs/methods.md explains each method for performance
officers; this module is the single implementation of what that document says.

Conventions shared by every function:
- ``level`` is a two-sided confidence level (0.95 default, 0.998 for control limits).
- Missing input (None, NaN, pandas NA, zero denominator) gives NaN, never an error:
  a missing period is normal in this data. Impossible input (negative counts, a
  numerator above its denominator) raises ``ValueError``, because silently producing
  an interval for it would hide a fault in the extract.
- Polarity is one of ``"higher"`` (higher is better), ``"lower"``, ``"none"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats as _st

# Exact quantiles for the two levels the pipeline publishes, so the reference values in
# the PHE guidance (1.96 is 1.959963984540054) are reproduced to the last digit.
Z = {0.95: 1.959963984540054, 0.998: 3.090232306167813}

POLARITIES = ("higher", "lower", "none")
METHODS = ("wilson", "byar", "rate", "mean", "newcombe", "welch", "none")

# Below this count Byar's approximation is not accurate enough and the exact Poisson
# interval is used instead (the rule given in the indicator specification).
BYAR_MIN_COUNT = 10


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be between 0 and 1, got {level!r}")
    return level


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
    return pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(x, dtype=object))),
                         errors="raise").to_numpy(dtype=float, na_value=np.nan)


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


# --------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------

def _multiplier_array(frame: pd.DataFrame, multiplier) -> np.ndarray:
    if isinstance(multiplier, str):
        multiplier = frame[multiplier]
    m = _as_float_array(multiplier) if np.ndim(multiplier) else np.array([float(multiplier)])
    if m.size == 1:
        m = np.full(len(frame), m[0])
    if m.size != len(frame):
        raise ValueError("multiplier must be a scalar, a column name or one value per row")
    return m


def add_intervals(frame: pd.DataFrame, method: str, level: float = 0.95,
                  multiplier=1.0) -> pd.DataFrame:
    """Return a copy of ``frame`` with ``value``, ``ci_lower`` and ``ci_upper`` filled.

    ``multiplier`` turns the 0-1 / per-head scale into the measure's unit: 100 for a
    percentage or "per 100 pupils", 1000 or 100000 for "per 1,000 / 100,000". It may be
    a scalar, the name of a column, or one value per row. By method:

    - ``"wilson"``: value = numerator / denominator * multiplier, Wilson bounds * multiplier.
    - ``"byar"``: a count. value = numerator * multiplier (use 1), Poisson bounds of the
      count * multiplier; the denominator is ignored.
    - ``"rate"``: value = numerator / denominator * multiplier, Poisson bounds of the
      numerator / denominator * multiplier.
    - ``"mean"``: n is the ``n`` column, or ``denominator`` when there is none; the
      mean is numerator / n (numerator = sum of scores) where both are present, else
      the existing ``value``; ``sd`` is required; t interval. No multiplier: the mean
      is already in its unit.
    - ``"newcombe"`` (a gap between two proportions, e.g. EH03): the row's own group
      is ``numerator`` / ``denominator`` (the disadvantaged group) and the other group
      ``comparator_numerator`` / ``comparator_denominator``. The gap is **comparator
      minus own group** ("non-FSM minus FSM"), times the multiplier (100 for
      percentage points), with Newcombe's hybrid score bounds.
    - ``"welch"`` (a gap between two means, e.g. Attainment 8): means are sums over
      counts as for ``"mean"``, sds from ``sd`` and ``comparator_sd``; the gap is
      comparator minus own group with a Welch interval. No multiplier.
    - ``"none"``: no interval. value = numerator / denominator * multiplier where the
      denominator is present, numerator * multiplier where it is missing, and an
      existing ``value`` is kept where the numerator is missing.

    A zero or missing denominator gives NaN value and bounds, never an error.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    out = frame.copy()
    n_rows = len(out)
    m = _multiplier_array(out, multiplier)

    def col(name) -> np.ndarray:
        if name not in out.columns:
            raise KeyError(f"method {method!r} needs a column {name!r}")
        return _as_float_array(out[name]) if n_rows else np.empty(0)

    nan = np.full(n_rows, np.nan)
    if method in ("wilson", "rate"):
        num, den = col("numerator"), col("denominator")
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, num / den, np.nan) * m
        if method == "wilson":
            lo, hi = wilson_arrays(num, den, level) if n_rows else (nan, nan)
            lo, hi = lo * m, hi * m
        else:
            lo, hi = byar_arrays(num, level) if n_rows else (nan, nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(den > 0, m / den, np.nan)
            lo, hi = lo * scale, hi * scale
    elif method == "byar":
        num = col("numerator")
        value = num * m
        lo, hi = byar_arrays(num, level) if n_rows else (nan, nan)
        lo, hi = lo * m, hi * m
    elif method == "mean":
        n = col("n") if "n" in out.columns else col("denominator")
        value = nan.copy()
        if "numerator" in out.columns:
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(n > 0, col("numerator") / n, np.nan)
        if "value" in out.columns:
            value = np.where(np.isnan(value), col("value"), value)
        lo, hi = mean_ci_arrays(value, col("sd"), n, level) if n_rows else (nan, nan)
    elif method == "newcombe":
        if n_rows:
            value, lo, hi = newcombe_arrays(col("comparator_numerator"),
                                            col("comparator_denominator"),
                                            col("numerator"), col("denominator"), level)
            value, lo, hi = value * m, lo * m, hi * m
        else:
            value, lo, hi = nan, nan, nan
    elif method == "welch":
        if n_rows:
            n1, n2 = col("comparator_denominator"), col("denominator")
            with np.errstate(divide="ignore", invalid="ignore"):
                m1 = np.where(n1 > 0, col("comparator_numerator") / n1, np.nan)
                m2 = np.where(n2 > 0, col("numerator") / n2, np.nan)
            value, lo, hi = welch_arrays(m1, col("comparator_sd"), n1, m2, col("sd"), n2,
                                         level)
        else:
            value, lo, hi = nan, nan, nan
    else:  # "none"
        num = col("numerator")
        den = col("denominator") if "denominator" in out.columns else nan
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(np.isnan(den), num, np.where(den > 0, num / den, np.nan)) * m
        if "value" in out.columns:
            old = _as_float_array(out["value"]) if n_rows else nan
            value = np.where(np.isnan(num), old, value)
        lo, hi = nan, nan
    out["value"] = value
    out["ci_lower"] = lo
    out["ci_upper"] = hi
    return out


def add_intervals_by_method(frame: pd.DataFrame, method_column: str = "ci_method",
                            multiplier_column: str = "multiplier",
                            level: float = 0.95) -> pd.DataFrame:
    """``add_intervals`` for a frame mixing measures: each row's method and multiplier
    come from its own columns. Row order and index are preserved."""
    if frame.empty:
        out = frame.copy()
        for c in ("value", "ci_lower", "ci_upper"):
            out[c] = pd.Series(dtype=float)
        return out
    unknown = set(frame[method_column].unique()) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown CI method(s) {sorted(map(str, unknown))}")
    parts = [add_intervals(part, method, level, multiplier=part[multiplier_column])
             for method, part in frame.groupby(method_column, sort=False)]
    return pd.concat(parts).loc[frame.index]


# --------------------------------------------------------------------------------------
# Trend and forecast
# --------------------------------------------------------------------------------------

TREND_POINTS = 5
FORECAST_MAX_POINTS = 10
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Trend:
    """Direction of the recent trend. ``slope`` is in the unit of ``values`` per period
    (per unit of ``periods`` when given); ``p_value`` is NaN when not tested."""
    direction: str  # "increasing" | "decreasing" | "no significant change" | "insufficient data"
    p_value: float
    slope: float
    n_points: int


@dataclass(frozen=True)
class Forecast:
    """One forecast period: ``step`` periods after the last one in the history."""
    step: int
    value: float
    lower: float
    upper: float


def _weighted_fit(x, y, w):
    """Weighted least squares line; returns slope, intercept, Sxx, weighted mean of x,
    residual variance (scale estimated from the data, n - 2 df)."""
    w = w / w.sum()
    xm = float(np.sum(w * x))
    ym = float(np.sum(w * y))
    sxx = float(np.sum(w * (x - xm) ** 2))
    slope = float(np.sum(w * (x - xm) * (y - ym)) / sxx)
    intercept = ym - slope * xm
    resid = y - (intercept + slope * x)
    n = len(x)
    # Weights normalised to sum to n so the residual variance is on the scale of y.
    s2 = float(np.sum(w * n * resid ** 2) / (n - 2))
    return slope, intercept, sxx * n, xm, s2


def _direction(p_value: float, slope: float) -> str:
    if p_value < SIGNIFICANCE and slope != 0:
        return "increasing" if slope > 0 else "decreasing"
    return "no significant change"


def trend(values, numerators=None, denominators=None, periods=None,
          weights=None) -> Trend:
    """Direction and significance of the trend over the last five points.

    Points with a missing value (or, for proportions, a missing / zero denominator) are
    dropped first, then the last five remaining are used; ``periods`` (numeric, e.g.
    2021 or a quarter index) gives their spacing, otherwise their positions in the
    series do, so a gap keeps its width. Fewer than 3 points: "insufficient data".

    - With ``numerators`` and ``denominators`` (a proportion): chi-square test for
      linear trend (Cochran-Armitage), 1 df. ``values`` may then be None (the 0-1
      proportion is used); the slope is the denominator-weighted least-squares slope
      of ``values``.
    - Otherwise: least-squares regression of ``values`` on period, weighted by
      ``weights`` when given (e.g. 1 / variance, or population), ordinary otherwise,
      with a t-test (n - 2 df) on the slope.

    Significance is judged at 5% (two-sided).
    """
    if (numerators is None) != (denominators is None):
        raise ValueError("give both numerators and denominators, or neither")
    proportions = numerators is not None
    if values is None:
        if not proportions:
            raise ValueError("values are required without numerators/denominators")
        num_all, den_all = _as_float_array(numerators), _as_float_array(denominators)
        with np.errstate(divide="ignore", invalid="ignore"):
            y_all = np.where(den_all > 0, num_all / den_all, np.nan)
    else:
        y_all = _as_float_array(values)
    n_all = len(y_all)
    x_all = (np.arange(n_all, dtype=float) if periods is None
             else _as_float_array(periods))
    keep = np.isfinite(y_all) & np.isfinite(x_all)
    if proportions:
        num_all, den_all = _as_float_array(numerators), _as_float_array(denominators)
        if not len(num_all) == len(den_all) == n_all:
            raise ValueError("values, numerators and denominators differ in length")
        keep &= np.isfinite(num_all) & np.isfinite(den_all) & (den_all > 0)
    w_all = np.ones(n_all) if weights is None else _as_float_array(weights)
    if weights is not None:
        keep &= np.isfinite(w_all) & (w_all > 0)
    if len(x_all) != n_all or len(w_all) != n_all:
        raise ValueError("values, periods and weights differ in length")
    idx = np.flatnonzero(keep)[-TREND_POINTS:]
    k = len(idx)
    if k < 3:
        return Trend("insufficient data", math.nan, math.nan, k)
    x, y = x_all[idx], y_all[idx]
    if np.any(np.diff(x) <= 0):
        raise ValueError("periods must be strictly increasing")

    if proportions:
        r, n = num_all[idx], den_all[idx]
        if np.any((r < 0) | (r > n)):
            raise ValueError("numerators must lie between 0 and the denominator")
        big_n, big_r = n.sum(), r.sum()
        pbar = big_r / big_n
        xbar = np.sum(n * x) / big_n
        t_stat = np.sum(r * (x - xbar))
        var = pbar * (1 - pbar) * np.sum(n * (x - xbar) ** 2)
        if var <= 0:  # every proportion 0% or every proportion 100%: no change
            p_value = 1.0
        else:
            p_value = float(_st.chi2.sf(t_stat ** 2 / var, 1))
        slope = float(np.sum(n * (x - xbar) * (y - np.sum(n * y) / big_n))
                      / np.sum(n * (x - xbar) ** 2))
        direction = _direction(p_value, float(t_stat))
        return Trend(direction, p_value, slope, k)

    slope, _, sxx, _, s2 = _weighted_fit(x, y, w_all[idx])
    se = math.sqrt(max(s2, 0.0) / sxx)
    # A perfect line has no residual error: the slope is certain unless it is zero.
    if se <= 1e-12 * max(1.0, abs(slope)):
        p_value = 0.0 if abs(slope) > 1e-12 * max(1.0, float(np.max(np.abs(y)))) else 1.0
    else:
        p_value = float(2 * _st.t.sf(abs(slope / se), k - 2))
    return Trend(_direction(p_value, slope), p_value, slope, k)


def judge_trend(direction: str, polarity: str) -> str:
    """Turn a trend direction into a judgement using the measure's polarity.

    "higher": increasing -> "getting better", decreasing -> "getting worse";
    "lower": the reverse. "no significant change" and "insufficient data" pass
    through. With polarity "none" there is no better or worse, so the neutral
    direction ("increasing" / "decreasing") is returned unchanged.
    """
    _check_polarity(polarity)
    if direction in ("no significant change", "insufficient data"):
        return direction
    if direction not in ("increasing", "decreasing"):
        raise ValueError(f"unknown trend direction {direction!r}")
    if polarity == "none":
        return direction
    better = (direction == "increasing") == (polarity == "higher")
    return "getting better" if better else "getting worse"


def forecast(values, horizon: int = 3, level: float = 0.95,
             bounds: tuple[float, float] | None = None) -> list[Forecast]:
    """Turn-the-curve baseline: where the line goes if nothing changes.

    A straight line is fitted by ordinary least squares to the last (up to) ten
    non-missing points of the equally spaced, chronological ``values``; missing points
    keep their place. Step k is k periods after the last period of ``values``. Each
    forecast has a prediction interval for a single future period,
    yhat +/- t(n-2) * s * sqrt(1 + 1/n + (x0 - xbar)^2 / Sxx). Fewer than three points
    gives an empty list. With ``bounds=(lo, hi)`` (e.g. (0, 100) for a percentage;
    None for an open end, e.g. (0, None) for a rate) value and interval are clipped to
    the range the measure can take.
    """
    level = _check_level(level)
    if horizon < 1:
        return []
    y_all = _as_float_array(values) if len(values) else np.empty(0)
    idx = np.flatnonzero(np.isfinite(y_all))[-FORECAST_MAX_POINTS:]
    n = len(idx)
    if n < 3:
        return []
    x, y = idx.astype(float), y_all[idx]
    slope, intercept, sxx, xm, s2 = _weighted_fit(x, y, np.ones(n))
    s = math.sqrt(max(s2, 0.0))
    t = float(_st.t.ppf(1 - (1 - level) / 2, n - 2))
    last = len(y_all) - 1
    out = []
    for step in range(1, horizon + 1):
        x0 = last + step
        yhat = intercept + slope * x0
        half = t * s * math.sqrt(1 + 1 / n + (x0 - xm) ** 2 / sxx)
        lo, hi = yhat - half, yhat + half
        if bounds is not None:
            b_lo = -math.inf if _missing(bounds[0]) else float(bounds[0])
            b_hi = math.inf if _missing(bounds[1]) else float(bounds[1])
            yhat, lo, hi = (min(max(v, b_lo), b_hi) for v in (yhat, lo, hi))
        out.append(Forecast(step, float(yhat), float(lo), float(hi)))
    return out


# --------------------------------------------------------------------------------------
# Benchmarks, targets, ranking
# --------------------------------------------------------------------------------------

def compare_benchmark(value, ci_lower, ci_upper, benchmark, polarity: str) -> str:
    """Compare the local value with a benchmark (England, region, neighbours).

    "similar" when the benchmark lies inside the local confidence interval (bounds
    included). Otherwise, with polarity "higher": "better" when the whole interval is
    above the benchmark, "worse" when below; polarity "lower": the reverse. With
    polarity "none" the neutral "higher" / "lower" is returned (as Fingertips does), so
    a difference is still reported without a judgement. "not compared" when the value,
    either bound or the benchmark is missing.
    """
    _check_polarity(polarity)
    if any(_missing(v) for v in (value, ci_lower, ci_upper, benchmark)):
        return "not compared"
    lo, hi, b = float(ci_lower), float(ci_upper), float(benchmark)
    if lo <= b <= hi:
        return "similar"
    local_higher = lo > b
    if polarity == "none":
        return "higher" if local_higher else "lower"
    return "better" if local_higher == (polarity == "higher") else "worse"


# Float arithmetic (e.g. 39/50*100) must not turn "exactly on the tolerance" into red.
_EPS = 1e-9


def rag(value, target, polarity: str, tolerance=0.0) -> str | None:
    """Red / amber / green against a target, in the measure's own unit.

    "green": target met (value >= target for "higher", <= for "lower"); "amber":
    missed by no more than ``tolerance``; "red": missed by more. None when the value or
    target is missing, or when the polarity is "none" (a target needs a direction).
    Differences within 1e-9 (relative) count as equal, so a value exactly on the target
    or on the tolerance boundary is not tipped over by rounding.
    """
    _check_polarity(polarity)
    if _missing(value) or _missing(target) or polarity == "none":
        return None
    tolerance = 0.0 if _missing(tolerance) else float(tolerance)
    if tolerance < 0:
        raise ValueError("tolerance cannot be negative")
    value, target = float(value), float(target)
    shortfall = (target - value) if polarity == "higher" else (value - target)
    slack = _EPS * max(1.0, abs(value), abs(target))
    if shortfall <= slack:
        return "green"
    if shortfall <= tolerance + slack:
        return "amber"
    return "red"


def _ranked(value, all_values, polarity: str):
    _check_polarity(polarity)
    if _missing(value) or polarity == "none":
        return None
    listed = list(all_values)
    vals = _as_float_array(listed) if listed else np.empty(0)
    vals = vals[np.isfinite(vals)]
    value = float(value)
    # The local authority is one of the ranked authorities; add it if the list given
    # left it out, so its rank and band are among n + 1, not n.
    if not np.any(np.isclose(vals, value, rtol=0, atol=_EPS * max(1.0, abs(value)))):
        vals = np.append(vals, value)
    slack = _EPS * max(1.0, abs(value))
    better = vals > value + slack if polarity == "higher" else vals < value - slack
    # Ties share the best rank ("1, 2, 2, 4"), as in published league tables.
    return int(better.sum()) + 1, len(vals)


def national_rank(value, all_values: Iterable[float], polarity: str) -> int | None:
    """Rank among all authorities, 1 = best given polarity; ties share the best rank.
    None for a missing value or polarity "none" (no best)."""
    r = _ranked(value, all_values, polarity)
    return None if r is None else r[0]


def quartile_band(value, all_values: Iterable[float], polarity: str) -> str | None:
    """Quartile band A-D among all authorities (A = best quarter given polarity).

    Rank-based, as in DfE LAIT: with n authorities ranked 1 = best, rank r falls in
    band floor((r - 1) * 4 / n), so for 152 authorities A = ranks 1-38, B = 39-76,
    C = 77-114, D = 115-152. Ties share the better band. None for a missing value or
    polarity "none".
    """
    r = _ranked(value, all_values, polarity)
    if r is None:
        return None
    rank, n = r
    return "ABCD"[min(3, (rank - 1) * 4 // n)]
