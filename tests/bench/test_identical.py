"""bench.identical: a reference dump and the check that says whether a warehouse still matches it."""

import duckdb

from bench import identical


def _warehouse(path, rows, comment="What is counted"):
    with duckdb.connect(str(path)) as con:
        con.execute("create table scorecard (measure_id varchar, value double, loaded_at timestamp)")
        con.executemany("insert into scorecard values (?, ?, now())", rows)
        con.execute(f"comment on column scorecard.value is '{comment}'")
        con.execute("create table meta_runs (run_id varchar)")
        con.execute("insert into meta_runs values ('a')")
    return path


def test_the_same_tables_are_identical_whatever_the_run_times(tmp_path):
    ref = tmp_path / "ref"
    identical.dump(_warehouse(tmp_path / "a.duckdb", [("eh01_x", 1.5), ("eh01_x", 1.5)]), ref)
    again = _warehouse(tmp_path / "b.duckdb", [("eh01_x", 1.5), ("eh01_x", 1.5)])
    with duckdb.connect(str(again)) as con:
        con.execute("insert into meta_runs values ('another run')")    # run records are not compared
    assert identical.check(again, ref) == []
    assert identical.main(["check", str(again), str(ref)]) == 0


def test_a_changed_row_a_lost_duplicate_a_column_and_a_comment_are_each_named(tmp_path):
    ref = tmp_path / "ref"
    identical.dump(_warehouse(tmp_path / "a.duckdb", [("eh01_x", 1.5), ("eh01_x", 1.5)]), ref)
    assert identical.check(_warehouse(tmp_path / "b.duckdb", [("eh01_x", 1.5), ("eh01_x", 2.5)]), ref) == [
        "scorecard: 1 row(s) only now, 1 only in the reference"]
    assert identical.check(_warehouse(tmp_path / "c.duckdb", [("eh01_x", 1.5)]), ref) == [
        "scorecard: 0 row(s) only now, 1 only in the reference"]      # EXCEPT ALL counts duplicates
    assert identical.check(_warehouse(tmp_path / "d.duckdb", [("eh01_x", 1.5), ("eh01_x", 1.5)], "Other"), ref) == [
        "scorecard.value: comment changed"]
    wider = _warehouse(tmp_path / "e.duckdb", [("eh01_x", 1.5), ("eh01_x", 1.5)])
    with duckdb.connect(str(wider)) as con:
        con.execute("alter table scorecard add column rag varchar")
    assert identical.check(wider, ref)[0].startswith("scorecard: columns ")
    assert identical.main(["check", str(wider), str(ref)]) == 1
