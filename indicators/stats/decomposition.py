"""What moved a headline between two periods: Kitagawa's decomposition of the change in a
rate over the parts of one breakdown (wards, localities, age bands...), with intervals.

A rate over parts is a weighted mean of the parts' own rates: ``R = sum_i w_i r_i`` with
``w_i = d_i / D`` (the part's share of the denominator) and ``r_i = n_i / d_i``. Between
period 1 and period 2 (Kitagawa 1955, "Components of a difference between two rates",
JASA 50(272): 1168-1194; the symmetric form)::

    R2 - R1 = sum_i (r2_i - r1_i) (w1_i + w2_i) / 2      each part's own rate change ("rate")
            + sum_i (w2_i - w1_i) (r1_i + r2_i) / 2      the change in mix             ("mix")

Each part's mix term is centred on the whole's mean rate ``Rbar = (R1 + R2) / 2``
(``(w2_i - w1_i) ((r1_i + r2_i) / 2 - Rbar)``): the shares add up to one in both periods, so
the centring leaves the breakdown's total mix unchanged, and a part whose share grew moves the
whole only as far as its rate differs from the whole's (a part as common as the average moves
nothing by growing). Part i's contribution is rate + mix; the parts' contributions add up to
``R2 - R1``.

Two other shapes of breakdown are handled by the same sum:

- parts that split the numerator over one shared denominator (reasons for a rate per 1,000
  pupils: each part's denominator is the whole's): ``r_i = n_i / D``, ``w_i = 1``, no mix;
- counts (no denominator): the contribution is the change in the part's count.

A breakdown whose parts overlap (their counts add up to more than the whole) is not
decomposed.

Intervals treat the denominators as fixed (populations) and each part's rate as binomial
(proportions: ``var r = r (1 - r) / d``) or Poisson (rates and counts: ``var r = n / d^2``),
the two periods independent; a part with no events in a period is given the variance of
half an event (``EMPTY``), so an empty part is never certain. Then::

    var(rate_i) = ((w1_i + w2_i) / 2)^2 (var r1_i + var r2_i)
    var(part_i) = w2_i^2 var r2_i + w1_i^2 var r1_i      (rate + mix = w2 r2 - w1 r1 - (w2 - w1) Rbar)

A part's contribution is significant when its interval excludes zero at the level given,
Bonferroni-adjusted over the parts of the breakdown (``level`` per breakdown, so a breakdown
of 20 wards does not name one by chance one time in three).

Pure functions, no I/O. A part with either period's numerator or denominator missing (a
suppressed cell) gets no figures: it is never decomposed, so never named.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from indicators.stats._common import z_for

# How each part's rate varies: "binomial" (proportions), "poisson" (rates and counts).
VARIANCE = {"wilson": "binomial", "byar": "poisson", "rate": "poisson"}
# The breakdown's shape: parts partition the denominator, split the numerator over the
# whole's denominator, split a count, or overlap (not decomposed).
SHAPES = ("partition", "numerator_split", "count", "overlapping", "not_decomposable")
PART_COLUMNS = ["part", "n1", "d1", "n2", "d2", "rate_effect", "mix_effect", "contribution",
                "contribution_lower", "contribution_upper", "rate_lower", "rate_upper",
                "is_complete", "is_significant"]
TOLERANCE = 1e-6
EMPTY = 0.5          # events counted for a part with none, in its variance only


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def shape(parts: pd.DataFrame, total: dict, method: str) -> str:
    """How the parts (columns n1, d1, n2, d2; NaN where suppressed) relate to the whole
    (``total``: n1, d1, n2, d2), for a measure whose interval method is ``method``."""
    if method not in VARIANCE:
        return "not_decomposable"
    n = {p: parts[f"n{p}"].to_numpy(float) for p in ("1", "2")}
    if any(np.nansum(n[p]) > total[f"n{p}"] + TOLERANCE for p in ("1", "2")):
        return "overlapping"
    if method == "byar" or any(math.isnan(total[k]) for k in ("d1", "d2")):
        return "count"
    d = {p: parts[f"d{p}"].to_numpy(float) for p in ("1", "2")}
    same = [np.isclose(d[p][~np.isnan(d[p])], total[f"d{p}"], rtol=TOLERANCE) for p in ("1", "2")]
    if len(parts) > 1 and all(len(x) and x.all() for x in same):
        return "numerator_split"
    for p in ("1", "2"):
        known = d[p][~np.isnan(d[p])]
        if known.sum() > total[f"d{p}"] * (1 + TOLERANCE) or (
                len(known) == len(parts) and not _close(known.sum(), total[f"d{p}"])):
            return "overlapping"
    return "partition"


def _rate_variance(n, d, kind: str):
    # No events is not certainty: an empty part gets the variance of half an event (the usual
    # continuity correction), so a part with none in either period is never "significant".
    n = np.maximum(n, EMPTY)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = n / d
        return np.where(d > 0, r * (1 - r) / d if kind == "binomial" else n / d ** 2, np.nan)


def decompose(parts: pd.DataFrame, total: dict, method: str, multiplier: float = 1.0,
              level: float = 0.95) -> tuple[str, pd.DataFrame]:
    """The breakdown's shape and one row per part (``PART_COLUMNS``), figures in the
    measure's unit (``multiplier``: 100 for a percentage). ``parts`` has columns part, n1,
    d1, n2, d2 (NaN where a cell is suppressed); ``total`` the whole's n1, d1, n2, d2."""
    form = shape(parts, total, method)
    k = len(parts)
    cols = {c: parts[c].to_numpy(float) for c in ("n1", "d1", "n2", "d2")}
    out = {"part": parts["part"].to_numpy(object), **cols}
    if form in ("overlapping", "not_decomposable"):
        blank = np.full(k, np.nan)
        out |= {c: blank for c in PART_COLUMNS[5:12]}
        out |= {"is_complete": np.zeros(k, bool), "is_significant": np.zeros(k, bool)}
        return form, pd.DataFrame(out, columns=PART_COLUMNS)
    n1, n2 = cols["n1"], cols["n2"]
    centre = 0.0
    if form == "count":
        w1 = w2 = np.ones(k)
        r1, r2 = n1, n2
        v1, v2 = np.maximum(n1, EMPTY), np.maximum(n2, EMPTY)      # Poisson: var n = n
        scale = 1.0
    else:
        d1, d2 = cols["d1"], cols["d2"]
        if form == "numerator_split":
            d1, d2 = np.full(k, total["d1"]), np.full(k, total["d2"])
            w1 = w2 = np.ones(k)
        else:
            w1, w2 = d1 / total["d1"], d2 / total["d2"]
            centre = (total["n1"] / total["d1"] + total["n2"] / total["d2"]) / 2
        kind = VARIANCE[method]
        with np.errstate(divide="ignore", invalid="ignore"):
            r1, r2 = np.where(d1 > 0, n1 / d1, 0.0), np.where(d2 > 0, n2 / d2, 0.0)
        v1, v2 = np.nan_to_num(_rate_variance(n1, d1, kind)), np.nan_to_num(_rate_variance(n2, d2, kind))
        scale = multiplier
    complete = ~(np.isnan(n1) | np.isnan(n2) | np.isnan(w1) | np.isnan(w2))
    z = z_for(1 - (1 - level) / max(1, k))      # Bonferroni over the breakdown's parts
    rate = (r2 - r1) * (w1 + w2) / 2
    mix = (w2 - w1) * ((r1 + r2) / 2 - centre)
    sd_rate = np.sqrt(((w1 + w2) / 2) ** 2 * (v1 + v2))
    sd_part = np.sqrt(w2 ** 2 * v2 + w1 ** 2 * v1)
    whole = rate + mix
    figures = {"rate_effect": rate, "mix_effect": mix, "contribution": whole,
               "contribution_lower": whole - z * sd_part, "contribution_upper": whole + z * sd_part,
               "rate_lower": rate - z * sd_rate, "rate_upper": rate + z * sd_rate}
    out |= {c: np.where(complete, v * scale, np.nan) for c, v in figures.items()}
    out["is_complete"] = complete
    out["is_significant"] = complete & ((out["contribution_lower"] > 0) | (out["contribution_upper"] < 0))
    return form, pd.DataFrame(out, columns=PART_COLUMNS)


def change_interval(total: dict, method: str, multiplier: float = 1.0, level: float = 0.95) -> tuple[float, float, float]:
    """The whole's change (period 2 minus period 1, in the unit) and its interval, with the
    same variances as the parts."""
    if method not in VARIANCE:
        return math.nan, math.nan, math.nan
    n1, n2, d1, d2 = (float(total[k]) for k in ("n1", "n2", "d1", "d2"))
    if method == "byar" or math.isnan(d1) or math.isnan(d2):
        diff, sd, scale = n2 - n1, math.sqrt(n1 + n2), 1.0
    else:
        kind = VARIANCE[method]
        diff = n2 / d2 - n1 / d1
        sd = math.sqrt(float(_rate_variance(np.array(n1), np.array(d1), kind))
                       + float(_rate_variance(np.array(n2), np.array(d2), kind)))
        scale = multiplier
    z = z_for(level)
    return diff * scale, (diff - z * sd) * scale, (diff + z * sd) * scale
