"""Turn-the-curve baselines and the scorecard: history plus a three-period forecast per
measure (``indicator_forecasts``), and one row per measure for its latest period with
trend, forecast, target and RAG, benchmarks and commentary (``scorecard``).

Both work on the headline rows of every measure (breakdown ``all``), a few hundred rows:
plain pandas over the statistics layer, no heavy lifting left for Python. The assets are
listed in ``pipelines.indicators.assets``; this module depends on that one by asset key
and imports its table helpers at run time, so either module can be imported first.
"""


import math

import dagster as dg
import numpy as np
import pandas as pd

from indicators import catalogue as cat
from indicators import stats
from pipelines.resources import Warehouse, table_exists

GROUP = "scorecard"
HORIZON = 3
ANNUAL = ("financial_year", "academic_year", "calendar_year")
BENCHMARKS = (("england_value", "england_comparison"), ("region_value", "region_comparison"),
              ("sn_mean", "sn_comparison"))


# ------------------------------------------------------------------------------------------
# Period arithmetic on the period-key contract
# ------------------------------------------------------------------------------------------

def period_index(period: str, period_type: str) -> int:
    """A number that increases by one per period (2024-25 -> 2024; 2024-03 -> 24290)."""
    if period_type in ANNUAL:
        return int(period[:4])
    if period_type == "month":
        return int(period[:4]) * 12 + int(period[5:7]) - 1
    if period_type == "quarter":
        return int(period[:4]) * 4 + int(period[-1]) - 1
    raise ValueError(f"unknown period type {period_type!r}")


def period_key(index: int, period_type: str) -> str:
    """The period key of ``period_index`` ``index`` (its inverse)."""
    if period_type == "financial_year":
        return f"{index}-{(index + 1) % 100:02d}"
    if period_type == "academic_year":
        return f"{index}/{(index + 1) % 100:02d}"
    if period_type == "calendar_year":
        return str(index)
    if period_type == "month":
        return f"{index // 12}-{index % 12 + 1:02d}"
    if period_type == "quarter":
        y = index // 4
        return f"{y}-{(y + 1) % 100:02d} Q{index % 4 + 1}"
    raise ValueError(f"unknown period type {period_type!r}")


def shift_period(period: str, period_type: str, start, end, k: int):
    """The period ``k`` steps after one: (key, start, end). Dates move by whole periods,
    so a December-February NEET window stays December-February."""
    months = 12 if period_type in ANNUAL else 3 if period_type == "quarter" else 1
    offset = pd.DateOffset(months=months * k)
    new_start = pd.Timestamp(start) + offset
    new_end = pd.Timestamp(end) + pd.Timedelta(days=1) + offset - pd.Timedelta(days=1)
    return period_key(period_index(period, period_type) + k, period_type), new_start.date(), new_end.date()


def _bounds(unit: str) -> tuple[float, float]:
    lo, hi = cat.UNITS[unit][1]
    return (-math.inf if lo is None else lo, math.inf if hi is None else hi)


def _series_by_measure(heads: pd.DataFrame) -> dict[str, dict]:
    """Each measure's history (breakdown all) as plain arrays on a gap-free run of periods:
    a missing period is a NaN, so trend and forecast keep the spacing of the periods.
    Built once in plain Python: per-measure pandas merges cost more than the statistics."""
    out: dict[str, dict] = {}
    for r in sorted(heads.to_dict("records"), key=lambda r: (r["measure_id"], r["period_start"])):
        out.setdefault(r["measure_id"], {"rows": []})["rows"].append(r)
    for m in out.values():
        rows = m["rows"]
        idx = np.array([period_index(r["period"], r["period_type"]) for r in rows])
        slot = idx - idx.min()
        span = int(slot.max()) + 1
        for col in ("value", "numerator", "denominator", "ci_lower", "ci_upper"):
            full = np.full(span, np.nan)
            full[slot] = [np.nan if r[col] is None else float(r[col]) for r in rows]
            m[col] = full
        m["idx"] = np.arange(idx.min(), idx.min() + span, dtype=float)
        m["last"] = rows[-1]
    return out


def forecasts_frame(values: pd.DataFrame, targets: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """History (breakdown all) and a HORIZON-period forecast per measure, targets alongside."""
    rows = []
    for measure_id, m in _series_by_measure(values[values["breakdown"] == "all"]).items():
        last = m["last"]
        for r in m["rows"]:
            rows.append({**_describe(last), "period": r["period"], "period_start": r["period_start"],
                         "period_end": r["period_end"], "kind": "history", "step": 0, "value": r["value"],
                         "lower": r["ci_lower"], "upper": r["ci_upper"]})
        for f in stats.forecast(m["value"], HORIZON, level, _bounds(last["unit"])):
            key, start, end = shift_period(last["period"], last["period_type"], last["period_start"],
                                           last["period_end"], f.step)
            rows.append({**_describe(last), "period": key, "period_start": start, "period_end": end,
                         "kind": "forecast", "step": f.step, "value": f.value, "lower": f.lower,
                         "upper": f.upper})
    out = pd.DataFrame(rows, columns=FORECAST_COLUMNS[:-2])
    out = out.merge(targets[["measure_id", "period", "target", "tolerance"]], on=["measure_id", "period"],
                    how="left")
    return out[FORECAST_COLUMNS]


def _describe(row) -> dict:
    return {k: row[k] for k in ("indicator_id", "measure_id", "is_headline", "period_type", "unit", "polarity")}


FORECAST_COLUMNS = ["indicator_id", "measure_id", "is_headline", "period", "period_type", "period_start",
                    "period_end", "kind", "step", "value", "lower", "upper", "unit", "polarity",
                    "target", "tolerance"]


# ------------------------------------------------------------------------------------------
# Scorecard
# ------------------------------------------------------------------------------------------

def _trend(m: dict, method: str, level: float) -> stats.Trend:
    ok = np.isfinite(m["value"])
    value, num, den, idx = (m[k][ok] for k in ("value", "numerator", "denominator", "idx"))
    if method == "wilson" and (num <= den).all():
        return stats.trend(value, num, den, idx)
    # Weighted regression, weights 1 / variance read back from the interval's width.
    se = (m["ci_upper"][ok] - m["ci_lower"][ok]) / (2 * stats.z_for(level))
    weights = 1 / se ** 2 if np.isfinite(se).all() and (se > 0).all() else None
    return stats.trend(value, periods=idx, weights=weights)


def scorecard_frame(values: pd.DataFrame, catalogue: pd.DataFrame, targets: pd.DataFrame,
                    commentary: pd.DataFrame, benchmarks: pd.DataFrame | None,
                    forecasts: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """One row per catalogue measure: its latest period (breakdown all) and how to judge it."""
    series = _series_by_measure(values[values["breakdown"] == "all"])
    rows = []
    for m in catalogue.to_dict("records"):
        row = {k: m[k] for k in ("indicator_id", "measure_id", "is_headline", "title", "unit", "polarity",
                                 "oba_question", "period_type")}
        s = series.get(m["measure_id"])
        if s is not None:
            last = s["last"]
            row.update({k: last[k] for k in ("period", "period_start", "period_end", "numerator",
                                              "denominator", "value", "ci_lower", "ci_upper", "ci_level")})
            if len(s["rows"]) > 1:
                row.update(previous_period=s["rows"][-2]["period"], previous_value=s["rows"][-2]["value"])
            t = _trend(s, m["ci_method"], level)
            row.update(trend_direction=t.direction, trend_p_value=t.p_value, trend_points=t.n_points,
                       trend_judgement=stats.judge_trend(t.direction, m["polarity"]))
        rows.append(row)
    out = pd.DataFrame(rows)
    for c in ("period", "period_start", "period_end", "numerator", "denominator", "value", "ci_lower",
              "ci_upper", "ci_level", "previous_period", "previous_value", "trend_direction",
              "trend_judgement", "trend_p_value", "trend_points"):
        if c not in out:
            out[c] = None
    out["change"] = pd.to_numeric(out["value"]) - pd.to_numeric(out["previous_value"])
    nxt = forecasts[(forecasts["kind"] == "forecast") & (forecasts["step"] == 1)][
        ["measure_id", "period", "value", "lower", "upper"]].set_axis(
        ["measure_id", "forecast_period", "forecast_value", "forecast_lower", "forecast_upper"], axis=1)
    out = out.merge(nxt, on="measure_id", how="left")
    out = out.merge(targets[["measure_id", "period", "target", "tolerance"]], on=["measure_id", "period"],
                    how="left")
    out["rag"] = [stats.rag(v, t, p, tol) for v, t, p, tol in
                  zip(out["value"], out["target"], out["polarity"], out["tolerance"])]
    out = _add_benchmarks(out, benchmarks)
    return _add_commentary(out, commentary)[SCORECARD_COLUMNS]


def _add_benchmarks(out: pd.DataFrame, benchmarks: pd.DataFrame | None) -> pd.DataFrame:
    """The latest published benchmark up to the local period (its period named in benchmark_period).

    Published figures trail local data by a year or more; a board compares the latest local
    value with the latest published one, and says which year that is.
    """
    cols = ["england_value", "region_value", "sn_mean", "quartile_band", "national_rank", "n_las",
            "is_plausible"]
    if benchmarks is None or benchmarks.empty:
        bench = pd.DataFrame(columns=["measure_id", "benchmark_period", "_bench_end", *cols])
    else:
        bench = benchmarks[["measure_id", "period", "period_end", *cols]].drop_duplicates(
            ["measure_id", "period"]).rename(columns={"period": "benchmark_period", "period_end": "_bench_end"})
    bench["_bench_end"] = pd.to_datetime(bench["_bench_end"]).astype("datetime64[ns]")
    bench = bench[bench["_bench_end"].notna()].astype({"measure_id": object})
    out = out.assign(_end=pd.to_datetime(out["period_end"]).astype("datetime64[ns]")).astype({"measure_id": object})
    has_end = out["_end"].notna()
    matched = pd.merge_asof(out[has_end].sort_values("_end"), bench.sort_values("_bench_end"),
                            left_on="_end", right_on="_bench_end", by="measure_id", direction="backward")
    out = pd.concat([matched, out[~has_end]], ignore_index=True).drop(columns=["_end", "_bench_end"])
    out = out.rename(columns={"is_plausible": "benchmark_is_plausible"})
    for value_col, comparison_col in BENCHMARKS:
        # An implausible published row is shown but never used to judge the local value.
        out[comparison_col] = [
            stats.compare_benchmark(v, lo, hi, b if ok is not False else None, p)
            for v, lo, hi, b, p, ok in zip(out["value"], out["ci_lower"], out["ci_upper"], out[value_col],
                                           out["polarity"], out["benchmark_is_plausible"])]
    return out


def _add_commentary(out: pd.DataFrame, commentary: pd.DataFrame) -> pd.DataFrame:
    """Commentary for the latest period, written against the measure or its indicator."""
    def pick(measure_id, indicator_id, period, col):
        hit = commentary[commentary["measure_id"].isin([measure_id, indicator_id])
                         & (commentary["period"] == period)]
        return " / ".join(hit[col].dropna()) or None
    out["commentary"] = [pick(m, i, p, "commentary") for m, i, p in
                         zip(out["measure_id"], out["indicator_id"], out["period"])]
    out["commentary_author"] = [pick(m, i, p, "author") for m, i, p in
                                zip(out["measure_id"], out["indicator_id"], out["period"])]
    return out


SCORECARD_COLUMNS = [
    "indicator_id", "measure_id", "is_headline", "title", "unit", "polarity", "oba_question", "period",
    "period_type", "period_start", "period_end", "numerator", "denominator", "value", "ci_lower",
    "ci_upper", "ci_level", "previous_period", "previous_value", "change", "trend_direction",
    "trend_judgement", "trend_p_value", "trend_points", "forecast_period", "forecast_value",
    "forecast_lower", "forecast_upper", "target", "tolerance", "rag", "benchmark_period", "england_value",
    "england_comparison", "region_value", "region_comparison", "sn_mean", "sn_comparison",
    "quartile_band", "national_rank", "n_las", "benchmark_is_plausible", "commentary",
    "commentary_author",
]


def _write(con, name: str, frame: pd.DataFrame) -> None:
    from pipelines.indicators import run_docs
    con.register("_frame", frame)
    con.execute((cat.SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    con.unregister("_frame")
    run_docs(con, name)


def _level(con) -> float:
    # fetchall: DuckDB 2 keeps a half-read result open, which blocks register() after it.
    rows = con.execute("select any_value(ci_level) from indicator_values").fetchall()
    return float(rows[0][0]) if rows and rows[0][0] is not None else 0.95


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["indicator_values"])
def indicator_forecasts(warehouse: Warehouse) -> dg.MaterializeResult:
    """Turn-the-curve baseline per measure: history with its CI, then a three-period forecast with prediction interval, and targets."""
    from pipelines.indicators import summary_metadata
    with warehouse.connect() as con:
        values = con.execute("select * from indicator_values where breakdown = 'all'").df()
        frame = forecasts_frame(values, cat.load_targets(), _level(con))
        _write(con, "indicator_forecasts", frame)
    return dg.MaterializeResult(metadata=summary_metadata(frame, frame[frame["kind"] == "forecast"].head(8)))


@dg.asset(group_name=GROUP, kinds={"duckdb"},
          deps=["indicator_values", indicator_forecasts, "indicator_catalogue", "benchmark_values"])
def scorecard(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """One row per measure, latest period: value and CI, change, trend, forecast, target and RAG, benchmarks, commentary."""
    from pipelines.indicators import summary_metadata
    with warehouse.connect() as con:
        values = con.execute("select * from indicator_values where breakdown = 'all'").df()
        catalogue = con.execute("select * from indicator_catalogue").df()
        forecasts = con.execute("select * from indicator_forecasts").df()
        benchmarks = con.execute("select * from benchmark_values").df() \
            if table_exists(con, "benchmark_values") else None
        if benchmarks is None:
            context.log.warning("benchmark_values not built yet: comparisons are 'not compared'")
        frame = scorecard_frame(values, catalogue, cat.load_targets(), cat.load_commentary(), benchmarks,
                                forecasts, _level(con))
        _write(con, "scorecard", frame)
    return dg.MaterializeResult(metadata={
        **summary_metadata(frame, frame[frame["is_headline"]][
            ["measure_id", "period", "value", "trend_judgement", "rag", "england_comparison"]]),
        "measures_without_data": int(frame["value"].isna().sum()),
        "benchmarks_available": benchmarks is not None,
    })


assets = [indicator_forecasts, scorecard]
