"""The shareable file: the only database that may leave the council, and the only one the board
outputs read.

``<data dir>/warehouse/oba_shareable.duckdb`` (``shareable_path``), beside the officers'
warehouse, holds only protected tables (``frames``): ``indicator_values_published`` ("c" where
hidden), the scorecards and forecasts without any local figure of their own (``scorecard`` and
``scorecard_periods`` carry our value at the benchmark's period from the published table, typed,
blank where it is hidden, and ``is_suppressed`` where the row's own figures are; history figures
of ``indicator_forecasts`` blank), ``indicator_catalogue``, the lookups, the published DfE / ONS
tables (``pub_values``, ``pub_statistical_neighbours``, ``benchmark_values``), the delivery log
with its row counts protected (``load_log``, ``quarantine_checks``: ``pipelines.release.deliveries``),
the deliveries held (``held_deliveries``, in words) and the release's ``disclosure_certificate``.
No records (``raw_``, ``stg_``, ``quarantine``), no exact counts (``indicator_values``, ``ind_``),
no count of 1 to 5. It is written at publish, to a temporary file checked and then renamed
into place. The paper, the workbook, the explorer and the Power BI pack open only this file
(``connect``); ``protected`` makes the same tables in memory from any warehouse.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import duckdb
import pandas as pd

from indicators.disclosure import HIGH, SUPPRESSED
from pipelines.release import deliveries
from pipelines.settings import Paths, paths as resolve_paths
from pipelines.warehouse import table_exists

NAME = "oba_shareable.duckdb"
COPIED = ("indicator_values_published", "indicator_catalogue", "lookup_wards", "lookup_localities",
          "lookup_periods", "lookup_authorities", "pub_values", "pub_statistical_neighbours", "benchmark_values",
          # Made from indicator_values_published only (pipelines/compute/drafts.py).
          "indicator_decomposition", "indicator_drafts")
SCORECARDS = ("scorecard", "scorecard_periods")
MADE = (*SCORECARDS, "indicator_forecasts", "load_log", "quarantine_checks", "held_deliveries")
CERTIFICATE = "disclosure_certificate"
TABLES = (*COPIED, *MADE, CERTIFICATE)
# The scorecards' and forecasts' own copies of the local figures are exact (the published table,
# with its hidden cells, is where figures come from): left out, and our value at the benchmark's
# period is read from the published table (blank where hidden there). Judgements, targets and
# forecasts stay, except where the row's own figures are hidden.
LOCAL_FIGURES = ("numerator", "denominator", "value", "ci_lower", "ci_upper", "previous_value", "change")
BENCHMARK_FIGURES = {"benchmark_local_value": "value", "benchmark_local_ci_lower": "ci_lower",
                     "benchmark_local_ci_upper": "ci_upper"}
# Made from the exact series: blank on a row whose own figures are hidden.
FOLLOWERS = ("forecast_value", "forecast_lower", "forecast_upper", "trend_statistic", "trend_p_value")
HISTORY_FIGURES = ("value", "lower", "upper")
COUNT_COLUMNS = ("numerator", "denominator", *deliveries.COUNTS, "rows")


class NoShareableFile(FileNotFoundError):
    """The shareable file is missing: nothing may be sent out until a run has published one."""


def shareable_path(p: Paths | None = None) -> Path:
    """Where the shareable file is: beside the officers' warehouse."""
    p = p or resolve_paths()
    return p.warehouse.with_name(NAME)


def connect(p: Paths | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the shareable file: the one reader of everything sent out."""
    path = shareable_path(p)
    if not path.is_file():
        raise NoShareableFile(f"No shareable file at {path}: run `oba run` first (it is written at publish).")
    return duckdb.connect(str(path), read_only=True)


def is_shareable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` is a shareable file (or ``protected`` copy): it holds only ``TABLES``."""
    names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    return CERTIFICATE in names and names <= set(TABLES)


def _scorecard_sql(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """``table`` (a scorecard) without its local figures, our value at the benchmark's period from
    the published table, and ``is_suppressed``: the row's own published value is hidden."""
    columns = {r[0] for r in con.execute(f'describe "{table}"').fetchall()}
    drop = [c for c in LOCAL_FIGURES if c in columns]
    exclude = f' exclude ({", ".join(drop)})' if drop else ""
    ours = {c: p for c, p in BENCHMARK_FIGURES.items() if c in columns}
    replace = f' replace ({", ".join(f"try_cast(b.{p} as double) as {c}" for c, p in ours.items())})' if ours else ""
    bench = ("left join indicator_values_published as b on b.measure_id = s.measure_id "
             "and b.period = s.benchmark_period and b.breakdown = 'all' ") if ours else ""
    return (f'select s.*{exclude}{replace}, coalesce(o.value = \'{SUPPRESSED}\', false) as is_suppressed '
            f'from "{table}" as s {bench}'
            "left join indicator_values_published as o on o.measure_id = s.measure_id "
            "and o.period = s.period and o.breakdown = 'all'")


def _scorecard(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    frame = _query(con, _scorecard_sql(con, table))
    hidden = frame["is_suppressed"].astype(bool).to_numpy()
    for col in FOLLOWERS:
        if col in frame.columns:
            frame[col] = frame[col].where(~hidden)
    return frame


def _forecasts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    columns = {r[0] for r in con.execute("describe indicator_forecasts").fetchall()}
    blank = ", ".join(f"case when kind = 'history' then null else {c} end as {c}"
                      for c in HISTORY_FIGURES if c in columns)
    return _query(con, f"select * replace ({blank}) from indicator_forecasts" if "kind" in columns and blank
                  else "select * from indicator_forecasts")


def _query(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    with warnings.catch_warnings():   # "an extra copy of the rows": the copy is the point
        warnings.simplefilter("ignore", UserWarning)
        return con.execute(sql).df()


def small_counts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """table.column of every count column of the file holding a count of 1 to 5."""
    found = []
    for (table,) in con.execute("select table_name from information_schema.tables where table_schema='main'"
                                ).fetchall():
        cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        for col in cols:
            if col not in COUNT_COLUMNS:
                continue
            # A sum of scores (means, points: protected by its n) is not a count of people.
            scores = (" and not (lower(unit) in ('mean', 'points') or lower(unit) like 'mean%')"
                      if col == "numerator" and "unit" in cols else "")
            n = con.execute(f"select count(*) from {table} where try_cast({col} as double) > 0 "
                            f"and try_cast({col} as double) <= {HIGH}{scores}").fetchone()[0]
            if n:
                found.append(f"{table}.{col}")
    return found


def frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The shareable file's tables (but the certificate), made from a warehouse (``con``): those
    of ``TABLES`` it can make (the published indicator table is needed for the scorecards)."""
    out = {t: _query(con, f'select * from "{t}"') for t in COPIED if table_exists(con, t)}
    if "indicator_values_published" in out:
        out.update({t: _scorecard(con, t) for t in SCORECARDS if table_exists(con, t)})
    if table_exists(con, "indicator_forecasts"):
        out["indicator_forecasts"] = _forecasts(con)
    if table_exists(con, "load_log"):
        out["load_log"] = deliveries.shareable_log(_query(con, "select * from load_log"))
        out["held_deliveries"] = pd.DataFrame(deliveries.held_rows(con), columns=["file", "source", "text"])
    if table_exists(con, "quarantine"):
        out["quarantine_checks"] = deliveries.quarantine_checks(
            _query(con, "select source, source_file, check_name from quarantine"))
    return out


def _fill(out: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], certificate: dict | None) -> None:
    for name, frame in tables.items():
        out.register("_frame", frame)
        out.execute(f'create table "{name}" as select * from _frame')
        out.unregister("_frame")
    out.execute(f"create table {CERTIFICATE} (release_id varchar, passed boolean, certificate json)")
    if certificate is not None:
        out.execute(f"insert into {CERTIFICATE} values (?, ?, ?)",
                    [certificate.get("release_id"), certificate["passed"], json.dumps(certificate, default=str)])
    bad = small_counts(out)
    if bad:
        raise RuntimeError(f"shareable file would hold counts of 1 to {HIGH} in {', '.join(bad)}")


def protected(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """An in-memory database of the shareable tables: a copy of ``con`` when it is a shareable file
    already, else ``frames`` made from it (a warehouse); the caller closes it."""
    out = duckdb.connect()
    try:
        if is_shareable(con):
            tables = {t: _query(con, f'select * from "{t}"') for t in TABLES if t != CERTIFICATE and table_exists(con, t)}
            cert = con.execute(f"select certificate from {CERTIFICATE}").fetchone()
            _fill(out, tables, json.loads(cert[0]) if cert else None)
        else:
            _fill(out, frames(con), None)
    except BaseException:
        out.close()
        raise
    return out


def write(tables: dict[str, pd.DataFrame], target: Path, certificate: dict) -> Path:
    """The shareable file from ``frames``, checked, renamed into place."""
    tmp = target.with_name(f".{target.name}.writing")
    tmp.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as out:
            _fill(out, tables, certificate)
            out.execute("checkpoint")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
