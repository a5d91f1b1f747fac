"""Run bookkeeping: what a Dagster run did, read from its events in one place (``outcome``),
for ``oba run``'s summary and for ``meta_runs``, the run history the publish step copies into
the warehouse so it travels with the file officers open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import tables
from pipelines.warehouse import read_sql, table_exists

SQL = Path(__file__).parent / "sql"
PUBLISH_KEY = "published_warehouse"

TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}
JOB = "everything"


def _ts(epoch: float | None) -> dt.datetime | None:
    # load_log uses local wall-clock time; keep run times comparable with it
    return dt.datetime.fromtimestamp(epoch).replace(microsecond=0) if epoch else None


def trigger(tags: dict) -> str:
    if "dagster/schedule_name" in tags:
        return f"schedule {tags['dagster/schedule_name']}"
    if "dagster/sensor_name" in tags:
        return f"sensor {tags['dagster/sensor_name']}"
    return tags.get("oba/trigger", "ui")


def root_cause(err) -> str:
    """The innermost error's first line: the user's exception, not Dagster's wrapper around it."""
    while err is not None and err.cause is not None:
        err = err.cause
    lines = [ln.strip() for ln in (err.message if err else "").strip().splitlines() if ln.strip()]
    return lines[0][:300] if lines else "failed"


@dataclass
class Outcome:
    """What a run's events say it did."""
    materialized: list[str] = field(default_factory=list)   # asset keys, in event order
    published: bool | None = None    # whether the publish step copied the file; None: it did not run
    failed: list[tuple[str, str]] = field(default_factory=list)          # (step, root cause)
    check_failures: list[tuple[str, str, str]] = field(default_factory=list)  # (asset, check, why): blocking
    warnings: list[tuple[str, str, str]] = field(default_factory=list)        # (asset, check, why)


# The events ``outcome`` reads (for reading them back from the instance).
EVENT_TYPES = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.STEP_FAILURE,
               dg.DagsterEventType.ASSET_CHECK_EVALUATION}


def outcome(events) -> Outcome:
    """Read a run's Dagster events: materialisations, step failures and failed checks."""
    out = Outcome()
    for event in events:
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION":
            key = event.asset_key.to_user_string()
            out.materialized.append(key)
            if key == PUBLISH_KEY:
                value = event.event_specific_data.materialization.metadata.get("published")
                out.published = bool(getattr(value, "value", value))
        elif kind == "STEP_FAILURE":
            err = event.step_failure_data.error
            if err and "blocking asset check" in err.message:     # reported check by check
                continue
            out.failed.append((event.step_key, root_cause(err)))
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                found = (data.asset_key.to_user_string(), data.check_name, data.description or "failed")
                (out.check_failures if data.severity == dg.AssetCheckSeverity.ERROR else out.warnings).append(found)
    return out


def describe_run(instance: dg.DagsterInstance, record) -> dict:
    """One meta_runs row from a Dagster run record and its events."""
    run = record.dagster_run
    records = instance.get_records_for_run(run.run_id, of_type=EVENT_TYPES).records
    done = outcome(rec.event_log_entry.dagster_event for rec in records)
    failures = [f"{step}: {cause}" for step, cause in done.failed]
    failures += [f"{asset} {check}: {why}" for asset, check, why in done.check_failures]
    assets = sorted(set(done.materialized))
    return {
        "run_id": run.run_id, "job_name": run.job_name, "triggered_by": trigger(run.tags),
        "started_at": _ts(record.start_time), "finished_at": _ts(record.end_time), "status": run.status.value,
        "assets_materialised": len(assets), "assets": ", ".join(assets),
        "failures": "\n".join(failures),
        "warnings": "\n".join(f"{asset} {check}: {why}" for asset, check, why in done.warnings), "published": False,
    }


def ensure_meta_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(read_sql(SQL / "meta_tables.sql"))
    tables.ensure_comments(con, "meta_runs", "meta_publish")
    if table_exists(con, "load_log"):
        con.execute(read_sql(SQL / "meta_run_sources.sql"))
        tables.ensure_comments(con, "meta_run_sources")


def record_runs(con: duckdb.DuckDBPyConnection, instance: dg.DagsterInstance, current_run_id: str,
                limit: int = 200) -> int:
    """Upsert recent runs into ``meta_runs``; finished runs already recorded are not read again."""
    ensure_meta_tables(con)
    done = {r[0] for r in con.execute("select run_id from meta_runs where status in ('SUCCESS', 'FAILURE', "
                                      "'CANCELED')").fetchall()}
    published = {r[0] for r in con.execute("select run_id from meta_runs where published").fetchall()}
    rows = []
    for record in instance.get_run_records(filters=dg.RunsFilter(job_name=JOB), limit=limit):
        if record.dagster_run.run_id in done:
            continue
        row = describe_run(instance, record)
        row["published"] = row["run_id"] in published
        if row["run_id"] == current_run_id:
            row["status"], row["published"] = "publishing", True
        rows.append(row)
    for row in rows:
        con.execute("delete from meta_runs where run_id = ?", [row["run_id"]])
        con.execute(f"insert into meta_runs ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                    list(row.values()))
    return len(rows)


