"""Every column of the published warehouse carries a DuckDB comment.

Most tables are documented where they are made (``*__docs.sql`` beside their SQL, the
catalogue's descriptions for ``stg_<source>``). What is documented here is what those
places leave out: the columns of ``raw_<source>`` (as delivered), the provenance columns
every ``raw_``/``stg_`` row carries, and the operations tables (``meta_*``). The publish
step calls ``document`` on the build file just before publishing, and fills in only columns
that have no comment, so a comment written where a table is made always wins.
``undocumented`` is what the tests (and ``oba sql``'s ``.describe``) rely on being empty.
"""

from __future__ import annotations

import duckdb

from sources.catalogue import SOURCES

# The provenance columns of every raw_/stg_ row (pipelines/ingest/loading.py ORIGIN).
ORIGIN = {
    "source_file": "File the row came from, as named in the landing folder (load_log.source_file)",
    "file_hash": "SHA-256 of that file: the delivery's identity (joins to load_log.file_hash and quarantine.file_hash)",
    "source_row": "Where the record is in that file, as a spreadsheet numbers it (header = 1, first record = 2)",
    "delivery_period": "Period the delivery covers, from the file name (load_log.period)",
    "loaded_at": "When the pipeline loaded the delivery",
}

# Operations tables the publish step keeps (pipelines/operations/sql/); columns their SQL leaves bare.
OPERATIONS = {
    "meta_runs": {
        "run_id": "Dagster run id (the UI's run page; oba status shows its first 8 characters)",
        "job_name": "Dagster job that ran (everything = the whole pipeline)",
        "triggered_by": "oba run | schedule <name> | sensor <name> | ui",
        "started_at": "When the run started (local time)",
        "finished_at": "When the run finished (empty while it runs)",
        "status": "SUCCESS | FAILURE | CANCELED | STARTED",
        "assets_materialised": "Number of assets the run materialised",
        "assets": "The assets it materialised, comma-separated",
        "failures": "Failed steps and failed blocking checks, one per line",
        "warnings": "Failed warning checks (freshness, files not loaded), one per line",
        "published": "This run replaced the published warehouse",
    },
    "meta_publish": {
        "fingerprint": "Digest of what the content is built from (deliveries in load_log, definitions, code, "
                       "asset list); an unchanged fingerprint is not re-published",
        "run_id": "Dagster run that published this file (meta_runs.run_id)",
        "published_at": "When the build was copied into place as the published warehouse",
        "tables": "Tables and views in the published file",
        "bytes": "Size of the published file in bytes",
        "inputs": "Digest of the landing folder (names, sizes, times) and definitions when the run started",
    },
    "meta_run_sources": {
        "run_id": "Dagster run (meta_runs.run_id)",
        "source": "Source extract name (sources catalogue)",
        "files_received": "Files of the source first read by this run",
        "rows_read": "Records read from those files",
        "rows_loaded": "Of which loaded into stg_<source>",
        "rows_quarantined": "Of which quarantined (see quarantine)",
        "rows_refused": "Of which in files refused or rejected whole",
        "files": "Each file and its status (load_log.status), separated by '; '",
    },
}


def known() -> dict[str, dict[str, str]]:
    """table -> column -> comment for everything this module documents."""
    docs = {table: dict(cols) for table, cols in OPERATIONS.items()}
    for source in SOURCES:
        raw = {c.name: f"{c.description}: as delivered, unchecked text (typed and validated in stg_{source.name})"
               for c in source.columns}
        docs[f"raw_{source.name}"] = {**raw, **ORIGIN}
        docs[f"stg_{source.name}"] = {c.name: c.description for c in source.columns} | ORIGIN
    return docs


def undocumented(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(table, column) of every column in the main schema without a comment."""
    return con.execute("select table_name, column_name from duckdb_columns() "
                       "where schema_name = 'main' and not internal and coalesce(trim(comment), '') = '' "
                       "order by table_name, column_index").fetchall()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def document(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Comment every bare column this module knows about; returns those still bare."""
    docs = known()
    missing = undocumented(con)
    statements = [f'comment on column "{t}"."{c}" is {_quote(docs[t][c])}'
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
