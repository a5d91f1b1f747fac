"""The shareable file: the only database that may leave the council.

``<data dir>/warehouse/oba_shareable.duckdb`` (``shareable_path``), beside the officers'
warehouse, holds only protected tables: ``indicator_values_published``, the ``scorecard`` with
every local figure taken from the published table ("c" where hidden), ``indicator_catalogue``,
the lookups, and the release's ``disclosure_certificate``. No records (``raw_``, ``stg_``,
``quarantine``), no exact counts (``indicator_values``, ``ind_``), no count of 1 to 5. It is
written at publish, to a temporary file checked and then renamed into place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from indicators.disclosure import HIGH, SUPPRESSED, is_disclosive
from pipelines.settings import Paths, paths as resolve_paths
from pipelines.warehouse import table_exists

NAME = "oba_shareable.duckdb"
COPIED = ("indicator_values_published", "indicator_catalogue", "lookup_wards", "lookup_localities",
          "lookup_periods", "lookup_authorities",
          # Made from indicator_values_published only (pipelines/compute/drafts.py).
          "indicator_decomposition", "indicator_drafts")
# Scorecard columns made from local exact figures, and which published period each reads.
FIGURES = {"numerator": ("period", "numerator"), "denominator": ("period", "denominator"),
           "value": ("period", "value"), "ci_lower": ("period", "ci_lower"), "ci_upper": ("period", "ci_upper"),
           "previous_value": ("previous_period", "value"),
           "benchmark_local_value": ("benchmark_period", "value"),
           "benchmark_local_ci_lower": ("benchmark_period", "ci_lower"),
           "benchmark_local_ci_upper": ("benchmark_period", "ci_upper")}
# Made from the exact series: hidden with the row's figures (or when itself a small count).
FOLLOWERS = ("change", "forecast_value", "forecast_lower", "forecast_upper", "trend_statistic", "trend_p_value")
COUNT_COLUMNS = ("numerator", "denominator")


def shareable_path(p: Paths | None = None) -> Path:
    """Where the shareable file is: beside the officers' warehouse."""
    p = p or resolve_paths()
    return p.warehouse.with_name(NAME)


def protected_scorecard(scorecard: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """The scorecard with every figure made from local counts read from the published table
    (text: a number or "c"), and what follows from them hidden where those are."""
    heads = published[published["breakdown"] == "all"].set_index(["measure_id", "period"])
    out = scorecard.copy()
    hidden_row = np.zeros(len(out), bool)
    for col, (period_col, source) in FIGURES.items():
        if col not in out.columns:
            continue
        keys = list(zip(out["measure_id"], out[period_col]))
        shown = [heads[source].get(k) if k in heads.index else None for k in keys]
        out[col] = pd.Series(shown, index=out.index, dtype=object)
        if period_col == "period" or col == "previous_value":
            hidden_row |= out[col].eq(SUPPRESSED).to_numpy()
    units = out["unit"] if "unit" in out.columns else pd.Series(None, index=out.index)
    for col in FOLLOWERS:
        if col not in out.columns:
            continue
        s = out[col].astype(object)
        small = s.map(is_disclosive).to_numpy(bool) & units.astype(str).str.lower().eq("count").to_numpy()
        s[hidden_row | small] = SUPPRESSED
        out[col] = s.map(lambda v: v if v is None or isinstance(v, str) or pd.isna(v) else str(v))
    return out


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
    """The shareable file's tables, read from the build warehouse (``con``)."""
    published = con.execute("select * from indicator_values_published").df()
    out = {t: (published if t == "indicator_values_published" else con.execute(f"select * from {t}").df())
           for t in COPIED if table_exists(con, t)}
    if table_exists(con, "scorecard"):
        out["scorecard"] = protected_scorecard(con.execute("select * from scorecard").df(), published)
    return out


def write(tables: dict[str, pd.DataFrame], target: Path, certificate: dict) -> Path:
    """The shareable file from ``frames``, checked, renamed into place."""
    tmp = target.with_name(f".{target.name}.writing")
    tmp.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as out:
            for name, frame in tables.items():
                out.register("_frame", frame)
                out.execute(f"create table {name} as select * from _frame")
                out.unregister("_frame")
            out.execute("create table disclosure_certificate (release_id varchar, passed boolean, certificate json)")
            out.execute("insert into disclosure_certificate values (?, ?, ?)",
                        [certificate.get("release_id"), certificate["passed"], json.dumps(certificate, default=str)])
            bad = small_counts(out)
            if bad:
                raise RuntimeError(f"shareable file would hold counts of 1 to {HIGH} in {', '.join(bad)}")
            out.execute("checkpoint")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
