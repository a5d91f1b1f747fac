"""Outputs people read: the board paper (HTML + PDF) and the scorecard workbook.

No ``from __future__ import annotations``: Dagster inspects the real annotations of the
context, config and resource parameters.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path

import dagster as dg

from pipelines.release import shareable
from pipelines.release.publish import INPUTS_TAG, KEY as PUBLISHED, definitions_digest
from pipelines.warehouse import Warehouse
from pipelines.settings import Paths

MANIFEST = "outputs.json"   # beside the build file: which files each output asset last wrote, from what
UNCHANGED = "unchanged_since"   # metadata of an output not made again: when the files on disk were made


def _manifest(paths: Paths) -> dict:
    try:
        return json.loads((paths.build.parent / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def record_output(paths: Paths, key: str, files: list, inputs: str | None, shows: str | None = None,
                  made_at: str | None = None, facts: dict | None = None) -> None:
    """Remember the files an output asset wrote and the inputs digest of its run, so a later
    run knows whether they are still there and made from the same inputs; and the digest of
    what they show (``shown_digest``) with a few facts about them, so a later run whose
    output would show the same can leave them as they are (``made_at``: when they were made)."""
    made = _manifest(paths)
    made[key] = {"made_at": made_at or dt.datetime.now().replace(microsecond=0).isoformat(), "inputs": inputs,
                 "files": [str(f) for f in files if f], "shows": shows, "facts": facts or {}}
    _save_manifest(paths, made)


def _save_manifest(paths: Paths, made: dict) -> None:
    manifest = paths.build.parent / MANIFEST
    tmp = manifest.with_name(manifest.name + ".tmp")
    try:
        tmp.write_text(json.dumps(made, indent=1))
        os.replace(tmp, manifest)
    except OSError:
        # A full disk: without the record the next run simply makes the outputs again (a stale
        # record is removed, so nothing counts as made). No half-written temporary file is left.
        tmp.unlink(missing_ok=True)
        manifest.unlink(missing_ok=True)


def forget_output(paths: Paths, key: str) -> None:
    """Drop ``key``'s record after its files failed to be written (a full disk): the next run
    never takes the old files for this run's, and makes the output again."""
    made = _manifest(paths)
    if made.pop(key, None) is not None:
        _save_manifest(paths, made)


def missing_outputs(paths: Paths, inputs: str) -> list[str]:
    """Outputs that are not on disk for the run inputs ``inputs``: never made from them (a run
    killed after publishing, before its workbook), or made and since deleted. Read from the
    manifest: no Dagster instance needed, so an unchanged run stays instant."""
    made = _manifest(paths)
    missing = []
    for asset in assets:
        key = asset.key.to_user_string()
        entry = made.get(key)
        if not entry or entry.get("inputs") != inputs:
            missing.append(f"{key} (not made from these inputs)")
            continue
        missing += [f"{key} ({f} is missing)" for f in entry["files"] if not Path(f).exists()]
    return missing


def _frame_digest(frame) -> bytes:
    """A table's columns, types and values, row order included (hashing each column: list
    cells, which pandas cannot hash, by their text)."""
    import pandas as pd

    h = hashlib.sha256(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    for _, column in frame.items():
        try:
            h.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
        except TypeError:
            h.update(pd.util.hash_pandas_object(column.astype(str), index=False).to_numpy().tobytes())
    return h.digest()


def shown_digest(data, *more) -> str:
    """Digest of what an output shows: every figure, setting and turn-the-curve text ``gather``
    read for it (``data``), anything else it shows (``more``), and the code, templates and
    settings it is made with. Not today's date: an output left as it is keeps the date it
    was made on."""
    import pandas as pd
    import plotly

    h = hashlib.sha256(definitions_digest().encode() + plotly.__version__.encode())
    for item in [*((f.name, getattr(data, f.name)) for f in dataclasses.fields(data)), *more]:
        for part in (item if isinstance(item, tuple) else (item,)):
            h.update(_frame_digest(part) if isinstance(part, pd.DataFrame) else repr(part).encode())
    return h.hexdigest()


def unchanged_output(paths: Paths, key: str, shows: str) -> dict | None:
    """The manifest entry of ``key`` if its files were made showing exactly ``shows`` and are
    all still on disk; else None (make them)."""
    entry = _manifest(paths).get(key)
    if entry and entry.get("shows") == shows and entry["files"] and all(Path(f).exists() for f in entry["files"]):
        return entry
    return None


def left_as_made(context, paths: Paths, key: str, entry: dict) -> dict:
    """Record an output left as it is for this run's inputs, and the metadata that says so."""
    record_output(paths, key, entry["files"], context.run.tags.get(INPUTS_TAG), entry["shows"],
                  made_at=entry["made_at"], facts=entry.get("facts"))
    context.log.info(f"{key}: what it shows is unchanged since {entry['made_at']}; not made again")
    return {UNCHANGED: entry["made_at"]}


GROUP = "outputs"
# After publishing: everything sent out is read from the shareable file publishing writes.
UPSTREAM = [dg.AssetKey("scorecard"), dg.AssetKey("indicator_values_published"),
            dg.AssetKey("indicator_forecasts"), dg.AssetKey("benchmark_values"), dg.AssetKey(PUBLISHED)]


class PaperConfig(dg.Config):
    period: str = ""  # calendar quarter (2026-Q1) or month (2026-03); empty = the last one complete as at the data
    pdf: bool = True


@dg.asset(group_name=GROUP, deps=UPSTREAM, kinds={"html", "pdf"})
def board_paper(context: dg.AssetExecutionContext, config: PaperConfig, warehouse: Warehouse) -> dg.MaterializeResult:
    """Board paper for the latest (or a chosen) quarter: scorecard, one section per indicator, annexes; HTML and A4 PDF.

    Made again only when something it shows changed (``shown_digest``) or a file of it is
    missing: rendering and printing take seconds, comparing what it would show does not."""
    from pipelines.outputs import gather
    from pipelines.outputs import render
    from indicators import turn_the_curve

    started = time.perf_counter()
    paths = warehouse.paths()
    today = dt.date.today()
    with shareable.connect(paths) as con:
        data = gather.gather(con, config.period or None, today=today, data_dir=paths.data_dir)
    awaited = turn_the_curve.describe_awaited(data.awaited())
    if awaited:
        context.log.warning("turn the curve awaited: " + "; ".join(awaited))
    shows = shown_digest(data, ("pdf", config.pdf))
    same = unchanged_output(paths, "board_paper", shows)
    if same:
        html, pdf = (same["files"] + [None])[:2]
        return dg.MaterializeResult(metadata={
            "period": data.period.label, "html": dg.MetadataValue.path(html),
            "pdf": dg.MetadataValue.path(pdf) if pdf else "not rendered", **same.get("facts", {}),
            "measures": len(data.rows), "turn_the_curve_awaited": dg.MetadataValue.json(awaited),
            **left_as_made(context, paths, "board_paper", same), "seconds": round(time.perf_counter() - started, 2)})
    try:
        with shareable.connect(paths) as con:
            paper = render.write(con, paths.papers, config.period or None, today=today, with_pdf=config.pdf,
                                 data_dir=paths.data_dir, data=data)
    except BaseException:
        forget_output(paths, "board_paper")
        raise
    context.log.info(f"board paper {paper.period}: {paper.html}")
    record_output(paths, "board_paper", [paper.html, paper.pdf], context.run.tags.get(INPUTS_TAG), shows,
                  facts={"charts": paper.charts})
    return dg.MaterializeResult(metadata={
        "period": paper.period, "html": dg.MetadataValue.path(str(paper.html)),
        "pdf": dg.MetadataValue.path(str(paper.pdf)) if paper.pdf else "not rendered",
        "charts": paper.charts, "measures": paper.measures,
        "turn_the_curve_awaited": dg.MetadataValue.json(paper.awaited or []),
        "seconds": round(time.perf_counter() - started, 2)})


@dg.asset(group_name=GROUP, deps=UPSTREAM, kinds={"excel"})
def scorecard_workbook(context: dg.AssetExecutionContext, config: PaperConfig,
                       warehouse: Warehouse) -> dg.MaterializeResult:
    """Excel workbook of the scorecard and the published (suppressed) indicator values, one sheet per indicator.

    Made again only when something it shows changed or its file is missing, as the paper."""
    from pipelines.outputs import gather
    from pipelines.outputs import workbook

    paths = warehouse.paths()
    with shareable.connect(paths) as con:
        data = gather.gather(con, config.period or None, data_dir=paths.data_dir)
        label = data.period.label
        out = paths.exports / f"oba_scorecard_{label}.xlsx"
        shows = shown_digest(data, gather.published_values(con))
        same = unchanged_output(paths, "scorecard_workbook", shows)
        if same and same["files"] == [str(out)]:
            return dg.MaterializeResult(metadata={
                "period": label, "path": dg.MetadataValue.path(str(out)),
                "sheets": dg.MetadataValue.json(same.get("facts", {}).get("sheets", {})),
                **left_as_made(context, paths, "scorecard_workbook", same)})
        try:
            sheets = workbook.write(con, out, data=data)
        except BaseException:
            forget_output(paths, "scorecard_workbook")
            raise
    record_output(paths, "scorecard_workbook", [out], context.run.tags.get(INPUTS_TAG), shows,
                  facts={"sheets": sheets})
    return dg.MaterializeResult(metadata={
        "period": label, "path": dg.MetadataValue.path(str(out)),
        "sheets": dg.MetadataValue.json(sheets)})


@dg.asset(group_name=GROUP, deps=UPSTREAM, kinds={"html", "parquet"})
def explorer(context: dg.AssetExecutionContext, config: PaperConfig, warehouse: Warehouse) -> dg.MaterializeResult:
    """The explorer (one offline HTML file beside the paper) and the Power BI pack of the same
    period, made only from the shareable tables (``explorer.release``).

    Made again only when something it shows changed or a file of it is missing, as the paper."""
    from pipelines.outputs.explorer import pack, page

    paths = warehouse.paths()
    today = dt.date.today()
    with shareable.connect(paths) as con:
        data, shared = page.gather_shareable(con, config.period or None, today, paths.data_dir)
    with shared:
        label = data.period.label
        shows = shown_digest(data, content_of(shared))
        same = unchanged_output(paths, "explorer", shows)
        if same:
            return dg.MaterializeResult(metadata={
                "period": label, "html": dg.MetadataValue.path(same["files"][0]),
                **left_as_made(context, paths, "explorer", same)})
        made = page.write_from(data, shared, paths.papers, today)
        folder = pack.write(data, shared, paths.exports)
    files = [made.html, *sorted(folder.iterdir())]
    record_output(paths, "explorer", files, context.run.tags.get(INPUTS_TAG), shows,
                  facts={"bytes": made.html.stat().st_size})
    context.log.info(f"explorer {label}: {made.html}; Power BI pack: {folder}")
    return dg.MaterializeResult(metadata={
        "period": label, "html": dg.MetadataValue.path(str(made.html)), "pack": dg.MetadataValue.path(str(folder)),
        "bytes": made.html.stat().st_size, "measures": made.measures})


def content_of(con):
    """What the explorer reads beyond ``gather``: the judgements' rows (verdicts and reasons) and
    the deliveries held."""
    from pipelines.warehouse import table_exists

    return tuple(con.execute(f"select * from {t}").df() if table_exists(con, t) else None
                 for t in ("scorecard_periods", "held_deliveries"))


assets = [board_paper, scorecard_workbook, explorer]
