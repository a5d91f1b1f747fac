"""The regional page: one self-contained HTML file (plotly.js inline, no network request) with,
for each Early Help proportion measure, a funnel plot of the region's authorities and the
table beside it (figures as each authority published them, "c" where hidden). It is the
regional section of the board papers and the region's view in the explorer's manner; it is
made from the pool file only (``pool.write``).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from pipelines.outputs.charts import OKABE_ITO, TEMPLATE
from pipelines.region.pool import funnel_limit

PAGE = "region.html"


def latest(comp: pd.DataFrame) -> pd.DataFrame:
    """Per measure, the rows of its latest period with at least two authorities pooled."""
    pooled = comp[comp["authorities_pooled"] >= 2]
    if pooled.empty:
        return pooled
    last = pooled.groupby("measure_id")["period"].max().rename("latest")
    return pooled.merge(last, left_on="measure_id", right_index=True).query("period == latest").drop(columns="latest")


def funnel(rows: pd.DataFrame) -> go.Figure:
    """Each authority pooled at (denominator, value) with its interval; the pooled value and the
    95% and 99.8% limits drawn over the range of denominators."""
    first = rows.iloc[0]
    p0 = float(first["pooled_value"]) / 100
    shown = rows[rows["is_pooled"]]
    den = shown["denominator"].astype(float)
    grid = np.unique(np.linspace(max(1.0, den.min() * 0.5), den.max() * 1.2, 80).round())
    fig = go.Figure()
    for name, q, dash in (("95% limits", 0.975, "dash"), ("99.8% limits", 0.999, "dot")):
        for side, level in (("upper", q), ("lower", 1 - q)):
            fig.add_trace(go.Scatter(x=grid, y=[funnel_limit(p0, n, level) * 100 for n in grid], mode="lines",
                                     name=name, legendgroup=name, showlegend=side == "upper",
                                     line=dict(color=OKABE_ITO["black"], dash=dash, width=1)))
    fig.add_hline(y=p0 * 100, line=dict(color=OKABE_ITO["blue"], width=1),
                  annotation_text=f"pooled {p0 * 100:.1f}%")
    values = shown["value"].astype(float)
    fig.add_trace(go.Scatter(
        x=den, y=values, mode="markers+text", text=shown["la_name"], textposition="top center", name="authority",
        marker=dict(color=OKABE_ITO["orange"], size=9, symbol="diamond"),
        error_y=dict(type="data", symmetric=False, array=shown["ci_upper"].astype(float) - values,
                     arrayminus=values - shown["ci_lower"].astype(float), color=OKABE_ITO["orange"])))
    fig.update_layout(template=TEMPLATE, width=680, height=360, xaxis_title="denominator",
                      yaxis_title="%", legend=dict(orientation="h", y=-0.2),
                      title=dict(text=f"{html.escape(str(first['title']))} ({first['period']})", font=dict(size=13)),
                      font=dict(family="Arial, sans-serif", size=11))
    return fig


def _table(rows: pd.DataFrame) -> str:
    head = ("<tr><th scope='col'>Authority</th><th scope='col'>Numerator</th><th scope='col'>Denominator</th>"
            "<th scope='col'>%</th><th scope='col'>95% CI</th><th scope='col'>Funnel plot</th></tr>")
    body = []
    for _, r in rows.sort_values("la_name").iterrows():
        ci = "c" if "c" in (r["ci_lower"], r["ci_upper"]) else f"{float(r['ci_lower']):.1f} to {float(r['ci_upper']):.1f}"
        value = "c" if r["value"] == "c" else f"{float(r['value']):.1f}"
        cells = [r["la_name"], r["numerator"], r["denominator"], value, ci, r["funnel"]]
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    first = rows.iloc[0]
    body.append(f"<tr><th scope='row'>Region (pooled, {int(first['authorities_pooled'])} authorities)</th>"
                f"<td>{first['pooled_numerator']:.0f}</td><td>{first['pooled_denominator']:.0f}</td>"
                f"<td>{first['pooled_value']:.1f}</td><td>{first['pooled_ci_lower']:.1f} to "
                f"{first['pooled_ci_upper']:.1f}</td><td></td></tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def render(comp: pd.DataFrame, register: pd.DataFrame, region_name: str, today: dt.date) -> str:
    sections = []
    shown = latest(comp) if "authorities_pooled" in comp.columns else None
    if shown is not None:
        shown = shown.sort_values(["measure_order", "la_name"])
    for measure, rows in ([] if shown is None else shown.groupby("measure_id", sort=False)):
        fig = funnel(rows)
        alt = (f"Funnel plot of {measure} for {rows['period'].iloc[0]}: "
               + "; ".join(f"{r['la_name']} {r['funnel']}" for _, r in rows.iterrows()))
        chart = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"funnel-{measure}")
        sections.append(f"<section id='{measure}'><h2>{html.escape(str(rows['title'].iloc[0]))}</h2>"
                        f"<figure role='group' aria-label='{html.escape(alt)}'>{chart}</figure>{_table(rows)}</section>")
    left_out = register[register["status"] != "pooled"]
    missing = "".join(f"<li>{html.escape(r['la_name'])}: {html.escape(r['reason'])}</li>" for _, r in left_out.iterrows())
    note = f"<h2>Not in the pool</h2><ul>{missing}</ul>" if missing else ""
    script = plotly.offline.get_plotlyjs()
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(region_name)}: Early Help "
            f"measures compared</title><script>{script}</script><style>body{{font-family:Arial,sans-serif;max-width:"
            f"60rem;margin:auto}} table{{border-collapse:collapse}} td,th{{border:1px solid #999;padding:2px 6px}}"
            f"</style></head><body><main><h1>{html.escape(region_name)}: Early Help measures compared</h1>"
            f"<p>Made {today:%d %B %Y} from each authority's shareable file only (disclosure-controlled; no records, "
            f"no keys). Counts of 1 to 5 and the cells that would reveal them are shown as c and are not pooled; the "
            f"pooled figure is the sum of the counts shown. Each authority is plotted against funnel limits (95% and "
            f"99.8%, exact binomial) around the pooled figure at its own denominator.</p>{''.join(sections)}{note}"
            f"</main></body></html>")


def write(comp: pd.DataFrame, register: pd.DataFrame, folder: Path, region_name: str) -> Path:
    target = folder / PAGE
    tmp = target.with_name(f".{PAGE}.writing")
    tmp.write_text(render(comp, register, region_name, dt.date.today()), encoding="utf-8")
    os.replace(tmp, target)
    return target
