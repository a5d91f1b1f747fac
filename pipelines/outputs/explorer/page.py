"""The explorer as one HTML file: the page, its script and styles, plotly.js and the release's
data all inline, so it opens from disk (``file://``), offline, with no request of any kind.

Written beside the board paper of the same period (``<papers>/<period>/explorer_<period>.html``),
which its links point to by file name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from pipelines.outputs import gather
from pipelines.outputs import render
from pipelines.outputs.explorer import content
from pipelines.outputs.explorer import release

TEMPLATE = "explorer.html.j2"


@dataclass
class Explorer:
    period: str
    html: Path
    measures: int
    seconds_to_build: float = 0.0


def file_name(period: str) -> str:
    return f"explorer_{period}.html"


def _inline_json(data: dict) -> Markup:
    # Inside <script type="application/json">: "</" would end the element early.
    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
                  .replace("</", "<\\/").replace("<!--", "<\\!--"))


def html(payload: dict) -> str:
    asset = lambda name: Markup((render.TEMPLATES / name).read_text(encoding="utf-8"))  # noqa: E731
    return render._env().get_template(TEMPLATE).render(
        release=payload["release"], data=_inline_json(payload), plotlyjs=Markup(get_plotlyjs()),
        script=asset("explorer.js"), styles=asset("explorer.css"))


def gather_shareable(con: duckdb.DuckDBPyConnection, period: str | None, today: dt.date, data_dir=None):
    """(what the paper would read, the in-memory copy of the shareable tables it was read from)."""
    shared = release.read(con)
    try:
        return gather.gather(shared, period, today=today, data_dir=data_dir), shared
    except BaseException:
        shared.close()
        raise


def write(con: duckdb.DuckDBPyConnection, papers_dir: Path, exports_dir: Path, period: str | None = None,
          data_dir=None) -> tuple[Explorer, Path]:
    """Write the explorer of ``period`` (default: the paper's default) from the shareable
    tables of ``con`` into ``papers_dir/<period>/``, and the Power BI pack into ``exports_dir``."""
    from pipelines.outputs.explorer import pack

    today = dt.date.today()
    data, shared = gather_shareable(con, period, today, data_dir)
    with shared:
        return write_from(data, shared, papers_dir, today), pack.write(data, shared, exports_dir)


def write_from(data, shared: duckdb.DuckDBPyConnection, papers_dir: Path, today: dt.date) -> Explorer:
    """Write the explorer of what ``gather_shareable`` read (``data`` from ``shared``)."""
    import time

    started = time.perf_counter()
    label = data.period.label
    paper = {"html": f"board_paper_{label}.html", "pdf": f"board_paper_{label}.pdf"}
    payload = content.build(data, shared, today, paper)
    out = papers_dir / label
    out.mkdir(parents=True, exist_ok=True)
    target = out / file_name(label)
    render._write_atomic(target, html(payload))
    return Explorer(label, target, len(payload["measures"]), round(time.perf_counter() - started, 2))
