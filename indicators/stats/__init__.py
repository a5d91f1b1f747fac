"""Statistics every measure needs: confidence intervals, trend, forecast, benchmark
comparison, RAG and ranking.

Pure functions, no I/O. The methods are the ones public-health indicator tools use
(PHE/OHID Fingertips "Technical Guide: Confidence Intervals"), so our numbers can be
reconciled with published ones. docs/methods.md explains each method for performance
officers; this module is the single implementation of what that document says.

Conventions shared by every function:
- ``level`` is a two-sided confidence level (0.95 default, 0.998 for control limits and
  trends), given as a fraction (0.95) or a percentage (95).
- Missing input (None, NaN, pandas NA, zero denominator) gives NaN, never an error:
  a missing period is normal in this data. Impossible input (negative counts, a
  numerator above its denominator) raises ``ValueError``, because silently producing
  an interval for it would hide a fault in the extract.
- Polarity is one of ``"higher"`` (higher is better), ``"lower"``, ``"none"``.
"""

from __future__ import annotations

from indicators.stats._common import (
    Z,
    POLARITIES,
    METHODS,
    BYAR_MIN_COUNT,
    level_fraction,
    z_for,
)
from indicators.stats.intervals import (
    wilson_arrays,
    byar_arrays,
    mean_ci_arrays,
    newcombe_arrays,
    welch_arrays,
    wilson,
    byar,
    rate_ci,
    mean_ci,
    diff_proportions_ci,
    diff_means_ci,
)
from indicators.stats.frames import (
    add_intervals,
    add_intervals_by_method,
)
from indicators.stats.trends import (
    TREND_POINTS,
    TREND_LEVEL,
    FORECAST_MIN_POINTS,
    FORECAST_MAX_POINTS,
    FORECAST_INTERVAL_POINTS,
    SIGNIFICANCE,
    CANNOT,
    NO_CHANGE,
    DIRECTIONS,
    Trend,
    Forecast,
    critical_value,
    critical_statistic,
    chi2_for_trend,
    recent_window,
    trend,
    judge_trend,
    forecast,
)
from indicators.stats.judgements import (
    compare_benchmark,
    rag,
    rag_reason,
    national_rank,
    quartile_band,
)

__all__ = [
    "Z",
    "POLARITIES",
    "METHODS",
    "BYAR_MIN_COUNT",
    "level_fraction",
    "z_for",
    "wilson_arrays",
    "byar_arrays",
    "mean_ci_arrays",
    "newcombe_arrays",
    "welch_arrays",
    "wilson",
    "byar",
    "rate_ci",
    "mean_ci",
    "diff_proportions_ci",
    "diff_means_ci",
    "add_intervals",
    "add_intervals_by_method",
    "TREND_POINTS",
    "TREND_LEVEL",
    "FORECAST_MIN_POINTS",
    "FORECAST_MAX_POINTS",
    "FORECAST_INTERVAL_POINTS",
    "SIGNIFICANCE",
    "CANNOT",
    "NO_CHANGE",
    "DIRECTIONS",
    "Trend",
    "Forecast",
    "critical_value",
    "critical_statistic",
    "chi2_for_trend",
    "recent_window",
    "trend",
    "judge_trend",
    "forecast",
    "compare_benchmark",
    "rag",
    "rag_reason",
    "national_rank",
    "quartile_band",
]
