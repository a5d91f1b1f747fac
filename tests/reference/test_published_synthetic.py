"""Published-data assets on small hand-made files: symbols, DfE CSV mapping, new-year drop-in,
quartiles and ranks with polarity, and the implausible-value flag."""

import duckdb
import dagster as dg
import pandas as pd
import pytest

from pipelines.reference import benchmarks as published
from pipelines.warehouse import Warehouse
from pipelines.reference import benchmark_files as cat

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
          "old_la_code,la_name,new_la_code,social_care_group,version,t_rwm_eligible_pupils,"
          "pt_rwm_met_expected_standard\n")
SYMBOL_VALUES = ["c", "x", "z", "low", "u", "k", "-", ":", ""]


def _lait(path):
    """Eight South West authorities, England and the region, for one year."""
    ks2_fsm = [60, 50, 50, 40, 30, 20, 10, 5]       # high is better; 802 and 803 tie
    neet = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, "-"]  # low is better; 808 missing
    rows = []
    for i in range(8):
        code = 801 + i
        rows += [("FSM_NEW_KS2_RWM", "2024", f"LA {code}", str(ks2_fsm[i]), code, "South West"),
                 ("NonFSM_NEW_KS2_RWM", "2024", f"LA {code}", str(ks2_fsm[i] + 20), code, "South West"),
                 ("16-17 NEET", "2023", f"LA {code}", str(neet[i]), code, "South West"),
                 # 130% is impossible: flagged, kept, and left out of comparisons.
                 ("%_2yr_olds", "2024", f"LA {code}", "130" if code == 801 else "70", code, "South West")]
    rows += [("FSM_NEW_KS2_RWM", "2024", "England", "45", 970, "NA"),
             ("NonFSM_NEW_KS2_RWM", "2024", "England", "65", 970, "NA"),
             ("16-17 NEET", "2023", "England", "2.8", 970, "NA"),
             ("16-17 NEET", "2023", "South West", "3.2", 990, "NA"),
             # Far above every authority (1.0 to 7.0): another quantity, not a rate.
             ("16-17 NEET", "2023", "England", "2.8", 970, "NA")][:-1]
    rows.append(("FirstYJS", "2024", "England", "1258", 970, "NA"))
    rows += [("FirstYJS", "2024", f"LA {801 + i}", str(100 + 10 * i), 801 + i, "South West") for i in range(8)]
    frame = pd.DataFrame(rows, columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number", "Region"])
    frame["LA Number"] = frame["LA Number"].astype("float64")
    frame["Data item"] = None
    duckdb.connect().execute("copy (select * from frame) to ? (format parquet)", [str(path)])


def _sn(path):
    cols = ",".join(f"SN_{i},SN_{i}P" for i in range(1, 11))
    neighbours = ",".join(f"{c},Close" for c in [802, 803, 804, 805, 806, 807, 808, 901, 902, 903])
    path.write_text(f"old_la_code,la_name,region_ind,region_name,{cols}\n801,LA 801,7,South West,{neighbours}\n")


def _ks2(path, period, values):
    lines = [f"{period},Academic year,National,E92000001,England,,,,,,CINO at 31 March,Final,100,{values[0]}"]
    for i, v in enumerate(values[1:]):
        lines.append(f"{period},Academic year,Local authority,E92000001,England,E12000009,South West,{801 + i},"
                     f"LA {801 + i},E0600{i},CINO at 31 March,Final,10,{v}")
    path.write_text(HEADER + "\n".join(lines) + "\n")


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    _lait(shipped / "lait.parquet")
    _sn(shipped / "sn.csv")
    _ks2(shipped / "ks2_la.csv", "202324", ["40", "55.5", *SYMBOL_VALUES, "oops", "\"1,234\""])
    monkeypatch.setattr(cat, "PUBLISHED_DIR", shipped)
    monkeypatch.setattr(cat, "LAIT_FILE", shipped / "lait.parquet")
    monkeypatch.setattr(cat, "SN_FILE", shipped / "sn.csv")
    monkeypatch.setenv("OBA_LA_CODE", "801")
    wh = Warehouse(data_dir=str(tmp_path / "data"))
    landing = wh.paths().landing / "published"
    landing.mkdir(parents=True)
    # Next year's file, dropped in with no code change; it also re-publishes 2023/24 for LA 801.
    _ks2(landing / "ks2_la_2025.csv", "202425", ["41", "61"])
    (landing / "ks2_la_revised.csv").write_text(
        HEADER + "202324,Academic year,Local authority,E92000001,England,E12000009,South West,801,LA 801,"
                 "E06001,CINO at 31 March,Revised,10,99\n")
    return wh


def _run(wh):
    result = dg.materialize(published.assets[:3], resources={"warehouse": wh})
    assert result.success
    return duckdb.connect(str(wh.paths().build), read_only=True)


def test_symbols_become_null_with_status_never_zero_or_error(warehouse):
    con = _run(warehouse)
    rows = {code: (status, value) for code, status, value in con.execute("""
                            select area_code, status, value from pub_values where series = 'ks2_la'
                              and measure_code = 'pt_rwm_met_expected_standard|CINO at 31 March'
                              and period = '2023/24' and area_type = 'la'""").fetchall()}
    for i, symbol in enumerate(SYMBOL_VALUES[:-1]):
        assert rows[str(802 + i)] == (symbol, None)
    assert rows["810"] == ("blank", None)
    assert rows["811"] == ("unrecognised", None)
    assert rows["812"] == ("ok", 1234.0)
    assert rows["801"] == ("ok", 99.0)  # the later (revised) file replaced the shipped value
    assert con.execute("select count(*) from pub_values where value = 0").fetchone()[0] == 0


def test_standard_dfe_csv_is_mapped_by_its_catalogue_entry(warehouse):
    con = _run(warehouse)
    row = con.execute("""select source, area_type, area_code, area_name, region_code, period, period_start,
                                period_raw, value, unit, polarity, is_plausible
                         from pub_values where series = 'ks2_la' and area_type = 'england'
                         and measure_code = 'pt_rwm_met_expected_standard|CINO at 31 March'
                         order by period""").fetchall()
    assert [r[5] for r in row] == ["2023/24", "2024/25"]  # the dropped-in year is loaded
    src, area_type, code, name, region, period, start, raw, value, unit, pol, ok = row[0]
    assert (src, area_type, code, name, region, raw, value, unit, pol, ok) == (
        "ks2_la.csv", "england", "E92000001", "England", None, "202324", 40.0, "percent", "high", True)
    assert str(start) == "2023-09-01"
    assert con.execute("""select count(*) from pub_values where series = 'ks2_la'
                          and measure_code = 't_rwm_eligible_pupils|CINO at 31 March'""").fetchone()[0] > 0


def test_quartiles_and_ranks_respect_polarity(warehouse):
    con = _run(warehouse)
    high = con.execute("""select national_rank, quartile_band, n_las, la_published_value, england_value,
                                 sn_n, sn_mean, sn_median
                          from benchmark_values where measure_id = 'eh03_ks2_rwm_fsm_pct'""").fetchone()
    assert high == (1, "A", 8, 60.0, 45.0, 7, pytest.approx((50 + 50 + 40 + 30 + 20 + 10 + 5) / 7), 30.0)
    low = con.execute("""select national_rank, quartile_band, n_las, la_published_value, region_value, sn_n
                         from benchmark_values where measure_id = 'eh07_neet_pct' and period = '2023'""").fetchone()
    assert low == (1, "A", 7, 1.0, 3.2, 6)
    # Every band among all authorities: ties share a rank and a band.
    bands = con.execute("""with v as (select area_code, value from pub_values where measure_code = 'FSM_NEW_KS2_RWM'
                                      and area_type = 'la')
                           select * from v order by value desc""").fetchall()
    assert [b[1] for b in bands] == [60, 50, 50, 40, 30, 20, 10, 5]
    # The other authorities' values, for placing our own local figure among them.
    others = con.execute("""select other_la_values from benchmark_values
                            where measure_id = 'eh03_ks2_rwm_fsm_pct'""").fetchone()[0]
    assert sorted(others, reverse=True) == [50, 50, 40, 30, 20, 10, 5]
    gap = con.execute("select la_published_value from benchmark_values where measure_id = 'eh03_ks2_rwm_gap_pp'")
    assert gap.fetchone()[0] == 20.0  # non-FSM minus FSM


def test_implausible_values_are_flagged_and_kept_out(warehouse):
    con = _run(warehouse)
    pct = con.execute("""select value, is_plausible, plausibility_note from pub_values
                         where measure_code = '%_2yr_olds' and area_code = '801'""").fetchone()
    assert pct[0] == 130.0 and pct[1] is False and "possible range" in pct[2]
    bench = con.execute("""select la_published_value, quartile_band, national_rank, is_plausible, plausibility_note,
                                  n_las from benchmark_values where measure_id = 'eh06_two_year_takeup_pct'""").fetchone()
    assert bench[:4] == (None, None, None, False) and "130" in bench[4] and bench[5] == 7
    fte = con.execute("""select england_value, la_published_value, plausibility_note from benchmark_values
                         where measure_id = 'eh09_fte_per_100k'""").fetchone()
    assert fte[0] is None and fte[1] == 100.0 and "England value 1258" in fte[2]
