"""Every column of the published warehouse carries a DuckDB comment.

Most tables are documented where they are made, from their one definition (``tables.yaml``
beside their SQL, read by ``pipelines/tables.py``; the catalogue's descriptions for
``stg_<source>``). What is documented here is what those places leave out: the columns of
``raw_<source>`` (as delivered) and the provenance columns every ``raw_``/``stg_`` row
carries. The publish step calls ``document`` on the build file just before publishing, and
fills in only columns that have no comment, so a comment written where a table is made
always wins.
``undocumented`` is what the tests (and ``oba sql``'s ``.describe``) rely on being empty.
"""

from __future__ import annotations

import duckdb

from pipelines.warehouse import sql_literal
from sources.catalogue import SOURCES

# The provenance columns of every raw_/stg_ row (pipelines/ingest/loading.py ORIGIN).
ORIGIN = {
    "source_file": "File the row came from, as named in the landing folder (load_log.source_file)",
    "file_hash": "SHA-256 of that file: the delivery's identity (joins to load_log.file_hash and quarantine.file_hash)",
    "source_row": "Where the record is in that file, as a spreadsheet numbers it (header = 1, first record = 2)",
    "delivery_period": "Period the delivery covers, from the file name (load_log.period)",
    "loaded_at": "When the pipeline loaded the delivery",
}


def known() -> dict[str, dict[str, str]]:
    """table -> column -> comment for everything this module documents."""
    docs: dict[str, dict[str, str]] = {}
    for source in SOURCES:
        raw = {c.name: f"{c.description}: as delivered (text), blank where the cell failed validation (its value, "
                           f"masked where it is an identifier, is in quarantine; typed and validated rows in stg_{source.name})"
               for c in source.columns}
        docs[f"raw_{source.name}"] = {**raw, **ORIGIN}
        docs[f"stg_{source.name}"] = {c.name: c.description for c in source.columns} | ORIGIN
    return docs


def undocumented(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(table, column) of every column in the main schema without a comment."""
    return con.execute("select table_name, column_name from duckdb_columns() "
                       "where schema_name = 'main' and not internal and coalesce(trim(comment), '') = '' "
                       "order by table_name, column_index").fetchall()


def document(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Comment every bare column this module knows about; returns those still bare."""
    docs = known()
    missing = undocumented(con)
    statements = [f'comment on column "{t}"."{c}" is {sql_literal(docs[t][c])}'
                  for t, c in missing if c in docs.get(t, {})]
    if statements:
        con.execute("begin transaction")
        try:
            for sql in statements:
                con.execute(sql)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return undocumented(con)
