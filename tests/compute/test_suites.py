"""The suites made from the tables' definitions (pipelines/compute/suites.py): each declared fact
of tables.yaml becomes an expectation that fails on a table breaking it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import tables
from pipelines.compute import expectations, suites


def _catalogue() -> pd.DataFrame:
    return pd.DataFrame({"measure_id": ["eh01_a_pct", "eh01_b_count"], "unit": ["pct", "count"]})


COLUMNS = ("measure_id varchar, period varchar, breakdown varchar, breakdown_value varchar, unit varchar, "
           "numerator double, denominator double, value double, ci_lower double, ci_upper double")
GOOD = [("eh01_a_pct", "2024-25", "all", "all", "pct", 5.0, 10.0, 50.0, 30.0, 70.0),
        ("eh01_b_count", "2024-25", "all", "all", "count", 7.0, None, 7.0, 3.0, 14.0)]
# One row breaking each declared rule (and, as it must, sometimes another).
BAD = [GOOD[0],                                                                      # the key repeated
       ("eh99_x", "2024-25", "all", "all", "count", 1.0, None, 1.0, 0.5, 2.0),           # not a catalogue measure
       ("eh01_a_pct", "2023-24", "all", "all", "pct", 5.0, 10.0, 120.0, 30.0, 130.0),    # above its unit's range
       ("eh01_a_pct", "2022-23", "all", "all", "pct", 5.0, 10.0, 50.0, 60.0, 70.0),      # below its lower limit
       ("eh01_a_pct", "2021-22", "all", "all", "pct", 11.0, 10.0, 50.0, 30.0, 70.0),     # numerator > denominator
       ("eh01_b_count", "2023-24", "all", "all", "count", -1.0, None, 0.0, 0.0, 1.0),    # a negative count
       ("eh01_b_count", None, "all", "all", "count", 1.0, None, 1.0, 0.5, 2.0)]          # no period


def _values(con, rows) -> None:
    con.execute(f"create or replace table indicator_values ({COLUMNS})")
    con.executemany(f"insert into indicator_values values ({', '.join(['?'] * 10)})", rows)


def _failed(con, tmp_path: Path) -> set[tuple[str, str]]:
    suite = suites.declared_suite(con, "indicator_values", _catalogue())
    quality = expectations.validate_suites([suite], tmp_path / "docs")
    return {(f["expectation"], f["column"].split(" where ")[0]) for f in quality.failures}


def test_every_table_with_a_suite_declares_its_key_and_what_it_reads():
    for name in suites.DECLARED:
        t = tables.table(name)
        declared = {c.name for c in t.columns}
        assert t.key and set(t.key) <= declared and set(t.expect["columns"]) <= declared, name


def test_a_key_or_suite_column_the_table_does_not_declare_is_refused(tmp_path):
    bad = tmp_path / "tables.yaml"
    bad.write_text("t:\n  description: x\n  key: [a, b]\n  columns:\n    a: [VARCHAR, one]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="does not declare"):
        tables.load(bad)


def test_each_declared_rule_fails_on_a_table_that_breaks_it(tmp_path):
    with duckdb.connect() as con:
        _values(con, GOOD)
        assert _failed(con, tmp_path) == set()
        _values(con, GOOD + BAD)
        failed = _failed(con, tmp_path)
    pair = "expect_column_pair_values_a_to_be_greater_than_b"
    for expectation, column in [("expect_compound_columns_to_be_unique", "breakdown_value"),
                                ("expect_column_values_to_be_in_set", "measure_id"),
                                (pair, "unit_max vs value"), (pair, "value vs ci_lower"),
                                (pair, "denominator vs numerator"),
                                ("expect_column_values_to_be_between", "numerator"),
                                ("expect_column_values_to_not_be_null", "period")]:
        assert any(e == expectation and column in c for e, c in failed), (expectation, column, failed)
