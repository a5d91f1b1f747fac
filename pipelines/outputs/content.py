"""What the paper says: the template's context, built from ``PaperData``."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators import turn_the_curve
from pipelines.outputs import charts
from pipelines.outputs import cover
from pipelines.outputs import figure_ids
from pipelines.outputs import fmt
from pipelines.outputs import provenance
from pipelines.outputs import quality_annex as quality
from pipelines.outputs import story_state
from pipelines.outputs import reasons
from pipelines.outputs import summary
from pipelines.outputs.gather import PaperData
from pipelines.settings import la_code

# Widths (per cent of the page) chosen so the longest word of each column fits whole.
SCORECARD_COLUMNS = [("Indicator and headline measure", 28), ("Period", 9), ("Latest (95% CI)", 12),
                     ("Trend", 10), ("Forecast", 8), ("Target", 7), ("RAG", 8), ("England", 8),
                     ("Neighbours (mean)", 10)]
SUPPORTING_COLUMNS = ["Measure", "Period", "Latest", "95% CI", "Numerator", "Denominator",
                      "Previous", "Trend", "RAG", "England"]
CI_METHODS = {
    "wilson": "Wilson score interval (proportions)",
    "byar": "Byar's method; exact Poisson below 10 events (counts)",
    "rate": "Byar's method on the numerator, denominator taken as exact (rates)",
    "rate_above_one": "Byar's method on the events beyond the first per person (a ratio of at least 1)",
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
    "Trend is the Fingertips recent trend as its public implementation computes it "
    "(PHEindicatormethods, assign_trend_markers): the five most recent collections with no gap, a "
    "chi-square test for trend for proportions (direction: the slope of their logit), weighted "
    "regression on the confidence intervals otherwise, significant when the chi-square is above 9.5495 "
    "(99.8%), and set aside as an outlier only when leaving one point out reverses the direction; "
    "fewer than five collections: cannot be calculated. With the measure's polarity it reads as getting "
    "better, getting worse or no significant change, and the reason is printed beside it. This "
    "partnership's own settings: a measure collected every other year (the SHEU survey) is trended "
    "over consecutive surveys, a series break named in the catalogue ends the window, and quarterly or "
    "monthly series are trended like years.",
    "The turn-the-curve baseline is a line fitted to the same recent collections (on the logit scale "
    "for percentages, the log scale for rates and counts, of the distance above one for re-offences per "
    "re-offender, so it and its interval stay within the possible range) and "
    "projected three collections ahead with a 95% prediction interval, never narrower than the current "
    "value's own interval: where the line goes if nothing changes. On three or four points the line "
    "has no interval, and the paper says so.",
    "A benchmark (England, the region, the mean of the ten DfE statistical neighbours) is compared with "
    "our value of the same period, the latest with a published figure: 'similar' when it lies inside "
    "our confidence interval, otherwise better or worse according to polarity. RAG: "
    "green = target met, amber = missed by no more than the stated tolerance, red = missed by more.",
    "The period of this paper is a calendar quarter (or month): for every measure it shows the latest "
    "period (financial, academic or calendar year) that had ended by the end of the quarter. 'Data as at' "
    "is the date of the newest data received (the end of the latest period delivered, or the day a "
    "delivery was received if its period was still running); a paper is only written for a period "
    "complete by then.",
    "What the data show (drafted from the data) is written by the pipeline, not by an officer, from the "
    "published figures only: the change in each headline since its previous period is decomposed over "
    "every breakdown the warehouse holds (Kitagawa 1955: each part's own rate change and the change in "
    "its share of the whole, centred on the whole's rate), with intervals from the binomial (percentages) "
    "or Poisson (rates, counts) variance of the parts' rates; a part is named only when its contribution's "
    "interval, Bonferroni-adjusted over the parts of its breakdown, excludes zero, and never when any of "
    "its cells is too small to publish. Gaps, means and ratios are not sums of parts and are not "
    "decomposed. The gap to England and to the neighbours' mean is set against the gap one benchmarked "
    "period earlier (widened or narrowed).",
    "Comparators are published figures (DfE Local Authority Interactive Tool and DfE statistics) for the "
    "latest period published up to the measure's own, named beside each figure. Quartile band A is the best "
    "quarter of English authorities, D the worst; rank 1 is the best. The spine chart places each measure "
    "on a scale from worst to best that ends at the most extreme authorities within one and a half "
    "interquartile ranges of the middle half (Tukey's whiskers), so one outlying authority does not stretch "
    "it; an authority beyond sits at the end. The middle half is shaded; Annex C gives the true worst and best.",
]


def _benchmark(r, col: str) -> str:
    """A benchmark value, with its period when it is not the row's own: the verdict beside
    it compares our value of that same period (scorecard.benchmark_period)."""
    text = fmt.value(r.get(col), r.get("unit"))
    period = r.get("benchmark_period")
    if fmt.missing(period) or fmt.missing(r.get(col)) or str(period) == str(r.get("period")):
        return text
    return f"{text} ({period})"


_said = reasons.said
SCORECARD_COMPARATORS = ("england_value", "sn_value")   # the comparators the scorecard table shows


def _row_text(r: pd.Series) -> str:
    """The headline row in a sentence, every verdict with its reason: the trend's (rising but
    not significant, an outlier, too few points), the RAG's (the interval spanning the
    target), the forecast's (no interval on fewer than five points)."""
    unit = r["unit"]
    value, ci = fmt.value_ci(r["value"], r["ci_lower"], r["ci_upper"], unit)
    text = (f"{_period(r) if not fmt.missing(r['period']) else 'No complete period yet'}: "
            f"{value} (95% CI {ci}); previous "
            f"{fmt.value(r['previous_value'], unit)}; trend {fmt.arrow(r.get('trend'))[1]}")
    if _said(r.get("trend_reason")):
        text += f" ({r['trend_reason']})"
    text += f"; target {fmt.value(r.get('target'), unit)}"
    if r.get("rag") in ("green", "amber", "red"):
        text += f", RAG {r['rag']}" + (f" ({r['rag_reason']})" if _said(r.get("rag_reason")) else "")
    if not fmt.missing(r.get("forecast_value")) and not fmt.missing(r.get("forecast_period")):
        f_value, f_ci = fmt.value_ci(r["forecast_value"], r.get("forecast_lower"), r.get("forecast_upper"), unit)
        text += (f"; forecast {r['forecast_period']} {f_value}"
                 + (f" (95% prediction interval {f_ci})" if not fmt.missing(r.get("forecast_lower")) else ""))
        if _said(r.get("forecast_flag")):
            text += f" ({r['forecast_flag']})"
    return text + "."


def _period(r) -> str:
    """The row's period, with its months when its key does not say them (fmt.period)."""
    return fmt.period(r.get("period"), r.get("period_type"), r.get("period_start"), r.get("period_end"))


def _headline_cells(r: pd.Series, region: str = "Region") -> dict:
    """One scorecard row's cells, and ``why``: the reasons beside its verdicts (trend, RAG,
    a comparator missing), printed under the row."""
    unit = r["unit"]
    symbol, words = fmt.arrow(r.get("trend"))
    value, ci = fmt.value_ci(r["value"], r["ci_lower"], r["ci_upper"], unit)
    return dict(indicator_id=r["indicator_id"], measure=r["title"],
                period=_period(r), value=value,
                ci=ci, arrow=symbol, trend=words,
                forecast=fmt.value(r.get("forecast_value"), unit), target=fmt.value(r.get("target"), unit),
                rag=r.get("rag") if r.get("rag") in ("green", "amber", "red") else None,
                england=fmt.value(r.get("england_value"), unit), sn=fmt.value(r.get("sn_value"), unit),
                bench_period=None if fmt.missing(r.get("benchmark_period")) else str(r["benchmark_period"]),
                why=reasons.notes(r, region, SCORECARD_COMPARATORS, brief=True))


def _supporting(rows: pd.DataFrame, region: str = "Region") -> list[tuple[str, list[dict]]]:
    """Supporting measures by OBA question: each row's ``cells`` and ``why`` (the reasons
    beside its trend and RAG, and a missing England figure)."""
    out = []
    for key, label in fmt.OBA_LABEL.items():
        g = rows[rows["oba_question"] == key]
        if g.empty:
            continue
        out.append((label, [dict(cells=[r.title, _period(r._asdict()),
                                        *fmt.value_ci(r.value, r.ci_lower, r.ci_upper, r.unit),
                                        fmt.number(r.numerator, "count"), fmt.number(r.denominator, "count"),
                                        fmt.value(r.previous_value, r.unit), fmt.arrow(r.trend)[1],
                                        fmt.MISSING if fmt.missing(r.rag) else str(r.rag),
                                        _benchmark(r._asdict(), "england_value")],
                                 why=reasons.notes(r._asdict(), region, ("england_value",)))
                            for r in g.itertuples()]))
    return out


AWAITED = "awaited"
CHART_FIGURES = "chart-figures"   # Annex E: the tables of the charts printed without one


OVERDUE = "past due, no status"


def curve_parts(curve: pd.DataFrame, indicator: str, period, today: dt.date | None = None,
                state: dict | None = None) -> dict:
    """The four turn-the-curve parts of ``indicator`` for ``period``; a part with no text
    is marked awaited (and so is every part before the first complete period). Actions carry
    their status; one past its due date (before ``today``) with none says so. ``state``: the
    entry's state (``story_state.entry``)."""
    mine = curve[(curve["indicator"] == indicator) & (curve["period"] == str(period))] if not fmt.missing(period) \
        else curve.iloc[:0]
    parts = []
    for part in turn_the_curve.PARTS:
        got = mine[mine["part"] == part].sort_values("item")
        entry = dict(key=part, title=turn_the_curve.PART_LABEL[part], awaited=got.empty)
        if part == "actions":
            status = got["status"] if "status" in got else pd.Series(None, index=got.index)
            entry["rows"] = [[a.text, a.owner or AWAITED,
                              a.due.strftime("%d %b %Y") if isinstance(a.due, dt.date) else AWAITED,
                              st if isinstance(st, str) and st else
                              (OVERDUE if today and story_state.overdue(a.due, st, today) else "not recorded")]
                             for a, st in zip(got.itertuples(), status)]
            entry["overdue"] = sum(r[3] == OVERDUE for r in entry["rows"])
        else:
            entry["items"] = got["text"].tolist()
        parts.append(entry)
    authors = sorted({a for a in mine["author"].dropna()})
    return dict(parts=parts, authors=", ".join(authors), period=None if fmt.missing(period) else str(period),
                state=state or dict(text=None, stale=None, recorded=False))


DRAFT_TITLE = "What the data show (drafted from the data)"


def drafted_for(drafts: pd.DataFrame | None, r) -> dict:
    """The drafted paragraph of the headline measure's reported period (``indicator_drafts``),
    or why there is none."""
    text = None
    if drafts is not None and not drafts.empty and not fmt.missing(r.get("period")):
        mine = drafts[(drafts["measure_id"] == r["measure_id"]) & (drafts["period"].astype(str) == str(r["period"]))]
        text = next((t for t in mine["drafted"] if isinstance(t, str) and t.strip()), None)
        if text is None and len(mine) and bool(mine["is_held"].fillna(False).any()):
            return dict(title=DRAFT_TITLE, text=None, note="held back by the free-text screen")
    return dict(title=DRAFT_TITLE, text=text,
                note=None if text else "not drafted: no complete period to compare" if fmt.missing(r.get("period"))
                else "not drafted: the warehouse holds no draft for this period (run the pipeline)")


def _definition(r) -> str:
    den = r.denominator_definition
    return f"Numerator: {r.numerator_definition}" + ("" if fmt.missing(den) else f" Denominator: {den}")


def _compared(r: pd.Series, region: str) -> str:
    """England, region and neighbours with their period, verdicts, quartile band and rank."""
    unit, period = r["unit"], r.get("benchmark_period")
    if fmt.missing(period):
        why = reasons.comparator_missing(r, region)
        return f"No published comparator: {why}." if why else "No published comparator for this measure."
    bits = []
    for col, verdict, who in (("england_value", "vs_england", "England"), ("region_value", "vs_region", region),
                              ("sn_value", "vs_sn", "statistical neighbours' mean")):
        v = r.get(col)
        if fmt.missing(v):
            continue
        judged = r.get(verdict)
        bits.append(f"{who} {fmt.value(v, unit)}" + (f" ({judged})" if isinstance(judged, str) and judged else ""))
    text = f"Published comparators for {period}: " + ("; ".join(bits) if bits else "none published") + "."
    why = reasons.comparator_missing(r, region)
    if bits and why:
        # A comparator left out is said to be missing, with why, never silently dropped.
        text += f" {why[0].upper()}{why[1:]}."
    if bits and str(period) != str(r.get("period")):
        # The verdicts compare like with like (scorecard.benchmark_period): say which of our values.
        text += f" Verdicts set our {period} value against them; no comparator is published for {r.get('period')} yet."
    if not fmt.missing(r.get("quartile_band")):
        text += f" Quartile band {charts.QUARTILE_WORDS.get(str(r['quartile_band']), r['quartile_band'])}"
        if not fmt.missing(r.get("national_rank")) and not fmt.missing(r.get("n_las")):
            text += f", ranked {int(r['national_rank'])} of {int(r['n_las'])} English authorities (1 = best)"
        value, whose = placed_value(r)
        if not fmt.missing(value):
            text += f", placing {whose} {period} value {fmt.value(value, unit)}"
        if _said(r.get("band_basis")) and "reconciliation flags" in str(r["band_basis"]):
            text += f" ({str(r['band_basis']).split(' (', 1)[1].rstrip(')')})"
        text += "."
    return text


def placed_value(r) -> tuple[object, str]:
    """The value quartile band and rank place, and whose it is ("our" or "the published"):
    read from ``band_basis`` so a band is printed beside the value it was computed from."""
    basis = r.get("band_basis")
    if isinstance(basis, str) and basis.startswith("our "):
        return r.get("benchmark_local_value"), "our"
    return r.get("la_published_value"), "the published"


def _spine_items(data: PaperData, measures: pd.DataFrame) -> list[dict]:
    from pipelines.outputs import comparators

    items = []
    bench = data.benchmarks
    for _, r in measures.iterrows():
        period = r.get("benchmark_period")
        # Worst and best need a direction: a measure with no polarity has no place on the spine.
        if fmt.missing(period) or r["polarity"] not in ("higher", "lower"):
            continue
        vals = data.authorities[(data.authorities["measure_id"] == r["measure_id"])
                                & (data.authorities["period"] == str(period))]
        spread = comparators.spine(vals, r["polarity"])
        # The authority's marker and figure are the value its band and rank place, labelled.
        ours, whose = placed_value(r)
        if fmt.missing(ours):
            b = bench[(bench["measure_id"] == r["measure_id"]) & (bench["period"].astype(str) == str(period))]
            ours = b["la_published_value"].iloc[0] if len(b) and "la_published_value" in b.columns else None
            whose = "the published"
        if fmt.missing(ours) and str(r["period"]) == str(period):
            ours, whose = r["value"], "our"
        items.append(dict(title=r["title"], unit=r["unit"], period=period, ours=ours,
                          ours_label="ours" if whose == "our" else "published",
                          england=r.get("england_value"), region=r.get("region_value"), sn=r.get("sn_value"),
                          quartile_band=r.get("quartile_band"), national_rank=r.get("national_rank"),
                          n_las=r.get("n_las"), spread=spread))
    return items


def _curve(data: PaperData, r, today: dt.date) -> dict:
    """The turn-the-curve block of headline row ``r``, with its state and overdue actions."""
    start = None
    if not fmt.missing(r.get("period")) and not data.history.empty:
        h = data.history[(data.history["measure_id"] == r["measure_id"])
                         & (data.history["period"].astype(str) == str(r["period"]))]
        start = h["period_start"].iloc[0] if len(h) else None
    end = r.get("period_end") if not fmt.missing(r.get("period_end")) else None
    state = story_state.entry(data.curve, r["indicator_id"], r["period"], start, end, data.catalogue, data.load_log)
    return curve_parts(data.curve, r["indicator_id"], r["period"], today, state)


def _sections(data: PaperData, head: pd.DataFrame, names: dict,
              today: dt.date) -> tuple[list[dict], list[charts.Chart]]:
    rows = data.rows
    sections, all_charts = [], []
    authority, code = names["authority_short"], str(la_code())
    for _, r in head.iterrows():
        sup = rows[(rows["indicator_id"] == r["indicator_id"]) & ~rows["is_headline"].astype(bool)]
        # The headline's curve keeps its table; the breakdown's and the supporting curves'
        # tables go to Annex E, so the main body stays short (docs/board-paper.md).
        bd = charts.breakdown(r, data.breakdowns, data.places)
        made = [charts.turn_the_curve(r, data.history, data.forecasts, data.benchmarks, data.targets, authority),
                None if bd is None else bd.table_in(CHART_FIGURES)]
        made = [c for c in made if c is not None]
        better_off = [charts.turn_the_curve(s, data.history, data.forecasts, data.benchmarks, data.targets,
                                            authority).table_in(CHART_FIGURES)
                      for _, s in sup[sup["oba_question"] == "better_off"].iterrows()]
        all_charts += made + better_off
        sn_table = charts.neighbours_table(r, data.authorities, data.neighbours, authority, code, data.region)
        sections.append(dict(
            id=r["indicator_id"], success=r["indicator_title"], row=r, unit=fmt.unit_label(r["unit"]),
            polarity=fmt.POLARITY_LABEL.get(r["polarity"], r["polarity"]),
            definition=_definition(r),
            row_text=_row_text(r), figure_id=figure_ids.maybe(r["measure_id"], r["period"]),
            compared=_compared(r, data.region), curve=_curve(data, r, today),
            drafted=drafted_for(data.drafts, r),
            charts=made, neighbours=sn_table, better_off=better_off, supporting=_supporting(sup, data.region),
            supporting_ids=[[figure_ids.maybe(m, p) for m, p in zip(g["measure_id"], g["period"])]
                            for key in fmt.OBA_LABEL for g in [sup[sup["oba_question"] == key]] if not g.empty]))
    return sections, all_charts


def _ids(ids) -> str:
    ids = list(dict.fromkeys(ids))
    return ", ".join(ids[:-1]) + f" and {ids[-1]}" if len(ids) > 1 else "".join(ids)


def ask_fills(data: PaperData, head: pd.DataFrame, sections: list[dict], awaited) -> dict[str, str]:
    """What the cover's decide / note items may name (``cover.FILLS``), from what exists:
    an action plan is one with at least one action for the indicator's reported period."""
    red_worse = head[(head["rag"].astype(str) == "red") & (head["trend"].astype(str) == "getting worse")]
    with_plan = {s["id"] for s in sections
                 if any(p["key"] == "actions" and not p["awaited"] for p in s["curve"]["parts"])}
    return dict(period=data.period.label,
                plans_to_agree=_ids(i for i in red_worse["indicator_id"] if i in with_plan),
                plans_missing=_ids(i for i in red_worse["indicator_id"] if i not in with_plan),
                awaited=_ids(i for i, _, _ in awaited),
                stale=_ids(s["id"] for s in sections if s["curve"]["state"].get("stale")),
                overdue=_ids(s["id"] for s in sections
                             if any(p.get("overdue") for p in s["curve"]["parts"])))


def context(data: PaperData, today: dt.date) -> tuple[dict, list[charts.Chart]]:
    """The paper template's context (board, cover, sections, annexes...) and every chart drawn;
    the board's name, like the rest of the cover, is the authority's setting (``data.cover``)."""
    rows = data.rows
    head = rows[rows["is_headline"].astype(bool)]
    names = data.cover
    with charts.drawing():
        sections, all_charts = _sections(data, head, names, today)
        spine = charts.spine(_spine_items(data, rows), names["authority_short"], data.region)
    if spine is not None:
        all_charts.append(spine)
    log = data.load_log
    received = (pd.Timestamp(log["received_at"].max()).strftime("%d %B %Y")
                if not log.empty and log["received_at"].notna().any() else "not recorded")
    disclosure = next((d for d in data.catalogue.get("disclosure", pd.Series(dtype=object)) if isinstance(d, str)),
                      "Counts of 1 to 5 are shown as c, with secondary suppression.")
    awaited = data.awaited()
    fills = ask_fills(data, head, sections, awaited)
    changed = data.since or {}
    contents = [("summary", "Summary: key messages"),
                *([("since-last-board", "Since the last board")] if changed.get("previous") else []),
                ("scorecard-page", "Scorecard"),
                *([("spine-page", "How we compare: spine chart")] if spine is not None else []),
                *((s["id"], f"{s['id']}: {s['success']}") for s in sections),
                ("definitions", "Annex A: definitions"), ("methods", "Annex B: methods"),
                *([("comparators", "Annex C: comparators")] if spine is not None else []),
                ("quality", "Annex D: data quality"),
                *([(CHART_FIGURES, "Annex E: figures behind the charts")] if any(c.annex for c in all_charts) else []),
                ("provenance", "Annex F: where the figures come from")]
    ctx = dict(
        board=names["board"], cover=names, region=data.region, period=data.period,
        paper_date=today.strftime("%d %B %Y").lstrip("0"), date_note=cover.dates_note(names, data.period.label, today),
        meeting_date=cover.meeting_date(names, data.period.label),
        decide=cover.asks(names["decide"], fills), note=cover.asks(names["note"], fills),
        data_as_at=pd.Timestamp(data.data_as_at).strftime("%d %B %Y"), received=received,
        contents=[dict(anchor=a, title=t, page="") for a, t in contents],
        messages=summary.messages(rows, awaited), summary=summary.sentences(rows),
        scorecard_columns=SCORECARD_COLUMNS,
        scorecard=[_headline_cells(r, data.region) for _, r in head.iterrows()], sections=sections, spine=spine,
        annexed=[c for c in all_charts if c.annex],
        indicator_count=fmt.in_words(len(head)),
        awaited=turn_the_curve.describe_awaited(awaited),
        supporting_columns=SUPPORTING_COLUMNS, quality_columns=quality.COLUMNS,
        quality=quality.annex_rows(data.load_log, data.quarantine),
        held=quality.held_notes(data.load_log, data.catalogue),
        unmapped_columns=quality.UNMAPPED_COLUMNS, unmapped=quality.unmapped_rows(data.unmapped),
        since=changed, provenance=provenance.annex(data.catalogue, data.load_log),
        provenance_columns=provenance.COLUMNS,
        methods=[*METHODS, f"Disclosure control: {disclosure}"],
        definitions=[dict(id=r.measure_id, title=r.title, definition=_definition(r),
                          unit=f"{fmt.unit_label(r.unit)}, {fmt.POLARITY_LABEL.get(r.polarity, r.polarity)}",
                          ci=CI_METHODS.get(r.ci_method, r.ci_method)) for r in data.catalogue.itertuples()])
    return ctx, all_charts
