"""Turn-the-curve baselines and the scorecard: history plus a three-period forecast per
measure (``indicator_forecasts``); one row per measure and period with the trend, forecast,
target and RAG, benchmarks and commentary as they stood at that period, made from that
period and earlier only (``scorecard_periods``: a past paper's judgements); and each
measure's latest row of it (``scorecard``).

All work on the headline rows of every measure (breakdown ``all``), a few hundred rows:
plain pandas over the statistics layer, no heavy lifting left for Python. The assets are
listed in ``pipelines.compute.assets.assets``; this module depends on that one by asset key
and imports its table helpers at run time, so either module can be imported first.
"""


import datetime as dt
import math

import dagster as dg
import numpy as np
import pandas as pd

from indicators import catalogue as cat
from indicators import turn_the_curve
from indicators import stats
from pipelines import reuse, tables
from pipelines.compute import report_period
from pipelines.ingest import free_text
from sources import periods
from pipelines.warehouse import Warehouse, frame_metadata, table_exists

GROUP = "scorecard"
HORIZON = 3
ANNUAL = periods.ANNUAL
BENCHMARKS = (("england_value", "england_comparison"), ("region_value", "region_comparison"),
              ("sn_mean", "sn_comparison"))
# Column lists come from the tables' definitions (indicators/sql/tables.yaml).
FORECAST_COLUMNS = tables.columns("indicator_forecasts")
SCORECARD_COLUMNS = tables.columns("scorecard_periods")


# ------------------------------------------------------------------------------------------
# Period arithmetic on the period-key contract
# ------------------------------------------------------------------------------------------

def period_index(period: str, period_type: str) -> int:
    """A number that increases by one per period (2024-25 -> 2024; 2024-03 -> 24290): ``sources.periods.index``."""
    return periods.index(period, period_type)


def period_key(index: int, period_type: str) -> str:
    """The period key of ``period_index`` ``index`` (its inverse): ``sources.periods.key_of_index``."""
    return periods.key_of_index(index, period_type)


def shift_period(period: str, period_type: str, start, end, k: int):
    """The period ``k`` steps after one: (key, start, end). Dates move by whole periods,
    so a December-February NEET window stays December-February."""
    offset = pd.DateOffset(months=periods.months(period_type) * k)
    new_start = pd.Timestamp(start) + offset
    new_end = pd.Timestamp(end) + pd.Timedelta(days=1) + offset - pd.Timedelta(days=1)
    return period_key(period_index(period, period_type) + k, period_type), new_start.date(), new_end.date()


def _series_by_measure(heads: pd.DataFrame) -> dict[str, dict]:
    """Each measure's history (breakdown all) as plain arrays on a gap-free run of periods:
    a missing period is a NaN, so trend and forecast see the gap (it ends the recent run).
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
            full[slot] = [np.nan if _none(r[col]) else float(r[col]) for r in rows]
            m[col] = full
        m["idx"] = np.arange(idx.min(), idx.min() + span, dtype=float)
        m["slot"] = slot
        m["last"] = rows[-1]
    return out


def _none(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _breaks(measure: dict | pd.Series | None, period_type: str) -> list[float]:
    """Period numbers where the catalogue says a new, not comparable series starts."""
    if measure is None:
        return []
    keys = measure.get("series_breaks") if hasattr(measure, "get") else None
    if _none(keys) or not keys:
        return []
    return [float(period_index(k.strip(), period_type)) for k in str(keys).split(",") if k.strip()]


def _cadence(measure) -> int:
    """Periods between collections (catalogue ``cadence``; 1 when not stated)."""
    v = None if measure is None else measure.get("cadence")
    return 1 if _none(v) else int(v)


def _forecast(m: dict, upto: int, unit: str, level: float, breaks, cadence: int = 1,
              ci_method: str | None = None) -> list[stats.Forecast]:
    """The forecast made at slot ``upto`` from the history to then (inclusive), its interval
    never narrower than the interval of the value at ``upto``; value and interval within the
    range the measure can take (``catalogue.value_range``: a ratio of at least one stays at
    or above one)."""
    return stats.forecast(m["value"][:upto + 1], HORIZON, level, cat.value_range(unit, ci_method), breaks=breaks,
                          periods=m["idx"][:upto + 1], cadence=cadence,
                          current=(m["ci_lower"][upto], m["ci_upper"][upto]))


def _complete_rows(m: dict, as_at) -> list[int]:
    """Positions in ``m["rows"]`` of the periods that had ended by ``as_at`` (all when None)."""
    if as_at is None:
        return list(range(len(m["rows"])))
    end = pd.Timestamp(as_at)
    return [j for j, r in enumerate(m["rows"]) if not _none(r["period_end"]) and pd.Timestamp(r["period_end"]) <= end]


def forecasts_frame(values: pd.DataFrame, targets: pd.DataFrame,
                    level: float = cat.METHOD_DEFAULTS["forecast_level"],
                    catalogue: pd.DataFrame | None = None, as_at=None) -> pd.DataFrame:
    """History (breakdown all) and a HORIZON-collection forecast per measure from its latest
    complete period (ended by ``as_at``; every period when None), targets alongside.
    ``catalogue`` gives each measure's series breaks, cadence and forecast level; ``level``
    is the forecast level of a measure it does not list. Incomplete periods are left out:
    they are neither history nor a starting point yet."""
    by_id = {} if catalogue is None else {r["measure_id"]: r for r in catalogue.to_dict("records")}
    rows = []
    for measure_id, m in _series_by_measure(values[values["breakdown"] == "all"]).items():
        done = _complete_rows(m, as_at)
        if not done:
            continue
        last = m["rows"][done[-1]]
        meta = by_id.get(measure_id)
        cadence = _cadence(meta)
        for r in (m["rows"][j] for j in done):
            rows.append({**_describe(last), "period": r["period"], "period_start": r["period_start"],
                         "period_end": r["period_end"], "kind": "history", "step": 0, "value": r["value"],
                         "lower": r["ci_lower"], "upper": r["ci_upper"]})
        f_level = _setting(meta, "forecast_level", level)
        try:
            fc = _forecast(m, int(m["slot"][done[-1]]), last["unit"], f_level, _breaks(meta, last["period_type"]),
                           cadence, None if meta is None else meta.get("ci_method"))
        except ValueError:  # a value outside its unit's range: no forecast (the scorecard says why)
            fc = []
        for f in fc:
            key, start, end = shift_period(last["period"], last["period_type"], last["period_start"],
                                           last["period_end"], f.step * cadence)
            rows.append({**_describe(last), "period": key, "period_start": start, "period_end": end,
                         "kind": "forecast", "step": f.step, "value": f.value, "lower": f.lower,
                         "upper": f.upper, "scale": f.scale, "fit_points": f.n_points,
                         "fit_from": period_key(int(f.first_point), last["period_type"]),
                         "flag": f.flag})
    out = pd.DataFrame(rows, columns=FORECAST_COLUMNS[:-2])
    out = out.merge(targets[["measure_id", "period", "target", "tolerance"]], on=["measure_id", "period"],
                    how="left")
    return out[FORECAST_COLUMNS]


def _describe(row) -> dict:
    return {k: row[k] for k in ("indicator_id", "measure_id", "is_headline", "period_type", "unit", "polarity")}


def _setting(meta, key: str, default: float) -> float:
    v = None if meta is None else meta.get(key)
    return float(default) if _none(v) else float(v)


# ------------------------------------------------------------------------------------------
# Scorecard: judgements as at every period, and the latest period per measure
# ------------------------------------------------------------------------------------------

def _trend(m: dict, upto: int, method: str, ci_level: float, level: float, breaks,
           cadence: int = 1) -> stats.Trend:
    """The trend as at slot ``upto``: the chi-square test for trend on proportions with
    whole counts behind them, weighted regression (1 / variance read back from each
    interval's width; unweighted when a point of the window has no interval) otherwise."""
    sl = slice(0, upto + 1)
    value, num, den, idx = (m[k][sl] for k in ("value", "numerator", "denominator", "idx"))
    labels = [period_key(int(i), m["last"]["period_type"]) for i in idx]
    ok = np.isfinite(value)
    if method == "wilson" and (num[ok] <= den[ok]).all():
        return stats.trend(value, num, den, idx, level=level, breaks=breaks, labels=labels, cadence=cadence)
    se = (m["ci_upper"][sl] - m["ci_lower"][sl]) / (2 * stats.z_for(ci_level))
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(np.isfinite(se) & (se > 0), 1 / se ** 2, np.nan)
    return stats.trend(value, periods=idx, weights=weights, level=level, breaks=breaks, labels=labels,
                       cadence=cadence)


def _period_rows(meta: dict, s: dict, ci_level: float, as_at=None) -> list[dict]:
    """One row per period of one measure, each judged from that period and earlier only.
    A period that had not ended by ``as_at`` is shown as incomplete: never judged or rated."""
    rows = []
    ptype = s["last"]["period_type"]
    breaks = _breaks(meta, ptype)
    cadence = _cadence(meta)
    done = set(_complete_rows(s, as_at))
    last_done = max(done) if done else None
    t_level = _setting(meta, "trend_level", cat.METHOD_DEFAULTS["trend_level"])
    f_level = _setting(meta, "forecast_level", cat.METHOD_DEFAULTS["forecast_level"])
    for j, (r, upto) in enumerate(zip(s["rows"], s["slot"])):
        row = {k: meta[k] for k in ("indicator_id", "measure_id", "is_headline", "title", "unit", "polarity",
                                    "oba_question", "period_type")}
        row.update({k: r[k] for k in ("period", "period_start", "period_end", "numerator", "denominator",
                                      "value", "ci_lower", "ci_upper", "ci_level")})
        row["is_latest"] = j == last_done
        row["is_complete"] = j in done
        if j:
            row.update(previous_period=s["rows"][j - 1]["period"], previous_value=s["rows"][j - 1]["value"])
        if j not in done:
            row["trend_reason"] = (f"not judged: {r['period']} had not ended by {pd.Timestamp(as_at):%d %B %Y}, "
                                   "the end of the last complete quarter of the data")
            rows.append(row)
            continue
        t = _trend(s, int(upto), meta["ci_method"], ci_level, t_level, breaks, cadence)
        row.update(trend_direction=t.direction, trend_p_value=t.p_value, trend_points=t.n_points,
                   trend_judgement=stats.judge_trend(t.direction, meta["polarity"]), trend_level=t.level,
                   trend_method=t.method, trend_statistic=t.statistic, trend_reason=t.reason,
                   trend_marker=t.marker, trend_cadence=cadence,
                   trend_from=period_key(int(t.points[0]), ptype) if t.points else None)
        try:
            fc = _forecast(s, int(upto), meta["unit"], f_level, breaks, cadence, meta["ci_method"])
        except ValueError as e:
            # A value outside its unit's range (a numerator above its denominator, kept and
            # reported by indicator_values): no forecast, and the row says why.
            fc = []
            row["forecast_flag"] = f"no forecast: {e}"
        if fc:
            f = fc[0]
            row.update(forecast_period=shift_period(r["period"], ptype, r["period_start"], r["period_end"],
                                                    cadence)[0],
                       forecast_value=f.value, forecast_lower=f.lower, forecast_upper=f.upper,
                       forecast_flag=f.flag, forecast_scale=f.scale, forecast_points=f.n_points,
                       forecast_from=period_key(int(f.first_point), ptype))
        rows.append(row)
    return rows


def scorecard_periods_frame(values: pd.DataFrame, catalogue: pd.DataFrame, targets: pd.DataFrame,
                            commentary: pd.DataFrame, benchmarks: pd.DataFrame | None,
                            level: float = 0.95, as_at=None, differing=frozenset()) -> pd.DataFrame:
    """One row per measure and period (breakdown all) with the judgements as they stood at
    that period: trend, forecast, target and RAG, benchmarks, from that period and earlier
    only. ``level`` is the level of the values' intervals (for the regression weights).
    ``as_at`` (the end of the last calendar quarter complete as at the data, as the default
    paper): a period ending after it is incomplete, shown but never judged or rated, and the
    latest complete period is each measure's ``is_latest`` row (the scorecard's).
    ``differing``: (measure_id, period) pairs the reconciliation flags (our figure differs
    from the authority's published one beyond tolerance): there band and rank place the
    published value, whatever the catalogue says of the definitions."""
    series = _series_by_measure(values[values["breakdown"] == "all"])
    rows = []
    for meta in catalogue.to_dict("records"):
        s = series.get(meta["measure_id"])
        if s is not None:
            rows += _period_rows(meta, s, level, as_at)
    out = pd.DataFrame(rows, columns=[c for c in SCORECARD_COLUMNS if c not in _LATER])
    out["change"] = pd.to_numeric(out["value"]) - pd.to_numeric(out["previous_value"])
    out = out.merge(targets[["measure_id", "period", "target", "tolerance"]], on=["measure_id", "period"],
                    how="left")
    complete = out["is_complete"].astype(bool)
    out["rag"] = [stats.rag(v, t, p, tol) if ok else None for v, t, p, tol, ok in
                  zip(out["value"], out["target"], out["polarity"], out["tolerance"], complete)]
    out["rag_reason"] = [stats.rag_reason(v, lo, hi, t, p, tol) if ok else None for v, lo, hi, t, p, tol, ok in
                         zip(out["value"], out["ci_lower"], out["ci_upper"], out["target"], out["polarity"],
                             out["tolerance"], complete)]
    matching = set(catalogue.loc[catalogue.get("definition_matches_published", pd.Series(False, index=catalogue.index))
                                 .fillna(False).astype(bool), "measure_id"])
    out = _add_benchmarks(out, values, benchmarks, matching, set(differing))
    for c in ("england_comparison", "region_comparison", "sn_comparison"):
        out[c] = out[c].where(complete.to_numpy(), None)  # an incomplete period is not compared either
    out = _add_completeness(out, catalogue)
    return _add_commentary(out, commentary)[SCORECARD_COLUMNS]


# Columns added after the per-period rows are built.
_LATER = ("change", "target", "tolerance", "rag", "rag_reason", "benchmark_period", "benchmark_is_current",
          "benchmark_local_value", "benchmark_local_ci_lower", "benchmark_local_ci_upper", "benchmark_note",
          "england_value", "england_comparison", "region_value", "region_comparison", "sn_mean",
          "sn_comparison", "la_published_value", "quartile_band", "national_rank", "n_las", "band_basis",
          "benchmark_is_plausible", "completeness", "commentary", "commentary_author")


def latest_rows(periods: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The scorecard: each measure's latest row of ``scorecard_periods``, and a row with no
    period for each catalogue measure that has no data yet (so every measure is listed)."""
    latest = periods[periods["is_latest"].astype(bool)]
    missing = catalogue[~catalogue["measure_id"].isin(latest["measure_id"])]
    empty = pd.DataFrame({c: missing[c] if c in ("indicator_id", "measure_id", "is_headline", "title", "unit",
                                                   "polarity", "period_type") else None
                          for c in SCORECARD_COLUMNS}, index=missing.index)
    empty["oba_question"] = missing["oba_question"]
    empty["is_latest"] = True
    # A measure whose only periods are still running says so rather than nothing.
    pending = periods[~periods["is_complete"].astype(bool)] if "is_complete" in periods else periods.iloc[:0]
    why = pending.groupby("measure_id")["trend_reason"].first()
    empty["trend_reason"] = empty["measure_id"].map(why).map(
        lambda t: None if _none(t) else f"no complete period yet; {t}")
    empty = _add_completeness(empty, catalogue)
    for c in ("england_comparison", "region_comparison", "sn_comparison"):
        empty[c] = "not compared"
    out = pd.concat([latest, empty], ignore_index=True) if len(empty) else latest.reset_index(drop=True)
    order = {m: i for i, m in enumerate(catalogue["measure_id"])}
    return out.sort_values("measure_id", key=lambda s: s.map(order)).reset_index(drop=True)[SCORECARD_COLUMNS]


def scorecard_frame(values: pd.DataFrame, catalogue: pd.DataFrame, targets: pd.DataFrame,
                    commentary: pd.DataFrame, benchmarks: pd.DataFrame | None,
                    level: float = 0.95, as_at=None) -> pd.DataFrame:
    """One row per catalogue measure: its latest complete period (breakdown all) and how to judge it."""
    return latest_rows(scorecard_periods_frame(values, catalogue, targets, commentary, benchmarks, level, as_at),
                       catalogue)


BENCH_COLUMNS = ["england_value", "region_value", "sn_mean", "quartile_band", "national_rank", "n_las",
                 "is_plausible", "la_published_value", "other_la_values"]


def _add_benchmarks(out: pd.DataFrame, values: pd.DataFrame, benchmarks: pd.DataFrame | None,
                    matching: set[str] = frozenset(), differing: set = frozenset()) -> pd.DataFrame:
    """Like with like: each row's benchmarks are those of the latest period, up to the row's own,
    for which there is both a local value and a published benchmark (``benchmark_period``); the
    comparisons set OUR value and interval of that same period against them.

    Published figures trail local data by a year or more, so the latest period's row usually
    carries an earlier period's verdict: ``benchmark_is_current`` is false and
    ``benchmark_note`` says which period both sides are. Quartile band and rank belong to
    that period too (``band_basis`` says what they place): for a measure whose definition
    matches the published one (``matching``), our own value of that period among every
    other authority's published value of it; otherwise the authority's published value.
    """
    cols = ["measure_id", "benchmark_period", "_bench_end", *BENCH_COLUMNS]
    if benchmarks is None or benchmarks.empty:
        bench = pd.DataFrame(columns=cols)
    else:
        bench = benchmarks.reindex(columns=["measure_id", "period", "period_end", *BENCH_COLUMNS]).drop_duplicates(
            ["measure_id", "period"]).rename(columns={"period": "benchmark_period", "period_end": "_bench_end"})
    local = values[values["breakdown"] == "all"][["measure_id", "period", "value", "ci_lower", "ci_upper"]]
    local = local.rename(columns={"period": "benchmark_period", "value": "benchmark_local_value",
                                  "ci_lower": "benchmark_local_ci_lower", "ci_upper": "benchmark_local_ci_upper"})
    # Only periods with a local value can be compared: the benchmark period must be one of ours.
    bench = bench.merge(local, on=["measure_id", "benchmark_period"], how="inner")
    bench["_bench_end"] = pd.to_datetime(bench["_bench_end"]).astype("datetime64[ns]")
    bench = bench[bench["_bench_end"].notna()].astype({"measure_id": object})
    out = out.assign(_end=pd.to_datetime(out["period_end"]).astype("datetime64[ns]"),
                     _order=range(len(out))).astype({"measure_id": object})
    has_end = out["_end"].notna()
    matched = pd.merge_asof(out[has_end].sort_values("_end"), bench.sort_values("_bench_end"),
                            left_on="_end", right_on="_bench_end", by="measure_id", direction="backward")
    out = pd.concat([matched, out[~has_end]], ignore_index=True).sort_values("_order")
    out = out.drop(columns=["_end", "_bench_end", "_order"]).reset_index(drop=True)
    out = out.rename(columns={"is_plausible": "benchmark_is_plausible"})
    for value_col, comparison_col in BENCHMARKS:
        # An implausible published row is shown but never used to judge the local value.
        out[comparison_col] = [
            stats.compare_benchmark(v, lo, hi, b if ok is not False else None, p)
            for v, lo, hi, b, p, ok in zip(out["benchmark_local_value"], out["benchmark_local_ci_lower"],
                                           out["benchmark_local_ci_upper"], out[value_col], out["polarity"],
                                           out["benchmark_is_plausible"])]
    has = out["benchmark_period"].notna()
    out["benchmark_is_current"] = (out["benchmark_period"] == out["period"]).where(has, None)
    out["benchmark_note"] = [
        None if not h else (f"{bp}: our {bp} value against the published {bp} benchmarks"
                            + ("" if bp == p else f" (the latest period with both; our latest is {p})"))
        for h, bp, p in zip(has, out["benchmark_period"], out["period"])]
    out["band_basis"] = [f"the authority's published {bp} value among all authorities' published {bp} values"
                         if h and not _none(b) else None
                         for h, bp, b in zip(has, out["benchmark_period"], out["quartile_band"])]
    return _place_our_values(out, matching, differing).drop(columns=["other_la_values"])


def _place_our_values(out: pd.DataFrame, matching: set[str], differing: set = frozenset()) -> pd.DataFrame:
    """Band and rank of our own value among the other authorities' published values of the
    same period, for measures defined as the published figure is, unless the reconciliation
    flags our figure of that period as differing from the published one (``differing``):
    then the published value's band and rank stand, and ``band_basis`` says why."""
    cols = ["measure_id", "benchmark_local_value", "other_la_values", "polarity", "benchmark_period",
            "national_rank", "quartile_band", "n_las", "band_basis"]
    placed = []
    for measure_id, local, others, polarity, period, *published in zip(*(out[c].tolist() for c in cols)):
        if (measure_id, period) in differing and measure_id in matching and not _none(published[3]):
            placed.append([*published[:3], published[3] + f" (the reconciliation flags our {period} figure as "
                                                          "differing from the published one, so the published value "
                                                          "is placed)"])
            continue
        if measure_id not in matching or _none(local) or polarity == "none" \
                or not isinstance(others, (list, tuple, np.ndarray)) or not len(others):
            placed.append(published)
            continue
        others = [float(v) for v in others]
        placed.append([stats.national_rank(local, others, polarity), stats.quartile_band(local, others, polarity),
                       len(others) + 1,
                       f"our {period} value among the other authorities' published {period} values (same definition)"])
    for k, c in enumerate(cols[5:]):
        out[c] = pd.Series([p[k] for p in placed], index=out.index, dtype=object)
    return out


def _add_completeness(out: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The catalogue's completeness rule for the measure, beside every row."""
    rule = catalogue.set_index("measure_id")["completeness"] if "completeness" in catalogue else {}
    out["completeness"] = out["measure_id"].map(rule) if len(rule) else None
    return out
def _add_commentary(out: pd.DataFrame, commentary: pd.DataFrame) -> pd.DataFrame:
    """Commentary for the row's period, written against the measure or its indicator (in
    the file's order when both have some)."""
    by_period: dict[str, list[dict]] = {}
    for r in commentary.to_dict("records"):
        by_period.setdefault(r["period"], []).append(r)

    def pick(measure_id, indicator_id, period, col):
        found = [r[col] for r in by_period.get(period, [])
                 if r["measure_id"] in (measure_id, indicator_id) and not _none(r[col])]
        return " / ".join(found) or None
    keys = list(zip(out["measure_id"], out["indicator_id"], out["period"]))
    out["commentary"] = [pick(*k, "commentary") for k in keys]
    out["commentary_author"] = [pick(*k, "author") for k in keys]
    return out




def judged_as_at(con, values: pd.DataFrame, today: dt.date | None = None) -> dt.date:
    """The end of the last calendar quarter complete as at the data: what the scorecard is
    judged as at, the default paper's period end (``report_period.default``)."""
    load_log = con.execute("select * from load_log").df() if table_exists(con, "load_log") else pd.DataFrame()
    as_at = report_period.data_as_at(load_log, values["period_end"], today or dt.date.today())
    return report_period.default(as_at).end


def _level(con) -> float:
    # fetchall: DuckDB 2 keeps a half-read result open, which blocks register() after it.
    rows = con.execute("select any_value(ci_level) from indicator_values").fetchall()
    return float(rows[0][0]) if rows and rows[0][0] is not None else 0.95


def _frame_text(frame: pd.DataFrame) -> str:
    """A frame as text, for a step's inputs digest (pipelines.reuse)."""
    return frame.to_csv(index=False)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["indicator_values", "indicator_catalogue"])
def indicator_forecasts(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Turn-the-curve baseline per measure: history with its CI, then a three-period forecast (logit / log scale, recent window) with prediction interval, and targets."""
    with warehouse.connect() as con:
        values = con.execute("select * from indicator_values where breakdown = 'all'").df()
        as_at, targets = judged_as_at(con, values), cat.load_targets()

        def make() -> dict:
            catalogue = con.execute("select * from indicator_catalogue").df()
            tables.write(con, "indicator_forecasts", forecasts_frame(values, targets, catalogue=catalogue, as_at=as_at))
            return {}

        _, was_reused = reuse.made_or_reused(con, "indicator_forecasts", ["indicator_values", "indicator_catalogue"],
                                             ["indicator_forecasts"], context.run_id, make, as_at,
                                             _frame_text(targets))
        frame = con.execute("select * from indicator_forecasts").df()
    return dg.MaterializeResult(metadata={
        **frame_metadata(frame, frame[frame["kind"] == "forecast"].head(8)),
        "forecasts_flagged": int(frame["flag"].notna().sum()), reuse.REUSED: was_reused,
    })


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["indicator_values", "indicator_catalogue", "benchmark_values",
                                                   "reconciliation"])
def scorecard_periods(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """One row per measure and period: value and CI, change, trend, forecast, target and RAG, benchmarks, commentary, each judged from that period and earlier only (a past paper's judgements)."""
    with warehouse.connect() as con:
        values = con.execute("select * from indicator_values where breakdown = 'all'").df()
        has_benchmarks = table_exists(con, "benchmark_values")
        if not has_benchmarks:
            context.log.warning("benchmark_values not built yet: comparisons are 'not compared'")
        # Commentary the free-text screen holds never reaches the warehouse (the paper says why).
        commentary = free_text.withhold(turn_the_curve.commentary(), "commentary", officer="author")
        as_at, targets = judged_as_at(con, values), cat.load_targets()

        def make() -> dict:
            catalogue = con.execute("select * from indicator_catalogue").df()
            benchmarks = con.execute("select * from benchmark_values").df() if has_benchmarks else None
            differing = set(map(tuple, con.execute(
                "select measure_id, period from reconciliation where is_flagged").fetchall())) \
                if table_exists(con, "reconciliation") else set()
            tables.write(con, "scorecard_periods", scorecard_periods_frame(
                values, catalogue, targets, commentary, benchmarks, _level(con), as_at, differing))
            return {}

        _, was_reused = reuse.made_or_reused(
            con, "scorecard_periods", ["indicator_values", "indicator_catalogue", "benchmark_values", "reconciliation"],
            ["scorecard_periods"], context.run_id, make, as_at, _frame_text(targets), _frame_text(commentary))
        frame = con.execute("select * from scorecard_periods").df()
    return dg.MaterializeResult(metadata={
        **frame_metadata(frame, frame[frame["is_headline"] & frame["is_latest"]][
            ["measure_id", "period", "value", "trend_judgement", "rag", "england_comparison"]]),
        "benchmarks_available": has_benchmarks, reuse.REUSED: was_reused,
    })


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[scorecard_periods, "indicator_catalogue"])
def scorecard(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """One row per measure, latest period: scorecard_periods' latest row per measure (every catalogue measure listed)."""
    with warehouse.connect() as con:
        def make() -> dict:
            periods = con.execute("select * from scorecard_periods").df()
            catalogue = con.execute("select * from indicator_catalogue").df()
            tables.write(con, "scorecard", latest_rows(periods, catalogue))
            return {}

        _, was_reused = reuse.made_or_reused(con, "scorecard", ["scorecard_periods", "indicator_catalogue"],
                                             ["scorecard"], context.run_id, make)
        frame = con.execute("select * from scorecard").df()
    return dg.MaterializeResult(metadata={
        **frame_metadata(frame, frame[frame["is_headline"]][
            ["measure_id", "period", "value", "trend_judgement", "rag", "england_comparison"]]),
        "measures_without_data": int(frame["value"].isna().sum()), reuse.REUSED: was_reused,
    })


assets = [indicator_forecasts, scorecard_periods, scorecard]
