"""Year labels and catalogue rules for published data (pure functions, no warehouse)."""

from datetime import date

import pytest

from pipelines.reference import benchmark_files as cat
from pipelines.reference.benchmark_periods import SYMBOLS, normalise_period, period_type_for


@pytest.mark.parametrize("raw, ptype, period, start, end, note", [
    ("2024", "academic_year", "2023/24", date(2023, 9, 1), date(2024, 8, 31), ""),
    ("2024", "financial_year", "2023-24", date(2023, 4, 1), date(2024, 3, 31), ""),
    ("2024", "calendar_year", "2024", date(2024, 1, 1), date(2024, 12, 31), ""),
    ("2023", "neet_winter", "2023", date(2022, 12, 1), date(2023, 2, 28), ""),
    ("2024", "neet_winter", "2024", date(2023, 12, 1), date(2024, 2, 29), ""),  # leap year
    ("202324", "academic_year", "2023/24", date(2023, 9, 1), date(2024, 8, 31), ""),
    ("202324", "financial_year", "2023-24", date(2023, 4, 1), date(2024, 3, 31), ""),
    ("2023/24", "academic_year", "2023/24", date(2023, 9, 1), date(2024, 8, 31), ""),
    ("2023/24", "financial_year", "2023-24", date(2023, 4, 1), date(2024, 3, 31), ""),
    ("2024-25 (OT)", "financial_year", "2024-25", date(2024, 4, 1), date(2025, 3, 31), "OT"),
    ("2025 (Rev)", "calendar_year", "2025", date(2025, 1, 1), date(2025, 12, 31), "Rev"),
    ("2025 (prov)", "academic_year", "2024/25", date(2024, 9, 1), date(2025, 8, 31), "prov"),
    ("2020 (Final)", "financial_year", "2019-20", date(2019, 4, 1), date(2020, 3, 31), "Final"),
    (" 1999/00 ", "academic_year", "1999/00", date(1999, 9, 1), date(2000, 8, 31), ""),  # century turn
    ("2024-03", "month", "2024-03", date(2024, 3, 1), date(2024, 3, 31), ""),
    ("2014-16", "calendar_year", "2014-2016", date(2014, 1, 1), date(2016, 12, 31), "span"),
    ("2013/14-15/16", "academic_year", "2013/14-15/16", date(2013, 9, 1), date(2016, 8, 31), "span"),
])
def test_every_year_format_reaches_the_warehouse_period(raw, ptype, period, start, end, note):
    p = normalise_period(raw, ptype)
    assert (p.period, p.period_start, p.period_end, p.note) == (period, start, end, note)


@pytest.mark.parametrize("raw", ["0", "", None, "next year", "24"])
def test_labels_that_are_not_years_give_no_period(raw):
    assert normalise_period(raw, "academic_year") is None


def test_unknown_period_type_is_an_error():
    with pytest.raises(ValueError):
        normalise_period("2024", "quarterly-ish")


def test_time_identifier_decides_unless_the_catalogue_declares():
    assert period_type_for("Academic year", None) == "academic_year"
    assert period_type_for("Financial year", None) == "financial_year"
    assert period_type_for("Reporting year", "financial_year") == "financial_year"
    with pytest.raises(ValueError):
        period_type_for("Reporting year", None)


def test_all_required_suppression_symbols_are_known():
    assert {"c", "x", "z", "low", "u", "k", "-", ":"} <= set(SYMBOLS)


def test_every_measure_id_maps_to_loaded_lait_codes():
    ids = {m.measure_id for m in cat.mappings()}
    assert ids == {
        "eh03_ks2_rwm_gap_pp", "eh03_ks2_rwm_fsm_pct", "eh03_ks2_rwm_nonfsm_pct", "eh03_eyfs_gld_gap_pp",
        "eh03_eyfs_gld_fsm_pct", "eh03_eyfs_gld_nonfsm_pct", "eh03_ks4_att8_gap", "eh03_ks4_att8_disadv",
        "eh03_ks4_att8_nondisadv", "eh06_two_year_takeup_pct", "eh07_neet_nk_pct", "eh07_neet_pct",
        "eh07_not_known_pct", "eh09_fte_per_100k", "eh09_reoffending_pct", "eh04_suspensions_per_100",
        "eh04_perm_excl_per_100", "eh04_pupils_suspended_pct"}
    gaps = {m.measure_id: m.codes for m in cat.mappings() if m.derive == "difference"}
    assert gaps["eh03_ks2_rwm_gap_pp"] == ("NonFSM_NEW_KS2_RWM", "FSM_NEW_KS2_RWM")  # non-FSM minus FSM


def test_lait_polarity_and_year_type_agree_with_the_dictionary():
    import duckdb
    rows = duckdb.connect().execute(
        "select Measure_short, Polarity, Year_Type from read_csv(?, all_varchar = true)",
        [str(cat.LAIT_DICTIONARY)]).fetchall()
    dictionary = {code: (pol, year) for code, pol, year in rows}
    for m in cat.lait_measures():
        pol, year = dictionary[m.code]
        expected = {"High": "high", "Low": "low"}.get(pol, "none")
        assert m.polarity == expected, m.code
        declared = cat._yaml(cat.BENCHMARKS)["lait_measures"][m.code]["dictionary_year_type"]
        assert declared == year, m.code


def test_a_bad_mapping_entry_is_rejected(tmp_path):
    bad = tmp_path / "benchmarks.yaml"
    bad.write_text("lait_measures: {A: {unit: percent, polarity: high, period_type: calendar_year}}\n"
                   "measures: {m1: {source: lait, codes: [A], derive: difference, unit: percent,"
                   " polarity: high, tolerance: 1}}\n")
    with pytest.raises(ValueError, match="two codes"):
        cat.mappings(bad)
