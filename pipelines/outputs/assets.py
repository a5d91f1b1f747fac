"""Outputs people read: the board paper (HTML + PDF) and the scorecard workbook.

No ``from __future__ import annotations``: Dagster inspects the real annotations of the
context, config and resource parameters.
"""

import datetime as dt
import json
import os
import time
from pathlib import Path

import dagster as dg

from pipelines.release.publish import INPUTS_TAG
from pipelines.warehouse import Warehouse
from pipelines.settings import Paths

MANIFEST = "outputs.json"   # beside the build file: which files each output asset last wrote, from what


def record_output(paths: Paths, key: str, files: list, inputs: str | None) -> None:
    """Remember the files an output asset wrote and the inputs digest of its run, so a later
    run knows whether they are still there and made from the same inputs."""
    manifest = paths.build.parent / MANIFEST
    try:
        made = json.loads(manifest.read_text())
    except (OSError, ValueError):
        made = {}
    made[key] = {"made_at": dt.datetime.now().replace(microsecond=0).isoformat(), "inputs": inputs,
                 "files": [str(f) for f in files if f]}
    tmp = manifest.with_name(manifest.name + ".tmp")
    try:
        tmp.write_text(json.dumps(made, indent=1))
        os.replace(tmp, manifest)
    except OSError:
        # A full disk: the output itself was written; without the record the next run simply
        # makes it again. No half-written temporary file is left behind.
        tmp.unlink(missing_ok=True)


def missing_outputs(paths: Paths, inputs: str) -> list[str]:
    """Outputs that are not on disk for the run inputs ``inputs``: never made from them (a run
    killed after publishing, before its workbook), or made and since deleted. Read from the
    manifest: no Dagster instance needed, so an unchanged run stays instant."""
    try:
        made = json.loads((paths.build.parent / MANIFEST).read_text())
    except (OSError, ValueError):
        made = {}
    missing = []
    for asset in assets:
        key = asset.key.to_user_string()
        entry = made.get(key)
        if not entry or entry.get("inputs") != inputs:
            missing.append(f"{key} (not made from these inputs)")
            continue
        missing += [f"{key} ({f} is missing)" for f in entry["files"] if not Path(f).exists()]
    return missing

GROUP = "outputs"
UPSTREAM = [dg.AssetKey("scorecard"), dg.AssetKey("indicator_values_published"),
            dg.AssetKey("indicator_forecasts"), dg.AssetKey("benchmark_values")]


class PaperConfig(dg.Config):
    period: str = ""  # calendar quarter (2026-Q1) or month (2026-03); empty = the last one complete as at the data
    pdf: bool = True


@dg.asset(group_name=GROUP, deps=UPSTREAM, kinds={"html", "pdf"})
def board_paper(context: dg.AssetExecutionContext, config: PaperConfig, warehouse: Warehouse) -> dg.MaterializeResult:
    """Board paper for the latest (or a chosen) quarter: scorecard, one section per indicator, annexes; HTML and A4 PDF."""
    from pipelines.outputs import render

    started = time.perf_counter()
    paths = warehouse.paths()
    with warehouse.connect() as con:
        paper = render.write(con, paths.papers, config.period or None, with_pdf=config.pdf,
                             data_dir=paths.data_dir)
    context.log.info(f"board paper {paper.period}: {paper.html}")
    if paper.awaited:
        context.log.warning("turn the curve awaited: " + "; ".join(paper.awaited))
    record_output(paths, "board_paper", [paper.html, paper.pdf], context.run.tags.get(INPUTS_TAG))
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
    from pipelines.outputs import gather
    from pipelines.outputs import workbook

    paths = warehouse.paths()
    with warehouse.connect() as con:
        data = gather.gather(con, config.period or None, data_dir=paths.data_dir)
        label = data.period.label
        out = paths.exports / f"oba_scorecard_{label}.xlsx"
        sheets = workbook.write(con, out, data=data)
    record_output(paths, "scorecard_workbook", [out], context.run.tags.get(INPUTS_TAG))
    return dg.MaterializeResult(metadata={
        "period": label, "path": dg.MetadataValue.path(str(out)),
        "sheets": dg.MetadataValue.json(sheets)})


assets = [board_paper, scorecard_workbook]
