"""A small hand-made warehouse following the contracts of the tables the papers read.

Unit tests of the paper use it so they run in a second, without the ingest and indicator
pipeline; the end-to-end tests (test_reports_demo.py) use the real pipeline instead. The
numbers are random but deliberately small, so disclosure control has work to do.
"""

from __future__ import annotations
import duckdb
import pandas as pd
from sample_warehouse import (  # noqa: F401  (fixtures too)
    build_sample)


def test_sample_published_values_hide_every_small_count(tmp_path):
    db = build_sample(tmp_path / "oba.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        pub = con.execute("select numerator, denominator from indicator_values_published "
                          "where unit not in ('mean', 'points', 'pp')").df()
    # Numerators of mean scores and gaps are sums of scores / one side of a gap: the
    # disclosure rule protects those by their n only, and the papers do not show them.
    nums = pd.to_numeric(pd.concat([pub.numerator, pub.denominator]), errors="coerce")
    assert not nums.between(1, 5).any()
    assert (pd.concat([pub.numerator, pub.denominator]) == "c").any()
