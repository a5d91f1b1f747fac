"""Recent trend (the Fingertips method) and the turn-the-curve forecast.

Trend: the five most recent points with no break, tested at 99.8% by default (a catalogue
setting): the chi-square test for trend on proportions, weighted regression otherwise, and
a significant result kept only when no single point makes it (leave-one-out). Forecast: a
line on a scale that respects the unit (logit between two bounds, log above zero), fitted
on the same recent window, so neither the forecast nor its interval leaves the possible
range. docs/methods.md states both for performance officers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st
from scipy.special import expit as _expit

from indicators.stats._common import _as_float_array, _check_level, _check_polarity, _missing

TREND_POINTS = 5           # Fingertips: the five most recent points, no break
TREND_LEVEL = 0.998        # Fingertips: 99.8% (chi-square 1 df > 9.5495)
FORECAST_MIN_POINTS = 3    # a line and one degree of freedom for its error
FORECAST_MAX_POINTS = TREND_POINTS  # the forecast is fitted on the trend's window
# Kept for callers of the old name: the default trend significance as a tail probability.
SIGNIFICANCE = round(1 - TREND_LEVEL, 12)

CANNOT = "cannot be calculated"
NO_CHANGE = "no significant change"
DIRECTIONS = ("increasing", "decreasing", NO_CHANGE, CANNOT)


@dataclass(frozen=True)
class Trend:
    """The recent trend of a series.

    ``direction`` is one of DIRECTIONS. ``statistic`` is the chi-square (1 df) of the test
    (for an unweighted regression, the squared t); ``p_value`` its two-sided p; ``slope`` the
    change per period in the unit of ``values`` (0-1 for a proportion given without values).
    ``reason`` says why a trend cannot be calculated, or why a significant test is not
    reported (a single point makes it). ``points`` are the period numbers used.
    """
    direction: str
    p_value: float
    slope: float
    n_points: int
    statistic: float = math.nan
    method: str | None = None
    level: float = TREND_LEVEL
    reason: str | None = None
    points: tuple = ()


@dataclass(frozen=True)
class Forecast:
    """One forecast period, ``step`` periods after the last one of the window.

    ``flag`` (None when nothing to say) is "hits a bound" when a straight line on the
    measure's own scale would have left its possible range within the horizon (the logit /
    log scale holds it in), "turns sharply" when the first step from the last value goes
    against the latest change (last minus the one before), both at least the median
    period-to-period change in the window; both flags are joined by "; ".
    ``n_points`` and ``first_point`` state the window fitted."""
    step: int
    value: float
    lower: float
    upper: float
    scale: str = "linear"
    n_points: int = 0
    first_point: float = math.nan
    flag: str | None = None


def critical_value(level: float = TREND_LEVEL) -> float:
    """Chi-square (1 df) a trend must exceed at ``level``: 9.5495 at 99.8%, 3.8415 at 95%."""
    return float(_st.chi2.ppf(_check_level(level), 1))


# --------------------------------------------------------------------------------------
# The window: the most recent run of consecutive points
# --------------------------------------------------------------------------------------

def recent_window(x: np.ndarray, ok: np.ndarray, breaks=(), max_points: int | None = None,
                  label=None) -> tuple[np.ndarray, str | None]:
    """Indices of the most recent run of usable points with no break, at most
    ``max_points``, and what ended the run ("a gap before 2021", "a break in the series at
    2021"), None when the run reaches the start of the series.

    ``x`` are the period numbers (one per period, consecutive periods differ by 1);
    ``ok`` marks usable points; ``breaks`` are period numbers where a new, not comparable
    series starts (points before a break are not used); ``label`` names a period number in
    the reason (default: the number itself)."""
    label = label or _label
    idx = np.flatnonzero(ok)
    if not len(idx):
        return idx, None
    run = [idx[-1]]
    ended = None
    breaks = {float(b) for b in breaks if not _missing(b)}
    for i in idx[-2::-1]:
        if float(x[run[-1]]) in breaks:
            ended = f"a break in the series at {label(x[run[-1]])}"
            break
        if x[run[-1]] - x[i] != 1:
            ended = f"a gap before {label(x[run[-1]])}"
            break
        run.append(i)
    run = np.array(run[::-1])
    if max_points is not None:
        run = run[-max_points:]
    return run, ended


def _label(v) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:g}"


# --------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------

def chi2_for_trend(numerators, denominators, scores=None) -> tuple[float, float]:
    """Chi-square test for linear trend in proportions (Cochran-Armitage; Altman 1991,
    section 10.7.4), 1 df: returns (chi-square, T) with T = sum r_i (x_i - xbar), whose sign
    is the direction. The statistic of R's ``prop.trend.test``."""
    r, n = _as_float_array(numerators), _as_float_array(denominators)
    x = np.arange(len(r), dtype=float) if scores is None else _as_float_array(scores)
    if np.any((r < 0) | (r > n)) or np.any(n <= 0):
        raise ValueError("numerators must lie between 0 and a positive denominator")
    big_n = n.sum()
    pbar = r.sum() / big_n
    xbar = np.sum(n * x) / big_n
    t_stat = float(np.sum(r * (x - xbar)))
    var = pbar * (1 - pbar) * np.sum(n * (x - xbar) ** 2)
    if var <= 0:  # every proportion 0% or every proportion 100%: no change
        return 0.0, 0.0
    return float(t_stat ** 2 / var), t_stat


def _regression(x, y, w):
    """Slope and chi-square of a line. With weights (1 / variance of each point, known
    from its interval) the slope's variance is 1 / sum w (x - xbar)^2 and slope^2 / var is
    chi-square on 1 df, as the chi-square test for trend is for proportions. Without
    weights, ordinary least squares with the variance estimated from the residuals: the
    squared t on n - 2 df, and its p-value from t."""
    weighted = w is not None
    w = np.ones(len(x)) if w is None else w
    xm = np.sum(w * x) / w.sum()
    ym = np.sum(w * y) / w.sum()
    sxx = float(np.sum(w * (x - xm) ** 2))
    slope = float(np.sum(w * (x - xm) * (y - ym)) / sxx)
    if weighted:
        stat = slope ** 2 * sxx
        return slope, stat, float(_st.chi2.sf(stat, 1))
    resid = y - (ym + slope * (x - xm))
    k = len(x)
    s2 = float(np.sum(resid ** 2) / (k - 2)) if k > 2 else math.nan
    if not s2 > 1e-24 * max(1.0, float(np.max(np.abs(y)))) ** 2:
        # A perfect line has no residual error: certain unless flat.
        flat = abs(slope) <= 1e-12 * max(1.0, float(np.max(np.abs(y))))
        return slope, (0.0 if flat else math.inf), (1.0 if flat else 0.0)
    t = slope / math.sqrt(s2 / sxx)
    return slope, t * t, float(2 * _st.t.sf(abs(t), k - 2))


def _test(x, y, r, n, w, proportions: bool):
    """(slope, statistic, p_value, sign) for one set of points."""
    if proportions:
        stat, t_stat = chi2_for_trend(r, n, x)
        # The slope reported is the denominator-weighted least-squares slope of the values.
        xbar, ybar = np.sum(n * x) / n.sum(), np.sum(n * y) / n.sum()
        slope = float(np.sum(n * (x - xbar) * (y - ybar)) / np.sum(n * (x - xbar) ** 2))
        return slope, stat, float(_st.chi2.sf(stat, 1)), np.sign(t_stat)
    slope, stat, p = _regression(x, y, w)
    return slope, stat, p, np.sign(slope)


def trend(values, numerators=None, denominators=None, periods=None, weights=None,
          level: float = TREND_LEVEL, breaks=(), leave_one_out: bool = True, labels=None) -> Trend:
    """Recent trend by the Fingertips method.

    The five most recent points with no break are used: a missing period (a missing value,
    or for a proportion a missing / zero denominator), a period listed in ``breaks`` (where
    a new, not comparable series starts) or a jump in ``periods`` ends the run. Fewer than
    five points: "cannot be calculated", with the reason. ``periods`` are period numbers
    (2021, or a quarter index), consecutive periods differing by 1; by default positions.

    - With ``numerators`` and ``denominators`` (a proportion): chi-square test for trend.
      ``values`` may be None (the 0-1 proportion is used for the slope).
    - Otherwise: regression of ``values`` on period, weighted by ``weights`` (1 / variance)
      when every point of the window has one, ordinary least squares otherwise (see
      ``_regression``).

    A trend is significant when its p-value is below 1 - ``level`` (99.8% by default:
    chi-square above 9.5495). With ``leave_one_out`` a significant trend is reported only
    when it stays significant in the same direction with each of the five points left out
    in turn; otherwise "no significant change" with the reason naming the point.
    ``labels`` (one per value, e.g. period keys) name periods in the reasons.
    """
    level = _check_level(level)
    if (numerators is None) != (denominators is None):
        raise ValueError("give both numerators and denominators, or neither")
    proportions = numerators is not None
    if proportions:
        num_all, den_all = _as_float_array(numerators), _as_float_array(denominators)
        if len(num_all) != len(den_all):
            raise ValueError("numerators and denominators differ in length")
    if values is None:
        if not proportions:
            raise ValueError("values are required without numerators/denominators")
        with np.errstate(divide="ignore", invalid="ignore"):
            y_all = np.where(den_all > 0, num_all / den_all, np.nan)
    else:
        y_all = _as_float_array(values) if len(values) else np.empty(0)
    n_all = len(y_all)
    x_all = np.arange(n_all, dtype=float) if periods is None else _as_float_array(periods)
    w_all = None if weights is None else _as_float_array(weights)
    if len(x_all) != n_all or (w_all is not None and len(w_all) != n_all) \
            or (proportions and len(num_all) != n_all):
        raise ValueError("values, periods, weights, numerators and denominators differ in length")
    if np.any(np.diff(x_all[np.isfinite(x_all)]) <= 0):
        raise ValueError("periods must be strictly increasing")
    ok = np.isfinite(y_all) & np.isfinite(x_all)
    if proportions:
        ok &= np.isfinite(num_all) & np.isfinite(den_all) & (den_all > 0)
    names = {} if labels is None else {float(xv): str(lb) for xv, lb in zip(x_all, labels)}

    def label(v) -> str:
        return names.get(float(v)) or _label(v)
    idx, ended = recent_window(x_all, ok, breaks, TREND_POINTS, label)
    k = len(idx)
    x = x_all[idx]
    if k < TREND_POINTS:
        why = f"{k} point{'s' if k != 1 else ''} since {ended}" if ended else \
            f"only {k} point{'s' if k != 1 else ''} of data"
        return Trend(CANNOT, math.nan, math.nan, k, level=level, points=tuple(float(v) for v in x),
                     reason=f"{why}; {TREND_POINTS} consecutive points are needed")
    y = y_all[idx]
    r = num_all[idx] if proportions else None
    n = den_all[idx] if proportions else None
    w = None if w_all is None else w_all[idx]
    if w is not None and not (np.isfinite(w) & (w > 0)).all():
        w = None  # a point without a variance: the window is fitted unweighted
    method = ("chi-square test for trend" if proportions
              else "weighted regression" if w is not None else "regression")
    slope, stat, p, sign = _test(x, y, r, n, w, proportions)
    alpha = 1 - level
    if not (p < alpha and sign != 0):
        return Trend(NO_CHANGE, p, slope, k, stat, method, level, points=tuple(float(v) for v in x))
    direction = "increasing" if sign > 0 else "decreasing"
    if leave_one_out:
        for i in range(k):
            keep = np.arange(k) != i
            _, _, p_i, sign_i = _test(x[keep], y[keep], None if r is None else r[keep],
                                      None if n is None else n[keep],
                                      None if w is None else w[keep], proportions)
            if not (p_i < alpha and sign_i == sign):
                return Trend(NO_CHANGE, p, slope, k, stat, method, level, points=tuple(float(v) for v in x),
                             reason=f"{direction} only with the point at {label(x[i])}: "
                                    f"without it the trend is not significant")
    return Trend(direction, p, slope, k, stat, method, level, points=tuple(float(v) for v in x))


def judge_trend(direction: str, polarity: str) -> str:
    """Turn a trend direction into a judgement using the measure's polarity.

    "higher": increasing -> "getting better", decreasing -> "getting worse";
    "lower": the reverse. "no significant change" and "cannot be calculated" pass
    through. With polarity "none" there is no better or worse, so the neutral
    direction ("increasing" / "decreasing") is returned unchanged.
    """
    _check_polarity(polarity)
    if direction in (NO_CHANGE, CANNOT):
        return direction
    if direction not in ("increasing", "decreasing"):
        raise ValueError(f"unknown trend direction {direction!r}")
    if polarity == "none":
        return direction
    better = (direction == "increasing") == (polarity == "higher")
    return "getting better" if better else "getting worse"


# --------------------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------------------

def _scale(bounds) -> tuple[str, float, float]:
    lo = -math.inf if bounds is None or _missing(bounds[0]) else float(bounds[0])
    hi = math.inf if bounds is None or _missing(bounds[1]) else float(bounds[1])
    if math.isfinite(lo) and math.isfinite(hi):
        return "logit", lo, hi
    if math.isfinite(lo):
        return "log", lo, hi
    if math.isfinite(hi):
        return "log_upper", lo, hi
    return "linear", lo, hi


def forecast(values, horizon: int = 3, level: float = 0.95,
             bounds: tuple[float, float] | None = None, breaks=(), periods=None
             ) -> list[Forecast]:
    """Turn-the-curve baseline: where the line goes if nothing changes.

    Fitted on the trend's window: the most recent run of up to five consecutive points
    with no gap or break (``breaks`` / ``periods`` as for ``trend``); at least three are
    needed, otherwise an empty list. Step k is k periods after the last point of
    ``values``.

    The line is fitted by ordinary least squares on a scale that respects the range the
    measure can take (``bounds=(lo, hi)``, None for an open end): logit of the position
    between the bounds for a bounded measure (a percentage: (0, 100)), log of the
    distance above the lower bound for one bounded below (a rate or count: (0, None)),
    the value itself when unbounded. The prediction interval for a single future period,
    zhat +/- t(n-2) * s * sqrt(1 + 1/n + (x0 - xbar)^2 / Sxx), is made on that scale and
    transformed back, so neither the forecast nor its interval can leave the range, and a
    series that has always been above zero is forecast above zero. A value on a bound
    (0%, a count of 0) is moved in by half the smallest non-zero distance of any value
    from a bound (for the logit at most half a percent of the range) before the transform.
    """
    level = _check_level(level)
    if horizon < 1:
        return []
    y_all = _as_float_array(values) if len(values) else np.empty(0)
    n_all = len(y_all)
    x_all = np.arange(n_all, dtype=float) if periods is None else _as_float_array(periods)
    scale, lo, hi = _scale(bounds)
    ok = np.isfinite(y_all) & np.isfinite(x_all)
    outside = ok & ((y_all < lo) | (y_all > hi))
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise ValueError(f"value {float(y_all[i])!r} (point {i + 1}) is outside the possible range {bounds}")
    idx, _ = recent_window(x_all, ok, breaks, FORECAST_MAX_POINTS)
    n = len(idx)
    if n < FORECAST_MIN_POINTS:
        return []
    x, y = x_all[idx], y_all[idx]
    last_x = float(np.nanmax(x_all))
    if np.ptp(y) == 0:  # a flat history stays where it is, with no spread to project
        return [Forecast(step, float(y[-1]), float(y[-1]), float(y[-1]), scale, n, float(x[0]))
                for step in range(1, horizon + 1)]
    to_scale, from_scale = _transforms(scale, lo, hi, y)
    z = to_scale(y)
    xm = float(x.mean())
    sxx = float(np.sum((x - xm) ** 2))
    slope = float(np.sum((x - xm) * (z - z.mean())) / sxx)
    intercept = float(z.mean()) - slope * xm
    s = math.sqrt(max(float(np.sum((z - intercept - slope * x) ** 2)) / (n - 2), 0.0))
    t = float(_st.t.ppf(1 - (1 - level) / 2, n - 2))
    # A straight line on the measure's own scale, for the "hits a bound" flag.
    ly = np.polyfit(x, y, 1)
    moves = np.abs(np.diff(y))
    first_step = float(from_scale(intercept + slope * (last_x + 1))) - float(y[-1])
    last_move = float(y[-1] - y[-2])
    # The baseline turns back against the latest movement, both at least a typical period's
    # change: it says the last change will undo itself, which needs a word before anyone
    # plans on it.
    typical = float(np.median(moves))
    sharp_turn = first_step * last_move < 0 and min(abs(first_step), abs(last_move)) >= typical
    out = []
    for step in range(1, horizon + 1):
        x0 = last_x + step
        zhat = intercept + slope * x0
        half = t * s * math.sqrt(1 + 1 / n + (x0 - xm) ** 2 / sxx)
        value, lower, upper = (float(from_scale(v)) for v in (zhat, zhat - half, zhat + half))
        flags = []
        if any(not lo < np.polyval(ly, last_x + j) < hi for j in range(1, horizon + 1)):
            flags.append("hits a bound")
        if sharp_turn:
            flags.append("turns sharply")
        out.append(Forecast(step, value, lower, upper, scale, n, float(x[0]),
                            "; ".join(flags) or None))
    return out


def _transforms(scale: str, lo: float, hi: float, y: np.ndarray):
    """(to, from) for the forecast's scale, with the adjustment of values on a bound.

    Only a value exactly on a bound is moved, and only by half the smallest distance of
    any value from a bound (for the logit at most half a percent of the range), so a small
    percentage such as 0.2% keeps its own size. z is held within exp's range (-745, 700),
    so a history above a bound is never forecast on it."""
    if scale == "logit":
        dist = np.minimum(y - lo, hi - y)
        cap = 0.005 * (hi - lo)
        eps = min(cap, 0.5 * float(dist[dist > 0].min())) if np.any(dist > 0) else cap
        eps = eps if np.any(dist <= 0) else 0.0

        def to(v):
            p = (np.clip(v, lo + eps, hi - eps) - lo) / (hi - lo)
            return np.log(p / (1 - p))

        def back(z):
            return lo + (hi - lo) * float(_expit(min(max(z, -745.0), 745.0)))
        return to, back
    if scale in ("log", "log_upper"):
        sign, edge = (1.0, lo) if scale == "log" else (-1.0, hi)
        d = sign * (y - edge)
        eps = 0.5 * float(d[d > 0].min()) if np.any(d > 0) else 0.5
        shift = eps if np.any(d <= 0) else 0.0

        def to(v):
            return np.log(sign * (v - edge) + shift)

        def back(z):
            return edge + sign * max(math.exp(min(max(z, -745.0), 700.0)) - shift, 0.0)
        return to, back
    return (lambda v: np.asarray(v, dtype=float)), (lambda z: z)
