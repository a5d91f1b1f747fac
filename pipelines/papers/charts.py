"""Turn-the-curve and breakdown charts, each with a title, alt text and the table beside it.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies) and
every series also differs by line style or marker, so nothing depends on colour alone.
Suppressed ("c") points are never plotted: they are missing from the trace and shown as
"c" in the table beside the chart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from indicators.disclosure import SUPPRESSED
from pipelines.papers import fmt, labels

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


def _layout(fig: go.Figure, title: str, unit: str) -> go.Figure:
    # Outside drawing() the figure has another default template: set ours.
    template = {} if pio.templates.default is _template() else {"template": TEMPLATE}
    fig.update_layout(title=dict(text=title, font=dict(size=14)), width=WIDTH, height=HEIGHT,
                      margin=dict(l=60, r=20, t=50, b=40), **template,
                      font=dict(family="Arial, sans-serif", size=11),
                      legend=dict(orientation="h", y=-0.18), yaxis_title=fmt.unit_label(unit))
    return fig


def turn_the_curve(row: pd.Series, history: pd.DataFrame, forecasts: pd.DataFrame,
                   bench: pd.DataFrame, targets: pd.DataFrame) -> Chart:
    """History with CIs, the forecast with its prediction interval, target and benchmarks."""
    unit, mid = row["unit"], row["measure_id"]
    h = history[history["measure_id"] == mid]
    f = forecasts[forecasts["measure_id"] == mid].sort_values("period_end")
    b = bench[bench["measure_id"] == mid].set_index("period") if len(bench) else pd.DataFrame()
    x_hist, x_fc = h["period"].astype(str).tolist(), f["period"].astype(str).tolist()
    y = [_num(v) for v in h["value"]]
    lo, hi = [_num(v) for v in h["ci_lower"]], [_num(v) for v in h["ci_upper"]]
    fig = go.Figure()
    fig.add_scatter(x=x_hist, y=y, name="B&NES (95% CI)", mode="lines+markers",
                    line=dict(color=OKABE_ITO["blue"], width=3), marker=dict(symbol="circle", size=8),
                    error_y=dict(type="data", symmetric=False, color=OKABE_ITO["blue"], thickness=1,
                                 array=[(u - v) if None not in (u, v) else None for u, v in zip(hi, y)],
                                 arrayminus=[(v - l) if None not in (l, v) else None for l, v in zip(lo, y)]))
    fc_y = [_num(v) for v in f["value"]]
    if x_fc and y and y[-1] is not None:
        xs = [x_hist[-1], *x_fc]
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
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=[*x_hist, *x_fc])
    title = f"{row['title']}: turning the curve"
    if all(v is None for v in y) and not x_fc:
        fig = None   # nothing publishable yet: the caption and table say so, no empty axes
    if fig is not None:
        _layout(fig, title, unit)

    bench_of = lambda p, c: b[c].get(p) if len(b) and c in b.columns and p in b.index else None
    table = [[p, fmt.value(v, unit), fmt.ci(l, u, unit), fmt.value(target_of.get(p), unit),
              fmt.value(bench_of(p, "england_value"), unit), fmt.value(bench_of(p, "sn_mean"), unit)]
             for p, v, l, u in zip(x_hist, h["value"], h["ci_lower"], h["ci_upper"])]
    table += [[f"{p} (forecast)", fmt.value(v, unit), fmt.ci(l, u, unit), fmt.value(target_of.get(p), unit),
               fmt.MISSING, fmt.MISSING] for p, v, l, u in zip(x_fc, f["value"], f["lower"], f["upper"])]
    shown = [p for p, v in zip(x_hist, y) if v is not None]
    alt = (f"Line chart of {row['title']} ({fmt.unit_label(unit)}) for "
           + (f"{shown[0]} to {shown[-1]}" if shown else "no period that can be published yet")
           + (f"; latest {row['period']}: {fmt.value(row['value'], unit)}" if not fmt.missing(row["period"])
              else "; no complete period yet")
           + (f", forecast {fmt.value(f['value'].iloc[-1], unit)} by {x_fc[-1]}" if x_fc else "")
           + (f", target {fmt.value(target, unit)}" if target is not None else "")
           + ". The same figures are in the table below the chart.")
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


def breakdown(row: pd.Series, breakdowns: pd.DataFrame) -> Chart | None:
    """Bar chart of the reported period by one breakdown; suppressed bars are left out."""
    mid, unit = row["measure_id"], row["unit"]
    name = pick_breakdown(breakdowns, mid)
    if name is None:
        return None
    d = breakdowns[(breakdowns["measure_id"] == mid) & (breakdowns["breakdown"] == name)]
    d = d.sort_values("breakdown_value", key=lambda s: s.astype(str))
    d = d.assign(breakdown_value=d["breakdown_value"].map(lambda v: labels.label(name, v)))
    label = BREAKDOWN_LABEL.get(name, name.replace("_", " "))
    vis = d[d["value"].map(_num).notna()]
    vals = vis["value"].map(_num)
    fig = None if vis.empty else go.Figure(go.Bar(
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
    table = [[str(r.breakdown_value), fmt.value(r.value, unit), fmt.ci(r.ci_lower, r.ci_upper, unit),
              fmt.number(r.numerator, "count"), fmt.number(r.denominator, "count")] for r in d.itertuples()]
    alt = (f"Bar chart of {row['title']} by {label} in {row['period']}, with 95% confidence intervals. "
           + (f"Highest: {vis.loc[vals.idxmax(), 'breakdown_value']} ({fmt.value(vals.max(), unit)}); "
              f"lowest: {vis.loc[vals.idxmin(), 'breakdown_value']} ({fmt.value(vals.min(), unit)}). "
              if len(vis) else "Every group is too small to publish, so no chart is drawn. ")
           + (f"Not shown to protect small numbers: {', '.join(hidden)}. " if hidden else "")
           + "The same figures are in the table below the chart.")
    return Chart(f"bd-{mid}", title, alt, fig, [label.capitalize(), "Value", "95% CI", "Numerator",
                                               "Denominator"], table)
