"""Trends, forecasts and bands recomputed from the warehouse with the public methods, apart
from the project's statistics code (``indicators.stats``): numpy / scipy only, written from
the methods' published descriptions (docs/methods.md cites them).

- Trend (PHEindicatormethods ``assign_trend_markers``): the five most recent collections
  (cadence apart, none missing, no series break between); proportions: the chi-square test
  for trend (Cochran-Armitage) with the direction from the least-squares slope of the logit;
  otherwise the weighted least-squares slope (weights 1 / variance read from the 95% CI),
  chi-square = slope^2 / var(slope); significant above the 1-df critical value rounded to
  four decimals; set aside when leaving one point out reverses the slope's sign.
- Forecast: least squares on the measure's scale (logit between two bounds, log above a
  lower bound) over the same window, three or more points; a 95% prediction interval only
  on five, containing the line's own interval and within the range.
- Band and rank: rank 1 + the number of other authorities strictly better, band
  floor((rank - 1) * 4 / n) (DfE LAIT).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as st

ANNUAL = ("financial_year", "academic_year", "calendar_year")
RANGE = {"pct": (0.0, 100.0), "pp": (-100.0, 100.0), "per_100": (0.0, math.inf), "per_1000": (0.0, math.inf),
         "per_100k": (0.0, math.inf), "count": (0.0, math.inf), "ratio": (0.0, math.inf),
         "mean": (-math.inf, math.inf), "points": (-math.inf, math.inf)}


def index(period: str, period_type: str) -> int:
    if period_type in ANNUAL:
        return int(period[:4])
    if period_type == "month":
        return int(period[:4]) * 12 + int(period[5:7]) - 1
    return int(period[:4]) * 4 + int(period[-1]) - 1


def value_range(unit: str, ci_method: str, multiplier: float) -> tuple[float, float]:
    lo, hi = RANGE[unit]
    return (multiplier, hi) if ci_method == "rate_above_one" else (lo, hi)


def window(points: dict, upto: int, cadence: int, breaks: list[int], limit: int = 5) -> list[int]:
    """The most recent run of usable collections up to ``upto``, ``cadence`` apart."""
    usable = sorted(x for x in points if x <= upto)
    if not usable:
        return []
    run = [usable[-1]]
    while len(run) < limit:
        prev = run[-1] - cadence
        if prev not in points or any(prev < b <= run[-1] for b in breaks):
            break
        run.append(prev)
    return sorted(run)


def _ols_slope(x, y) -> float:
    return float(st.linregress(x, y).slope)


def _trend_stat(x, r, n, y, lo, hi, z, proportions) -> tuple[float, float] | None:
    """(chi-square, direction slope), None when a point has no interval to weight it."""
    x = np.asarray(x, float)
    if proportions:
        r, n = np.asarray(r, float), np.asarray(n, float)
        p_bar = r.sum() / n.sum()
        x_bar = (n * x).sum() / n.sum()
        var = p_bar * (1 - p_bar) * (n * (x - x_bar) ** 2).sum()
        t = (r * (x - x_bar)).sum()
        chi2 = 0.0 if var <= 0 else float(t ** 2 / var)
        p = r / n
        direction = _ols_slope(x, np.log(p / (1 - p))) if ((p > 0) & (p < 1)).all() else float(t)
        return chi2, direction
    se = (np.asarray(hi, float) - np.asarray(lo, float)) / (2 * z)
    if not (np.isfinite(se) & (se > 0)).all():
        return None
    w = 1 / se ** 2
    design = np.column_stack([np.ones_like(x), x]) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(design, np.asarray(y, float) * np.sqrt(w), rcond=None)
    var_slope = np.linalg.inv(design.T @ design)[1, 1]
    return float(coef[1] ** 2 / var_slope), float(coef[1])


def trend(series: pd.DataFrame, upto: int, cadence: int, breaks: list[int], level: float,
          proportions: bool) -> tuple[str, float]:
    """(direction, chi-square) of the recent trend up to period number ``upto``."""
    ok = series["value"].notna()
    if proportions:
        ok &= series["numerator"].notna() & (series["denominator"] > 0)
    pts = {int(r["x"]): r for r in series[ok].to_dict("records")}
    run = window(pts, upto, cadence, breaks)
    if len(run) < 5:
        return "cannot be calculated", math.nan
    rows = [pts[x] for x in run]
    z = float(st.norm.ppf(1 - (1 - rows[-1]["ci_level"]) / 2))

    def stat(keep):
        sub = [rows[i] for i in keep]
        return _trend_stat([run[i] for i in keep], [s["numerator"] for s in sub], [s["denominator"] for s in sub],
                           [s["value"] for s in sub], [s["ci_lower"] for s in sub], [s["ci_upper"] for s in sub],
                           z, proportions)
    full = stat(range(5))
    if full is None:
        return "cannot be calculated", math.nan
    chi2, direction = full
    if not chi2 > round(float(st.chi2.ppf(level, 1)), 4):
        return "no significant change", chi2
    for i in range(5):
        if np.sign(stat([k for k in range(5) if k != i])[1]) != np.sign(direction):
            return "no significant change", chi2
    return ("decreasing" if direction < 0 else "increasing"), chi2


def forecast_line(series: pd.DataFrame, upto: int, cadence: int, breaks: list[int], bounds, level: float = 0.95):
    """(value, line lower, line upper, points) of the first forecast step, or None when the
    window has fewer than three points, is flat, or touches a bound (the project's own
    adjustment applies there; not recomputed)."""
    pts = {int(x): float(v) for x, v in zip(series["x"], series["value"]) if pd.notna(v)}
    run = window(pts, upto, cadence, breaks)
    if len(run) < 3:
        return None
    x = np.array(run, float)
    y = np.array([pts[k] for k in run])
    lo, hi = bounds
    if np.ptp(y) == 0 or (y <= lo).any() or (y >= hi).any():
        return None
    if math.isfinite(lo) and math.isfinite(hi):
        zy = np.log((y - lo) / (hi - y))

        def back(z):
            return lo + (hi - lo) / (1 + math.exp(-z))
    elif math.isfinite(lo):
        zy = np.log(y - lo)

        def back(z):
            return lo + math.exp(z)
    else:
        zy = y

        def back(z):
            return z
    fit = st.linregress(x, zy)
    x0 = upto + cadence     # the period after the row's own (its forecast_period), even when
    #                         the row itself has no value and the window ends earlier
    zhat = fit.intercept + fit.slope * x0
    n = len(x)
    s = math.sqrt(((zy - fit.intercept - fit.slope * x) ** 2).sum() / (n - 2))
    half = st.t.ppf(1 - (1 - level) / 2, n - 2) * s * math.sqrt(1 + 1 / n + (x0 - x.mean()) ** 2
                                                               / ((x - x.mean()) ** 2).sum())
    return back(zhat), back(zhat - half), back(zhat + half), n


def band(placed: float, others, polarity: str) -> tuple[int, str, int]:
    others = np.asarray(others, float)
    better = (others > placed) if polarity == "higher" else (others < placed)
    rank = 1 + int(better.sum())
    n = len(others) + 1
    return rank, "ABCD"[min(3, (rank - 1) * 4 // n)], n


def check_warehouse(con) -> dict:
    """Recompute every complete row of ``scorecard_periods`` (trend, first forecast step,
    band and rank) and every forecast of ``indicator_forecasts`` (range) from the
    warehouse; assert each agrees; return how many of each were compared."""
    values = con.execute("select * from indicator_values where breakdown = 'all'").df()
    periods = con.execute("select * from scorecard_periods where is_complete").df()
    catalogue = con.execute("select * from indicator_catalogue").df().set_index("measure_id")
    bench = con.execute("select measure_id, period, other_la_values from benchmark_values").df()
    others = {(m, p): o for m, p, o in zip(bench["measure_id"], bench["period"], bench["other_la_values"])}
    done = dict(trend=0, trend_significant=0, forecast=0, forecast_interval=0, band=0, forecast_rows=0)
    for mid, rows in periods.groupby("measure_id"):
        m = catalogue.loc[mid]
        ptype = m["period_type"]
        s = values[values["measure_id"] == mid].assign(x=lambda d: [index(p, ptype) for p in d["period"]])
        s = s.sort_values("x")
        breaks = [index(b.strip(), ptype) for b in ("" if pd.isna(m["series_breaks"]) else m["series_breaks"]).split(",")
                  if b.strip()]
        cadence = int(m["cadence"])
        bounds = value_range(m["unit"], m["ci_method"], float(m["multiplier"]))
        for r in rows.to_dict("records"):
            upto = index(r["period"], ptype)
            past = s[s["x"] <= upto]
            shown = past["value"].notna()
            proportions = m["ci_method"] == "wilson" and bool(
                (past.loc[shown, "numerator"] <= past.loc[shown, "denominator"]).all())
            direction, chi2 = trend(past, upto, cadence, breaks, float(m["trend_level"]), proportions)
            assert direction == r["trend_direction"], (mid, r["period"], direction, r["trend_direction"], r["trend_reason"])
            if not math.isnan(chi2):
                assert chi2 == _approx(r["trend_statistic"]), (mid, r["period"], chi2, r["trend_statistic"])
            done["trend"] += 1
            done["trend_significant"] += direction in ("increasing", "decreasing")
            _check_forecast(r, past, upto, cadence, breaks, bounds, float(m["forecast_level"]), done)
            if isinstance(r["quartile_band"], str) and m["polarity"] in ("higher", "lower"):
                basis = str(r["band_basis"])
                placed = r["benchmark_local_value"] if basis.startswith("our ") else r["la_published_value"]
                rank, band_, n = band(placed, others[(mid, r["benchmark_period"])], m["polarity"])
                assert (rank, band_, n) == (r["national_rank"], r["quartile_band"], r["n_las"]), (mid, r["period"])
                done["band"] += 1
    fc = con.execute("select f.*, c.ci_method, c.multiplier from indicator_forecasts f join indicator_catalogue c "
                     "using (measure_id) where kind = 'forecast'").df()
    for f in fc.to_dict("records"):
        lo, hi = value_range(f["unit"], f["ci_method"], float(f["multiplier"]))
        assert lo <= f["value"] <= hi, f
        if pd.notna(f["lower"]):
            assert lo <= f["lower"] <= f["value"] <= f["upper"] <= hi and f["fit_points"] == 5, f
        else:
            assert f["fit_points"] < 5 and "no interval" in str(f["flag"]), f
        done["forecast_rows"] += 1
    return done


def _approx(v, rel: float = 1e-7):
    import pytest
    return pytest.approx(v, rel=rel, abs=1e-7)


def _check_forecast(r: dict, past: pd.DataFrame, upto: int, cadence: int, breaks, bounds, level: float,
                    done: dict) -> None:
    lo, hi = bounds
    if pd.notna(r["forecast_value"]):
        assert lo <= r["forecast_value"] <= hi, r
    if pd.notna(r["forecast_lower"]):
        assert lo <= r["forecast_lower"] <= r["forecast_value"] <= r["forecast_upper"] <= hi, r
    line = forecast_line(past, upto, cadence, breaks, bounds, level)
    if line is None:
        return
    value, line_lo, line_hi, n = line
    assert r["forecast_value"] == _approx(value), (r["measure_id"], r["period"], value, r["forecast_value"])
    assert r["forecast_points"] == n
    done["forecast"] += 1
    if n < 5:
        assert pd.isna(r["forecast_lower"]) and pd.isna(r["forecast_upper"]), r
        assert "no interval" in str(r["forecast_flag"])
        return
    # The stored interval holds the line's own (it is widened, never narrowed, to the current
    # value's interval) and stays within the range.
    tol = 1e-9 * max(1.0, abs(value))
    assert lo <= r["forecast_lower"] <= line_lo + tol and line_hi - tol <= r["forecast_upper"] <= hi, \
        (r["measure_id"], r["period"], line_lo, line_hi, r["forecast_lower"], r["forecast_upper"])
    done["forecast_interval"] += 1
