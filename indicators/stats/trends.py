"""Recent trend (the Fingertips method) and the turn-the-curve forecast.

Trend: step for step the public implementation of the Fingertips recent trend,
PHEindicatormethods' ``assign_trend_markers`` (R/TrendMarkers.R and the functions it calls
in R/utils.R): the five most recent collections with no break, the chi-square test for
trend on proportions (direction: the slope of their logit), weighted regression otherwise,
significant above 9.5495 (99.8%, a catalogue setting), and set aside as "outlier found"
only when leaving one point out reverses the sign of the slope. Forecast: a line on a
scale that respects the unit (logit between two bounds, log above zero), fitted on the
same recent window, so neither the forecast nor its interval leaves the possible range;
no interval on fewer than five points. docs/methods.md states both for performance
officers, with every difference from the reference.
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
FORECAST_INTERVAL_POINTS = TREND_POINTS  # no prediction interval on fewer points than a trend
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
    ``reason`` says in words what was found and why (every outcome has one); ``marker``
    is the reference's own reason ("No outliers and significant trend", "No significant
    trend", "Outlier found", "Not enough data points", "Missing values", "Missing at least
    one confidence interval value"). ``direction_slope`` is the slope whose sign is the
    direction (for a proportion, of its logit). ``points`` are the period numbers used.
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
    marker: str | None = None
    direction_slope: float = math.nan


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
                  label=None, step: int = 1) -> tuple[np.ndarray, str | None]:
    """Indices of the most recent run of usable points with no break, at most
    ``max_points``, and what ended the run ("a gap before 2021", "a break in the series at
    2021"), None when the run reaches the start of the series.

    ``x`` are the period numbers; consecutive collections are ``step`` periods apart (1, or
    2 for a measure collected every other period): the run steps back ``step`` periods at
    a time, so the periods between collections are not gaps (and a value there, an extra
    collection, is not used); a collection missing where one is due ends the run;
    ``ok`` marks usable points; ``breaks`` are period numbers where a new, not comparable
    series starts (points before a break are not used); ``label`` names a period number in
    the reason (default: the number itself)."""
    label = label or _label
    idx = np.flatnonzero(ok)
    if not len(idx):
        return idx, None
    at = {float(x[i]): int(i) for i in idx}
    first = min(at)
    breaks = sorted({float(b) for b in breaks if not _missing(b)})
    run = [int(idx[-1])]
    ended = None
    while True:
        cur = float(x[run[-1]])
        prev = cur - step
        crossed = [b for b in breaks if prev < b <= cur]
        if crossed and first < cur:
            ended = f"a break in the series at {label(cur if crossed[-1] == cur else crossed[-1])}"
            break
        if prev not in at:
            if first < cur:
                ended = f"a gap before {label(cur)}"
            break
        run.append(at[prev])
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


def _logit_slope(x, r, n) -> float:
    """The direction of a proportion's trend as the reference takes it: the ordinary
    least-squares slope of logit(r / n) on the period. With a proportion of 0 or 1 in the
    window the logit is infinite; the sign of the chi-square's T (the same direction of
    change in the counts) stands in for it (the project's own rule: the reference has none)."""
    p = r / n
    if np.any((p <= 0) | (p >= 1)):
        return math.nan
    z = np.log(p / (1 - p))
    xm = x.mean()
    return float(np.sum((x - xm) * (z - z.mean())) / np.sum((x - xm) ** 2))


def _weighted_slope(x, y, w) -> tuple[float, float]:
    """Slope and chi-square (slope^2 / its variance) of the line weighted by 1 / variance."""
    xm = np.sum(w * x) / w.sum()
    ym = np.sum(w * y) / w.sum()
    sxx = float(np.sum(w * (x - xm) ** 2))
    slope = float(np.sum(w * (x - xm) * (y - ym)) / sxx)
    return slope, slope ** 2 * sxx


def _test(x, y, r, n, w, proportions: bool):
    """(slope, statistic, direction) for one set of points, as the reference computes them.

    Proportions: the chi-square test for trend (the reference's statistic, Cochran-Armitage)
    and, for the direction, the slope of the logit on the period. Otherwise: the weighted
    regression's chi-square and slope. ``slope`` is reported in the unit of ``y``."""
    if proportions:
        stat, t_stat = chi2_for_trend(r, n, x)
        direction = _logit_slope(x, r, n)
        if not math.isfinite(direction):
            direction = float(t_stat)
        xbar, ybar = np.sum(n * x) / n.sum(), np.sum(n * y) / n.sum()
        slope = float(np.sum(n * (x - xbar) * (y - ybar)) / np.sum(n * (x - xbar) ** 2))
        return slope, stat, direction
    slope, stat = _weighted_slope(x, y, w)
    return slope, stat, slope


def critical_statistic(level: float = TREND_LEVEL) -> float:
    """The chi-square a trend must exceed, as the reference states it: the 1-df critical
    value rounded to four decimals (9.5495 at 99.8%, the reference's constant)."""
    return round(critical_value(level), 4)


def _words(direction_sign: float) -> str:
    return "rising" if direction_sign > 0 else "falling" if direction_sign < 0 else "flat"


def trend(values, numerators=None, denominators=None, periods=None, weights=None,  # noqa: C901 (over the limit before it was set: to be split, docs/performance.md)
          level: float = TREND_LEVEL, breaks=(), leave_one_out: bool = True, labels=None,
          cadence: int = 1) -> Trend:
    """Recent trend by the reference method (PHEindicatormethods ``assign_trend_markers``).

    The window: the five most recent collections with no break. Collections are ``cadence``
    periods apart (1: every period; 2: a survey every other year), so a missing collection
    (a missing value, for a proportion a missing / zero denominator), a period listed in
    ``breaks`` (a new, not comparable series starts) or a longer jump in ``periods`` ends
    the run. Fewer than five: "cannot be calculated", with the reason. ``periods`` are
    period numbers (2021, or a quarter index); by default positions.

    - With ``numerators`` and ``denominators`` (a proportion): the chi-square test for trend
      is the statistic; the direction is the sign of the slope of logit(proportion) on the
      period (the reference's logistic-regression direction). ``values`` may be None.
    - Otherwise: weighted regression of ``values`` on period, weights 1 / variance (read
      from each point's 95% interval); its chi-square is slope^2 / var(slope). A point of
      the window without a variance: "cannot be calculated" (as the reference).

    Significant when the chi-square exceeds ``critical_statistic(level)`` (9.5495 at the
    default 99.8%). A significant trend is set aside as "no significant change" (outlier
    found) only when leaving one of the five points out REVERSES THE SIGN of the direction
    slope (``leave_one_out``). ``reason`` says in words why, and ``marker`` is the
    reference's own reason. ``labels`` (one per value, e.g. period keys) name periods.
    """
    level = _check_level(level)
    cadence = int(cadence)
    if cadence < 1:
        raise ValueError("cadence must be a whole number of periods, 1 or more")
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
    idx, ended = recent_window(x_all, ok, breaks, TREND_POINTS, label, step=cadence)
    k = len(idx)
    x = x_all[idx]
    pts = tuple(float(v) for v in x)
    crit = critical_statistic(level)
    if k < TREND_POINTS:
        what = "collection" if cadence > 1 else "point"
        why = f"{k} {what}{'s' if k != 1 else ''} since {ended}" if ended else \
            f"only {k} {what}{'s' if k != 1 else ''} of data"
        return Trend(CANNOT, math.nan, math.nan, k, level=level, points=pts,
                     reason=f"{why}; {TREND_POINTS} consecutive {what}s are needed",
                     marker="Missing values" if ended and "gap" in ended else "Not enough data points")
    y = y_all[idx]
    r = num_all[idx] if proportions else None
    n = den_all[idx] if proportions else None
    w = None if w_all is None else w_all[idx]
    if not proportions and (w is None or not (np.isfinite(w) & (w > 0)).all()):
        return Trend(CANNOT, math.nan, math.nan, k, level=level, points=pts,
                     method="weighted regression",
                     reason="a point of the window has no confidence interval to weight it",
                     marker="Missing at least one confidence interval value")
    method = "chi-square test for trend" if proportions else "weighted regression"
    slope, stat, beta = _test(x, y, r, n, w, proportions)
    p = float(_st.chi2.sf(stat, 1))
    span = f"over {k} {'collections' if cadence > 1 else 'points'} ({label(x[0])} to {label(x[-1])})"
    at = f"{level * 100:g}%"
    if not stat > crit:
        return Trend(NO_CHANGE, p, slope, k, stat, method, level, points=pts, marker="No significant trend",
                     direction_slope=beta,
                     reason=f"{_words(np.sign(beta))}, but not significant at {at} {span}: "
                            f"chi-square {stat:.2f}, not above {crit:g}")
    direction = "decreasing" if beta < 0 else "increasing"  # as the reference: a zero slope is not falling
    if leave_one_out:
        for i in range(k):
            keep = np.arange(k) != i
            _, _, beta_i = _test(x[keep], y[keep], None if r is None else r[keep],
                                 None if n is None else n[keep], None if w is None else w[keep], proportions)
            if np.sign(beta_i) != np.sign(beta):
                return Trend(NO_CHANGE, p, slope, k, stat, method, level, points=pts, marker="Outlier found",
                             direction_slope=beta,
                             reason=f"{_words(np.sign(beta))} (chi-square {stat:.2f} above {crit:g}), but "
                                    f"without the point at {label(x[i])} the line is "
                                    f"{_words(np.sign(beta_i))}: an outlier decides it")
    return Trend(direction, p, slope, k, stat, method, level, points=pts,
                 marker="No outliers and significant trend", direction_slope=beta,
                 reason=f"{_words(np.sign(beta))}, significant at {at} {span}: chi-square {stat:.2f} above "
                        f"{crit:g}" + ("; no single point reverses it" if leave_one_out else ""))


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
             bounds: tuple[float, float] | None = None, breaks=(), periods=None,
             cadence: int = 1, current: tuple[float, float] | None = None) -> list[Forecast]:
    """Turn-the-curve baseline: where the line goes if nothing changes.

    Fitted on the trend's window: the most recent run of up to five consecutive
    collections with no gap or break (``breaks`` / ``periods`` / ``cadence`` as for
    ``trend``); at least three are needed for a line, otherwise an empty list. A
    prediction interval needs the trend's five points: on three or four, ``lower`` and
    ``upper`` are NaN and ``flag`` says "no interval: only N points (5 needed)". Step k is
    k collections (k x ``cadence`` periods) after the last point of ``values``.

    ``current`` is the latest value's own interval (lower, upper): a forecast is never
    more certain than the figure it starts from, so on the forecast's scale each side of
    the prediction interval is at least as far from the forecast as that side of the
    current interval is from the current value (``_interval``), within ``bounds``.

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
    idx, _ = recent_window(x_all, ok, breaks, FORECAST_MAX_POINTS, step=int(cadence))
    n = len(idx)
    if n < FORECAST_MIN_POINTS:
        return []
    x, y = x_all[idx], y_all[idx]
    last_x = float(np.nanmax(x_all))
    no_interval = f"no interval: only {n} points ({FORECAST_INTERVAL_POINTS} needed)" \
        if n < FORECAST_INTERVAL_POINTS else None
    to_scale, from_scale = _transforms(scale, lo, hi, y)
    if np.ptp(y) == 0:  # a flat history stays where it is, with no spread of its own to project
        v = float(y[-1])
        bounds_v = (math.nan, math.nan) if no_interval else (v, v) if current is None else \
            _interval(float(to_scale(np.array([v]))[0]), 0.0, to_scale, from_scale, v, current, lo, hi)
        # On a bound (a flat 100%) the scale holds the interval just inside it: it still
        # contains the value forecast.
        bounds_v = (min(bounds_v[0], v), max(bounds_v[1], v)) if not no_interval else bounds_v
        return [Forecast(step, v, *bounds_v, scale, n, float(x[0]), no_interval)
                for step in range(1, horizon + 1)]
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
    first_step = float(from_scale(intercept + slope * (last_x + cadence))) - float(y[-1])
    last_move = float(y[-1] - y[-2])
    # The baseline turns back against the latest movement, both at least a typical period's
    # change: it says the last change will undo itself, which needs a word before anyone
    # plans on it.
    typical = float(np.median(moves))
    sharp_turn = first_step * last_move < 0 and min(abs(first_step), abs(last_move)) >= typical
    out = []
    for step in range(1, horizon + 1):
        x0 = last_x + step * cadence
        zhat = intercept + slope * x0
        half = t * s * math.sqrt(1 + 1 / n + (x0 - xm) ** 2 / sxx)
        value = float(from_scale(zhat))
        lower, upper = (math.nan, math.nan) if no_interval else \
            _interval(zhat, half, to_scale, from_scale, float(y[-1]), current, lo, hi)
        flags = [no_interval] if no_interval else []
        if any(not lo < np.polyval(ly, last_x + j * cadence) < hi for j in range(1, horizon + 1)):
            flags.append("hits a bound")
        if sharp_turn:
            flags.append("turns sharply")
        out.append(Forecast(step, value, lower, upper, scale, n, float(x[0]),
                            "; ".join(flags) or None))
    return out


def _interval(zhat: float, half: float, to_scale, from_scale, last: float, current,
              lo: float = -math.inf, hi: float = math.inf) -> tuple[float, float]:
    """The prediction interval zhat -/+ half on the forecast's scale, transformed back, and
    never narrower than the latest value's own interval ``current`` (lower, upper): each
    side reaches at least as far from the forecast as that side of ``current`` reaches from
    the latest value ``last``, both on the forecast's scale and in the measure's own units,
    except where that would reach the bound ``lo`` / ``hi`` (then the scale's side stands,
    just inside the range)."""
    lo_z, hi_z = zhat - half, zhat + half
    below = above = 0.0
    if current is not None:
        z_last = float(to_scale(np.array([last]))[0])
        if not _missing(current[0]):
            below = max(last - float(current[0]), 0.0)
            lo_z = min(lo_z, zhat - (z_last - float(to_scale(np.array([min(float(current[0]), last)]))[0])))
        if not _missing(current[1]):
            above = max(float(current[1]) - last, 0.0)
            hi_z = max(hi_z, zhat + (float(to_scale(np.array([max(float(current[1]), last)]))[0]) - z_last))
    value = float(from_scale(zhat))
    lower, upper = float(from_scale(lo_z)), float(from_scale(hi_z))
    if value - below > lo:
        lower = min(lower, value - below)
    if value + above < hi:
        upper = max(upper, value + above)
    return lower, upper


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
