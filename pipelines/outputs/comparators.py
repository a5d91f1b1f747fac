"""How the authority compares with every other: the spine chart and the neighbours tables.

``benchmark_values`` holds England, the region, the neighbours' mean, the quartile band and
the rank; a spine chart and a neighbours table also need each authority's own value.
They are derived here from ``pub_values`` with the same mapping the benchmark table uses
(``indicators/benchmarks.yaml``: one published measure, or the difference or sum of two),
keeping only plausible values, as ``benchmark_values`` does.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pipelines.warehouse import table_exists
from pipelines.settings import la_code
from pipelines.reference import benchmark_files as published_catalogue

LA_COLUMNS = ["measure_id", "period", "area_code", "area_name", "value"]


def authority_values(con: duckdb.DuckDBPyConnection, keys: pd.DataFrame) -> pd.DataFrame:
    """Every English authority's published value for each (measure_id, period) in ``keys``."""
    if keys.empty or not table_exists(con, "pub_values"):
        return pd.DataFrame(columns=LA_COLUMNS)
    maps = {m.measure_id: m for m in published_catalogue.mappings()}
    frames = []
    for measure_id, period in keys[["measure_id", "period"]].drop_duplicates().itertuples(index=False):
        m = maps.get(measure_id)
        if m is None:
            continue
        pub = con.execute(
            "select measure_code, area_code, any_value(area_name) as area_name, any_value(value) as value "
            "from pub_values where series = ? and measure_code in (select unnest(?)) and period = ? "
            "and area_type = 'la' and is_plausible and value is not null group by all",
            [m.source, list(m.codes), str(period)]).df()
        if pub.empty:
            continue
        wide = pub.pivot_table(index=["area_code", "area_name"], columns="measure_code", values="value",
                               aggfunc="first").reset_index()
        if any(c not in wide.columns for c in m.codes):
            continue
        a = wide[m.codes[0]]
        value = a if m.derive == "value" else (a - wide[m.codes[1]] if m.derive == "difference"
                                               else a + wide[m.codes[1]])
        frames.append(pd.DataFrame({"measure_id": measure_id, "period": str(period),
                                    "area_code": wide["area_code"].astype(str), "area_name": wide["area_name"],
                                    "value": (value * m.scale).round(9)}).dropna(subset=["value"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LA_COLUMNS)


def neighbours(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The authority's statistical neighbours, closest first (rank, code, name)."""
    if not table_exists(con, "pub_statistical_neighbours"):
        return pd.DataFrame(columns=["neighbour_rank", "neighbour_code", "neighbour_name"])
    return con.execute("select neighbour_rank, neighbour_code, neighbour_name from pub_statistical_neighbours "
                       "where la_code = ? order by neighbour_rank", [str(la_code())]).df()


def region_name(con: duckdb.DuckDBPyConnection) -> str:
    """The name of the authority's region as published (e.g. South West); "Region" if unknown."""
    if not table_exists(con, "pub_values"):
        return "Region"
    found = con.execute(
        "select any_value(area_name) from pub_values where area_type = 'region' and area_code = "
        "(select any_value(region_code) from pub_values where area_type = 'la' and area_code = ?)",
        [str(la_code())]).fetchone()
    return found[0] if found and found[0] else "Region"


FENCE = 1.5   # Tukey's fences: the spine's scale ends at the last authority within 1.5 IQR of the middle half


def spine(values: pd.DataFrame, polarity: str) -> dict | None:
    """The spread of all authorities for one measure and period: worst, 25th, median, 75th
    percentile and best (in the measure's direction; low to high when it has none), and
    the ends of a scale one outlier cannot stretch: ``scale_worst`` / ``scale_best``, the
    most extreme authorities within FENCE interquartile ranges of the quartiles (Tukey's
    whiskers; the worst and best themselves when the middle half has no width)."""
    v = values["value"].dropna().astype(float).to_numpy()
    if len(v) < 4:
        return None
    q = np.percentile(v, [0, 25, 50, 75, 100])
    iqr = q[3] - q[1]
    inside = v[(v >= q[1] - FENCE * iqr) & (v <= q[3] + FENCE * iqr)]
    ends = (float(inside.min()), float(inside.max())) if iqr > 0 and inside.max() > inside.min() \
        else (float(q[0]), float(q[4]))
    if polarity == "lower":
        q, ends = q[::-1], ends[::-1]
    out = dict(zip(["worst", "q25", "median", "q75", "best"], (float(x) for x in q)), n=len(v))
    return {**out, "scale_worst": ends[0], "scale_best": ends[1]}
