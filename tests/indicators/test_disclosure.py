"""Tests of indicators.disclosure: primary and secondary suppression, derived columns,
and an "intruder" check that no hidden count can be worked out from what is shown."""

import math

import numpy as np
import pandas as pd
import pytest

from indicators import catalogue
from indicators.disclosure import (HIGH, LOW, N_ONLY_UNITS, SUPPRESSED, is_disclosive, is_n_only, suppress,
                                   suppress_indicator_values, suppression_masks)

C = SUPPRESSED


def recovered_cells(published, truth, total):
    """Indices of hidden cells an intruder can pin down exactly, knowing ``total``.

    Zeros are published, so each "c" is at least 1. With k hidden cells adding up to
    S = total - visible, a lone hidden cell is S; with k >= 2 each can be anything
    from 1 to S - (k - 1), so it is pinned exactly only when S = k (all ones).
    """
    hidden = [i for i, v in enumerate(published) if v == C]
    visible_sum = sum(v for v in published if v != C and not _blank(v))
    s, k = total - visible_sum, len(hidden)
    assert s == sum(truth[i] for i in hidden)  # the intruder's arithmetic is right
    if k == 0:
        return []
    return hidden if k == 1 or s == k else []


def _blank(v):
    return isinstance(v, float) and math.isnan(v)


def test_constants():
    assert (LOW, HIGH, SUPPRESSED) == (1, 5, "c")


@pytest.mark.parametrize("x,expected", [
    (0, False), (1, True), (5, True), (6, False), (5.0, True), (0.33, True),
    (np.int64(3), True), (5.5, False), (-2, False), (math.nan, False), (None, False),
    ("c", False), ("3", False), (True, False), (pd.NA, False),
])
def test_is_disclosive(x, expected):
    assert is_disclosive(x) is expected


# --- primary -----------------------------------------------------------------------------

def test_primary_suppression_each_count_from_1_to_5():
    f = pd.DataFrame({"n": [0, 1, 2, 3, 4, 5, 6, 100, np.nan]})
    out = suppress(f, ["n"], group_columns=["n"])  # one row per group: no secondary
    assert out["n"].tolist()[:8] == [0, C, C, C, C, C, 6, 100]
    assert _blank(out["n"].iloc[8])
    assert out["n"].dtype == object
    assert f["n"].iloc[1] == 1  # input untouched


# --- secondary, hand-made table -------------------------------------------------------------

AREAS = pd.DataFrame({
    "area": ["Bath", "Keynsham", "Somer Valley", "Chew Valley", "Total"],
    "referrals": [40, 3, 12, 9, 64],
    "pct": [62.5, 4.7, 18.8, 14.1, 100.0],
    "ci_lower": [50.2, 1.6, 11.0, 7.6, 94.3],
}, index=list("abcde"))


def test_secondary_suppresses_next_smallest_and_derived():
    out = suppress(AREAS, ["referrals"], derived_columns=["pct", "ci_lower"],
                   total_marker="Total", breakdown_column="area")
    assert out["referrals"].tolist() == [40, C, 12, C, 64]
    assert out["pct"].tolist() == [62.5, C, 18.8, C, 100.0]
    assert out["ci_lower"].tolist() == [50.2, C, 11.0, C, 94.3]
    assert list(out.index) == list("abcde") and out["area"].equals(AREAS["area"])
    truth = AREAS["referrals"].tolist()[:4]
    assert recovered_cells(out["referrals"].tolist()[:4], truth, 64) == []


def test_without_secondary_the_cell_would_be_recoverable():
    # The intruder check is not vacuous: primary suppression alone leaks Keynsham.
    primary_only = [v if not is_disclosive(v) else C for v in [40, 3, 12, 9]]
    assert recovered_cells(primary_only, [40, 3, 12, 9], 64) == [1]


def test_group_sum_is_treated_as_known_total():
    # No total row: the total may be published elsewhere, so secondary still applies.
    f = AREAS.iloc[:4]
    out = suppress(f, ["referrals"])
    assert out["referrals"].tolist() == [40, C, 12, C]


def test_zeros_never_suppressed_nor_chosen_as_secondary():
    f = pd.DataFrame({"g": ["x"] * 4, "n": [0, 4, 0, 30]})
    out = suppress(f, ["n"], group_columns=["g"])
    assert out["n"].tolist() == [0, C, 0, C]


def test_lone_cell_with_only_zeros_beside_it():
    # Total = 4 is itself hidden, so there is nothing to subtract from.
    f = pd.DataFrame({"area": ["A", "B", "C", "Total"], "n": [4, 0, 0, 4]})
    out = suppress(f, ["n"], total_marker="Total", breakdown_column="area")
    assert out["n"].tolist() == [C, 0, 0, C]


def test_hidden_total_needs_no_secondary():
    f = pd.DataFrame({"area": ["A", "B", "Total"], "n": [3, 0, 3]})
    out = suppress(f, ["n"], total_marker="Total", breakdown_column="area")
    assert out["n"].tolist() == [C, 0, C]


def test_ties_broken_by_earliest_row():
    f = pd.DataFrame({"g": ["x"] * 4, "n": [20, 7, 2, 7]})
    out = suppress(f, ["n"], group_columns=["g"])
    assert out["n"].tolist() == [20, C, C, 7]


def test_two_primaries_need_no_secondary_unless_all_ones():
    f = pd.DataFrame({"g": ["x"] * 4, "n": [20, 2, 3, 9]})
    assert suppress(f, ["n"], group_columns=["g"])["n"].tolist() == [20, C, C, 9]
    # Two hidden cells adding to 2 must both be 1: hide one more.
    f = pd.DataFrame({"g": ["x"] * 4, "n": [20, 1, 1, 9]})
    out = suppress(f, ["n"], group_columns=["g"])
    assert out["n"].tolist() == [20, C, C, C]
    assert recovered_cells(out["n"].tolist(), [20, 1, 1, 9], 31) == []


def test_groups_are_independent():
    f = pd.DataFrame({"period": ["2023"] * 3 + ["2024"] * 3,
                      "n": [3, 10, 20, 8, 10, 20]})
    out = suppress(f, ["n"], group_columns=["period"])
    assert out["n"].tolist() == [C, C, 20, 8, 10, 20]


def test_each_count_column_and_any_count_hides_derived():
    f = pd.DataFrame({"g": ["x"] * 3, "num": [2, 30, 40], "den": [50, 4, 90],
                      "rate": [4.0, 750.0, 44.4]})
    out = suppress(f, ["num", "den"], derived_columns=["rate"], group_columns=["g"])
    assert out["num"].tolist() == [C, C, 40]
    assert out["den"].tolist() == [C, C, 90]
    assert out["rate"].tolist() == [C, C, 44.4]


def test_idempotent_and_validation():
    once = suppress(AREAS, ["referrals"], derived_columns=["pct"],
                    total_marker="Total", breakdown_column="area")
    twice = suppress(once, ["referrals"], derived_columns=["pct"],
                     total_marker="Total", breakdown_column="area")
    assert twice.equals(once)
    with pytest.raises(ValueError):
        suppress(pd.DataFrame({"n": [-1, 7]}), ["n"])
    with pytest.raises(ValueError):
        suppress(pd.DataFrame({"n": ["x", 7]}), ["n"])
    with pytest.raises(ValueError):
        suppress(AREAS, ["referrals"], total_marker="Total")


def test_masks_report_what_is_hidden():
    m = suppression_masks(AREAS, ["referrals"], total_marker="Total",
                          breakdown_column="area")
    assert m["referrals"].tolist() == [False, True, False, True, False]


# --- indicator_values layout ------------------------------------------------------------------

def _iv(rows, unit=None):
    cols = ["measure_id", "period", "breakdown", "breakdown_value", "numerator",
            "denominator"]
    f = pd.DataFrame(rows, columns=cols)
    f["value"] = f["numerator"] / f["denominator"] * 100
    f["ci_lower"] = f["value"] - 1
    f["ci_upper"] = f["value"] + 1
    f["rag"] = "green"
    if unit:
        f["unit"] = unit
    return f


IV = _iv([
    ("EH06", "2024", "all", "all", 157, 200),
    ("EH06", "2024", "locality", "Bath", 90, 110),
    ("EH06", "2024", "locality", "Keynsham", 4, 9),
    ("EH06", "2024", "locality", "Somer Valley", 40, 53),
    ("EH06", "2024", "locality", "Chew Valley", 23, 28),
    ("EH06", "2024", "sex", "female", 80, 99),
    ("EH06", "2024", "sex", "male", 77, 101),
    ("EH06", "2023", "all", "all", 5, 8),
    ("EH06", "2023", "locality", "Bath", 5, 6),
    ("EH06", "2023", "locality", "Keynsham", 0, 2),
])


def _assert_safe(pub, truth):
    """No visible disclosive count, no hidden count recoverable from the "all" row,
    and no visible derived figure on a row with a hidden count."""
    for col in ("numerator", "denominator"):
        assert not any(is_disclosive(v) for v in pub[col])
        for (m, p, b), g in pub.groupby(["measure_id", "period", "breakdown"]):
            if b == "all":
                continue
            all_row = pub[(pub.measure_id == m) & (pub.period == p)
                          & (pub.breakdown == "all")]
            total = all_row[col].iloc[0]
            if total == C:
                # A hidden headline must not be recomputable from a fully visible split.
                assert (g[col] == C).any() or (g[col].fillna(0) == 0).all()
                continue
            tg = truth.loc[g.index, col].tolist()
            assert recovered_cells(g[col].tolist(), tg, total) == [], (m, p, b, col)
    hidden = (pub["numerator"] == C) | (pub["denominator"] == C)
    for col in ("value", "ci_lower", "ci_upper"):
        assert (pub.loc[hidden, col] == C).all()
        assert not (pub.loc[~hidden, col] == C).any()


def test_indicator_values_locality_cannot_be_recovered_from_all_row():
    pub = suppress_indicator_values(IV)
    loc = pub[(pub.period == "2024") & (pub.breakdown == "locality")]
    # Keynsham's 4 hidden, and Chew Valley's 23 (next smallest) with it. The
    # denominators (9 and 28 children) are safe to show: only the rate hides.
    assert loc["numerator"].tolist() == [90, C, 40, C]
    assert loc["denominator"].tolist() == [110, 9, 53, 28]
    assert loc["value"].tolist()[1] == C and loc["value"].tolist()[3] == C
    assert pub.loc[0, "numerator"] == 157 and pub.loc[0, "value"] == pytest.approx(78.5)
    assert pub[pub.breakdown == "sex"]["numerator"].tolist() == [80, 77]
    assert pub["rag"].tolist() == IV["rag"].tolist()  # other columns kept as-is
    _assert_safe(pub, IV)


def test_indicator_values_small_headline():
    pub = suppress_indicator_values(IV)
    y23 = pub[pub.period == "2023"]
    assert y23["numerator"].tolist() == [C, C, 0]
    assert y23["denominator"].tolist() == [8, C, C]
    assert y23["value"].tolist() == [C, C, C]


def test_indicator_values_requires_layout():
    with pytest.raises(KeyError):
        suppress_indicator_values(IV.drop(columns=["breakdown"]))


def test_mean_score_measures_use_n():
    f = _iv([
        ("EH08b", "2024", "all", "all", 61.5, 40),
        ("EH08b", "2024", "locality", "Bath", 3.0, 30),
        ("EH08b", "2024", "locality", "Keynsham", 52.5, 4),
        ("EH08b", "2024", "locality", "Somer Valley", 6.0, 6),
    ], unit="Mean score")
    f["value"] = f["numerator"] / f["denominator"]
    pub = suppress_indicator_values(f)
    # Sum of scores 3.0 is not a count of people: shown, because n = 30 is safe.
    assert pub["numerator"].tolist() == [61.5, 3.0, C, C]
    assert pub["denominator"].tolist() == [40, 30, C, C]
    assert pub["value"].tolist()[2:] == [C, C]
    # Treated as counts, the same rows would wrongly hide Bath's 3.0 sum of scores.
    as_counts = suppress_indicator_values(f.drop(columns="unit"))
    assert as_counts.loc[1, "numerator"] == C
    # The unit may come from a mapping instead of a column.
    by_map = suppress_indicator_values(f.drop(columns="unit"), units={"EH08b": "mean score"})
    assert by_map["numerator"].tolist() == pub["numerator"].tolist()


def test_random_tables_never_leak():
    rng = np.random.default_rng(2024)
    rows = []
    for m in range(60):
        for period in ("2023", "2024"):
            for breakdown, k in (("locality", 4), ("quintile", 5), ("sex", 2)):
                den = rng.choice([0, 1, 2, 4, 7, 12, 30, 80], size=k)
                num = np.array([rng.integers(0, d + 1) for d in den])
                for i in range(k):
                    rows.append((f"M{m}", period, breakdown, f"{breakdown}{i}",
                                 int(num[i]), int(den[i])))
    f = pd.DataFrame(rows, columns=["measure_id", "period", "breakdown",
                                    "breakdown_value", "numerator", "denominator"])
    # Build a consistent "all" row per measure and period from the locality split.
    alls = (f[f.breakdown == "locality"]
            .groupby(["measure_id", "period"], as_index=False)[["numerator", "denominator"]]
            .sum().assign(breakdown="all", breakdown_value="all"))
    # Make the other breakdowns add up to the same totals by topping up their last cell.
    for b in ("quintile", "sex"):
        sums = f[f.breakdown == b].groupby(["measure_id", "period"])[
            ["numerator", "denominator"]].sum()
        for (m, p), row in alls.set_index(["measure_id", "period"]).iterrows():
            last = f[(f.measure_id == m) & (f.period == p) & (f.breakdown == b)].index[-1]
            for col in ("numerator", "denominator"):
                f.loc[last, col] += max(0, row[col] - sums.loc[(m, p), col])
            if (f.loc[f[(f.measure_id == m) & (f.period == p) & (f.breakdown == b)].index,
                      ["numerator", "denominator"]].sum() != row[["numerator", "denominator"]]).any():
                f = f[~((f.measure_id == m) & (f.period == p) & (f.breakdown == b))]
    f = pd.concat([alls, f], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        f["value"] = f["numerator"] / f["denominator"].replace(0, np.nan) * 100
    f["ci_lower"], f["ci_upper"] = f["value"] - 1, f["value"] + 1
    pub = suppress_indicator_values(f)
    _assert_safe(pub, f)
    assert (pub["numerator"] == C).sum() > 50  # the test exercised suppression


def test_nullable_integers_duplicate_index_and_blank_groups():
    f = pd.DataFrame({"g": ["a", "a", "a", None],
                      "n": pd.array([3, 10, pd.NA, 2], dtype="Int64"),
                      "v": [1.0, 2.0, 3.0, 4.0]}, index=[0, 0, 1, 1])
    out = suppress(f, ["n"], derived_columns=["v"], group_columns=["g"])
    assert out["n"].iloc[:2].tolist() == [C, C] and out["n"].iloc[3] == C
    assert out["n"].isna().iloc[2] and out["v"].tolist() == [C, C, 3.0, C]
    assert list(out.index) == [0, 0, 1, 1]


def _gap_rows(unit, num, den, cnum, cden):
    f = pd.DataFrame({"measure_id": "eh03_gap", "period": "2024/25",
                      "breakdown": ["all"] + ["sex"] * (len(num) - 1),
                      "breakdown_value": ["all", "female", "male", "unknown"][:len(num)],
                      "numerator": num, "denominator": den,
                      "comparator_numerator": cnum, "comparator_denominator": cden,
                      "value": 1.0, "ci_lower": 0.5, "ci_upper": 1.5,
                      "sd": 0.9, "comparator_sd": 0.8, "unit": unit})
    return f


def test_gap_rows_protect_both_groups():
    # Percentage-point gap: numerators are counts of pupils, so 4 reaching the
    # standard is hidden even though the group has 30 pupils.
    f = _gap_rows("pp", [20, 4, 16, 0], [60, 30, 28, 2], [100, 60, 40, 0], [140, 80, 60, 0])
    pub = suppress_indicator_values(f)
    assert pub["numerator"].tolist() == [20, C, C, 0]
    # Unknown sex (n = 2) is hidden, and male (28, next smallest) with it.
    assert pub["denominator"].tolist() == [60, 30, C, C]
    assert pub["comparator_denominator"].tolist() == [140, 80, 60, 0]
    assert pub["value"].tolist() == [1.0, C, C, C]
    assert pub["sd"].tolist() == [0.9, C, C, C] and pub["comparator_sd"].tolist()[1] == C
    # The comparator group's small n (3) is protected in its own column.
    f2 = _gap_rows("pp", [20, 12, 8, 0], [60, 30, 28, 2], [100, 60, 40, 0], [140, 80, 57, 3])
    pub2 = suppress_indicator_values(f2)
    assert pub2["denominator"].tolist() == [60, 30, C, C]
    assert pub2["comparator_denominator"].tolist() == [140, 80, C, C]


def test_points_gap_uses_n_only():
    f = _gap_rows("points", [200.5, 3.5, 197.0], [40, 4, 36], [900.0, 400.0, 500.0],
                  [20, 9, 11])
    pub = suppress_indicator_values(f)
    assert pub["denominator"].tolist() == [40, C, C]
    assert pub["numerator"].tolist() == [200.5, C, C]  # sums of points hidden with n
    assert pub["comparator_denominator"].tolist() == [20, 9, 11]
    assert pub["comparator_numerator"].tolist() == [900.0, C, C]


def test_indicator_ties_broken_by_breakdown_value_not_row_order():
    rows = [("m", "2024", "all", "all", 40, 100),
            ("m", "2024", "locality", "Keynsham", 3, 20),
            ("m", "2024", "locality", "Somer Valley", 12, 30),
            ("m", "2024", "locality", "Bath", 12, 30),
            ("m", "2024", "locality", "Chew Valley", 13, 20)]
    pub = suppress_indicator_values(_iv(rows))
    hidden = set(pub.loc[pub["numerator"] == C, "breakdown_value"])
    assert hidden == {"Keynsham", "Bath"}
    shuffled = suppress_indicator_values(_iv(rows[::-1]))
    assert set(shuffled.loc[shuffled["numerator"] == C, "breakdown_value"]) == hidden


def test_n_only_units_are_units_the_catalogue_defines():
    assert N_ONLY_UNITS <= set(catalogue.UNITS), sorted(N_ONLY_UNITS - set(catalogue.UNITS))
    assert {u for u in catalogue.UNITS if is_n_only(u)} == {"mean", "points"}
