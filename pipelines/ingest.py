"""Ingestion assets: for every catalogue source, ``raw_<source>`` then ``stg_<source>``."""

import dagster as dg

from pipelines.loading import FileOutcome, load_raw, stage
from pipelines.resources import Warehouse
from sources.catalogue import SOURCES, Source

GROUP = "ingest"


def _outcome_table(outcomes: list[FileOutcome]) -> str:
    if not outcomes:
        return "No new deliveries."
    lines = ["| file | status | read | loaded | quarantined | note |", "|---|---|---:|---:|---:|---|"]
    for o in outcomes:
        note = o.message.replace("|", "/")[:300]
        lines.append(f"| {o.file} | {o.status} | {o.rows_read} | {o.rows_loaded} | {o.rows_quarantined} | {note} |")
    return "\n".join(lines)


def _totals(con, source: Source) -> dict:
    row = con.execute(
        "select count(*) filter (where status = 'loaded'), coalesce(sum(rows_read) filter (where status = 'loaded'), 0), "
        "coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0), "
        "coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0), "
        "count(*) filter (where status in ('refused', 'rejected', 'failed')) from load_log where source = ?",
        [source.name]).fetchone()
    return {"current_deliveries": row[0], "rows_in": row[1], "rows_loaded": row[2],
            "rows_quarantined": row[3], "files_not_loaded": row[4]}


def build(source: Source) -> list[dg.AssetsDefinition]:
    raw_key, stg_key = f"raw_{source.name}", f"stg_{source.name}"

    @dg.asset(name=raw_key, group_name=GROUP, kinds={"duckdb"},
              description=f"{source.title} as delivered by {source.delivered_by}: every current delivery, "
                          f"text, with file, hash and row of origin.")
    def raw_asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            outcomes = load_raw(con, source, warehouse.paths().landing)
            rows = con.execute(f'select count(*) from "{raw_key}"').fetchone()[0]
        for o in outcomes:
            if o.status in ("refused", "rejected", "failed"):
                context.log.error(f"{source.name}: {o.file} {o.status}: {o.message}")
            elif o.status in ("empty", "superseded"):
                context.log.warning(f"{source.name}: {o.file} {o.status}: {o.message}")
        return dg.MaterializeResult(metadata={
            "new_files": len(outcomes),
            "rows_read": sum(o.rows_read for o in outcomes),
            "refused_files": [o.file for o in outcomes if o.status == "refused"],
            "rows_in_table": rows,
            "deliveries": dg.MetadataValue.md(_outcome_table(outcomes)),
        })

    @dg.asset(name=stg_key, group_name=GROUP, deps=[raw_asset], kinds={"duckdb", "pandera"},
              description=f"{source.title}: typed rows that passed the pandera schema ({source.grain}); "
                          f"failures go to quarantine.")
    def stg_asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            outcomes = stage(con, source)
            totals = _totals(con, source)
            preview = con.execute(f'select * exclude (file_hash, loaded_at) from "{stg_key}" limit 5').df()
        if totals["rows_quarantined"]:
            context.log.info(f"{source.name}: {totals['rows_quarantined']} rows quarantined in total")
        return dg.MaterializeResult(metadata={
            "rows_in": sum(o.rows_read for o in outcomes),
            "rows_loaded": sum(o.rows_loaded for o in outcomes),
            "rows_quarantined": sum(o.rows_quarantined for o in outcomes),
            **{f"total_{k}": v for k, v in totals.items()},
            "validated": dg.MetadataValue.md(_outcome_table(outcomes)),
            "preview": dg.MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "empty"),
        })

    return [raw_asset, stg_asset]


assets = [a for s in SOURCES for a in build(s)]
