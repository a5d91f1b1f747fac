"""What cannot be computed yet, and what each measure awaits: the first night from a few
sources (statutory returns alone) publishes what it can and says what is missing.

A measure with no period in ``indicator_values_published`` awaits either a source nothing
has been loaded from yet, or, when every source it reads has deliveries, a complete period
(naming the latest period loaded of each source). Read by the run summary, ``oba status``
and the board paper's "Data and commentary missing".
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.warehouse import table_exists


def _frame(con: duckdb.DuckDBPyConnection, sql: str, table: str) -> pd.DataFrame:
    return con.execute(sql).df() if table_exists(con, table) else pd.DataFrame()


def loaded(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """(source, period) of every delivery loaded with rows. A copy of the log without row
    counts (the explorer's, ``explorer.release``) holds only such deliveries as loaded."""
    if not table_exists(con, "load_log"):
        return pd.DataFrame(columns=["source", "period"])
    cols = {r[0] for r in con.execute("describe load_log").fetchall()}
    rows = " and rows_loaded > 0" if "rows_loaded" in cols else ""
    if "rows_loaded_suppressed" in cols:   # the shareable file's log: a hidden count is 1 to 5
        rows = " and (rows_loaded > 0 or rows_loaded_suppressed)"
    return con.execute(f"select source, period from load_log where status = 'loaded'{rows}").df()


def awaiting(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per measure without a published period: indicator_id, measure_id,
    is_headline and ``awaits`` (what it needs, in words)."""
    cat = _frame(con, "select indicator_id, measure_id, is_headline, sources, period_type "
                      "from indicator_catalogue", "indicator_catalogue")
    if cat.empty:
        return pd.DataFrame(columns=["indicator_id", "measure_id", "is_headline", "awaits"])
    done = set(_frame(con, "select distinct measure_id from indicator_values_published",
                      "indicator_values_published").get("measure_id", []))
    log = loaded(con)
    latest = log.groupby("source")["period"].max().to_dict() if not log.empty else {}
    rows = []
    for r in cat[~cat["measure_id"].isin(done)].itertuples():
        sources = [s.strip() for s in str(r.sources).split(",") if s.strip()]
        missing = [s for s in sources if s not in latest]
        if missing:
            awaits = f"awaits {', '.join(missing)} (nothing loaded yet)"
        else:
            awaits = (f"awaits a complete {str(r.period_type).replace('_', ' ')} (loaded up to "
                      + ", ".join(f"{s} {latest[s]}" for s in sources) + ")")
        rows.append({"indicator_id": r.indicator_id, "measure_id": r.measure_id,
                     "is_headline": bool(r.is_headline), "awaits": awaits})
    return pd.DataFrame(rows, columns=["indicator_id", "measure_id", "is_headline", "awaits"])


def report_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Per indicator without a published headline: its headline and what it awaits; then
    how many other measures are not computed yet."""
    frame = awaiting(con)
    if frame.empty:
        return []
    headline = frame["is_headline"].astype(bool)
    head = frame[headline]
    lines = [f"{r.indicator_id} {r.measure_id}: {r.awaits}" for r in head.itertuples()]
    others = frame[~headline]
    for awaits, group in others.groupby("awaits", sort=True):
        lines.append(f"other measures {awaits}: {', '.join(group['measure_id'])}")
    return lines
