"""What the explorer and the Power BI pack may read: the shareable tables, copied out of a
warehouse into a private in-memory database, so nothing downstream can reach a record or an
exact count (``indicator_values``, ``stg_`` / ``raw_`` tables, ``quarantine``) even by mistake.

``read`` is the one place that says which tables and from which connection: point it at
another file (a shareable extract of the warehouse) and everything after it follows.
"""

from __future__ import annotations

import warnings

import duckdb

from pipelines.warehouse import table_exists

SHAREABLE = (
    "indicator_catalogue", "indicator_values_published", "indicator_forecasts", "scorecard",
    "scorecard_periods", "benchmark_values", "pub_values", "pub_statistical_neighbours",
    "lookup_wards", "lookup_localities", "lookup_periods", "lookup_authorities",
)
# Of the delivery log, only when each source's deliveries arrived and for which period: what
# dates the data ("data as at") and what each measure still awaits. No file names, no row
# counts: a delivery loaded with no row left is not copied as loaded.
DELIVERY_DATES = ("select source, period, status, received_at from load_log "
                  "where status = 'empty' or (status = 'loaded' and rows_loaded > 0)")


def read(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding the shareable tables of ``con`` (those it has) and the
    delivery dates; the caller closes it."""
    out = duckdb.connect()
    wanted = [(t, f'select * from "{t}"') for t in SHAREABLE]   # table names are ours, not input
    for table, sql in [*wanted, ("load_log", DELIVERY_DATES)]:
        if table_exists(con, table):
            with warnings.catch_warnings():   # "an extra copy of the rows": the copy is the point
                warnings.simplefilter("ignore", UserWarning)
                frame = con.execute(sql).to_arrow_table()  # noqa: F841 (read by name in the SQL below)
            out.execute(f'create table "{table}" as select * from frame')
    return out

