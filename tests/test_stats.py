"""Tests of indicators.stats against published reference values and against
independent computations (scipy distributions, not the formulas under test)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from indicators import stats as S

nan = math.nan


def r4(pair):
    return tuple(round(v, 4) for v in pair)


# --- levels --------------------------------------------------------------------------

def test_z_table_matches_normal_quantiles():
    assert S.z_for(0.95) == S.Z[0.95]
    assert S.Z[0.95] == pytest.approx(st.norm.ppf(0.975), abs=1e-15)
    assert S.Z[0.998] == pytest.approx(st.norm.ppf(0.999), abs=1e-15)
    assert S.z_for(0.9) == pytest.approx(1.6448536269514722)
    for bad in (0, 1, 95, -0.5):
        with pytest.raises(ValueError):
            S.z_for(bad)


# --- Wilson --------------------------------------------------------------------------

def test_wilson_reference_65_of_100():
    assert r4(S.wilson(65, 100)) == (0.5525, 0.7364)


@pytest.mark.parametrize("num,den,level", [(65, 100, 0.95), (1, 7, 0.95), (3, 40, 0.998),
                                           (999, 1000, 0.95)])
def test_wilson_bounds_solve_the_score_equation(num, den, level):
    # Each Wilson bound p satisfies |phat - p| = z * sqrt(p(1-p)/n): check that
    # property instead of re-typing the closed form.
    z = st.norm.ppf(1 - (1 - level) / 2)
    phat = num / den
    for p in S.wilson(num, den, level):
        assert abs(phat - p) == pytest.approx(z * math.sqrt(p * (1 - p) / den), rel=1e-9)


def test_wilson_zero_and_full_counts():
    lo, hi = S.wilson(0, 20)
    assert lo == 0.0 and 0 < hi < 1
    assert hi == pytest.approx(S.z_for(0.95) ** 2 / (20 + S.z_for(0.95) ** 2))
    lo, hi = S.wilson(20, 20)
    assert hi == 1.0 and lo == pytest.approx(1 - S.wilson(0, 20)[1])


@pytest.mark.parametrize("den", [0, None, nan, pd.NA])
def test_wilson_missing_denominator(den):
    lo, hi = S.wilson(3, den)
    assert math.isnan(lo) and math.isnan(hi)


def test_wilson_998_wider_than_95():
    lo95, hi95 = S.wilson(65, 100)
    lo998, hi998 = S.wilson(65, 100, 0.998)
    assert lo998 < lo95 and hi998 > hi95
    # Worked by hand: z^2 = 9.5495, (139.5495 -/+ 3.0902 * sqrt(100.5495)) / 219.099.
    assert r4((lo998, hi998)) == (0.4955, 0.7784)


def test_wilson_rejects_impossible_proportions():
    with pytest.raises(ValueError):
        S.wilson(11, 10)
    with pytest.raises(ValueError):
        S.wilson(-1, 10)


# --- Poisson counts and rates ---------------------------------------------------------

def test_byar_reference_65_events():
    lo, hi = S.byar(65)
    assert (round(lo, 2), round(hi, 2)) == (50.16, 82.85)


def test_exact_poisson_published_value_for_5_events():
    assert r4(S.byar(5)) == (1.6235, 11.6683)


@pytest.mark.parametrize("count", [0, 1, 2, 5, 9])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_small_counts_use_exact_poisson(count, level):
    # Exact bounds defined by tail probabilities of the Poisson distribution itself:
    # P(X >= count | lower) = alpha/2 and P(X <= count | upper) = alpha/2.
    a2 = (1 - level) / 2
    lo, hi = S.byar(count, level)
    assert st.poisson.cdf(count, hi) == pytest.approx(a2, rel=1e-7)
    if count == 0:
        assert lo == 0.0
    else:
        assert st.poisson.sf(count - 1, lo) == pytest.approx(a2, rel=1e-7)


def test_zero_events_upper_bound_published():
    assert round(S.byar(0)[1], 4) == 3.6889


def test_byar_switches_at_ten():
    # 10 uses Byar's closed form, not the exact interval.
    z = S.Z[0.95]
    assert S.byar(10)[0] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * math.sqrt(10))) ** 3)
    assert S.byar(10)[0] != pytest.approx(st.chi2.ppf(0.025, 20) / 2, abs=1e-6)
    # ...and Byar's approximates the exact interval closely for large counts.
    lo, hi = S.byar(400)
    assert lo == pytest.approx(st.chi2.ppf(0.025, 800) / 2, rel=1e-3)
    assert hi == pytest.approx(st.chi2.ppf(0.975, 802) / 2, rel=1e-3)


def test_byar_missing_and_negative():
    assert all(math.isnan(v) for v in S.byar(None))
    with pytest.raises(ValueError):
        S.byar(-1)


def test_rate_ci_scales_byar():
    lo, hi = S.rate_ci(65, 20000, per=100000)
    assert (round(lo, 2), round(hi, 2)) == (250.82, 414.25)
    assert all(math.isnan(v) for v in S.rate_ci(5, 0))
    assert all(math.isnan(v) for v in S.rate_ci(5, None))


# --- means and differences -------------------------------------------------------------

def _sample():
    rng = np.random.default_rng(7)
    return rng.normal(20, 4, 23), rng.normal(17, 7, 31)


def test_mean_ci_matches_scipy_t_interval():
    a, _ = _sample()
    ci = st.ttest_1samp(a, 0).confidence_interval(0.95)
    lo, hi = S.mean_ci(a.mean(), a.std(ddof=1), len(a))
    assert lo == pytest.approx(ci.low, rel=1e-10) and hi == pytest.approx(ci.high, rel=1e-10)


def test_mean_ci_needs_two_observations():
    assert all(math.isnan(v) for v in S.mean_ci(5.0, 1.0, 1))
    assert all(math.isnan(v) for v in S.mean_ci(5.0, nan, 10))


def test_newcombe_reference_example():
    d, lo, hi = S.diff_proportions_ci(56, 70, 48, 80)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)


def test_newcombe_extremes_and_missing():
    d, lo, hi = S.diff_proportions_ci(0, 10, 0, 20)
    assert d == 0 and lo < 0 < hi and -1 <= lo and hi <= 1
    d, lo, hi = S.diff_proportions_ci(10, 10, 0, 10)
    assert d == 1 and hi == pytest.approx(1.0) and 0 < lo < 1
    assert all(math.isnan(v) for v in S.diff_proportions_ci(1, 0, 2, 10))


def test_welch_matches_scipy():
    a, b = _sample()
    ci = st.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    d, lo, hi = S.diff_means_ci(a.mean(), a.std(ddof=1), len(a),
                                b.mean(), b.std(ddof=1), len(b))
    assert d == pytest.approx(a.mean() - b.mean())
    assert lo == pytest.approx(ci.low, rel=1e-9) and hi == pytest.approx(ci.high, rel=1e-9)
    assert all(math.isnan(v) for v in S.diff_means_ci(1, 1, 1, 2, 1, 10))


# --- frames ----------------------------------------------------------------------------

FRAME = pd.DataFrame({"numerator": [65, 0, 20, 5, np.nan, 3],
                      "denominator": [100, 10, 20, 0, 10, np.nan]},
                     index=[10, 11, 12, 13, 14, 15])


def test_add_intervals_wilson_matches_scalar_and_scales():
    out = S.add_intervals(FRAME, "wilson", multiplier=100)
    assert list(out.index) == list(FRAME.index)
    for i, row in out.iterrows():
        lo, hi = S.wilson(FRAME.at[i, "numerator"], FRAME.at[i, "denominator"])
        if math.isnan(lo):
            assert math.isnan(row.ci_lower) and math.isnan(row.value)
        else:
            assert row.value == pytest.approx(100 * FRAME.at[i, "numerator"]
                                              / FRAME.at[i, "denominator"])
            assert (row.ci_lower, row.ci_upper) == pytest.approx((100 * lo, 100 * hi))
    assert round(out.at[10, "ci_lower"], 2) == 55.25
    assert "value" not in FRAME.columns  # input untouched


def test_add_intervals_rate_byar_and_none():
    rate = S.add_intervals(FRAME, "rate", multiplier=1000)
    assert rate.at[10, "value"] == pytest.approx(650)
    assert (rate.at[10, "ci_lower"], rate.at[10, "ci_upper"]) == pytest.approx(
        tuple(v * 10 for v in S.byar(65)))
    assert math.isnan(rate.at[13, "value"]) and math.isnan(rate.at[13, "ci_upper"])
    counts = S.add_intervals(FRAME, "byar")
    assert counts.at[13, "value"] == 5
    assert (counts.at[13, "ci_lower"], counts.at[13, "ci_upper"]) == pytest.approx(S.byar(5))
    none = S.add_intervals(FRAME, "none", multiplier=100)
    assert none.at[10, "value"] == pytest.approx(65) and none.at[15, "value"] == 300
    assert none[["ci_lower", "ci_upper"]].isna().all().all()


def test_add_intervals_mean_and_per_row_multiplier():
    f = pd.DataFrame({"value": [10.0, 3.0], "sd": [2.0, 1.0], "n": [25, 1]})
    out = S.add_intervals(f, "mean")
    assert (out.at[0, "ci_lower"], out.at[0, "ci_upper"]) == pytest.approx(S.mean_ci(10, 2, 25))
    assert math.isnan(out.at[1, "ci_lower"])
    f = pd.DataFrame({"numerator": [1, 1], "denominator": [4, 4], "mult": [100, 1000]})
    out = S.add_intervals(f, "wilson", multiplier="mult")
    assert list(out["value"]) == [25, 250]


def test_add_intervals_by_method_mixes_methods():
    f = pd.DataFrame({"numerator": [65, 65, 65], "denominator": [100, 100, 100],
                      "ci_method": ["rate", "wilson", "byar"],
                      "multiplier": [1000, 100, 1]})
    out = S.add_intervals_by_method(f)
    assert list(out["value"]) == pytest.approx([650, 65, 65])
    assert out.at[1, "ci_lower"] == pytest.approx(55.2544, abs=1e-4)
    assert out.at[2, "ci_upper"] == pytest.approx(82.849, abs=1e-3)


def test_add_intervals_validates():
    with pytest.raises(ValueError):
        S.add_intervals(FRAME, "normal")
    with pytest.raises(ValueError):
        S.add_intervals(pd.DataFrame({"numerator": [5], "denominator": [4]}), "wilson")
    empty = S.add_intervals(FRAME.iloc[:0], "wilson", multiplier=100)
    assert empty.empty and {"value", "ci_lower", "ci_upper"} <= set(empty.columns)


def test_add_intervals_is_vectorised_enough():
    n = 20000
    rng = np.random.default_rng(1)
    den = rng.integers(1, 500, n)
    f = pd.DataFrame({"numerator": rng.integers(0, den + 1), "denominator": den})
    out = S.add_intervals(f, "wilson", multiplier=100)
    assert out["ci_lower"].notna().all()
    assert (out["ci_lower"] <= out["value"]).all() and (out["value"] <= out["ci_upper"]).all()


# --- trend -------------------------------------------------------------------------------

def test_trend_regression_up_down_flat():
    up = S.trend([10, 12, 13.5, 16, 18])
    assert up.direction == "increasing" and up.p_value < 0.05 and up.n_points == 5
    lr = st.linregress(range(5), [10, 12, 13.5, 16, 18])
    assert up.p_value == pytest.approx(lr.pvalue) and up.slope == pytest.approx(lr.slope)
    down = S.trend([30, 28, 25, 24, 20])
    assert down.direction == "decreasing" and down.slope < 0
    flat = S.trend([20, 22, 19, 21, 20])
    assert flat.direction == "no significant change" and flat.p_value > 0.05
    const = S.trend([5, 5, 5, 5])
    assert const.direction == "no significant change" and const.p_value == 1.0


def test_trend_uses_last_five_points_only():
    # A steep early fall followed by five flat-ish points: no significant change.
    t = S.trend([90, 70, 50, 30, 20, 22, 19, 21, 20])
    assert t.n_points == 5 and t.direction == "no significant change"


def test_trend_insufficient_data_and_gaps():
    assert S.trend([1, 2]).direction == "insufficient data"
    assert S.trend([1, nan, 2]).direction == "insufficient data"
    assert S.trend([]).n_points == 0
    # Gap keeps its width: with periods 0,1,2,4 the fitted slope is the true one.
    t = S.trend([0, 1, 2, nan, 4])
    assert t.slope == pytest.approx(1.0) and t.n_points == 4
    t = S.trend([0, 1, 2], periods=[2020, 2021, 2023])
    assert t.slope == pytest.approx(st.linregress([2020, 2021, 2023], [0, 1, 2]).slope)


def test_trend_weighted_regression():
    y, w = [10, 11, 15, 13, 14], [1, 1, 1, 1, 100]
    t = S.trend(y, weights=w)
    ols = S.trend(y)
    assert t.slope != pytest.approx(ols.slope)
    # Weighted slope = sum w (x - xw)(y - yw) / sum w (x - xw)^2, computed here directly.
    x, y, w = np.arange(5.0), np.array(y, float), np.array(w, float)
    xw, yw = np.average(x, weights=w), np.average(y, weights=w)
    assert t.slope == pytest.approx(np.sum(w * (x - xw) * (y - yw)) / np.sum(w * (x - xw) ** 2))


def _individual_level_chi2(num, den):
    # Cochran-Armitage chi-square = N * r^2 with r the Pearson correlation of the
    # individual 0/1 outcomes with the period score: an independent route.
    x = np.concatenate([np.full(n, i) for i, n in enumerate(den)]).astype(float)
    y = np.concatenate([np.r_[np.ones(r), np.zeros(n - r)] for r, n in zip(num, den)])
    r = np.corrcoef(x, y)[0, 1]
    return len(x) * r * r


def test_trend_chi_square_for_proportions():
    num, den = [30, 34, 40, 45, 52], [100, 100, 100, 100, 100]
    t = S.trend([n / d * 100 for n, d in zip(num, den)], num, den)
    assert t.direction == "increasing"
    assert t.p_value == pytest.approx(st.chi2.sf(_individual_level_chi2(num, den), 1))
    assert t.slope == pytest.approx(5.5)  # percentage points per period, from values
    num2 = [52, 45, 41, 35, 30]
    down = S.trend(None, num2, den)
    assert down.direction == "decreasing" and down.slope < 0
    flat = S.trend(None, [30, 33, 29, 31, 30], den)
    assert flat.direction == "no significant change"
    assert flat.p_value == pytest.approx(st.chi2.sf(
        _individual_level_chi2([30, 33, 29, 31, 30], den), 1))
    assert S.trend(None, [0, 0, 0], [10, 10, 10]).direction == "no significant change"


def test_trend_small_counts_not_significant():
    # Same percentages as a significant rise, but on tiny denominators.
    t = S.trend(None, [3, 3, 4, 4, 5], [10, 10, 10, 10, 10])
    assert t.direction == "no significant change"


def test_trend_validation():
    with pytest.raises(ValueError):
        S.trend([1, 2, 3], numerators=[1, 2, 3])
    with pytest.raises(ValueError):
        S.trend([1, 2, 3], periods=[3, 2, 1])


def test_judge_trend():
    assert S.judge_trend("increasing", "higher") == "getting better"
    assert S.judge_trend("decreasing", "higher") == "getting worse"
    assert S.judge_trend("increasing", "lower") == "getting worse"
    assert S.judge_trend("decreasing", "lower") == "getting better"
    assert S.judge_trend("increasing", "none") == "increasing"
    for d in ("no significant change", "insufficient data"):
        for p in S.POLARITIES:
            assert S.judge_trend(d, p) == d
    with pytest.raises(ValueError):
        S.judge_trend("up", "higher")
    with pytest.raises(ValueError):
        S.judge_trend("increasing", "up")


# --- forecast -----------------------------------------------------------------------------

def test_forecast_perfect_line():
    fc = S.forecast([2, 4, 6, 8, 10])
    assert [f.step for f in fc] == [1, 2, 3]
    for f, expected in zip(fc, (12, 14, 16)):
        assert f.value == pytest.approx(expected)
        assert f.upper - f.lower < 1e-9


def test_forecast_noisy_wider_and_growing():
    fc = S.forecast([2, 5, 5, 9, 10])
    widths = [f.upper - f.lower for f in fc]
    assert widths[0] > 1 and widths[0] < widths[1] < widths[2]
    # Check step 1 against the textbook prediction-interval formula via scipy.
    x, y = np.arange(5.0), np.array([2, 5, 5, 9, 10.0])
    lr = st.linregress(x, y)
    s = math.sqrt(np.sum((y - lr.intercept - lr.slope * x) ** 2) / 3)
    half = st.t.ppf(0.975, 3) * s * math.sqrt(1 + 1 / 5 + (5 - 2) ** 2 / 10)
    assert fc[0].value == pytest.approx(lr.intercept + lr.slope * 5)
    assert fc[0].upper == pytest.approx(fc[0].value + half)


def test_forecast_limits_and_bounds():
    assert S.forecast([1, 2]) == []
    assert S.forecast([1, nan, 2]) == []
    assert len(S.forecast(list(range(30)), horizon=5)) == 5
    # Only the last ten points count: an old level shift does not bend the line.
    fc = S.forecast([100] * 5 + list(range(10)))
    assert fc[0].value == pytest.approx(10) and fc[0].upper - fc[0].lower < 1e-9
    fc = S.forecast([90, 94, 97, 99, 99.5], bounds=(0, 100))
    assert all(0 <= f.lower <= f.value <= f.upper <= 100 for f in fc)
    assert fc[-1].upper == 100
    unclipped = S.forecast([90, 94, 97, 99, 99.5])
    assert unclipped[-1].upper > 100


# --- benchmarks, RAG, ranks ------------------------------------------------------------------

@pytest.mark.parametrize("bench,polarity,expected", [
    (60, "higher", "similar"), (50, "higher", "better"), (80, "higher", "worse"),
    (50, "lower", "worse"), (80, "lower", "better"), (55.25, "lower", "similar"),
    (50, "none", "higher"), (80, "none", "lower"), (60, "none", "similar"),
])
def test_compare_benchmark(bench, polarity, expected):
    assert S.compare_benchmark(65, 55.25, 73.64, bench, polarity) == expected


@pytest.mark.parametrize("args", [(65, nan, 73.6, 60), (65, 55.2, None, 60),
                                  (65, 55.2, 73.6, None), (None, 55.2, 73.6, 60)])
def test_compare_benchmark_not_compared(args):
    assert S.compare_benchmark(*args, "higher") == "not compared"


@pytest.mark.parametrize("value,target,polarity,tol,expected", [
    (80, 80, "higher", 2, "green"), (85, 80, "higher", 2, "green"),
    (79, 80, "higher", 2, "amber"), (78, 80, "higher", 2, "amber"),
    (77.9, 80, "higher", 2, "red"),
    (10, 10, "lower", 1, "green"), (11, 10, "lower", 1, "amber"),
    (11.01, 10, "lower", 1, "red"), (9, 10, "lower", 0, "green"),
    (10.5, 10, "lower", 0, "red"), (10.5, 10, "lower", None, "red"),
])
def test_rag(value, target, polarity, tol, expected):
    assert S.rag(value, target, polarity, tol) == expected


def test_rag_boundary_survives_float_arithmetic():
    value = 39 / 50 * 100 - 2 * 0.1 * 3 + 0.6  # 78.00000000000001 or thereabouts
    assert S.rag(value, 80, "higher", 2) == "amber"
    assert S.rag(0.1 + 0.2, 0.3, "lower", 0) == "green"


def test_rag_missing_and_no_polarity():
    assert S.rag(None, 80, "higher", 2) is None
    assert S.rag(80, nan, "higher", 2) is None
    assert S.rag(80, 80, "none", 2) is None
    with pytest.raises(ValueError):
        S.rag(80, 80, "higher", -1)


def test_quartile_band_and_rank():
    all_las = list(range(1, 153))  # 152 authorities
    assert S.quartile_band(152, all_las, "higher") == "A"
    assert S.quartile_band(115, all_las, "higher") == "A"  # rank 38
    assert S.quartile_band(114, all_las, "higher") == "B"  # rank 39
    assert S.quartile_band(1, all_las, "higher") == "D"
    assert S.quartile_band(1, all_las, "lower") == "A"
    assert S.quartile_band(38, all_las, "lower") == "A"
    assert S.quartile_band(39, all_las, "lower") == "B"
    assert S.quartile_band(152, all_las, "lower") == "D"
    assert S.national_rank(152, all_las, "higher") == 1
    assert S.national_rank(152, all_las, "lower") == 152
    assert S.national_rank(10, all_las, "lower") == 10


def test_rank_ties_missing_and_absent_value():
    vals = [5, 7, 7, 9, nan, None]
    assert S.national_rank(7, vals, "higher") == 2  # ties share the best rank
    assert S.national_rank(7, vals, "lower") == 2
    assert S.national_rank(8, vals, "higher") == 2  # 8 is added: 9, 8, 7, 7, 5
    assert S.quartile_band(9, vals, "higher") == "A"
    assert S.quartile_band(5, vals, "higher") == "D"
    assert S.national_rank(7, vals, "none") is None
    assert S.quartile_band(None, vals, "higher") is None
    assert S.national_rank(3, iter([1, 2, 3]), "higher") == 1


def test_nullable_and_series_inputs():
    f = pd.DataFrame({"numerator": pd.array([3, pd.NA], dtype="Int64"),
                      "denominator": pd.array([10, 10], dtype="Int64")})
    out = S.add_intervals(f, "wilson", multiplier=100)
    assert out.at[0, "value"] == pytest.approx(30) and math.isnan(out.at[1, "ci_lower"])
    assert S.trend(pd.Series([1, 2, 3, 4, 5.5])).direction == "increasing"
    assert r4(S.wilson(np.int64(65), np.float64(100))) == (0.5525, 0.7364)
    with pytest.raises(ValueError):
        S.trend([1, 2, 3], periods=["2021/22", "2022/23", "2023/24"])


# --- gaps in the EH03 layout (own group + comparator_* columns) -------------------------

def test_add_intervals_newcombe_gap_is_comparator_minus_own_group():
    # Row's own group = FSM 48/80, comparator = non-FSM 56/70: Newcombe's example.
    f = pd.DataFrame({"numerator": [48, 5], "denominator": [80, 0],
                      "comparator_numerator": [56, 3], "comparator_denominator": [70, 9]})
    out = S.add_intervals(f, "newcombe", multiplier=100)
    assert (round(out.at[0, "value"], 2), round(out.at[0, "ci_lower"], 2),
            round(out.at[0, "ci_upper"], 2)) == (20.0, 5.24, 33.39)
    assert out.loc[1, ["value", "ci_lower", "ci_upper"]].isna().all()


def test_add_intervals_welch_and_mean_from_sums():
    a, b = _sample()  # a: comparator, b: own group
    f = pd.DataFrame({"numerator": [b.sum()], "denominator": [len(b)], "sd": [b.std(ddof=1)],
                      "comparator_numerator": [a.sum()], "comparator_denominator": [len(a)],
                      "comparator_sd": [a.std(ddof=1)]})
    out = S.add_intervals(f, "welch")
    ci = st.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert out.at[0, "value"] == pytest.approx(a.mean() - b.mean())
    assert (out.at[0, "ci_lower"], out.at[0, "ci_upper"]) == pytest.approx((ci.low, ci.high))
    mean = S.add_intervals(f, "mean")
    assert mean.at[0, "value"] == pytest.approx(b.mean())
    assert (mean.at[0, "ci_lower"], mean.at[0, "ci_upper"]) == pytest.approx(
        S.mean_ci(b.mean(), b.std(ddof=1), len(b)))


def test_welch_zero_spread_collapses():
    assert S.diff_means_ci(5, 0, 10, 3, 0, 12) == (2.0, 2.0, 2.0)


def test_forecast_open_bounds():
    fc = S.forecast([5, 4, 3, 2, 1.5], bounds=(0, None))
    assert all(f.lower >= 0 for f in fc) and fc[0].upper > 0
    up = S.forecast([1, 2, 3, 4, 5], bounds=(None, 100))
    assert up[0].value == pytest.approx(6)
