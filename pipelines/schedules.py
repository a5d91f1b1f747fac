"""When the pipeline runs by itself: a nightly schedule and a sensor on the landing folder.

Both fire only while the Dagster daemon runs (``dagster-daemon run`` with DAGSTER_HOME
set, see docs/operations.md) and both start the ``everything`` job; the instance's
queued run coordinator starts one run at a time, as DuckDB allows one writer.
"""

import hashlib
import json
import os

import dagster as dg

from pipelines.ingest.landing import landing_state
from pipelines.release.run_log import JOB
from pipelines.settings import paths as resolve_paths
from sources.catalogue import SOURCES

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Europe/London"
# A file still being copied into the landing folder changes size and mtime; wait until it
# has been left alone this long, so a run never reads half a delivery.
DEFAULT_SETTLE_SECONDS = 60


def settle_seconds() -> float:
    return float(os.environ.get("OBA_SENSOR_SETTLE_SECONDS") or DEFAULT_SETTLE_SECONDS)


def source_of(filename: str) -> str:
    """The source a landing file belongs to; for a name that matches none, the nearest source,
    whose step records it as unrecognised (``pipelines.ingest.landing``)."""
    from pipelines.ingest.landing import nearest

    return next((s.name for s in SOURCES if s.match(filename)), None) or nearest(filename)[0].name


def changed_sources(previous: dict, current: dict) -> list[str]:
    """Sources with a file that is new or whose mtime or size changed (deletions start nothing)."""
    return sorted({source_of(name) for name, sig in current.items() if previous.get(name) != sig})


def recorded_state(paths, current: dict) -> dict:
    """What the sensor starts from when it has no cursor yet (the UI or daemon started for the
    first time on this instance): the files of ``current`` the published warehouse was built from.

    ``oba run`` / ``oba demo`` record the landing folder they started from (``meta_publish.inputs``)
    and every delivery they read, by content (``load_log.file_hash``). When the folder is exactly
    as recorded, all of ``current`` is known; otherwise each file is known when its content was
    read before, whatever its name, time or size. No published warehouse: nothing is known.
    """
    import duckdb

    from pipelines.release.publish import inputs_digest, last_publication
    from pipelines.warehouse import table_exists

    last = last_publication(paths.warehouse)
    if last is None:
        return {}
    if last.get("inputs") and last["inputs"] == inputs_digest(paths.landing):
        return dict(current)
    try:
        con = duckdb.connect(str(paths.warehouse), read_only=True)
    except duckdb.Error:
        return {}
    try:
        known = ({r[0] for r in con.execute("select file_hash from load_log").fetchall()}
                 if table_exists(con, "load_log") else set())
    finally:
        con.close()
    state = {}
    for name, sig in current.items():
        try:
            digest = hashlib.sha256((paths.landing / name).read_bytes()).hexdigest()
        except OSError:               # removed since it was listed: nothing to start for it
            continue
        if digest in known:
            state[name] = sig
    return state


def selection_for(sources: list[str], asset_graph) -> tuple[list[dg.AssetKey], list[dg.AssetCheckKey]]:
    """``raw_``/``stg_`` of the sources, everything downstream of them, and their checks."""
    roots = [dg.AssetKey(f"{p}_{s}") for s in sources for p in ("raw", "stg")]
    roots = [k for k in roots if asset_graph.has(k)]
    keys = dg.AssetSelection.assets(*roots).downstream().resolve(asset_graph)
    checks = [ck for ck in asset_graph.asset_check_keys if ck.asset_key in keys]
    return sorted(keys, key=lambda k: k.path), sorted(checks, key=lambda c: (c.asset_key.path, c.name))


def build(job) -> tuple[dg.ScheduleDefinition, dg.SensorDefinition]:
    nightly = dg.ScheduleDefinition(
        name="nightly", job=job, cron_schedule=NIGHTLY_CRON, execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night at 02:00 UK time: load new deliveries, recompute every indicator and output, "
                    "run every check, publish the warehouse if anything changed.")

    @dg.sensor(name="landing_folder", job=job, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Starts a run for the sources whose files in the landing folder are new or changed "
                           "(their raw_/stg_ assets and everything downstream, publish included).")
    def landing_folder(context: dg.SensorEvaluationContext):
        paths = resolve_paths()
        landing = paths.landing
        current, settling = landing_state(landing, settle=settle_seconds())
        # First tick on this instance: start from what the published warehouse was built from,
        # so opening the UI after `oba run` or `oba demo` starts nothing when nothing changed.
        previous = json.loads(context.cursor) if context.cursor else recorded_state(paths, current)
        # Files still settling keep their old signature so they count as changed once they settle.
        cursor = {**current, **{n: previous[n] for n in settling if n in previous}}
        sources = changed_sources(previous, current)
        context.update_cursor(json.dumps(cursor, sort_keys=True))
        if not sources:
            note = f"; waiting for {len(settling)} file(s) still being written" if settling else ""
            return dg.SkipReason(f"no new or changed files in {landing}{note}")
        keys, checks = selection_for(sources, context.repository_def.asset_graph)
        changed = sorted(n for n, sig in current.items() if previous.get(n) != sig)
        run_key = hashlib.sha256(json.dumps([(n, current[n]) for n in changed]).encode()).hexdigest()[:16]
        return dg.RunRequest(run_key=run_key, asset_selection=keys, asset_check_keys=checks,
                             tags={"oba/sources": ",".join(sources)[:200], "oba/trigger": "landing sensor"})

    return nightly, landing_folder


def definitions() -> dg.Definitions:
    """The ``everything`` job with its nightly schedule and landing-folder sensor."""
    everything = dg.define_asset_job(
        JOB, selection=dg.AssetSelection.all(),
        description="Materialise every asset: ingest, indicators, benchmarks, outputs.")
    nightly, landing_sensor = build(everything)
    return dg.Definitions(jobs=[everything], schedules=[nightly], sensors=[landing_sensor])
