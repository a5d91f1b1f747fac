"""Trend over the last five points with its significance, and the turn-the-curve forecast."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from indicators.stats._common import _as_float_array, _check_level, _check_polarity, _missing

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
