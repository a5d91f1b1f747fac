"""Ingestion assets: for every catalogue source, ``raw_<source>`` then ``stg_<source>``, made by one step."""

import dagster as dg

from pipelines.ingest import delivery_checks as checks
from pipelines.ingest.holding import HELD
from pipelines.ingest.loading import FileOutcome, ingest, load_raw, stage
from pipelines.warehouse import Warehouse, table_metadata
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
        "count(*) filter (where status in ('held', 'refused', 'rejected', 'failed')) from load_log where source = ?",
        [source.name]).fetchone()
    return {"current_deliveries": row[0], "rows_in": row[1], "rows_loaded": row[2],
            "rows_quarantined": row[3], "files_not_loaded": row[4]}


def _raw_metadata(con, source: Source, outcomes: list[FileOutcome]) -> dict:
    return {
        "new_files": len(outcomes),
        "rows_read": sum(o.rows_read for o in outcomes),
        "refused_files": [o.file for o in outcomes if o.status == "refused"],
        "rows_in_table": con.execute(f'select count(*) from "raw_{source.name}"').fetchone()[0],
        "deliveries": dg.MetadataValue.md(_outcome_table(outcomes)),
    }


def _stg_metadata(con, source: Source, outcomes: list[FileOutcome]) -> dict:
    totals = _totals(con, source)
    table = f"stg_{source.name}"
    return {
        **table_metadata(con, table, f"select * exclude (file_hash, loaded_at) from {table} limit 5"),
        "rows_in": sum(o.rows_read for o in outcomes),
        "rows_loaded": sum(o.rows_loaded for o in outcomes),
        "rows_quarantined": sum(o.rows_quarantined for o in outcomes),
        **{f"total_{k}": v for k, v in totals.items()},
        "validated": dg.MetadataValue.md(_outcome_table(outcomes)),
    }


def build(source: Source) -> dg.AssetsDefinition:
    """``raw_<source>`` and ``stg_<source>``, made by one step: new deliveries are read, checked
    for personal identifiers and validated in one pass (``loading.ingest``), then the source's
    delivery checks (``checks``) are evaluated. Either asset can still be materialised alone:
    raw loads new files as pending; stg validates what is pending."""
    raw_key, stg_key = dg.AssetKey(f"raw_{source.name}"), dg.AssetKey(f"stg_{source.name}")
    specs = [
        dg.AssetSpec(raw_key, group_name=GROUP, kinds={"duckdb"},
                     description=f"{source.title} as delivered by {source.delivered_by}: every current delivery, "
                                 f"text, with file, hash and row of origin."),
        dg.AssetSpec(stg_key, group_name=GROUP, kinds={"duckdb", "pandera"}, deps=[raw_key],
                     description=f"{source.title}: typed rows that passed the pandera schema ({source.grain}); "
                                 f"failures go to quarantine."),
    ]

    @dg.multi_asset(name=f"ingest_{source.name}", specs=specs, check_specs=checks.specs(source), can_subset=True)
    def ingest_assets(context: dg.AssetExecutionContext, warehouse: Warehouse):
        selected = context.selected_asset_keys
        staged = []
        with warehouse.connect() as con:
            if raw_key in selected:
                if stg_key in selected:
                    loaded, staged = ingest(con, source, warehouse.paths().landing)
                else:
                    loaded, staged = load_raw(con, source, warehouse.paths().landing), []
                for o in loaded:
                    if o.status in ("refused", "rejected", "failed"):
                        context.log.error(f"{source.name}: {o.file} {o.status}: {o.message}")
                    elif o.status in ("empty", "superseded", "unrecognised"):
                        context.log.warning(f"{source.name}: {o.file} {o.status}: {o.message}")
                yield dg.MaterializeResult(asset_key=raw_key, metadata=_raw_metadata(con, source, loaded))
            elif stg_key in selected:
                staged = stage(con, source)
            for o in staged:
                if o.status == HELD:   # not applied: the period stays at its last good delivery
                    context.log.warning(f"{source.name}: {o.file} held: {o.message}")
            if stg_key in selected:
                metadata = _stg_metadata(con, source, staged)
                if metadata["total_rows_quarantined"]:
                    context.log.info(f"{source.name}: {metadata['total_rows_quarantined']} rows quarantined in total")
                yield dg.MaterializeResult(asset_key=stg_key, metadata=metadata)
            if context.selected_asset_check_keys:
                yield from checks.results(con, source, warehouse.paths().landing, context.selected_asset_check_keys)

    return ingest_assets


assets = [build(s) for s in SOURCES]
