"""The published assets on the real shipped open data, plus reconciliation against a
hand-made indicator_values table."""

import time

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.reference import benchmarks as published
from pipelines.warehouse import Warehouse

BANES_NEIGHBOURS = ["York", "Trafford", "Hertfordshire", "Stockport", "West Sussex", "Kingston upon Thames",
                    "Buckinghamshire", "Oxfordshire", "Cambridgeshire", "Gloucestershire"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    wh = Warehouse(data_dir=str(tmp_path_factory.mktemp("published")))
    with wh.connect() as con:
        con.execute("""create table indicator_values as select * from (values
            ('eh07_neet_pct', '2023', 'all', 'all', 1.5),
            ('eh07_neet_pct', '2024', 'all', 'all', 3.1),
            ('eh07_neet_pct', '2024', 'sex', 'F', 9.9),
            ('eh04_suspensions_per_100', '2022/23', 'all', 'all', 9.3),
            ('eh01_step_up_pct', '2024-25', 'all', 'all', 12.0)
        ) as t(measure_id, period, breakdown, breakdown_value, value)""")
    started = time.perf_counter()
    result = dg.materialize(published.assets + published.asset_checks, resources={"warehouse": wh})
    elapsed = time.perf_counter() - started
    assert result.success
    return wh, result, elapsed


def _con(wh):
    return duckdb.connect(str(wh.paths().build), read_only=True)


def test_banes_16_17_neet_2023_reads_1_5(built):
    con = _con(built[0])
    row = con.execute("""select value, status, period_start, period_end, period_raw from pub_values
                         where measure_code = '16-17 NEET' and area_code = '800' and period = '2023'""").fetchone()
    assert row[0] == 1.5 and row[1] == "ok" and row[4] == "2023"
    assert (str(row[2]), str(row[3])) == ("2022-12-01", "2023-02-28")
    bench = con.execute("""select la_published_value from benchmark_values
                           where measure_id = 'eh07_neet_pct' and period = '2023'""").fetchone()
    assert bench == (1.5,)


def test_banes_statistical_neighbours(built):
    names = [r[0] for r in _con(built[0]).execute(
        "select neighbour_name from pub_statistical_neighbours where la_code = '800' order by neighbour_rank"
    ).fetchall()]
    assert names == BANES_NEIGHBOURS


def test_every_mapped_measure_has_banes_england_and_neighbours(built):
    con = _con(built[0])
    rows = con.execute("""select measure_id, count(*) filter (where la_published_value is not null),
                                 count(*) filter (where sn_n >= 8), count(*) filter (where england_value is not null)
                          from benchmark_values group by 1""").fetchall()
    assert len(rows) == 18
    for measure_id, la, sn, england in rows:
        assert la >= 1 and sn >= 1, measure_id
        # England FirstYJS is implausible in every year; LAIT has no England ReoffYO at all.
        if measure_id not in ("eh09_fte_per_100k", "eh09_reoffending_pct"):
            assert england >= 1, measure_id


def test_ranks_match_an_independent_pandas_ranking(built):
    con = _con(built[0])
    values = con.execute("""select area_code, value from pub_values where measure_code = 'TotFixedEx'
                            and period = '2023/24' and area_type = 'la' and is_plausible""").df()
    values["rank"] = values["value"].rank(method="min", ascending=True)  # low is better
    expected = int(values.loc[values["area_code"] == "800", "rank"].iloc[0])
    got = con.execute("""select national_rank, n_las, quartile_band from benchmark_values
                         where measure_id = 'eh04_suspensions_per_100' and period = '2023/24'""").fetchone()
    assert got[0] == expected and got[1] == len(values)
    assert got[2] == "ABCD"[(expected - 1) * 4 // len(values)]


def test_real_faults_are_flagged_not_used(built):
    con = _con(built[0])
    england = con.execute("""select count(*), count(*) filter (where not is_plausible) from pub_values
                             where measure_code = 'FirstYJS' and area_type = 'england'""").fetchone()
    assert england[0] > 0 and england[0] == england[1]
    over = con.execute("""select count(*) from pub_values where unit = 'percent' and value > 100
                          and is_plausible""").fetchone()[0]
    assert over == 0
    assert con.execute("select count(*) from benchmark_values where england_value > 1000").fetchone()[0] == 0


def test_reconciliation_uses_whole_population_rows_and_tolerance(built):
    wh = built[0]
    rec = _con(wh).execute("select * from reconciliation order by measure_id, period").df()
    assert list(rec["measure_id"]) == ["eh04_suspensions_per_100", "eh07_neet_pct", "eh07_neet_pct"]
    neet = rec[rec["measure_id"] == "eh07_neet_pct"].set_index("period")
    assert neet.loc["2023", "difference"] == 0 and not neet.loc["2023", "is_flagged"]
    assert neet.loc["2024", "published_value"] == 2.1 and bool(neet.loc["2024", "is_flagged"])  # 1.0 > 0.5
    csv = pd.read_csv(wh.paths().exports / "reconciliation.csv")
    assert len(csv) == 3 and (wh.paths().exports / "reconciliation.html").exists()


def test_reconciliation_without_indicator_values_is_empty_with_a_note(tmp_path):
    wh = Warehouse(data_dir=str(tmp_path))
    result = dg.materialize(published.assets, resources={"warehouse": wh})
    meta = result.asset_materializations_for_node("reconciliation")[0].metadata
    assert meta["dagster/row_count"].value == 0 and "does not exist" in meta["note"].value


def test_checks_pass_metadata_present_and_fast(built):
    wh, result, elapsed = built
    assert all(e.passed for e in result.get_asset_check_evaluations())
    for name in ("pub_values", "pub_statistical_neighbours", "benchmark_values", "reconciliation"):
        meta = result.asset_materializations_for_node(name)[0].metadata
        assert {"dagster/row_count", "preview", "dagster/column_schema"} <= set(meta)
        cols = meta["dagster/column_schema"].value.columns
        assert all(c.description for c in cols), name
    assert elapsed < 30
