"""What each measure not computed yet awaits (issue 23: the first night from a few sources)."""

from __future__ import annotations

import duckdb

from pipelines.outputs.awaiting import awaiting, report_lines


def warehouse(published: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("create table indicator_catalogue as select * from (values "
                "('EH04', 'eh04_cme_per_1000', true, 'cme, pupil_population', 'academic_year'), "
                "('EH04', 'eh04_suspensions_per_100', false, 'exclusions, pupil_population', 'academic_year'), "
                "('EH11', 'eh11_behaviour_semh_excl_per_100', true, 'exclusions, pupil_population', 'academic_year')"
                ") t(indicator_id, measure_id, is_headline, sources, period_type)")
    con.execute("create table indicator_values_published (measure_id varchar)")
    for m in published:
        con.execute("insert into indicator_values_published values (?)", [m])
    con.execute("create table load_log as select * from (values ('exclusions', '2024-25', 'loaded', 10), "
                "('pupil_population', '2024-25', 'loaded', 5), ('cme', '2024-25', 'refused', 0)) "
                "t(source, period, status, rows_loaded)")
    return con


def test_each_measure_says_what_it_awaits():
    lines = report_lines(warehouse([]))
    assert lines == [
        "EH04 eh04_cme_per_1000: awaits cme (nothing loaded yet)",
        "EH11 eh11_behaviour_semh_excl_per_100: awaits a complete academic year (loaded up to exclusions 2024-25, "
        "pupil_population 2024-25)",
        "other measures awaits a complete academic year (loaded up to exclusions 2024-25, pupil_population 2024-25): "
        "eh04_suspensions_per_100"]


def test_nothing_awaited_when_every_measure_is_published():
    con = warehouse(["eh04_cme_per_1000", "eh04_suspensions_per_100", "eh11_behaviour_semh_excl_per_100"])
    assert report_lines(con) == []
    assert awaiting(con).empty
