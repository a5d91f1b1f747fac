"""Rounding once, where a figure is shown (pipelines/outputs/fmt.py)."""

import numpy as np
import pytest

from pipelines.outputs import fmt


@pytest.mark.parametrize("v,unit,shown", [
    (7.6475, "per_100k", "7.6"),          # rounded once from the stored value (not 7.65 -> 7.7)
    (0.014, "per_100", "0.014"),          # a small rate keeps two significant figures, not "0.0"
    (0.5, "pct", "0.50%"), (12.34, "pct", "12.3%"), (0.0, "pct", "0.0%"),
    (320, "count", "320"), (2.345, "ratio", "2.35"), (1234.56, "per_1000", "1,234.6"),
    ("c", "pct", "c"), (None, "pct", fmt.MISSING),
])
def test_values_are_rounded_once_to_their_unit_and_two_significant_figures(v, unit, shown):
    assert fmt.value(v, unit) == shown


def test_a_forecast_bound_near_zero_is_not_shown_as_zero():
    assert fmt.ci(0.014, 0.52, "per_100") == "0.014 to 0.520"
    assert fmt.ci(1.5, 17.26, "pct") == "1.5 to 17.3"
    assert fmt.value_ci(1.0704, 0.6273, 1.0751, "pct") == ("1.07%", "0.63 to 1.08")


def test_no_shown_bound_crosses_the_shown_value_unless_the_stored_one_does():
    rng = np.random.default_rng(29)
    for unit in ("pct", "per_100", "per_100k", "ratio", "mean", "count"):
        for _ in range(2000):
            v = float(10 ** rng.uniform(-3, 3))
            lo, hi = v - float(rng.exponential(v / 3)), v + float(rng.exponential(v / 3))
            lo = max(lo, 0.0)
            value_text, ci_text = fmt.value_ci(v, lo, hi, unit)
            text_lo, text_hi = ci_text.split(" to ")
            shown = float(value_text.rstrip("%").replace(",", ""))
            assert float(text_lo.replace(",", "")) <= shown <= float(text_hi.replace(",", "")), (unit, lo, v, hi)
