"""The one definition per output table (``tables.yaml`` files, ``pipelines/tables.py``) is
what a real demo warehouse holds, what docs/warehouse.md shows, and every name follows the
naming grammar."""

import re

import duckdb
import pytest

from indicators import catalogue as cat
from pipelines import tables
from sources.catalogue import SOURCES


def _indicator_fields(name: str) -> dict:
    ind = next(i for i in cat.indicators() if i.table == name)
    return {"indicator": ind.id, "title": ind.title, "sql_file": ind.sql_file.name}


def _warehouse_tables(con) -> list[str]:
    return [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main' "
                                      "union all select view_name from duckdb_views() "
                                      "where schema_name = 'main' and not internal order by 1").fetchall()]


def test_every_defined_table_is_in_the_demo_warehouse_exactly_as_defined(demo_warehouse):
    present = set(_warehouse_tables(demo_warehouse))
    names = [n for n in tables.definitions() if n != tables.INDICATOR_TABLE]
    names += [i.table for i in cat.indicators()]
    assert sorted(set(names) - present) == []
    for name in names:
        t = tables.table(name)
        actual = demo_warehouse.execute(
            "select column_name, data_type, comment from duckdb_columns() where table_name = ? "
            "order by column_index", [name]).fetchall()
        assert actual == [(c.name, c.type, c.description) for c in t.columns], name
        comment = demo_warehouse.execute(
            "select comment from duckdb_tables() where table_name = ? union all "
            "select comment from duckdb_views() where view_name = ?", [name, name]).fetchone()[0]
        fields = _indicator_fields(name) if name.startswith("ind_") else {}
        assert comment == (t.description.format(**fields) if fields else t.description), name


def test_the_python_column_lists_are_the_definitions():
    from pipelines.compute import assets, scorecard

    assert assets.VALUE_COLUMNS == tables.columns("indicator_values")
    assert scorecard.SCORECARD_COLUMNS == tables.columns("scorecard") == tables.columns("scorecard_periods")
    assert scorecard.FORECAST_COLUMNS == tables.columns("indicator_forecasts")
    # The catalogue frame is built in indicators/ (no import of pipelines there): checked, not derived.
    assert cat.CATALOGUE_COLUMNS == tables.columns("indicator_catalogue")
    assert list(cat.measures_frame().columns) == tables.columns("indicator_catalogue")


def test_create_sql_types_orders_and_fills_columns_a_query_leaves_out():
    con = duckdb.connect()
    con.execute("create temp table _indicator as select * from (values ('m', '2024', 'calendar_year', "
                "date '2024-01-01', date '2024-12-31', 'all', 'all', 3, 10), ('a', '2023', 'calendar_year', "
                "date '2023-01-01', date '2023-12-31', 'all', 'all', 1, 4)) v(measure_id, period, period_type, "
                "period_start, period_end, breakdown, breakdown_value, numerator, denominator)")
    present = {r[0] for r in con.execute("describe _indicator").fetchall()}
    con.execute(tables.create_sql("ind_test", "_indicator", present))
    con.execute(tables.comment_sql("ind_test", indicator="EH99", title="Test", sql_file="ind_test.sql"))
    cols = con.execute("select column_name, data_type, comment from duckdb_columns() where table_name = 'ind_test' "
                       "order by column_index").fetchall()
    assert [c[:2] for c in cols] == [(c.name, c.type) for c in tables.table("ind_test").columns]
    assert dict((c[0], c[2]) for c in cols)["sd"] == "Standard deviation of the scores (mean measures only)"
    assert con.execute("select measure_id, numerator, sd from ind_test").fetchall() == [("a", 1.0, None),
                                                                                         ("m", 3.0, None)]
    assert con.execute("select comment from duckdb_tables() where table_name = 'ind_test'").fetchone()[0] \
        .startswith("EH99 Test: numerators and denominators")


def test_docs_warehouse_agrees_with_the_definitions():
    text = tables.DOCS.read_text(encoding="utf-8")
    assert tables.render_docs(text) == text, "run: python -m pipelines.tables --docs"
    assert sorted(set(tables.definitions()) - tables.documented(text)) == []
    assert tables.main(["--check"]) == 0


def test_the_docs_check_fails_when_a_description_changes(tmp_path, monkeypatch):
    text = tables.DOCS.read_text(encoding="utf-8")
    stale = text.replace("| `ward_name` | varchar | Ward name |", "| `ward_name` | varchar | The ward |")
    assert stale != text and tables.render_docs(stale) == text
    doc = tmp_path / "warehouse.md"
    doc.write_text(stale, encoding="utf-8")
    monkeypatch.setattr(tables, "DOCS", doc)
    assert tables.main(["--check"]) == 1
    assert tables.main(["--docs"]) == 0 and doc.read_text(encoding="utf-8") == text


def test_a_definition_file_is_checked_as_it_is_read(tmp_path):
    bad = tmp_path / "tables.yaml"
    bad.write_text("t:\n  description: x\n  columns:\n    a: VARCHAR\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected \\[TYPE, description\\]"):
        tables.load(bad)
    bad.write_text("t:\n  description: x\n  columns:\n    a: [VARCHAR, y]\n"
                   "u:\n  description: z\n  like: t\n  comments:\n    b: no such column\n", encoding="utf-8")
    with pytest.raises(ValueError, match="does not have"):
        tables.load(bad)


# ------------------------------------------------------------------------------------------
# The naming grammar (docs/warehouse.md "Names")
# ------------------------------------------------------------------------------------------

SOURCE_NAMES = [s.name for s in SOURCES]
INDICATOR_NAMES = [i.id.lower() for i in cat.indicators()]


def test_every_table_of_the_demo_warehouse_follows_the_grammar(demo_warehouse):
    names = _warehouse_tables(demo_warehouse)
    assert len(names) > 60
    strays = [n for n in names if tables.name_form(n, SOURCE_NAMES, INDICATOR_NAMES) is None]
    assert strays == []


def test_every_asset_key_is_a_table_name_or_a_product_and_checks_are_statements():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = [k.to_user_string() for k in graph.get_all_asset_keys()]
    strays = [k for k in keys if k not in tables.PRODUCTS
              and tables.name_form(k, SOURCE_NAMES, INDICATOR_NAMES) is None]
    assert strays == [] and set(tables.PRODUCTS) <= set(keys)
    checks = {c.name for c in graph.asset_check_keys}
    assert checks and all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", c) for c in checks)


def test_the_grammar_tells_names_apart():
    form = lambda n: tables.name_form(n, SOURCE_NAMES, INDICATOR_NAMES)  # noqa: E731
    assert form("raw_neet") == "raw_<source>" and form("stg_neet") == "stg_<source>"
    assert form("raw_unknown") is None and form("ind_eh99") is None
    assert form(f"ind_{INDICATOR_NAMES[0]}") == "ind_<indicator>"
    assert form("indicator_values_published") == "indicator_*"
    assert form("pub_values") == "pub_*" and form("meta_runs") == "meta_*"
    assert form("values") is None and form("Scorecard") is None


def test_only_comments_the_database_lacks_are_written(tmp_path):
    """A table that outlives the run is commented once: the ingest tables of a source made a
    second time write no comment, and a comment someone changed is put back."""
    import duckdb

    from pipelines.ingest.loading import ensure_tables
    from sources.catalogue import get

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    source = get("neet")
    wanted = [*tables.comments("load_log"), ("column", "stg_neet", "child_id", source.column("child_id").description)]
    assert tables.stale_comment_sql(con, wanted.copy()[:1]) != ""          # nothing there yet
    ensure_tables(con, source)
    assert tables.stale_comment_sql(con, wanted) == ""
    con.execute("comment on column stg_neet.child_id is 'changed by hand'")
    con.execute("comment on table load_log is 'changed by hand'")
    stale = tables.stale_comment_sql(con, wanted)
    assert stale.count("comment on") == 2 and "stg_neet" in stale and "load_log" in stale
    ensure_tables(con, source)
    assert con.execute("select comment from duckdb_columns() where table_name = 'stg_neet' and column_name = "
                       "'child_id'").fetchone()[0] == source.column("child_id").description
    assert tables.stale_comment_sql(con, wanted) == ""
