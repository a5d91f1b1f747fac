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
    # Levels as percentages, as the reference implementation accepts them.
    assert S.z_for(95) == S.Z[0.95] and S.z_for(99.8) == S.Z[0.998] and S.z_for(90) == S.z_for(0.9)
    assert S.wilson(65, 100, 95) == S.wilson(65, 100, 0.95)
    assert S.byar(65, 99.8) == S.byar(65, 0.998)
    assert S.level_fraction(95) == 0.95 and S.level_fraction(0.998) == 0.998
    assert S.mean_ci(10, 2, 25, 95) == S.mean_ci(10, 2, 25, 0.95)
    assert S.diff_proportions_ci(56, 70, 48, 80, 95) == S.diff_proportions_ci(56, 70, 48, 80, 0.95)
    for bad in (0, 1, 100, 101, -0.5):
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


# --- trend (the Fingertips recent-trend method) ---------------------------------------------

def test_trend_critical_value_is_the_published_one():
    # Fingertips judges recent trends at 99.8%: chi-square on 1 df above 9.5495.
    assert S.critical_value() == pytest.approx(9.5495, abs=5e-5)
    assert S.critical_value(99.8) == S.critical_value(0.998)
    assert S.critical_value(0.95) == pytest.approx(3.8415, abs=5e-5)
    assert S.TREND_POINTS == 5 and S.TREND_LEVEL == 0.998


def test_chi2_for_trend_reproduces_the_published_worked_example():
    # R's prop.trend.test documentation: smokers 83/86, 90/93, 129/136, 70/82 ->
    # X-squared = 8.2249, df = 1, p-value = 0.004132 (Armitage's test, Altman 10.7.4).
    chi2, t_stat = S.chi2_for_trend([83, 90, 129, 70], [86, 93, 136, 82])
    assert chi2 == pytest.approx(8.2249, abs=5e-5) and t_stat < 0
    assert st.chi2.sf(chi2, 1) == pytest.approx(0.004132, abs=5e-7)


def _individual_level_chi2(num, den):
    # Cochran-Armitage chi-square = N * r^2 with r the Pearson correlation of the
    # individual 0/1 outcomes with the period score: an independent route.
    x = np.concatenate([np.full(n, i) for i, n in enumerate(den)]).astype(float)
    y = np.concatenate([np.r_[np.ones(r), np.zeros(n - r)] for r, n in zip(num, den)])
    r = np.corrcoef(x, y)[0, 1]
    return len(x) * r * r


def test_trend_proportions_at_99_8_percent():
    # 30% -> 52% of 1,000 a year: chi-square 125.8, far above 9.5495 with every point left out too.
    num, den = [300, 340, 400, 450, 520], [1000] * 5
    t = S.trend([n / d * 100 for n, d in zip(num, den)], num, den)
    assert (t.direction, t.method, t.n_points, t.level) == ("increasing", "chi-square test for trend", 5, 0.998)
    assert t.statistic == pytest.approx(_individual_level_chi2(num, den))
    assert t.p_value == pytest.approx(st.chi2.sf(t.statistic, 1))
    assert t.slope == pytest.approx(5.5)  # percentage points a period
    assert t.marker == "No outliers and significant trend"
    assert t.reason == ("rising, significant at 99.8% over 5 points (0 to 4): chi-square 125.83 above 9.5495; "
                        "no single point reverses it")
    down = S.trend(None, num[::-1], den)
    assert down.direction == "decreasing" and down.slope < 0


def test_trend_significant_at_95_is_not_at_99_8():
    # 4.0% -> 6.0% of 1,000 a year: chi-square 4.78 (p = 0.029) - "significant" at 5%, which
    # the Fingertips level does not call a trend (as EH11's p = 0.013 "getting worse").
    num, den = [40, 48, 50, 56, 60], [1000] * 5
    chi2, _ = S.chi2_for_trend(num, den)
    assert chi2 == pytest.approx(4.7782, abs=5e-5)
    assert S.critical_value(0.95) < chi2 < S.critical_value()
    ns = S.trend(None, num, den)
    assert ns.direction == "no significant change" and ns.marker == "No significant trend"
    assert ns.reason == "rising, but not significant at 99.8% over 5 points (0 to 4): chi-square 4.78, not above 9.5495"
    assert S.trend(None, num, den, level=0.95, leave_one_out=False).direction == "increasing"
    assert S.trend(None, num, den, level=95, leave_one_out=False).direction == "increasing"


def test_trend_needs_five_consecutive_points_and_says_why():
    t = S.trend(None, [30, 34, 40, 45], [100] * 4)
    assert t.direction == "cannot be calculated" and t.n_points == 4 and math.isnan(t.p_value)
    assert "4 points" in t.reason and "5 consecutive points are needed" in t.reason
    # A missing period among the last five breaks the run: 3 points since the gap.
    gap = S.trend([10, 12, 14, 16, nan, 20, 22, 24])
    assert gap.direction == "cannot be calculated" and gap.n_points == 3 and "gap" in gap.reason
    gap = S.trend([10, 12, 14, 16, 18, 24], periods=[2015, 2016, 2017, 2018, 2019, 2021])
    assert gap.direction == "cannot be calculated" and "gap before 2021" in gap.reason
    # A break in the series (a new definition from 2021): the points before it are not used.
    brk = S.trend(None, [30, 34, 40, 45, 52, 55, 60], [1000] * 7, periods=range(2016, 2023), breaks=[2020])
    assert brk.direction == "cannot be calculated" and "break in the series at 2020" in brk.reason
    assert brk.points == (2020, 2021, 2022)
    assert S.trend([]).n_points == 0 and S.trend([]).direction == "cannot be calculated"


def test_trend_uses_the_five_most_recent_points_only():
    t = S.trend(None, [900, 700, 500, 300, 200, 205, 198, 202, 200], [1000] * 9)
    assert t.n_points == 5 and t.points == (4, 5, 6, 7, 8) and t.direction == "no significant change"


def test_trend_leave_one_out_check():
    # Flat at 10% of 1,000 then 16%: chi-square 14.2 on five points, but without the last
    # point the line falls (the sign reverses): "outlier found", and the reason names the point.
    t = S.trend(None, [100, 101, 99, 100, 160], [1000] * 5, periods=range(2019, 2024))
    assert t.statistic > S.critical_value() and t.p_value < 0.002
    assert (t.direction, t.marker) == ("no significant change", "Outlier found")
    assert t.reason == ("rising (chi-square 14.24 above 9.5495), but without the point at 2023 the line is "
                        "falling: an outlier decides it")
    assert S.trend(None, [100, 101, 99, 100, 160], [1000] * 5, leave_one_out=False).direction == "increasing"
    keys = ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24"]
    named = S.trend(None, [100, 101, 99, 100, 160], [1000] * 5, periods=range(2019, 2024), labels=keys)
    assert "without the point at 2023-24 the line is falling" in named.reason
    # Leaving a point out only weakens the trend (without 2023 it rises, not significantly):
    # the reference keeps it; only a reversed sign sets a trend aside.
    kept = S.trend(None, [100, 101, 102, 100, 160], [1000] * 5, periods=range(2019, 2024))
    assert kept.direction == "increasing"
    gap = S.trend([1, 2, 3, nan, 5, 6], periods=range(2019, 2025), weights=[1] * 6,
                  labels=[f"{y}/{y % 100 + 1}" for y in range(2019, 2025)])
    assert gap.reason == "2 points since a gap before 2023/24; 5 consecutive points are needed"
    assert gap.marker == "Missing values"


def test_trend_over_a_cadence_of_two_years():
    # A survey every other year: five consecutive surveys (2016 ... 2024) are a window; the
    # years between are not gaps. Read year by year, the same surveys never make one.
    years = [2016, 2018, 2020, 2022, 2024]
    num, den = [520, 560, 610, 640, 700], [1000] * 5
    t = S.trend(None, num, den, periods=years, cadence=2)
    assert (t.direction, t.n_points, t.points) == ("increasing", 5, tuple(float(y) for y in years))
    assert "over 5 collections (2016 to 2024)" in t.reason
    assert S.trend(None, num, den, periods=years).direction == "cannot be calculated"
    # A missed survey (2020) is a gap: only two collections since.
    missed = S.trend(None, [500, 520, 560, 640, 700], [1000] * 5, periods=[2012, 2014, 2016, 2022, 2024], cadence=2)
    assert missed.direction == "cannot be calculated" and "2 collections since a gap before 2022" in missed.reason
    # An extra survey in an off year is not a collection of the cadence: the window steps
    # back two years at a time from the latest.
    every_year = S.trend(None, [520, 999, 560, 999, 610, 999, 640, 999, 700], [1000] * 9,
                         periods=range(2016, 2025), cadence=2)
    assert every_year.points == tuple(float(y) for y in years) and every_year.direction == "increasing"
    with pytest.raises(ValueError):
        S.trend(None, num, den, periods=years, cadence=0)


def test_trend_weighted_regression_with_known_variances():
    # Rates with 1 / variance weights: slope^2 * sum w (x - xw)^2 is chi-square on 1 df.
    y, w = np.array([20.0, 22, 23.5, 26, 28]), np.array([4.0, 4, 5, 5, 6])
    t = S.trend(y, weights=w)
    x = np.arange(5.0)
    xw, yw = np.average(x, weights=w), np.average(y, weights=w)
    sxx = np.sum(w * (x - xw) ** 2)
    slope = np.sum(w * (x - xw) * (y - yw)) / sxx
    assert t.method == "weighted regression"
    assert t.slope == pytest.approx(slope) and t.statistic == pytest.approx(slope ** 2 * sxx)
    assert t.direction == "increasing"
    # A point of the window without a variance: cannot be calculated, as the reference.
    part = S.trend(y, weights=[4, 4, np.nan, 5, 6], level=0.95)
    assert (part.direction, part.n_points) == ("cannot be calculated", 5)
    assert part.marker == "Missing at least one confidence interval value"
    assert S.trend(y).direction == "cannot be calculated"
    assert S.trend([1.0, *y], weights=[np.nan, *w]).method == "weighted regression"  # outside the window
    # For proportions, weights n / (P(1-P)) make the weighted regression the chi-square test.
    num, den = np.array([300, 340, 400, 450, 520.0]), np.array([1000.0] * 5)
    pbar = num.sum() / den.sum()
    reg = S.trend(num / den, weights=den / (pbar * (1 - pbar)), leave_one_out=False)
    assert reg.statistic == pytest.approx(S.chi2_for_trend(num, den)[0])


def test_trend_small_counts_not_significant():
    t = S.trend(None, [3, 3, 4, 4, 5], [10, 10, 10, 10, 10])
    assert t.direction == "no significant change"
    assert S.trend(None, [0, 0, 0, 0, 0], [10] * 5).direction == "no significant change"


def test_trend_validation():
    with pytest.raises(ValueError):
        S.trend([1, 2, 3], numerators=[1, 2, 3])
    with pytest.raises(ValueError):
        S.trend([1, 2, 3], periods=[3, 2, 1])
    with pytest.raises(ValueError):
        S.trend([1, 2, 3, 4, 5], level=100)
    with pytest.raises(ValueError):
        S.chi2_for_trend([5, 11], [10, 10])


def test_judge_trend():
    assert S.judge_trend("increasing", "higher") == "getting better"
    assert S.judge_trend("decreasing", "higher") == "getting worse"
    assert S.judge_trend("increasing", "lower") == "getting worse"
    assert S.judge_trend("decreasing", "lower") == "getting better"
    assert S.judge_trend("increasing", "none") == "increasing"
    for d in ("no significant change", "cannot be calculated"):
        for p in S.POLARITIES:
            assert S.judge_trend(d, p) == d
    with pytest.raises(ValueError):
        S.judge_trend("up", "higher")
    with pytest.raises(ValueError):
        S.judge_trend("increasing", "up")


# --- forecast -----------------------------------------------------------------------------

def test_forecast_perfect_line_on_an_unbounded_scale():
    fc = S.forecast([2, 4, 6, 8, 10])
    assert [f.step for f in fc] == [1, 2, 3] and fc[0].scale == "linear"
    for f, expected in zip(fc, (12, 14, 16)):
        assert f.value == pytest.approx(expected)
        assert f.upper - f.lower < 1e-9


def test_forecast_prediction_interval_formula():
    fc = S.forecast([2, 5, 5, 9, 10])
    widths = [f.upper - f.lower for f in fc]
    assert widths[0] > 1 and widths[0] < widths[1] < widths[2]
    x, y = np.arange(5.0), np.array([2, 5, 5, 9, 10.0])
    lr = st.linregress(x, y)
    s = math.sqrt(np.sum((y - lr.intercept - lr.slope * x) ** 2) / 3)
    half = st.t.ppf(0.975, 3) * s * math.sqrt(1 + 1 / 5 + (5 - 2) ** 2 / 10)
    assert fc[0].value == pytest.approx(lr.intercept + lr.slope * 5)
    assert fc[0].upper == pytest.approx(fc[0].value + half)


def test_forecast_of_first_time_entrants_stays_above_zero():
    # EH09: 359 in 2016, then 71-89 for five years. A straight line through all ten points
    # goes below zero; the forecast uses the recent window on the log scale.
    history = [359, 300, 150, 89, 80, 75, 71, 72, 85, 88]
    assert np.polyval(np.polyfit(range(10), history, 1), 12) < 0
    fc = S.forecast(history, bounds=(0, None))
    assert fc[0].scale == "log" and fc[0].n_points == 5 and fc[0].first_point == 5
    assert all(0 < f.lower < f.value < f.upper for f in fc)
    assert 60 < fc[0].value < 120


@pytest.mark.parametrize("seed", range(20))
def test_forecast_never_at_or_below_zero_for_an_all_positive_history(seed):
    rng = np.random.default_rng(seed)
    history = np.cumsum(rng.normal(-5, 20, 8)) + 60
    history = np.where(history > 0, history, rng.uniform(0.1, 3, 8))
    for f in S.forecast(history, horizon=5, bounds=(0, None)):
        assert f.lower > 0 and f.value > 0


def test_forecast_stays_inside_a_percentage_and_flags_a_bound():
    fc = S.forecast([90, 94, 97, 99, 99.5], bounds=(0, 100))
    assert fc[0].scale == "logit"
    assert all(0 < f.lower <= f.value <= f.upper < 100 for f in fc)
    assert all(f.flag == "hits a bound" for f in fc)  # a straight line would pass 100%
    falling = S.forecast([50, 40, 30, 20, 12], bounds=(0, None))
    assert falling[0].flag == "hits a bound" and all(f.lower > 0 for f in falling)
    assert S.forecast([10, 12, 13, 15, 16], bounds=(0, None))[0].flag is None
    # 0% and 100% are moved in (half the smallest distance from a bound) before the logit.
    edge = S.forecast([0, 0, 5, 20, 60], bounds=(0, 100))
    assert all(0 <= f.lower <= f.value <= f.upper <= 100 for f in edge)
    # Small percentages keep their size: 0.4% -> 0.1% falls on towards 0, never to it.
    small = S.forecast([0.4, 0.3, 0.25, 0.15, 0.1], bounds=(0, 100))
    assert all(0 < f.lower < f.value < 0.1 for f in small)
    # A collapse far past exp's range is held just above the bound, not on it.
    steep = S.forecast([1e6, 1e3, 1e-100, 1e-200, 1e-250], bounds=(0, None))
    assert all(f.lower > 0 and f.value > 0 for f in steep)
    assert all(f.value > 0 for f in S.forecast([1e6, 1e-100, 1e-250], bounds=(0, None)))


def test_forecast_flags_a_sharp_turn():
    # Flat at 10 then 20: the baseline falls back towards the line, against the last change.
    assert S.forecast([10, 10, 10, 10, 20], bounds=(0, None))[0].flag == "turns sharply"
    assert S.forecast([100, 90, 80, 70, 90], bounds=(0, None))[0].flag == "turns sharply"
    assert S.forecast([80, 85, 88, 90, 89], bounds=(0, None))[0].flag is None


def test_forecast_window_gaps_breaks_and_limits():
    assert S.forecast([1, 2]) == []
    assert S.forecast([1, 2, 3, nan, 5, 6]) == []        # two points since the gap
    assert len(S.forecast(list(range(30)), horizon=5)) == 5
    # An old level shift does not bend the line: only the recent window counts.
    fc = S.forecast([100] * 5 + list(range(10)))
    assert fc[0].value == pytest.approx(10) and fc[0].upper - fc[0].lower < 1e-9
    brk = S.forecast([50, 50, 50, 10, 11, 12], periods=range(2018, 2024), breaks=[2021])
    assert brk[0].n_points == 3 and brk[0].first_point == 2021 and brk[0].value == pytest.approx(13)
    # A line on three or four points has no interval: the trend's five are needed.
    assert all(math.isnan(f.lower) and math.isnan(f.upper) for f in brk)
    assert brk[0].flag == "no interval: only 3 points (5 needed)"
    flat = S.forecast([0, 0, 0, 0, 0], bounds=(0, 100))
    assert all((f.value, f.lower, f.upper) == (0, 0, 0) for f in flat)
    assert all(math.isnan(f.lower) for f in S.forecast([0, 0, 0, 0], bounds=(0, 100)))


def test_forecast_interval_never_narrower_than_the_current_value_s():
    # A perfect line has no spread of its own; the figure it starts from has one.
    fc = S.forecast([10, 12, 14, 16, 18], bounds=(0, None), current=(15.0, 22.0))
    for f in fc:
        assert f.value - f.lower >= 3.0 - 1e-9 and f.upper - f.value >= 4.0 - 1e-9
    # Falling on the log scale: the interval is still at least as wide, in the unit, as the
    # latest value's (12, CI 10 to 14), as long as that stays inside the range.
    down = S.forecast([20, 18, 16, 14, 12], bounds=(0, None), current=(10.0, 14.0))
    for f in down:
        assert f.value - f.lower >= 2.0 - 1e-9 and f.upper - f.value >= 2.0 - 1e-9 and f.lower > 0
    # ... within the range the measure can take.
    pct = S.forecast([90, 94, 97, 99, 99.5], bounds=(0, 100), current=(97.0, 99.9))
    assert all(0 <= f.lower and f.upper <= 100 for f in pct)
    # A wider prediction interval is left as it is.
    wide = S.forecast([2, 5, 5, 9, 10])
    same = S.forecast([2, 5, 5, 9, 10], current=(9.9, 10.1))
    assert [(f.lower, f.upper) for f in wide] == [(f.lower, f.upper) for f in same]


def test_forecast_steps_by_the_cadence():
    fc = S.forecast([50, 52, 54, 56, 58], periods=[2016, 2018, 2020, 2022, 2024], cadence=2)
    assert fc[0].n_points == 5 and fc[0].value == pytest.approx(60)  # 2026: one collection on
    with pytest.raises(ValueError, match=r"value 101.0 \(point 1\) is outside the possible range"):
        S.forecast([101, 102, 103], bounds=(0, 100))


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
    assert S.trend(pd.Series([1, 2, 3, 4, 5.0]), weights=pd.Series([9.0] * 5)).direction == "increasing"
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
    assert up[0].scale == "log_upper" and 5 < up[0].value < 6.5 and all(f.upper < 100 for f in up)


def test_a_ratio_of_at_least_one_gets_an_interval_of_at_least_one():
    # Re-offences per re-offender: 3 re-offences by 3 re-offenders is 1.0 and cannot be less;
    # a Poisson rate interval of the 3 would reach 0.21. The excess over one per person is
    # the Poisson count: 1 + Byar(excess) / people.
    f = pd.DataFrame({"numerator": [3, 10, 40], "denominator": [3, 5, 20]})
    out = S.add_intervals(f, "rate_above_one")
    assert out["value"].tolist() == [1.0, 2.0, 2.0]
    assert (out["ci_lower"] >= 1).all() and out.at[0, "ci_lower"] == 1.0
    lo, hi = S.byar(40 - 20)
    assert (out.at[2, "ci_lower"], out.at[2, "ci_upper"]) == pytest.approx((1 + lo / 20, 1 + hi / 20))
    assert S.add_intervals(f, "rate").at[0, "ci_lower"] < 1
    with pytest.raises(ValueError):
        S.add_intervals(pd.DataFrame({"numerator": [2], "denominator": [3]}), "rate_above_one")


def test_a_flat_series_on_a_bound_is_forecast_inside_its_own_interval():
    # Five years at 100% (every pupil's need known): the forecast is 100%, and its interval,
    # held just inside the range on the logit scale, still contains it.
    for history, current in (([100.0] * 5, (99.2, 100.0)), ([0.0] * 5, (0.0, 0.8))):
        for f in S.forecast(history, 3, 0.95, (0, 100), current=current):
            assert 0 <= f.lower <= f.value <= f.upper <= 100, f
            assert f.value == history[0]
