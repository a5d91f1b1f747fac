"""Everything a board paper or workbook shows, read from the shareable file in one place.

The outputs' assets and ``oba paper`` give ``gather`` a connection to the shareable file
(``pipelines.release.shareable.connect``), which holds no record and no exact count; a warehouse
works too (tests, notebooks), read the same way.

Figures come from ``indicator_values_published`` (disclosure control already applied by
``indicators.disclosure``), never from the exact ``indicator_values``; the scorecard
contributes only judgements (trend, RAG, comparisons), targets, benchmarks and forecasts,
all through ``scorecard_for`` (the judgements as at the paper's period). Turn-the-curve
text comes from the officers' files (``indicators.turn_the_curve``). ``guard`` is the last
line of defence for numbers the published table does not cover (forecasts of counts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from indicators import turn_the_curve
from indicators.disclosure import SUPPRESSED, is_disclosive, is_n_only
from pipelines.compute.scorecard import FORECAST_COLUMNS, SCORECARD_COLUMNS
from pipelines.outputs.awaiting import awaiting
from pipelines.outputs import screening
from pipelines.outputs import comparators
from pipelines.outputs import cover
from pipelines.outputs import fmt
from pipelines.outputs import labels
from pipelines.outputs import quality_annex
from pipelines.outputs import since
from pipelines.outputs import period as periods
from pipelines.ingest.holding import LIVE
from pipelines.warehouse import table_exists

FIGURES = ("numerator", "denominator", "value", "ci_lower", "ci_upper")


def _column(frame: pd.DataFrame, name: str, columns: list[str]) -> pd.Series:
    """Column ``name`` of a table read whole (``frame``), whose columns as the pipeline writes
    them today are ``columns``: all blank when this warehouse's table predates the column (a
    past paper from an older warehouse). A name that is not in ``columns`` is a mistake in the
    reading code, not an older table: refused, so it cannot silently read as blank."""
    if name not in columns:
        raise KeyError(f"{name!r} is not a column of the table read (its columns: {', '.join(columns)})")
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)


def published_number(v):
    """A published cell as a float, "c" when suppressed, None when blank."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, str):
        v = v.strip()
        if v == SUPPRESSED:
            return SUPPRESSED
        if v == "":
            return None
    return float(v)


def guard(v, unit):
    """Show a count-unit number of 1 to 5 (e.g. a forecast of a count) as "c"."""
    return SUPPRESSED if unit == "count" and is_disclosive(v) else v


@dataclass
class PaperData:
    period: periods.ReportPeriod
    data_as_at: dt.date
    catalogue: pd.DataFrame     # one row per measure
    rows: pd.DataFrame          # one row per measure: the scorecard as published
    history: pd.DataFrame       # published 'all' rows up to the period
    breakdowns: pd.DataFrame    # published breakdown rows of each measure's reported period
    forecasts: pd.DataFrame     # forecast periods after each measure's reported period
    targets: pd.DataFrame       # measure_id, period, target (history and forecast periods)
    benchmarks: pd.DataFrame    # benchmark_values up to the period
    load_log: pd.DataFrame
    quarantine: pd.DataFrame    # rows failing each check, per source file (exact: summarise!)
    curve: pd.DataFrame = None          # turn-the-curve text, long (indicators.turn_the_curve.load)
    authorities: pd.DataFrame = None    # every authority's value of each benchmarked measure
    neighbours: pd.DataFrame = None     # the statistical neighbours, closest first
    places: dict = None                 # ward and locality names (labels.places)
    cover: dict = None                  # board, author, purpose, asks (cover.load)
    region: str = "Region"              # the authority's region, as published
    unmapped: pd.DataFrame = None       # local values the spellings table lacks (quality_annex.unmapped_values)
    drafts: pd.DataFrame = None         # what the data show, per headline measure and period (indicator_drafts)
    since: dict = None                  # what changed since the previous release (since.changes)

    def reported_periods(self) -> dict[str, str | None]:
        """indicator -> the period of its headline measure in this paper (None: not yet)."""
        head = self.rows[self.rows["is_headline"].astype(bool)]
        return {i: (None if p is None or pd.isna(p) else str(p)) for i, p in zip(head["indicator_id"], head["period"])}

    def awaited(self) -> list[tuple[str, str, str]]:
        """(indicator, period, part) of every turn-the-curve part this paper prints as awaited."""
        return turn_the_curve.awaited(self.curve, self.reported_periods())


def _df(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    if not table_exists(con, table):
        return pd.DataFrame()
    return con.execute(f'select * from "{table}"').df()  # table names are ours, not input


def _quarantine(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """What the quality annex reads of the quarantine: the shareable file's counts per check
    (``quarantine_checks``, protected), or a warehouse's own rows."""
    return _df(con, "quarantine_checks") if table_exists(con, "quarantine_checks") else _df(con, "quarantine")


def published_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """indicator_values_published with figures as float / "c" / None, dates as dates,
    and the numerator blanked where it is not a count (sums of scores, gap sides)."""
    if not table_exists(con, "indicator_values_published"):
        raise ValueError("indicator_values_published is missing: run the pipeline first")
    # Empty on a first night from a few sources: every measure then says what it awaits.
    pub = _df(con, "indicator_values_published")
    for c in FIGURES:
        pub[c] = pub[c].astype(object).map(published_number)
    pub.loc[pub["unit"].map(is_n_only), "numerator"] = None
    for c in ("period_start", "period_end"):
        pub[c] = pd.to_datetime(pub[c]).dt.date
    return pub


# What the paper calls each judgement -> the scorecard's (and scorecard_periods') column.
SCORECARD_READ = {
    "trend": "trend_judgement", "forecast_period": "forecast_period", "forecast_value": "forecast_value",
    "forecast_lower": "forecast_lower", "forecast_upper": "forecast_upper", "target": "target",
    "tolerance": "tolerance", "rag": "rag", "benchmark_period": "benchmark_period",
    "england_value": "england_value", "region_value": "region_value", "sn_value": "sn_mean",
    "vs_england": "england_comparison", "vs_region": "region_comparison", "vs_sn": "sn_comparison",
    "quartile_band": "quartile_band", "national_rank": "national_rank", "commentary": "commentary",
    "n_las": "n_las", "trend_reason": "trend_reason", "rag_reason": "rag_reason", "forecast_flag": "forecast_flag",
    "band_basis": "band_basis", "la_published_value": "la_published_value",
    "benchmark_local_value": "benchmark_local_value",
}


def _scorecard_judgements(score: pd.DataFrame) -> pd.DataFrame:
    if "measure_id" not in score or "period" not in score:
        score = pd.DataFrame(columns=["measure_id", "period"])
    return pd.DataFrame({
        "measure_id": score["measure_id"], "period": score["period"].astype(str),
        **{ours: _column(score, theirs, SCORECARD_COLUMNS) for ours, theirs in SCORECARD_READ.items()},
        # The latest period's row (the only one the drawn three-period forecast belongs to).
        "in_scorecard": score["is_latest"].astype(bool) if "is_latest" in score else True,
    })


def scorecard_for(con: duckdb.DuckDBPyConnection, period: periods.ReportPeriod) -> pd.DataFrame:
    """The judgements (trend, forecast, target, RAG, comparisons) of each measure's latest
    period ending by ``period``, as they stood then: one row per measure and period.

    Read from ``scorecard_periods`` (one row per measure x period, judged as at that
    period) when the warehouse has it, else from ``scorecard``, which judges only each
    measure's latest period: an earlier paper then has no judgement rather than today's.
    The caller joins on (measure_id, period), so a judgement never lands on another period.
    """
    table = "scorecard_periods" if table_exists(con, "scorecard_periods") else "scorecard"
    score = _df(con, table)
    if not score.empty and "period_end" in score.columns:
        score = score[pd.to_datetime(score["period_end"]) <= pd.Timestamp(period.end)]
    return _scorecard_judgements(score).drop_duplicates(["measure_id", "period"], keep="last")


BENCH_FILL = {"england_value": "england_value", "region_value": "region_value", "sn_value": "sn_mean",
              "quartile_band": "quartile_band", "national_rank": "national_rank", "n_las": "n_las"}


def _fill_benchmarks(rows: pd.DataFrame, bench: pd.DataFrame) -> pd.DataFrame:
    """Comparator values (not verdicts) from the latest published period up to each
    measure's own, where the scorecard gave none (a past paper before its judgements
    exist): the figures were published then, whatever was judged of them."""
    if bench.empty:
        return rows
    b = bench.assign(_end=pd.to_datetime(bench["period_end"])).sort_values("_end")
    rows = rows.copy()
    for i, r in rows.iterrows():
        if not fmt.missing(r.get("benchmark_period")) or fmt.missing(r.get("period_end")):
            continue
        mine = b[(b["measure_id"] == r["measure_id"]) & (b["_end"] <= pd.Timestamp(r["period_end"]))]
        if mine.empty:
            continue
        last = mine.iloc[-1]
        rows.at[i, "benchmark_period"] = last["period"]
        for ours, theirs in BENCH_FILL.items():
            if theirs in last.index and fmt.missing(r.get(ours)):
                rows.at[i, ours] = last[theirs]
    return rows


def _forecast_frame(fc: pd.DataFrame) -> pd.DataFrame:
    if fc.empty:
        return pd.DataFrame(columns=["measure_id", "period", "period_end", "value", "lower", "upper", "flag"])
    is_fc = _column(fc, "kind", FORECAST_COLUMNS).astype(str).str.startswith("forecast")
    out = pd.DataFrame({
        "measure_id": fc["measure_id"], "period": fc["period"].astype(str),
        "period_end": pd.to_datetime(_column(fc, "period_end", FORECAST_COLUMNS)).dt.date,
        **{c: _column(fc, c, FORECAST_COLUMNS) for c in ("value", "lower", "upper", "flag")}})
    return out[is_fc.fillna(False).astype(bool).to_numpy()]


def gather(con: duckdb.DuckDBPyConnection, period_label: str | None = None,
           today: dt.date | None = None, data_dir=None) -> PaperData:
    """Read and shape everything the paper needs for ``period_label`` (default: the last
    period complete as at the data); a period ending after the data is refused."""
    pub = published_values(con)
    totals = pub[pub["breakdown"] == "all"]
    load_log = _df(con, "load_log")
    as_at = periods.data_as_at(load_log, totals["period_end"], today or dt.date.today())
    period = periods.resolve(period_label, as_at)
    current = periods.latest_per_measure(totals, period)
    if current.empty and not totals.empty:
        raise ValueError(f"no measure has a period ending by {period.end}: nothing to report for {period.label}")
    history = totals[pd.to_datetime(totals["period_end"]) <= pd.Timestamp(period.end)]
    history = history.sort_values(["measure_id", "period_start"])
    keys = current[["measure_id", "period"]]
    breakdowns = pub[pub["breakdown"] != "all"].merge(keys, on=["measure_id", "period"])

    # The catalogue's numerator / denominator are definitions (text), not figures.
    catalogue = _df(con, "indicator_catalogue").rename(
        columns={"numerator": "numerator_definition", "denominator": "denominator_definition"})
    # Every catalogue measure keeps its row (and every indicator its section) even before
    # its first period is complete: the paper then says so rather than dropping it.
    rows = catalogue.merge(current[["measure_id", "period", "period_start", "period_end", *FIGURES]], on="measure_id",
                           how="left")
    prev = history.merge(keys.rename(columns={"period": "current"}), on="measure_id")
    prev = prev[prev["period"] != prev["current"]].groupby("measure_id").tail(1)
    rows = rows.merge(prev[["measure_id", "period", "value"]].rename(
        columns={"period": "previous_period", "value": "previous_value"}), on="measure_id", how="left")
    # Judgements belong to the period they were made for: a past paper gets none rather
    # than today's.
    rows = rows.merge(scorecard_for(con, period), on=["measure_id", "period"], how="left")
    rows["forecast_value"] = [guard(v, u) for v, u in zip(rows["forecast_value"], rows["unit"])]
    # Judgements and forecasts of a suppressed value are made from the exact figure, so a
    # green RAG or a forecast would say something about it: they are suppressed with it.
    hidden = rows["value"].map(lambda v: v == SUPPRESSED)
    for c in ("trend", "rag", "vs_england", "vs_region", "vs_sn", "forecast_value", "forecast_lower", "forecast_upper",
              "trend_reason", "rag_reason", "forecast_flag", "benchmark_local_value"):
        rows[c] = rows[c].astype(object).where(~hidden, SUPPRESSED)

    rows["in_scorecard"] = rows["in_scorecard"].eq(True)
    rows["period"] = rows["period"].astype(object).where(rows["period"].notna(), None)
    # A forecast is drawn from the scorecard's period; an older paper has none.
    fc_all = _df(con, "indicator_forecasts")
    targets = (fc_all.reindex(columns=["measure_id", "period", "target"]).dropna(subset=["target"])
               .astype({"period": str}))
    # A target is set for a period, whatever was judged of it: an earlier paper shows its own.
    set_for = targets.drop_duplicates(["measure_id", "period"]).set_index(["measure_id", "period"])["target"]
    rows["target"] = [t if not fmt.missing(t) else set_for.get((m, str(p)))
                      for t, m, p in zip(rows["target"], rows["measure_id"], rows["period"])]
    forecasts = _forecast_frame(fc_all)
    forecasts = forecasts[forecasts["measure_id"].isin(rows.loc[rows["in_scorecard"] & ~hidden, "measure_id"])]
    last_end = current.set_index("measure_id")["period_end"]
    forecasts = forecasts[forecasts["measure_id"].map(last_end).lt(forecasts["period_end"]).fillna(False)]
    units = catalogue.set_index("measure_id")["unit"]
    forecasts = forecasts.assign(value=[guard(v, units.get(m)) for v, m in
                                        zip(forecasts["value"], forecasts["measure_id"])])

    bench = _df(con, "benchmark_values")
    if not bench.empty:
        bench = bench[pd.to_datetime(bench["period_end"]) <= pd.Timestamp(period.end)]
    rows = _fill_benchmarks(rows, bench)
    order = {m: i for i, m in enumerate(catalogue["measure_id"])}
    rows = rows.sort_values("measure_id", key=lambda s: s.map(order)).reset_index(drop=True)
    waits = awaiting(con).set_index("measure_id")["awaits"]
    rows["awaits"] = [waits.get(m) if pd.isna(p) else None for m, p in zip(rows["measure_id"], rows["period"])]
    # Free text is screened where it joins the figures: a small number of people or an
    # identifier in any turn-the-curve part this paper prints holds back the paper and the
    # workbook until the text changes.
    # Every period's text is screened, not only this paper's: the workbook carries them all.
    curve = turn_the_curve.load(data_dir)
    the_cover = cover.load(data_dir)
    drafts = drafted(con, rows)
    screening.hold_if_disclosive(pd.concat([curve[["indicator", "period", "part", "text"]],
                                            screening.cover_text(the_cover), screening.drafted_text(drafts),
                                            screening.officer_text(curve, the_cover)], ignore_index=True))
    compared = rows.loc[rows["benchmark_period"].notna(), ["measure_id", "benchmark_period"]]
    authorities = comparators.authority_values(con, compared.rename(columns={"benchmark_period": "period"}))
    places = labels.places(data_dir)
    changed = since.changes(pub, rows, load_log, data_dir, published_fingerprint(con), LIVE, places)
    return PaperData(period=period, data_as_at=as_at, catalogue=catalogue,
                     rows=rows, history=history, breakdowns=breakdowns, forecasts=forecasts, targets=targets,
                     benchmarks=bench, load_log=load_log, quarantine=_quarantine(con),
                     curve=curve, authorities=authorities,
                     neighbours=comparators.neighbours(con), places=places,
                     cover=the_cover, region=comparators.region_name(con),
                     unmapped=quality_annex.unmapped_values(data_dir), drafts=drafts, since=changed)


def drafted(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> pd.DataFrame:
    """``indicator_drafts`` for each measure's reported period (measure_id, period, drafted);
    empty when the warehouse predates the table."""
    if not table_exists(con, "indicator_drafts"):
        return pd.DataFrame(columns=["indicator_id", "measure_id", "period", "drafted", "is_held"])
    drafts = con.execute("select indicator_id, measure_id, period, drafted, is_held from indicator_drafts").df()
    keys = rows.loc[rows["period"].notna(), ["measure_id", "period"]].astype({"period": str})
    return drafts.merge(keys, on=["measure_id", "period"])


def published_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The content fingerprint of the warehouse read (its latest ``meta_publish`` row): names its release."""
    if table_exists(con, "meta_publish"):
        got = con.execute("select fingerprint from meta_publish order by published_at desc limit 1").fetchone()
        return got[0] if got else None
    if table_exists(con, "disclosure_certificate"):     # the shareable file: its release id ends with it
        got = con.execute("select release_id from disclosure_certificate").fetchone()
        return str(got[0]).rsplit("-", 1)[-1] if got and got[0] else None
    return None


def headline_periods(con: duckdb.DuckDBPyConnection, period_label: str | None = None,
                     today: dt.date | None = None) -> tuple[periods.ReportPeriod, dict[str, str | None]]:
    """The paper's period and, per indicator, the period of its headline measure in it
    (None before its first complete period): what ``gather`` would report, read cheaply."""
    totals = con.execute("select measure_id, period, period_end from indicator_values_published "
                         "where breakdown = 'all'").df()
    as_at = periods.data_as_at(_df(con, "load_log"), totals["period_end"], today or dt.date.today())
    period = periods.resolve(period_label, as_at)
    current = periods.latest_per_measure(totals, period)
    head = _df(con, "indicator_catalogue").query("is_headline")[["indicator_id", "measure_id"]]
    head = head.merge(current[["measure_id", "period"]], on="measure_id", how="left")
    return period, {i: (None if pd.isna(p) else str(p)) for i, p in zip(head["indicator_id"], head["period"])}


def awaited_lines(con: duckdb.DuckDBPyConnection, data_dir=None, today: dt.date | None = None) -> tuple[str, list[str]]:
    """The default paper's period and one line per indicator whose turn-the-curve entry
    for its reported period lacks a part (``oba status``, the end of ``oba run``)."""
    period, reported = headline_periods(con, today=today)
    missing = turn_the_curve.awaited(turn_the_curve.load(data_dir), reported)
    return period.label, turn_the_curve.describe_awaited(missing)
