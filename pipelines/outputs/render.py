"""HTML (self-contained, offline) and PDF (headless Chromium, A4) of a board paper."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import jinja2
from markupsafe import Markup, escape
from plotly.offline import get_plotlyjs

from indicators import turn_the_curve
from pipelines.outputs import atomic, browser, content
from pipelines.outputs import gather

TEMPLATES = Path(__file__).parent / "templates"
# The machine has no network and runs as root: without these flags Chromium hangs trying
# to reach Google services or refuses to start.
PLOT_CONFIG = {"displayModeBar": False, "responsive": False, "staticPlot": False}


@dataclass
class Paper:
    period: str
    html: Path
    pdf: Path | None
    charts: int
    measures: int
    awaited: list[str] = None     # turn-the-curve parts printed as "awaited", one line per indicator
    date_note: str | None = None  # the paper dated after its meeting (cover.dates_note), else None


def whole(text) -> Markup:
    """Text whose hyphenated words (medium-high, 2021-22) never break at the hyphen: each
    is kept on one line, so a narrow table cell reads as the words it holds."""
    return Markup(" ").join(Markup('<span class="nowrap">%s</span>') % w if "-" in w else escape(w)
                            for w in str(text).split(" "))


def identifier(text) -> Markup:
    """An identifier or file name (``early_help_episodes_2025-26.csv``) that may wrap only
    after its underscores, never inside a word."""
    return Markup("_<wbr>").join(escape(part) for part in str(text).split("_"))


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    env.filters["identifier"] = identifier
    env.filters["whole"] = whole
    return env


def _view(c) -> dict | None:
    """What the template needs of a chart: its HTML (none for a table-only chart) and table."""
    if c is None:
        return None
    return dict(id=c.id, title=c.title, alt=c.alt, columns=c.columns, rows=c.rows, widths=c.widths,
                annex=c.annex, html=None if c.figure is None else c.figure.to_html(
                    full_html=False, include_plotlyjs=False, div_id=c.id, config=PLOT_CONFIG))


def context(data: gather.PaperData, today: dt.date) -> tuple[dict, int]:
    """The template's context with every chart drawn to HTML, and the chart count."""
    ctx, made = content.context(data, today)
    for section in ctx["sections"]:
        for key in ("charts", "better_off"):
            section[key] = [_view(c) for c in section[key]]
        section["neighbours"] = _view(section["neighbours"])
    ctx["spine"] = _view(ctx["spine"])
    # Annex E prints only the tables (the charts are drawn in their sections).
    ctx["annexed"] = [dict(id=c.id, title=c.title, columns=c.columns, rows=c.rows, widths=c.widths)
                      for c in ctx["annexed"]]
    return ctx, sum(c.figure is not None for c in made)


def render(ctx: dict) -> str:
    return _env().get_template("paper.html.j2").render(**ctx, plotlyjs=get_plotlyjs())


def html(data: gather.PaperData, today: dt.date) -> tuple[str, int]:
    """The paper as one HTML string (plotly.js inlined once, in the head) and its chart count;
    the contents has no page numbers (``write`` adds them from the printed PDF)."""
    ctx, n = context(data, today)
    return render(ctx), n


def footer(ctx: dict) -> str:
    """Chromium's footer template: board, period and "Page N of M" on every page."""
    return ('<div style="font-family:Arial,sans-serif;font-size:8pt;color:#333;width:100%;'
            'margin:0 14mm;display:flex;justify-content:space-between">'
            f'<span>{escape(ctx["board"])}: Early Help outcomes, {escape(ctx["period"].label)}</span>'
            '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')


# Runs in the page: the contents' page numbers, by anchor.
NUMBER_CONTENTS = """(pages => document.querySelectorAll('nav li').forEach(li => {
  const a = li.querySelector('a'); li.querySelector('.pg').textContent = pages[a.getAttribute('href').slice(1)] || '';
}))(%s)"""


def _write_atomic(path: Path, text: str) -> None:
    # Write then rename, so a reader never opens a half-written paper (``atomic``: the
    # folder's own free space checked; a full disk named in one line, no temporary file left).
    atomic.write_text(path, text)


def write(con: duckdb.DuckDBPyConnection, papers_dir: Path, period: str | None = None,
          today: dt.date | None = None, with_pdf: bool = True, data_dir=None,
          data: gather.PaperData | None = None) -> Paper:
    """Build the paper for ``period`` (default: latest; or of ``data`` already gathered) into
    ``papers_dir/<period>/``."""
    # Chromium starts (~0.6 s) while the HTML is built; it prints once the file is written.
    today = today or dt.date.today()
    with browser.Chromium() if with_pdf else contextlib.nullcontext() as chrome:
        data = data if data is not None else gather.gather(con, period, today=today, data_dir=data_dir)
        ctx, n_charts = context(data, today)
        out = papers_dir / data.period.label
        out.mkdir(parents=True, exist_ok=True)
        html_file = out / f"board_paper_{data.period.label}.html"
        _write_atomic(html_file, render(ctx))
        pdf_file = None
        if with_pdf:
            pdf_file = out / f"board_paper_{data.period.label}.pdf"
            # The contents' page numbers are read from the printed PDF (where each section's
            # anchor landed), written into the open page and printed again; numbers take no
            # more room than blanks did, so the pages do not move (checked: a pass that moves
            # them prints again).
            page = browser.load(chrome, html_file)
            for _ in range(3):
                browser.print_page(page, pdf_file, footer=footer(ctx))
                pages = browser.anchor_pages(pdf_file)
                numbered = [dict(c, page=str(pages.get(c["anchor"], ""))) for c in ctx["contents"]]
                if numbered == ctx["contents"]:
                    break
                ctx["contents"] = numbered
                page.call("Runtime.evaluate", expression=NUMBER_CONTENTS % json.dumps(
                    {c["anchor"]: c["page"] for c in numbered}))
            else:
                raise RuntimeError(f"{pdf_file}: the contents' page numbers did not settle")
            _write_atomic(html_file, render(ctx))
    return Paper(data.period.label, html_file, pdf_file, n_charts, len(data.rows),
                 turn_the_curve.describe_awaited(data.awaited()), ctx.get("date_note"))
