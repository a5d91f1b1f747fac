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
    "indicator_drafts", "indicator_decomposition",     # made from the published table only
)
# The scorecards' and forecasts' own copies of the local figures are exact (the published
# table, with its hidden cells, is where figures come from): left out of the copy, so no exact
# count or value can reach the page by mistake, and our value at the benchmark's period is
# read from the published table ("c" there: none). The judgements, targets and forecasts stay.
LOCAL_FIGURES = ("numerator", "denominator", "value", "ci_lower", "ci_upper", "previous_value", "change")
BENCHMARK_FIGURES = {"benchmark_local_value": "value", "benchmark_local_ci_lower": "ci_lower",
                     "benchmark_local_ci_upper": "ci_upper"}
HISTORY_FIGURES = ("value", "lower", "upper")
# Of the delivery log, only when each source's deliveries arrived and for which period: what
# dates the data ("data as at") and what each measure still awaits. No file names, no row
# counts: a delivery loaded with no row left is not copied as loaded.
DELIVERY_DATES = ("select source, period, status, received_at from load_log "
                  "where status = 'empty' or (status = 'loaded' and rows_loaded > 0)")


def _select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The copy's select for ``table``: everything but the local figures named above."""
    columns = {r[0] for r in con.execute(f'describe "{table}"').fetchall()}
    if table in ("scorecard", "scorecard_periods"):
        drop = [c for c in LOCAL_FIGURES if c in columns]
        exclude = f' exclude ({", ".join(drop)})' if drop else ""
        ours = {c: p for c, p in BENCHMARK_FIGURES.items() if c in columns}
        if not ours or not table_exists(con, "indicator_values_published"):
            return f'select s.*{exclude} from "{table}" as s'
        replace = ", ".join(f"try_cast(p.{p} as double) as {c}" for c, p in ours.items())
        return (f'select s.*{exclude} replace ({replace}) from "{table}" as s '
                "left join indicator_values_published as p on p.measure_id = s.measure_id "
                "and p.period = s.benchmark_period and p.breakdown = 'all'")
    if table == "indicator_forecasts" and "kind" in columns:
        blank = ", ".join(f"case when kind = 'history' then null else {c} end as {c}"
                          for c in HISTORY_FIGURES if c in columns)
        return f'select * replace ({blank}) from "{table}"'
    return f'select * from "{table}"'


def held_deliveries(con: duckdb.DuckDBPyConnection):
    """The deliveries held (not applied): file (as the log shows it, identifiers masked), source
    and what it means, in words without counts: the paper's own list (``quality_annex.held_notes``)."""
    import pandas as pd

    from pipelines.outputs.quality_annex import held_notes

    columns = ["file", "source", "text"]
    if not table_exists(con, "load_log"):
        return pd.DataFrame(columns=columns)
    catalogue = (con.execute("select indicator_id, sources from indicator_catalogue").df()
                 if table_exists(con, "indicator_catalogue") else pd.DataFrame())
    return pd.DataFrame(held_notes(con.execute("select * from load_log").df(), catalogue), columns=columns)


def read(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding the shareable tables of ``con`` (those it has), the
    delivery dates and the deliveries held; the caller closes it."""
    out = duckdb.connect()
    held = held_deliveries(con)  # noqa: F841 (read by name in the SQL below)
    out.execute("create table held_deliveries as select * from held")
    wanted = [(t, _select(con, t)) for t in SHAREABLE if table_exists(con, t)]   # table names are ours
    for table, sql in [*wanted, ("load_log", DELIVERY_DATES)]:
        if table_exists(con, table):
            with warnings.catch_warnings():   # "an extra copy of the rows": the copy is the point
                warnings.simplefilter("ignore", UserWarning)
                frame = con.execute(sql).to_arrow_table()  # noqa: F841 (read by name in the SQL below)
            out.execute(f'create table "{table}" as select * from frame')
    return out

