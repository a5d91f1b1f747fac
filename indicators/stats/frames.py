"""Confidence intervals for whole frames of numerators and denominators (vectorised)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.stats._common import METHODS, _as_float_array
from indicators.stats.intervals import byar_arrays, mean_ci_arrays, newcombe_arrays, welch_arrays, wilson_arrays

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

def add_intervals(frame: pd.DataFrame, method: str, level: float = 0.95,  # noqa: C901 (over the limit before it was set: to be split, docs/performance.md)
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
    - ``"rate_above_one"``: a ratio of events per person where every person counted has
      at least one event (re-offences per re-offender), so it cannot fall below 1: value as
      ``"rate"``; the Poisson bounds are those of the events beyond the first per person
      (numerator - denominator), so the interval is 1 + excess / denominator, never below 1.
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
    if method == "rate_above_one":
        num, den = col("numerator"), col("denominator")
        if np.any(num < den):
            raise ValueError("rate_above_one: a numerator below its denominator (fewer events than people)")
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, num / den, np.nan) * m
            lo, hi = byar_arrays(num - den, level) if n_rows else (nan, nan)
            scale = np.where(den > 0, m / den, np.nan)
        lo, hi = (den + lo) * scale, (den + hi) * scale
    elif method in ("wilson", "rate"):
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
