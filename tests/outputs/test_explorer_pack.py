"""The Power BI / Excel pack the nightly run writes (``demo_run``), loaded as an officer would:
into DuckDB and pandas, from Parquet and from CSV, with the suppression flags intact; and the
explorer's reading, which copies only the shareable tables."""

import duckdb
import pandas as pd
import pytest

from indicators.disclosure import SUPPRESSED
from pipelines.outputs import gather
from pipelines.outputs.explorer import pack, release

FIGURES = list(pack.FIGURES.values())


@pytest.fixture(scope="module")
def made(demo_run):
    p = demo_run[0]
    with duckdb.connect(str(p.warehouse), read_only=True) as con:
        shared = release.read(con)
    with shared:
        data = gather.gather(shared, data_dir=p.data_dir)
        published = gather.published_values(shared)
    folder = p.exports / f"powerbi_{data.period.label}"
    assert folder.is_dir(), f"the nightly run wrote no Power BI pack at {folder}"
    up_to = published[published["period_end"] <= data.period.end]
    return folder, up_to


def test_explorer_pack_has_its_tables_and_guide(made):
    folder, _ = made
    for name in ("fact_values", "dim_measure", "dim_period", "dim_area"):
        assert (folder / f"{name}.parquet").exists() and (folder / f"{name}.csv").exists()
    guide = (folder / "README.md").read_text(encoding="utf-8")
    assert "Value suppressed" in guide and "Relationships" in guide


def test_explorer_pack_loads_into_pandas_with_flags(made):
    folder, published = made
    fact = pd.read_parquet(folder / "fact_values.parquet")
    assert len(fact) == len(published)
    for figure, column in pack.FIGURES.items():
        flags = fact[f"{column} suppressed"]
        assert flags.dtype == bool
        assert int(flags.sum()) == int((published[figure] == SUPPRESSED).sum()), column
        assert fact.loc[flags, column].isna().all(), f"a suppressed {column} holds a number"
        assert pd.api.types.is_float_dtype(fact[column]), f"{column} is not numeric"
    assert fact["Value suppressed"].any(), "the demo at 1/20 scale has suppressed cells to carry"
    # The CSV says the same, read back by pandas with the flags as booleans.
    from_csv = pd.read_csv(folder / "fact_values.csv", encoding="utf-8-sig", dtype={"Period": str, "Group code": str})
    assert from_csv["Value suppressed"].dtype == bool
    assert from_csv["Value suppressed"].sum() == fact["Value suppressed"].sum()
    assert from_csv.loc[from_csv["Value suppressed"], "Value"].isna().all()


def test_explorer_pack_loads_into_duckdb_and_joins_its_dimensions(made):
    folder, published = made
    con = duckdb.connect()
    for name in ("fact_values", "dim_measure", "dim_period", "dim_area"):
        con.execute(f"create view {name} as select * from read_parquet('{folder / name}.parquet')")
    types = dict(con.execute("select column_name, column_type from (describe fact_values)").fetchall())
    assert types["Value"] == "DOUBLE" and types["Value suppressed"] == "BOOLEAN"
    orphans = con.execute("""select count(*) from fact_values f
        left join dim_measure m using ("Measure ID") left join dim_period p using ("Period")
        left join dim_area a using ("Area ID")
        where m."Measure" is null or p."Start" is null or a."Area" is null""").fetchone()[0]
    assert orphans == 0
    hidden = con.execute('select count(*) from fact_values where "Value suppressed" and "Value" is null').fetchone()[0]
    assert hidden == int((published["value"] == SUPPRESSED).sum())
    csv_flags = con.execute(f"""select count(*) from read_csv('{folder}/fact_values.csv')
        where "Value suppressed" """).fetchone()[0]
    assert csv_flags == hidden
    assert dict(con.execute("select column_name, column_type from (describe select * from "
                            f"read_csv('{folder}/fact_values.csv'))").fetchall())["Value suppressed"] == "BOOLEAN"


def test_explorer_reads_only_shareable_tables(demo_run):
    """What the explorer and pack see: the shareable file's tables; no exact figures, records or
    quarantine rows, and of the delivery log no count of 1 to 5 and no message beyond the hold rule."""
    from pipelines.release import shareable

    with shareable.connect(demo_run[0]) as con:
        shared = release.read(con)
    with shared:
        tables = {t for (t,) in shared.execute("select table_name from information_schema.tables").fetchall()}
        assert tables <= set(release.SHAREABLE)
        assert [c for (c,) in shared.execute("select column_name from (describe held_deliveries)").fetchall()] == \
            ["file", "source", "text"]
        for t in ("scorecard", "scorecard_periods"):    # figures come from the published table only
            columns = {c for (c,) in shared.execute(f"select column_name from (describe {t})").fetchall()}
            assert not set(shareable.LOCAL_FIGURES) & columns, t
        assert shared.execute("select count(value) from indicator_forecasts where kind = 'history'").fetchone()[0] == 0
        assert not {"indicator_values", "quarantine"} & tables and not any(t.startswith(("stg_", "raw_")) for t in tables)
        assert shared.execute("select count(*) from load_log where rows_loaded between 1 and 5 "
                              "or rows_read between 1 and 5").fetchone()[0] == 0


def test_explorer_command_writes_both_and_the_demo_says_where(demo_run, capsys):
    from pipelines.operations.cli import explorer_lines, main

    p = demo_run[0]
    assert main(["--data-dir", str(p.data_dir), "explorer"]) == 0
    out = capsys.readouterr().out
    html = next(p.papers.glob("*/explorer_*.html"))
    assert str(html) in out and "Power BI" in out
    lines = explorer_lines(p)
    assert str(html) in lines and str(next(p.exports.glob("powerbi_*"))) in lines
