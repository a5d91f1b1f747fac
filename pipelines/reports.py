"""Outputs people read: the board paper (HTML + PDF) and the scorecard workbook.

No ``from __future__ import annotations``: Dagster inspects the real annotations of the
context, config and resource parameters.
"""

import time

import dagster as dg

from pipelines.resources import Warehouse

GROUP = "outputs"
UPSTREAM = [dg.AssetKey("scorecard"), dg.AssetKey("indicator_values_published"),
            dg.AssetKey("indicator_forecasts"), dg.AssetKey("benchmark_values")]


class PaperConfig(dg.Config):
    period: str = ""  # calendar quarter (2026-Q1) or month (2026-03); empty = the last one complete as at the data
    pdf: bool = True


@dg.asset(group_name=GROUP, deps=UPSTREAM, kinds={"html", "pdf"})
def board_paper(context: dg.AssetExecutionContext, config: PaperConfig, warehouse: Warehouse) -> dg.MaterializeResult:
    """Board paper for the latest (or a chosen) quarter: scorecard, one section per indicator, annexes; HTML and A4 PDF."""
    from pipelines.papers import render

    started = time.perf_counter()
    paths = warehouse.paths()
    with warehouse.connect() as con:
        paper = render.write(con, paths.papers, config.period or None, with_pdf=config.pdf,
                             data_dir=paths.data_dir)
    context.log.info(f"board paper {paper.period}: {paper.html}")
    if paper.awaited:
        context.log.warning("turn the curve awaited: " + "; ".join(paper.awaited))
    return dg.MaterializeResult(metadata={
        "period": paper.period, "html": dg.MetadataValue.path(str(paper.html)),
        "pdf": dg.MetadataValue.path(str(paper.pdf)) if paper.pdf else "not rendered",
        "charts": paper.charts, "measures": paper.measures,
        "turn_the_curve_awaited": dg.MetadataValue.json(paper.awaited or []),
        "seconds": round(time.perf_counter() - started, 2)})


@dg.asset(group_name=GROUP, deps=UPSTREAM, kinds={"excel"})
def scorecard_workbook(context: dg.AssetExecutionContext, config: PaperConfig,
                       warehouse: Warehouse) -> dg.MaterializeResult:
    """Excel workbook of the scorecard and the published (suppressed) indicator values, one sheet per indicator."""
    from pipelines.papers import gather, workbook

    paths = warehouse.paths()
    with warehouse.connect() as con:
        data = gather.gather(con, config.period or None, data_dir=paths.data_dir)
        label = data.period.label
        out = paths.exports / f"oba_scorecard_{label}.xlsx"
        sheets = workbook.write(con, out, data=data)
    return dg.MaterializeResult(metadata={
        "period": label, "path": dg.MetadataValue.path(str(out)),
        "sheets": dg.MetadataValue.json(sheets)})


assets = [board_paper, scorecard_workbook]
