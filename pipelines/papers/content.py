"""What the paper says: the template's context, built from ``PaperData``."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipelines.papers import charts, fmt, quality, summary
from pipelines.papers.gather import PaperData

SCORECARD_COLUMNS = ["Indicator (what success looks like)", "Headline measure", "Period",
                     "Latest (95% CI)", "Previous", "Trend", "Forecast", "Target", "RAG", "England",
                     "Stat. neighbours"]
SUPPORTING_COLUMNS = ["Measure", "Period", "Latest", "95% CI", "Numerator", "Denominator",
                      "Previous", "Trend", "RAG", "England"]
CI_METHODS = {
    "wilson": "Wilson score interval (proportions)",
    "byar": "Byar's method; exact Poisson below 10 events (counts)",
    "rate": "Byar's method on the numerator, denominator taken as exact (rates)",
    "mean": "Student t interval (means)",
    "newcombe": "Newcombe's method (difference of two proportions)",
    "welch": "Welch interval (difference of two means)",
    "none": "no interval",
}
METHODS = [
    "Confidence intervals are 95% intervals computed with the methods public-health indicator tools use "
    "(PHE/OHID Fingertips technical guide): Wilson score for proportions, Byar's method for counts and "
    "rates (exact Poisson below 10 events), Student t for means, Newcombe's method for gaps between two "
    "proportions and Welch's for gaps between two means.",
    "Trend is the Fingertips recent trend: the five most recent periods with no gap or break, a "
    "chi-square test for trend for proportions, weighted regression otherwise, significant at 99.8%, "
    "and only if no single period makes it; fewer than five periods: cannot be calculated. With the "
    "measure's polarity it reads as getting better, getting worse or no significant change.",
    "The turn-the-curve baseline is a line fitted to the same recent periods (on the logit scale for "
    "percentages, the log scale for rates and counts, so it stays within the possible range) and "
    "projected three periods ahead, with a 95% prediction interval: where the line goes if nothing "
    "changes.",
    "A benchmark (England, South West, the mean of the ten DfE statistical neighbours) is compared with "
    "our value of the same period, the latest with a published figure: 'similar' when it lies inside "
    "our confidence interval, otherwise better or worse according to polarity. RAG: "
    "green = target met, amber = missed by no more than the stated tolerance, red = missed by more.",
    "The period of this paper is a calendar quarter (or month): for every measure it shows the latest "
    "period (financial, academic or calendar year) that had ended by the end of the quarter.",
]


def _benchmark(r, col: str) -> str:
    """A benchmark value, with its period when it is not the row's own: the verdict beside
    it compares our value of that same period (scorecard.benchmark_period)."""
    text = fmt.value(r.get(col), r.get("unit"))
    period = r.get("benchmark_period")
    if fmt.missing(period) or fmt.missing(r.get(col)) or str(period) == str(r.get("period")):
        return text
    return f"{text} ({period})"


def _headline_cells(r: pd.Series) -> dict:
    unit = r["unit"]
    symbol, words = fmt.arrow(r.get("trend"))
    return dict(indicator_id=r["indicator_id"], success=r["indicator_title"], measure=r["title"],
                period=fmt.MISSING if fmt.missing(r["period"]) else r["period"], value=fmt.value(r["value"], unit),
                ci=fmt.ci(r["ci_lower"], r["ci_upper"], unit), previous=fmt.value(r["previous_value"], unit),
                arrow=symbol, trend=words, forecast=fmt.value(r.get("forecast_value"), unit),
                target=fmt.value(r.get("target"), unit),
                rag=r.get("rag") if r.get("rag") in ("green", "amber", "red") else None,
                england=_benchmark(r, "england_value"), sn=_benchmark(r, "sn_value"))


def _supporting(rows: pd.DataFrame) -> list[tuple[str, list[list[str]]]]:
    out = []
    for key, label in fmt.OBA_LABEL.items():
        g = rows[rows["oba_question"] == key]
        if g.empty:
            continue
        out.append((label, [[r.title, fmt.MISSING if fmt.missing(r.period) else str(r.period), fmt.value(r.value, r.unit), fmt.ci(r.ci_lower, r.ci_upper, r.unit),
                             fmt.number(r.numerator, "count"), fmt.number(r.denominator, "count"),
                             fmt.value(r.previous_value, r.unit), fmt.arrow(r.trend)[1],
                             fmt.MISSING if fmt.missing(r.rag) else str(r.rag), _benchmark(r._asdict(), "england_value")]
                            for r in g.itertuples()]))
    return out


def _story(r: pd.Series, supporting: pd.DataFrame) -> list[str]:
    texts = [r.get("commentary"), *supporting["commentary"].tolist()]
    return [str(t) for t in texts if not fmt.missing(t) and str(t).strip()]


def _definition(r) -> str:
    den = r.denominator_definition
    return f"Numerator: {r.numerator_definition}" + ("" if fmt.missing(den) else f" Denominator: {den}")


def _sections(data: PaperData, head: pd.DataFrame) -> tuple[list[dict], list[charts.Chart]]:
    rows = data.rows
    sections, all_charts = [], []
    for _, r in head.iterrows():
        sup = rows[(rows["indicator_id"] == r["indicator_id"]) & ~rows["is_headline"].astype(bool)]
        made = [charts.turn_the_curve(r, data.history, data.forecasts, data.benchmarks, data.targets),
                charts.breakdown(r, data.breakdowns)]
        made = [c for c in made if c is not None]
        all_charts += made
        sections.append(dict(
            id=r["indicator_id"], success=r["indicator_title"], row=r, unit=fmt.unit_label(r["unit"]),
            polarity=fmt.POLARITY_LABEL.get(r["polarity"], r["polarity"]),
            definition=_definition(r),
            row_text=(f"{r['period']}: {fmt.value(r['value'], r['unit'])} "
                      f"(95% CI {fmt.ci(r['ci_lower'], r['ci_upper'], r['unit'])}); previous "
                      f"{fmt.value(r['previous_value'], r['unit'])}; trend {fmt.arrow(r.get('trend'))[1]}; "
                      f"England {_benchmark(r, 'england_value')} ({r.get('vs_england') or 'not compared'}); "
                      f"statistical neighbours {_benchmark(r, 'sn_value')} "
                      f"({r.get('vs_sn') or 'not compared'})"
                      + ("" if fmt.missing(r.get("benchmark_period")) or str(r.get("benchmark_period")) == str(r["period"])
                         else f", set against our {r.get('benchmark_period')} value") + "."),
            story=_story(r, sup), charts=made, supporting=_supporting(sup)))
    return sections, all_charts


def context(data: PaperData, board: str, today: dt.date) -> tuple[dict, list[charts.Chart]]:
    rows = data.rows
    head = rows[rows["is_headline"].astype(bool)]
    with charts.drawing():
        sections, all_charts = _sections(data, head)
    log = data.load_log
    received = (pd.Timestamp(log["received_at"].max()).strftime("%d %B %Y")
                if not log.empty and log["received_at"].notna().any() else "not recorded")
    disclosure = next((d for d in data.catalogue.get("disclosure", pd.Series(dtype=object)) if isinstance(d, str)),
                      "Counts of 1 to 5 are shown as c, with secondary suppression.")
    ctx = dict(
        board="Early Help Partnership Board", period=data.period, paper_date=today.strftime("%d %B %Y"),
        data_as_at=pd.Timestamp(data.data_as_at).strftime("%d %B %Y"), received=received,
        summary=summary.sentences(rows), scorecard_columns=SCORECARD_COLUMNS,
        scorecard=[_headline_cells(r) for _, r in head.iterrows()], sections=sections,
        supporting_columns=SUPPORTING_COLUMNS, quality_columns=quality.COLUMNS,
        quality=quality.annex_rows(data.load_log, data.quarantine),
        methods=[*METHODS, f"Disclosure control: {disclosure}"],
        definitions=[dict(id=r.measure_id, title=r.title, definition=_definition(r),
                          unit=f"{fmt.unit_label(r.unit)}, {fmt.POLARITY_LABEL.get(r.polarity, r.polarity)}",
                          ci=CI_METHODS.get(r.ci_method, r.ci_method)) for r in data.catalogue.itertuples()])
    return ctx, all_charts
