"""The five SQL examples of docs/querying.md run against a demo warehouse, read-only."""

import duckdb
import pytest

from indicators.catalogue import indicators
from querying_guide import examples
from sample_warehouse import build_sample



def test_the_guide_has_five_examples():
    assert len(examples()) >= 5


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = duckdb.connect(str(build_sample(tmp_path_factory.mktemp("q") / "oba.duckdb")), read_only=True)
    yield c
    c.close()


@pytest.mark.parametrize("n", range(5))
def test_example_runs_and_answers(con, n):
    sql = examples()[n]
    rows = con.execute(sql).fetchall()
    assert rows, f"example {n + 1} returned nothing on the demo warehouse"
    if n == 0:
        assert [r[0] for r in rows] == [ind.id for ind in indicators()]
    if n == 2:
        assert "c" in {v for r in rows for v in r[2:]}   # published: small counts hidden
