"""What the explorer shows, as one JSON-ready dict, from what ``gather`` read of the shareable
tables (``release.read``).

Figures are formatted here with the paper's formatters (``fmt``), so a value reads the same
in the paper, the workbook and the explorer; the raw published cell (a number, "c" or
blank) travels beside each text for the CSV downloads. Judgements are read generically: any
text column of ``scorecard_periods`` that is a verdict or its reason is shown under its own
name, so a new or reworded verdict needs no change here.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd

from indicators.disclosure import SUPPRESSED
from pipelines.outputs import charts
from pipelines.outputs import content as paper
from pipelines.outputs import fmt
from pipelines.outputs import gather
from pipelines.outputs import labels
from pipelines.outputs import story_state
from pipelines.outputs.gather import PaperData
from pipelines.settings import la_code
from pipelines.warehouse import table_exists

# Text columns of scorecard_periods that say what was judged and why (by the end of their name).
VERDICT = re.compile(r"(^rag$|_judgement$|_direction$|_comparison$|_reason$|_note$|_flag$|_basis$|_method$|"
                     r"_scale$|^completeness$)")
# Words for the abbreviations in column names (the rest of a name reads as it is).
WORDS = {"rag": "RAG", "sn": "statistical neighbours"}
PUBLISHED_COLUMNS = ["indicator_id", "measure_id", "period", "period_type", "period_start", "period_end", "breakdown",
                     "breakdown_value", "breakdown_label", "numerator", "denominator", "value", "ci_lower",
                     "ci_upper", "unit", "is_suppressed"]


def _raw(v):
    """A cell for the CSV downloads and the page's own sums: a float, "c", or None."""
    if isinstance(v, str):
        return v
    if fmt.missing(v):
        return None
    return float(v)


def _text(v) -> str | None:
    return None if fmt.missing(v) else str(v)


def off_target(value, target, polarity) -> bool | None:
    """Whether the value misses its target in the measure's direction (None: not judged)."""
    if isinstance(value, str) or fmt.missing(value) or fmt.missing(target) or polarity not in ("higher", "lower"):
        return None
    return float(value) < float(target) if polarity == "higher" else float(value) > float(target)


def column_words(name: str) -> str:
    """A column's name as words: ``sn_comparison`` -> "Statistical neighbours comparison"."""
    text = " ".join(WORDS.get(w, w) for w in name.split("_"))
    return text[0].upper() + text[1:]


def verdicts(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> dict[str, list[list[str]]]:
    """measure_id -> [[name, text], ...]: every verdict and reason column of the judged period's
    row, in the table's own column order; all "c" where the value is suppressed (a verdict on
    a hidden value would say something about it)."""
    if not table_exists(con, "scorecard_periods"):
        return {}
    score = con.execute("select * from scorecard_periods").df()
    keep = [c for c in score.columns if VERDICT.search(c) and pd.api.types.is_string_dtype(score[c])]
    score = score.assign(period=score["period"].astype(str)).drop_duplicates(["measure_id", "period"], keep="last")
    score = score.set_index(["measure_id", "period"])
    out = {}
    for r in rows.itertuples():
        if fmt.missing(r.period) or (r.measure_id, str(r.period)) not in score.index:
            continue
        judged = score.loc[(r.measure_id, str(r.period))]
        hidden = r.value == SUPPRESSED
        out[r.measure_id] = [[column_words(c), SUPPRESSED if hidden else str(judged[c])]
                             for c in keep if not fmt.missing(judged[c])]
    return out


def _chart(c: charts.Chart | None) -> dict | None:
    if c is None:
        return None
    figure = None
    if c.figure is not None:
        figure = c.figure.to_plotly_json()
        figure["layout"].pop("width", None)   # the page sizes it (reflow at 320 px)
        figure["layout"].pop("template", None)
        figure = _plain(figure)
    return dict(id=c.id, title=c.title, summary=c.alt, figure=figure, columns=c.columns, rows=c.rows)


def _plain(obj):
    """A plotly figure's dict as plain JSON (numpy arrays and scalars to lists and floats)."""
    import numpy as np

    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_plain(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _curve_chart(r: pd.Series, data: PaperData, authority: str) -> dict | None:
    """The paper's turn-the-curve chart and table, with the region added beside England."""
    c = charts.turn_the_curve(r, data.history, data.forecasts, data.benchmarks, data.targets, authority)
    b = data.benchmarks
    b = b[b["measure_id"] == r["measure_id"]].set_index("period") if len(b) else pd.DataFrame()
    region_of = {str(p): v for p, v in b["region_value"].items()} if "region_value" in b.columns else {}
    periods = [row[0] for row in c.rows]
    if c.figure is not None and any(not fmt.missing(v) for v in region_of.values()):
        hist = [p for p in periods if not p.endswith("(forecast)")]
        c.figure.add_scatter(x=hist, y=[None if fmt.missing(region_of.get(p)) else float(region_of[p]) for p in hist],
                             name=data.region, mode="lines+markers",
                             line=dict(color=charts.OKABE_ITO["purple"], dash="dot", width=1.5),
                             marker=dict(symbol="square-open", size=6))
    c.columns = [*c.columns[:5], data.region, *c.columns[5:]]
    c.rows = [[*row[:5], fmt.value(region_of.get(row[0]), r["unit"]), *row[5:]] for row in c.rows]
    return _chart(c)


def _authorities(r: pd.Series, data: PaperData, authority: str) -> dict | None:
    """Every English authority's published value of the measure's comparator period, best first
    (low to high without polarity), with the neighbours and the authority marked."""
    period = r.get("benchmark_period")
    if fmt.missing(period) or data.authorities is None or data.authorities.empty:
        return None
    mine = data.authorities[(data.authorities["measure_id"] == r["measure_id"])
                            & (data.authorities["period"] == str(period))]
    if mine.empty:
        return None
    ranked = r["polarity"] in ("higher", "lower")
    mine = mine.sort_values(["value", "area_name"], ascending=[r["polarity"] != "higher", True])
    rank = mine["value"].rank(method="min", ascending=r["polarity"] != "higher").astype(int)
    near = dict(zip(data.neighbours["neighbour_code"].astype(str), data.neighbours["neighbour_rank"]))
    us = str(la_code())
    rows = []
    for (code, name, value), place in zip(mine[["area_code", "area_name", "value"]].itertuples(index=False), rank):
        who = authority if code == us else name
        role = "us" if code == us else ("neighbour" if code in near else "")
        rows.append(dict(code=code, name=who, value=float(value), text=fmt.value(value, r["unit"]),
                         rank=int(place) if ranked else None, role=role))
    return dict(period=str(period), rows=rows, n=len(rows), ranked=ranked,
                band=_text(r.get("quartile_band")), band_words=charts.QUARTILE_WORDS.get(str(r.get("quartile_band"))),
                national_rank=None if fmt.missing(r.get("national_rank")) else int(r["national_rank"]),
                n_las=None if fmt.missing(r.get("n_las")) else int(r["n_las"]))


def _measure(r: pd.Series, data: PaperData, judged: dict, authority: str) -> dict:
    unit = r["unit"]
    symbol, trend = fmt.arrow(r.get("trend"))
    curve = paper.curve_parts(data.curve, r["indicator_id"], r["period"],
                              state=story_state.entry(data.curve, r["indicator_id"], r["period"], None,
                                                      r.get("period_end") if not fmt.missing(r.get("period_end"))
                                                      else None, data.catalogue, data.load_log))
    return dict(
        id=r["measure_id"], indicator=r["indicator_id"], indicator_title=r["indicator_title"], title=r["title"],
        headline=bool(r["is_headline"]), unit=unit, unit_label=fmt.unit_label(unit),
        polarity=r["polarity"], polarity_label=fmt.POLARITY_LABEL.get(r["polarity"], r["polarity"]),
        oba=fmt.OBA_LABEL.get(r["oba_question"], r["oba_question"]),
        numerator_definition=_text(r.get("numerator_definition")),
        denominator_definition=_text(r.get("denominator_definition")),
        rules=_text(r.get("rules")), caveats=_text(r.get("caveats")),
        ci_method=paper.CI_METHODS.get(r.get("ci_method"), _text(r.get("ci_method"))),
        period=_text(r["period"]), value=_raw(r["value"]), value_text=fmt.value(r["value"], unit),
        ci_text=fmt.ci(r["ci_lower"], r["ci_upper"], unit),
        previous_period=_text(r.get("previous_period")), previous_text=fmt.value(r.get("previous_value"), unit),
        trend=trend, trend_symbol=symbol,
        forecast_period=_text(r.get("forecast_period")), forecast_text=fmt.value(r.get("forecast_value"), unit),
        forecast_interval=fmt.ci(r.get("forecast_lower"), r.get("forecast_upper"), unit),
        target=_raw(r.get("target")), target_text=fmt.value(r.get("target"), unit),
        rag=_text(r.get("rag")), off_target=off_target(r["value"], r.get("target"), r["polarity"]),
        benchmark_period=_text(r.get("benchmark_period")),
        england_text=paper._benchmark(r, "england_value"), region_text=paper._benchmark(r, "region_value"),
        sn_text=paper._benchmark(r, "sn_value"),
        vs_england=_text(r.get("vs_england")), vs_region=_text(r.get("vs_region")), vs_sn=_text(r.get("vs_sn")),
        band=charts.QUARTILE_WORDS.get(str(r.get("quartile_band"))) if not fmt.missing(r.get("quartile_band")) else None,
        rank_text=(f"{int(r['national_rank'])} of {int(r['n_las'])}" if not fmt.missing(r.get("national_rank"))
                   and not fmt.missing(r.get("n_las")) else None),
        compared=paper._compared(r, data.region), verdicts=judged.get(r["measure_id"], []),
        curve=curve, awaited=[p["title"] for p in curve["parts"] if p["awaited"]],
        drafted=paper.drafted_for(data.drafts, r) if bool(r["is_headline"]) else None,
        chart=_curve_chart(r, data, authority), authorities=_authorities(r, data, authority))


def published(data: PaperData, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every published row the release shows: each measure's periods up to the report's, every
    breakdown, with the breakdown value's name; figures as published ("c" kept)."""
    rows = gather.published_values(con)
    rows = rows[pd.to_datetime(rows["period_end"]) <= pd.Timestamp(data.period.end)]
    rows = rows.assign(breakdown_label=[labels.label(b, v, data.places) if b != "all" else "All"
                                        for b, v in zip(rows["breakdown"], rows["breakdown_value"])])
    rows = rows.sort_values(["measure_id", "period_start", "breakdown", "breakdown_value"])
    return rows.reindex(columns=PUBLISHED_COLUMNS).reset_index(drop=True)


def _breakdown_rows(rows: pd.DataFrame, units: dict) -> list[list]:
    """Each published breakdown row with its figures formatted: [measure, period, breakdown,
    code, name, value, value text, CI text, numerator text, denominator text, suppressed]."""
    out = []
    for r in rows[rows["breakdown"] != "all"].itertuples():
        u = units[r.measure_id]
        out.append([r.measure_id, str(r.period), r.breakdown, str(r.breakdown_value), r.breakdown_label,
                    _raw(r.value), fmt.value(r.value, u), fmt.ci(r.ci_lower, r.ci_upper, u),
                    fmt.number(r.numerator, "count"), fmt.number(r.denominator, "count"), r.value == SUPPRESSED])
    return out


def build(data: PaperData, con: duckdb.DuckDBPyConnection, today: dt.date, paper_files: dict | None = None) -> dict:
    """The explorer's data: release facts, one entry per measure, breakdowns, spine, and the
    whole release's published rows (for the one-file download)."""
    authority = data.cover["authority_short"]
    judged = verdicts(con, data.rows)
    with charts.drawing():
        measures = [_measure(r, data, judged, authority) for _, r in data.rows.iterrows()]
        spine = _chart(charts.spine(paper._spine_items(data, data.rows), authority, data.region))
    rows = published(data, con)
    units = dict(zip(data.catalogue["measure_id"], data.catalogue["unit"]))
    table = rows.assign(period_start=rows["period_start"].astype(str), period_end=rows["period_end"].astype(str),
                        is_suppressed=rows["is_suppressed"].astype(bool))
    return dict(
        release=dict(period=data.period.label, period_title=data.period.title,
                     data_as_at=f"{data.data_as_at:%d %B %Y}", made=f"{today:%d %B %Y}",
                     authority=authority, authority_name=data.cover.get("authority", authority),
                     region=data.region, board=data.cover.get("board"), paper=paper_files or {},
                     held=(con.execute("select file, source, text from held_deliveries").df().to_dict("records")
                           if table_exists(con, "held_deliveries") else []),
                     breakdown_names={b: charts.BREAKDOWN_LABEL.get(b, b.replace("_", " "))
                                      for b in sorted(set(rows["breakdown"]) - {"all"})}),
        measures=measures, spine=spine,
        breakdowns=_breakdown_rows(rows, units),
        published=dict(columns=PUBLISHED_COLUMNS,
                       rows=[[_raw(v) if not isinstance(v, bool) else v for v in r]
                             for r in table.itertuples(index=False)]))
