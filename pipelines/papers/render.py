"""HTML (self-contained, offline) and PDF (headless Chromium, A4) of a board paper."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import jinja2
from plotly.offline import get_plotlyjs

from pipelines.papers import content, gather

TEMPLATES = Path(__file__).parent / "templates"
# The machine has no network and runs as root: without these flags Chromium hangs trying
# to reach Google services or refuses to start.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--hide-scrollbars", "--mute-audio")
PLOT_CONFIG = {"displayModeBar": False, "responsive": False, "staticPlot": False}


@dataclass
class Paper:
    period: str
    html: Path
    pdf: Path | None
    charts: int
    measures: int


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                              autoescape=jinja2.select_autoescape(["html", "j2"]))


def chromium() -> str:
    """The Chromium binary: ``$OBA_CHROMIUM``, else the first one on PATH."""
    found = os.environ.get("OBA_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if not found:
        raise FileNotFoundError("no Chromium found: install chromium or set OBA_CHROMIUM")
    return found


def chromium_command(*args: str, user_data_dir: str) -> list[str]:
    return [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", *args]


def html(data: gather.PaperData, today: dt.date) -> tuple[str, int]:
    """The paper as one HTML string (plotly.js inlined once, in the head) and its chart count."""
    ctx, made = content.context(data, "Early Help Partnership Board", today)
    for section in ctx["sections"]:
        section["charts"] = [dict(id=c.id, title=c.title, alt=c.alt, columns=c.columns, rows=c.rows,
                                  html=None if c.figure is None else c.figure.to_html(
                                      full_html=False, include_plotlyjs=False, div_id=c.id,
                                      config=PLOT_CONFIG))
                             for c in section["charts"]]
    text = _env().get_template("paper.html.j2").render(**ctx, plotlyjs=get_plotlyjs())
    return text, sum(c.figure is not None for c in made)


def pdf(html_file: Path, pdf_file: Path, timeout: float = 120) -> Path:
    """Print ``html_file`` to an A4 PDF (page size from the CSS @page rule) in its own Chromium."""
    from pipelines.papers import browser  # browser imports this module

    with browser.Chromium() as chrome:
        return browser.print_pdf(chrome, html_file, pdf_file, timeout)


def write(con: duckdb.DuckDBPyConnection, papers_dir: Path, period: str | None = None,
          today: dt.date | None = None, with_pdf: bool = True) -> Paper:
    """Build the paper for ``period`` (default: latest) into ``papers_dir/<period>/``."""
    from pipelines.papers import browser  # browser imports this module

    # Chromium starts (~0.6 s) while the HTML is built; it prints once the file is written.
    with browser.Chromium() if with_pdf else contextlib.nullcontext() as chrome:
        data = gather.gather(con, period)
        text, n_charts = html(data, today or dt.date.today())
        out = papers_dir / data.period.label
        out.mkdir(parents=True, exist_ok=True)
        html_file = out / f"board_paper_{data.period.label}.html"
        # Write then rename, so a reader never opens a half-written paper.
        tmp = html_file.with_suffix(".html.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(html_file)
        pdf_file = (browser.print_pdf(chrome, html_file, out / f"board_paper_{data.period.label}.pdf")
                    if with_pdf else None)
    return Paper(data.period.label, html_file, pdf_file, n_charts, len(data.rows))
