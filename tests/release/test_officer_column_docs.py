"""Every table and column of a real published demo warehouse carries a DuckDB comment, and
docs/warehouse.md names every table and (outside the per-source families) every column."""

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.release import column_docs

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"
# Families documented once for all their members (raw_<source>, stg_<source>, ind_ehNN).
FAMILIES = (r"raw_\w+", r"stg_\w+", r"ind_eh\d\d")


@pytest.fixture(scope="module")
def published(demo_warehouse):
    return demo_warehouse


def test_no_column_of_the_published_warehouse_lacks_a_comment(published):
    assert column_docs.undocumented(published) == []
    n = published.execute("select count(*) from duckdb_columns() where schema_name = 'main'").fetchone()[0]
    assert n > 500


def test_every_table_and_view_has_a_comment(published):
    bare = published.execute(
        "select table_name from duckdb_tables() where schema_name = 'main' and coalesce(comment, '') = '' "
        "union all select view_name from duckdb_views() "
        "where schema_name = 'main' and not internal and coalesce(comment, '') = ''").fetchall()
    assert bare == []


def test_raw_columns_say_they_are_as_delivered_and_provenance_is_explained(published):
    rows = dict(((t, c), text) for t, c, text in published.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where table_name in ('raw_neet', 'stg_neet')").fetchall())
    assert "as delivered" in rows[("raw_neet", "activity_code")]
    assert "load_log" in rows[("stg_neet", "file_hash")] and "spreadsheet" in rows[("raw_neet", "source_row")]


def test_document_fills_only_bare_columns_and_reports_the_rest(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create table raw_neet (activity_code varchar, source_row bigint, mystery int)")
    con.execute("comment on column raw_neet.source_row is 'kept as it was'")
    assert column_docs.document(con) == [("raw_neet", "mystery")]
    comments = dict(con.execute("select column_name, comment from duckdb_columns() "
                                "where table_name = 'raw_neet'").fetchall())
    assert comments["source_row"] == "kept as it was" and "as delivered" in comments["activity_code"]


def test_docs_warehouse_names_every_table_and_column(published):
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Za-z_0-9<>]+)`", text))
    tables = [r[0] for r in published.execute(
        "select table_name from information_schema.tables where table_schema = 'main'").fetchall()]
    missing_tables, missing_columns = [], []
    for table in tables:
        family = next((f for f in FAMILIES if re.fullmatch(f, table)), None)
        if family:
            stem = {"raw": "raw_<source>", "stg": "stg_<source>", "ind": "ind_ehNN"}[table.split("_")[0]]
            if stem not in named:
                missing_tables.append(table)
            continue
        if table not in named:
            missing_tables.append(table)
        for (column,) in published.execute("select column_name from duckdb_columns() where table_name = ?",
                                           [table]).fetchall():
            if column not in named:
                missing_columns.append(f"{table}.{column}")
    assert missing_tables == [] and missing_columns == []
