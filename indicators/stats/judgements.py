"""Judging a value: against a benchmark (better / similar / worse), a target (RAG), all LAs (band, rank)."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from indicators.stats._common import _as_float_array, _check_polarity, _missing

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

def rag_reason(value, ci_lower, ci_upper, target, polarity: str, tolerance=0.0) -> str | None:
    """Why the RAG is what it is, in words beside it: met / missed within or beyond the
    tolerance, and whether the value's confidence interval spans the target (then the
    verdict could go either way on another sample). None where there is no RAG, or the
    reason it cannot be given (no target; no polarity)."""
    _check_polarity(polarity)
    if _missing(value):
        return None
    if _missing(target):
        return "no RAG: no target set for this period"
    if polarity == "none":
        return "no RAG: the measure has no better direction"
    verdict = rag(value, target, polarity, tolerance)
    side = "at or above" if polarity == "higher" else "at or below"
    words = {"green": f"target met (the value is {side} the target)",
             "amber": "target missed, within the amber tolerance",
             "red": "target missed by more than the amber tolerance"}[verdict]
    if _missing(ci_lower) or _missing(ci_upper):
        return words + "; no confidence interval"
    if float(ci_lower) <= float(target) <= float(ci_upper):
        return words + "; the confidence interval spans the target, so it is not certainly " + (
            "met" if verdict == "green" else "missed")
    return words + "; the whole confidence interval is on the same side of the target"


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
