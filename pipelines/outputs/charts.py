"""Turn-the-curve and breakdown charts, each with a title, alt text and the table beside it.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies) and
every series also differs by line style or marker, so nothing depends on colour alone.
Suppressed ("c") points are never plotted: they are missing from the trace and shown as
"c" in the table beside the chart.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from indicators.disclosure import SUPPRESSED
from pipelines.outputs import fmt
from pipelines.outputs import labels

OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7"}
WIDTH, HEIGHT = 680, 300   # fits an A4 page with 15 mm margins at 96 dpi
TEMPLATE = "simple_white"

# Which breakdown to chart, in order of preference: place and deprivation first, as the
# board asks about them most.
BREAKDOWN_ORDER = ("locality", "imd_quintile", "ward", "vulnerable_group", "programme", "service",
                   "reason", "phase", "fsm", "year_group", "level", "agency", "sex", "age_band",
                   "category", "panel", "respondent")
BREAKDOWN_LABEL = {"imd_quintile": "deprivation quintile (1 = most deprived)", "fsm": "free school meals",
                   "age_band": "age band", "year_group": "year group", "vulnerable_group": "vulnerable group"}


@dataclass
class Chart:
    id: str
    title: str
    alt: str
    figure: go.Figure | None   # None when every point is suppressed
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    widths: list[int] | None = None   # per cent of the page per column (None: equal)
    annex: str | None = None   # the annex its table is printed in (None: under the chart)

    def table_in(self, annex: str) -> "Chart":
        """Print this chart's table in ``annex`` (anchor id) rather than under the chart,
        and say so in its text."""
        self.annex = annex
        self.alt = self.alt.replace("in the table below the chart.", "in the table in Annex E.").replace(
            "in the table below.", "in the table in Annex E.")
        return self


def _num(v):
    return None if isinstance(v, str) or fmt.missing(v) else float(v)


@lru_cache(maxsize=1)
def _template() -> go.layout.Template:
    # Validated as update_layout(template=TEMPLATE) does it, so the figures' JSON is the same.
    return go.Layout(template=TEMPLATE).template


@contextmanager
def drawing() -> Iterator[None]:
    """Build a paper's charts inside this: it makes ``TEMPLATE`` plotly's default, which a
    new figure takes without validating it again. Setting it on each figure instead
    (``update_layout(template=...)``) deep-copies and validates the whole template, ~20 ms
    a chart; the figures come out the same either way."""
    before = pio.templates.default
    pio.templates.default = _template()
    try:
        yield
    finally:
        pio.templates.default = before


def wrap(text: str, width: int = 70) -> str:
    """A chart title in lines plotly can draw inside the chart (it never wraps by itself)."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def _layout(fig: go.Figure, title: str, unit: str, height: int = HEIGHT) -> go.Figure:
    # Outside drawing() the figure has another default template: set ours.
    template = {} if pio.templates.default is _template() else {"template": TEMPLATE}
    lines = wrap(title).count("<br>") + 1
    fig.update_layout(title=dict(text=wrap(title), font=dict(size=13)), width=WIDTH, height=height + 16 * (lines - 1),
                      margin=dict(l=60, r=20, t=34 + 18 * lines, b=40), **template,
                      font=dict(family="Arial, sans-serif", size=11),
                      legend=dict(orientation="h", y=-0.18), yaxis_title=fmt.unit_label(unit))
    return fig


def turn_the_curve(row: pd.Series, history: pd.DataFrame, forecasts: pd.DataFrame,
                   bench: pd.DataFrame, targets: pd.DataFrame, authority: str = "B&NES") -> Chart:
    """History with CIs, the forecast with its prediction interval, target and benchmarks."""
    unit, mid = row["unit"], row["measure_id"]
    h = history[history["measure_id"] == mid]
    f = forecasts[forecasts["measure_id"] == mid].sort_values("period_end")
    b = bench[bench["measure_id"] == mid].set_index("period") if len(bench) else pd.DataFrame()
    x_hist, x_fc = h["period"].astype(str).tolist(), f["period"].astype(str).tolist()
    y = [_num(v) for v in h["value"]]
    lo, hi = [_num(v) for v in h["ci_lower"]], [_num(v) for v in h["ci_upper"]]
    fig = go.Figure()
    fig.add_scatter(x=x_hist, y=y, name=f"{authority} (95% CI)", mode="lines+markers",
                    line=dict(color=OKABE_ITO["blue"], width=3), marker=dict(symbol="circle", size=8),
                    error_y=dict(type="data", symmetric=False, color=OKABE_ITO["blue"], thickness=1,
                                 array=[(u - v) if None not in (u, v) else None for u, v in zip(hi, y)],
                                 arrayminus=[(v - low) if None not in (low, v) else None for low, v in zip(lo, y)]))
    fc_y = [_num(v) for v in f["value"]]
    if x_fc and y and y[-1] is not None:
        xs = [x_hist[-1], *x_fc]
        if any(_num(v) is not None for v in f["lower"]):   # none on fewer than five points
            fig.add_scatter(x=xs, y=[y[-1], *[_num(v) for v in f["upper"]]], mode="lines", line=dict(width=0),
                            showlegend=False, hoverinfo="skip")
            fig.add_scatter(x=xs, y=[y[-1], *[_num(v) for v in f["lower"]]], mode="lines", line=dict(width=0),
                            fill="tonexty", fillcolor="rgba(230,159,0,0.25)", name="Prediction interval")
        fig.add_scatter(x=xs, y=[y[-1], *fc_y], name="Forecast (on current course)", mode="lines+markers",
                        line=dict(color=OKABE_ITO["orange"], dash="dash", width=2),
                        marker=dict(symbol="diamond", size=7))
    t = targets[targets["measure_id"] == mid].set_index("period")["target"] if len(targets) else pd.Series()
    target_of = {p: _num(t.get(p)) for p in [*x_hist, *x_fc]}
    target = _num(row.get("target"))
    if target is not None and not fmt.missing(row.get("period")):
        target_of[str(row["period"])] = target
    tx = [p for p, v in target_of.items() if v is not None]
    if tx:
        fig.add_scatter(x=tx, y=[target_of[p] for p in tx], name="Target", mode="lines+markers",
                        line=dict(color=OKABE_ITO["vermillion"], dash="dot"), marker=dict(symbol="x", size=8))
    for col, name, colour, dash, symbol in (("england_value", "England", "black", "longdash", "square"),
                                            ("sn_mean", "Statistical neighbours (mean)", "green", "dashdot",
                                             "triangle-up")):
        if len(b) and col in b.columns:
            by = [_num(b[col].get(p)) if p in b.index else None for p in x_hist]
            if any(v is not None for v in by):
                fig.add_scatter(x=x_hist, y=by, name=name, mode="lines+markers",
                                line=dict(color=OKABE_ITO[colour], dash=dash, width=1.5),
                                marker=dict(symbol=symbol, size=6))
    categories = [*x_hist, *x_fc]
    # Periods read level and whole (plotly tilts and cuts them when it judges them crowded).
    level = dict(tickangle=0, tickfont=dict(size=9 if len(categories) > 10 else 10)) if len(categories) <= 14 else {}
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=categories, **level)
    title = f"{row['title']}: turning the curve"
    if all(v is None for v in y) and not x_fc:
        fig = None   # nothing publishable yet: the caption and table say so, no empty axes
    drawn = [v for v in [*y, *fc_y] if v is not None]
    zeros = bool(drawn) and all(v == 0 for v in drawn)
    if zeros:
        fig = None   # a line along zero: "none recorded" says it
    if fig is not None:
        _layout(fig, title, unit)

    def bench_of(p, c):
        return b[c].get(p) if len(b) and c in b.columns and p in b.index else None
    table = [[p, *fmt.value_ci(v, low, u, unit), fmt.value(target_of.get(p), unit),
              fmt.value(bench_of(p, "england_value"), unit), fmt.value(bench_of(p, "sn_mean"), unit)]
             for p, v, low, u in zip(x_hist, h["value"], h["ci_lower"], h["ci_upper"])]
    flags = f["flag"] if "flag" in f.columns else pd.Series(None, index=f.index)
    table += [[f"{p} (forecast)", *(fmt.value_ci(v, low, u, unit)
                                    if not (fmt.missing(low) and isinstance(g, str) and g.startswith("no interval"))
                                    else (fmt.value(v, unit), g.split(";")[0])),
               fmt.value(target_of.get(p), unit), fmt.MISSING, fmt.MISSING]
              for p, v, low, u, g in zip(x_fc, f["value"], f["lower"], f["upper"], flags)]
    shown = [p for p, v in zip(x_hist, y) if v is not None]
    alt = (f"Line chart of {row['title']} ({fmt.unit_label(unit)}) for "
           + (f"{shown[0]} to {shown[-1]}" if shown else "no period that can be published yet")
           + (f"; latest {row['period']}: {fmt.value(row['value'], unit)}" if not fmt.missing(row["period"])
              else "; no complete period yet")
           + (f", forecast {fmt.value(f['value'].iloc[-1], unit)} by {x_fc[-1]}" if x_fc else "")
           + (f", target {fmt.value(target, unit)}" if target is not None else "")
           + (". None recorded in any period shown, so no chart is drawn. The same figures are in the table below."
              if zeros else ". The same figures are in the table below the chart."))
    return Chart(f"ttc-{mid}", title, alt, fig,
                 ["Period", "Value", "95% CI / prediction interval", "Target", "England", "Stat. neighbours"],
                 table)


def pick_breakdown(breakdowns: pd.DataFrame, mid: str) -> str | None:
    """The preferred breakdown with something publishable in it (else the preferred one)."""
    mine = breakdowns[breakdowns["measure_id"] == mid]
    have = set(mine["breakdown"])
    ranked = [b for b in BREAKDOWN_ORDER if b in have] + sorted(have - set(BREAKDOWN_ORDER))
    visible = set(mine.loc[mine["value"].map(_num).notna(), "breakdown"])
    return next((b for b in ranked if b in visible), ranked[0] if ranked else None)


def breakdown(row: pd.Series, breakdowns: pd.DataFrame, places: dict | None = None) -> Chart | None:
    """Bar chart of the reported period by one breakdown; suppressed bars are left out."""
    mid, unit = row["measure_id"], row["unit"]
    name = pick_breakdown(breakdowns, mid)
    if name is None:
        return None
    d = breakdowns[(breakdowns["measure_id"] == mid) & (breakdowns["breakdown"] == name)]
    d = d.sort_values("breakdown_value", key=lambda s: s.astype(str))
    d = d.assign(breakdown_value=d["breakdown_value"].map(lambda v: labels.label(name, v, places)))
    label = BREAKDOWN_LABEL.get(name, name.replace("_", " "))
    vis = d[d["value"].map(_num).notna()]
    vals = vis["value"].map(_num)
    # A chart of bars that are all zero says nothing a sentence does not: none is drawn.
    none_recorded = not vis.empty and bool((vals == 0).all())
    fig = None if vis.empty or none_recorded else go.Figure(go.Bar(
        x=vis["breakdown_value"].astype(str), y=vals, marker_color=OKABE_ITO["sky"],
        marker_line=dict(color=OKABE_ITO["blue"], width=1), name=row["title"],
        error_y=dict(type="data", symmetric=False, color=OKABE_ITO["black"],
                     array=(vis["ci_upper"].map(_num) - vals).tolist(),
                     arrayminus=(vals - vis["ci_lower"].map(_num)).tolist())))
    title = f"{row['title']} by {label}, {row['period']}"
    if fig is not None:  # nothing publishable: the table alone says so
        fig.update_xaxes(type="category", title=label)
        _layout(fig, title, unit)
    hidden = d.loc[d["value"].map(lambda v: v == SUPPRESSED), "breakdown_value"].astype(str).tolist()
    table = [[str(r.breakdown_value), *fmt.value_ci(r.value, r.ci_lower, r.ci_upper, unit),
              fmt.number(r.numerator, "count"), fmt.number(r.denominator, "count")] for r in d.itertuples()]
    alt = (_spread_words(row, label, vis, vals, unit)
           + (f"Not shown to protect small numbers: {', '.join(hidden)}. " if hidden else "")
           + ("The same figures are in the table below." if none_recorded or vis.empty
              else "The same figures are in the table below the chart."))
    return Chart(f"bd-{mid}", title, alt, fig, [label.capitalize(), "Value", "95% CI", "Numerator",
                                               "Denominator"], table)


def _spread_words(row, label: str, vis: pd.DataFrame, vals: pd.Series, unit: str) -> str:
    """The bar chart's text: highest and lowest group; "none recorded" (and no chart) when
    every group shown is zero; one figure when they all print the same."""
    if vis.empty:
        return f"{row['title']} by {label} in {row['period']}: every group is too small to publish, so no chart is drawn. "
    if (vals == 0).all():
        return (f"{row['title']} by {label} in {row['period']}: none recorded in any {label} shown "
                f"({fmt.value(0, unit)} in each), so no chart is drawn. ")
    top, low = fmt.value(vals.max(), unit), fmt.value(vals.min(), unit)
    text = f"Bar chart of {row['title']} by {label} in {row['period']}, with 95% confidence intervals. "
    if top == low:
        return text + f"Every {label} shown is {top}. "
    return text + (f"Highest: {vis.loc[vals.idxmax(), 'breakdown_value']} ({top}); "
                   f"lowest: {vis.loc[vals.idxmin(), 'breakdown_value']} ({low}). ")


QUARTILE_WORDS = {"A": "A (best quarter)", "B": "B", "C": "C", "D": "D (worst quarter)"}


def spine(items: list[dict], authority: str, region: str = "Region") -> Chart | None:
    """The spine chart: each benchmarked measure against the range of all English
    authorities in its latest published period, better to the right.

    ``items``: one dict per measure with title, unit, period, ours, england, region, sn,
    quartile_band, national_rank, n_las and ``spread`` (``comparators.spine``). Each row is
    scaled from the worst authority (0) to the best (1); the middle half of authorities is
    the darker band. England, the neighbours' mean and the authority differ by marker shape
    as well as colour, and the table under the chart gives every figure."""
    items = [i for i in items if i.get("spread")]
    if not items:
        return None

    def pos(v, sp):
        # On the robust scale (comparators.spine): an authority beyond it sits at its end.
        v = _num(v)
        worst, best = sp.get("scale_worst", sp["worst"]), sp.get("scale_best", sp["best"])
        if v is None or best == worst:
            return None
        return min(1.0, max(0.0, (v - worst) / (best - worst)))

    # Labels whole, wrapped at spaces (never cut inside a word), the period on the last line.
    names = ["<br>".join(textwrap.wrap(f"{i['title']} ({i['period']})", 58, break_long_words=False,
                                       break_on_hyphens=False)) for i in items]
    lines = [n.count("<br>") + 1 for n in names]
    fig = go.Figure()
    fig.add_bar(y=names, x=[1.0] * len(items), base=[0.0] * len(items), orientation="h", name="All authorities",
                marker=dict(color="#E6E6E6", line=dict(color="#999999", width=0.5)), width=0.6, hoverinfo="skip")
    q25 = [pos(i["spread"]["q25"], i["spread"]) for i in items]
    q75 = [pos(i["spread"]["q75"], i["spread"]) for i in items]
    fig.add_bar(y=names, x=[(b or 0) - (a or 0) for a, b in zip(q25, q75)], base=[a or 0 for a in q25],
                orientation="h", name="Middle half of authorities", width=0.6,
                marker=dict(color="#A6A6A6", line=dict(color="#666666", width=0.5)), hoverinfo="skip")
    for key, name, colour, symbol, size in (("england", "England", "black", "line-ns-open", 16),
                                            ("sn", "Statistical neighbours (mean)", "green", "triangle-up", 10),
                                            ("ours", authority, "blue", "circle", 12)):
        xs = [pos(i.get(key), i["spread"]) for i in items]
        fig.add_scatter(y=names, x=xs, mode="markers", name=name,
                        marker=dict(symbol=symbol, size=size, color=OKABE_ITO[colour],
                                    line=dict(width=2 if symbol.startswith("line") else 1,
                                              color=OKABE_ITO[colour] if symbol.startswith("line") else "white")))
    title = "Spine chart: how we compare with every English authority"
    fig.update_layout(barmode="overlay", bargap=0.3)
    fig.update_xaxes(range=[-0.02, 1.02], tickvals=[0, 0.5, 1], ticktext=["Worst", "", "Best"], showgrid=False)
    fig.update_yaxes(autorange="reversed", type="category", tickfont=dict(size=9))
    _layout(fig, title, "", height=110 + sum(14 * k + 12 for k in lines))
    fig.update_layout(yaxis_title=None, margin=dict(l=320, r=20, t=52, b=60), legend=dict(y=-0.04 - 1.2 / len(items)))
    columns = ["Measure", "Period", authority, "England", region, "Neighbours (mean)", "Quartile band",
               "Rank", "Worst", "Best"]
    widths = [24, 9, 8, 8, 8, 11, 9, 9, 7, 7]
    # Our own figure and the published one of the same period can differ: the cell says whose.
    rows = [[i["title"], str(i["period"]),
             fmt.value(i.get("ours"), i["unit"]) + (f" ({i['ours_label']})" if i.get("ours_label")
                                                     and not fmt.missing(i.get("ours")) else ""),
             fmt.value(i.get("england"), i["unit"]),
             fmt.value(i.get("region"), i["unit"]), fmt.value(i.get("sn"), i["unit"]),
             QUARTILE_WORDS.get(str(i.get("quartile_band")), fmt.MISSING),
             (f"{int(i['national_rank'])} of {int(i['n_las'])}" if not fmt.missing(i.get("national_rank"))
              and not fmt.missing(i.get("n_las")) else fmt.MISSING),
             fmt.value(i["spread"]["worst"], i["unit"]), fmt.value(i["spread"]["best"], i["unit"])]
            for i in items]
    beyond = [i["title"] for i in items if _num(i.get("ours")) is not None
              and not _within(_num(i["ours"]), i["spread"])]
    best = [i["title"] for i in items if str(i.get("quartile_band")) == "A"]
    worst = [i["title"] for i in items if str(i.get("quartile_band")) == "D"]
    alt = (f"Spine chart of {len(items)} measures with a published equivalent: for each, the range of all English "
           f"authorities from worst (left) to best (right), with {authority}, England and the statistical "
           f"neighbours' mean marked. "
           + (f"In the best quarter of authorities: {'; '.join(best)}. " if best else "")
           + (f"In the worst quarter: {'; '.join(worst)}. " if worst else "")
           + "Each scale runs between the most extreme authorities within one and a half interquartile ranges "
             "of the middle half, so one outlying authority does not stretch it; an authority beyond sits at "
             "the end"
           + (f" ({authority} on: {'; '.join(beyond)})" if beyond else "") + ". Every figure is in Annex C.")
    return Chart("spine", title, alt, fig, columns, rows, widths)


def _within(v: float, sp: dict) -> bool:
    lo, hi = sorted((sp.get("scale_worst", sp["worst"]), sp.get("scale_best", sp["best"])))
    return lo <= v <= hi


def neighbours_table(row: pd.Series, values: pd.DataFrame, neighbours: pd.DataFrame, authority: str,
                     authority_code: str, region: str = "Region") -> Chart | None:
    """The measure for the authority and each statistical neighbour in the latest published
    period, best first, with England, the region and the neighbours' mean: a table, no chart."""
    period = row.get("benchmark_period")
    if fmt.missing(period) or values.empty or neighbours.empty:
        return None
    mine = values[(values["measure_id"] == row["measure_id"]) & (values["period"] == str(period))]
    codes = dict(zip(neighbours["neighbour_code"].astype(str), neighbours["neighbour_name"]))
    shown = mine[mine["area_code"].isin([*codes, authority_code])].copy()
    if shown.empty:
        return None
    shown["name"] = [authority if c == authority_code else codes[c] for c in shown["area_code"]]
    shown = shown.sort_values("value", ascending=row["polarity"] == "lower")
    unit = row["unit"]
    ranked = row["polarity"] in ("higher", "lower")
    table = [[n + (" (us, published)" if c == authority_code else ""), fmt.value(v, unit),
              str(i) if ranked else fmt.MISSING]
             for i, (n, c, v) in enumerate(zip(shown["name"], shown["area_code"], shown["value"]), 1)]
    table += [["Statistical neighbours (mean)", fmt.value(row.get("sn_value"), unit), fmt.MISSING],
              [region, fmt.value(row.get("region_value"), unit), fmt.MISSING],
              ["England", fmt.value(row.get("england_value"), unit), fmt.MISSING]]
    us = next((i for i, c in enumerate(shown["area_code"], 1) if c == authority_code), None)
    title = f"{row['title']}: {authority} and its statistical neighbours, {period}"
    alt = (f"Published values of {row['title']} in {period} for {authority} and its {len(codes)} DfE "
           f"statistical neighbours" + (f", best first; {authority} is {us} of {len(shown)}" if us and ranked else "")
           + ".")
    return Chart(f"sn-{row['measure_id']}", title, alt, None, ["Authority", "Value", "Rank (1 = best)"], table)
