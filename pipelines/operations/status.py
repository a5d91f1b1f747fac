"""Run history for people: ``meta_runs`` in the warehouse, and the ``oba status`` report.

The Dagster instance ($DAGSTER_HOME) is the record of every run, however it started
(``oba run``, the nightly schedule, the landing sensor, the UI). The publish step copies
that record into ``meta_runs`` so it travels with the warehouse officers open; ``oba
status`` reads the *published* file read-only and adds runs that finished after it was
published (failed runs and unchanged runs do not replace the file).
"""

from __future__ import annotations


import dagster as dg
import duckdb

from pipelines.release.run_log import JOB, describe_run
from pipelines.settings import Paths
from pipelines.warehouse import table_exists

def _process_gone(tags: dict) -> bool:
    """Whether the `oba run` process that started a run on this machine no longer exists."""
    import os

    from pipelines.operations.reaper import alive
    from pipelines.operations.runner import HOST_TAG, PID_TAG

    pid = tags.get(PID_TAG, "")
    return tags.get(HOST_TAG) == os.uname().nodename and pid.isdigit() and not alive(int(pid))


def _table(rows: list[tuple], headers: list[str]) -> str:
    cells = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(out)


def _instance_runs(paths: Paths, history: list[tuple], known: set[str]) -> list[tuple]:
    """``history`` completed from the Dagster instance: the final status of the run that
    published (recorded while it was still running), and runs newer than the published
    record (failed runs and unchanged runs do not replace the file)."""
    from pipelines.operations.runner import instance as open_instance

    inst = open_instance(paths)
    after = history[0][2] if history else None
    later, final = [], {}
    for record in inst.get_run_records(filters=dg.RunsFilter(job_name=JOB), limit=20):
        row = describe_run(inst, record)
        if row["status"] in ("STARTED", "STARTING") and _process_gone(record.dagster_run.tags):
            row["status"] = "FAILURE (process ended)"    # the next oba run records it as failed
        final[row["run_id"][:8]] = (row["finished_at"], row["status"])
        if row["run_id"] in known or (after and row["started_at"] and row["started_at"] <= after):
            continue
        note = (row["failures"].splitlines() or ["not published (nothing changed)"])[0]
        later.append((row["run_id"][:8], row["triggered_by"], row["started_at"], row["finished_at"], row["status"],
                      row["assets_materialised"], "no", note[:90]))
    done = [(*r[:3], *final[r[0]], *r[5:]) if r[4] == "publishing" and r[0] in final else r for r in history]
    return later + done


def not_computed_report(paths: Paths) -> str:
    """Which indicators cannot be computed yet and which source or period each awaits
    (pipelines.outputs.awaiting); "" when all are computed or there is no warehouse."""
    from pipelines.outputs.awaiting import report_lines

    if not paths.warehouse.exists():
        return ""
    try:
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            lines = report_lines(con)
    except duckdb.Error:
        return ""
    if not lines:
        return ""
    return "\n".join(["Not computed yet (published: what the data allow):", *(f"  {ln}" for ln in lines)])


def awaited_report(paths: Paths) -> str:
    """Which turn-the-curve parts the default board paper prints as "awaited", from the
    published warehouse and the turn-the-curve files ("" when there is no warehouse)."""
    from pipelines.outputs.gather import awaited_lines

    if not paths.warehouse.exists():
        return ""
    try:
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            period, lines = awaited_lines(con, paths.data_dir)
    except (ValueError, duckdb.Error) as exc:   # no complete period yet, or no indicator tables
        return f"Turn the curve: not checked ({str(exc).splitlines()[0]})"
    if not lines:
        return f"Turn the curve for the {period} paper: every part written."
    return "\n".join([f"Turn the curve awaited for the {period} paper ({len(lines)} indicator(s); "
                      "edit the indicator's file in settings/turn_the_curve/):", *(f"  {ln}" for ln in lines)])


def report(paths: Paths, runs: int = 10) -> tuple[str, bool]:
    """The ``oba status`` text and whether the published warehouse exists."""
    from pipelines.ingest.delivery_checks import as_at, freshness
    from pipelines.ingest.holding import held
    from sources.catalogue import SOURCES

    if not paths.warehouse.exists():
        return f"No published warehouse yet at {paths.warehouse}: run `oba run` (or `oba demo`).", False
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        if not table_exists(con, "meta_runs"):
            return f"{paths.warehouse} has no run history (meta_runs): it was not published by `oba run`.", False
        pub = con.execute("select published_at, run_id, fingerprint from meta_publish "
                          "order by published_at desc limit 1").fetchone()
        history = con.execute(
            "select left(run_id, 8), triggered_by, started_at, finished_at, status, assets_materialised, "
            "case when published then 'yes' else 'no' end, "
            "coalesce(nullif(split_part(failures, chr(10), 1), ''), nullif(split_part(warnings, chr(10), 1), ''), '') "
            "from meta_runs order by started_at desc limit ?", [runs]).fetchall()
        known = {r[0] for r in con.execute("select run_id from meta_runs").fetchall()}
        last = {r[0]: r[1:] for r in con.execute(
            "select source, max(file_modified_at) filter (where status in ('loaded', 'empty', 'superseded')), "
            "max(period) filter (where status in ('loaded', 'empty')), "
            "coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0), "
            "coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0), "
            "count(*) filter (where status in ('refused', 'rejected', 'failed')) "
            "from load_log group by source").fetchall()}
        not_taken = con.execute(
            "select source, source_file, status, received_at, message from load_log "
            "where status in ('unrecognised', 'held', 'refused', 'rejected', 'failed') "
            "order by received_at desc, source_file limit 20").fetchall()
        held_now = held(con)
    finally:
        con.close()
    try:
        runs_table, instance_note = _instance_runs(paths, history, known), ""
    except Exception as exc:  # noqa: BLE001 - a full disk or a read-only instance must not hide the status
        runs_table = history
        instance_note = (f"  (runs after the last publication not shown: the Dagster instance could not be "
                         f"opened: {str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__})")
    on = as_at()
    fresh_rows, stale = [], 0
    for s in SOURCES:
        delivered, period, loaded, quarantined, refused = last.get(s.name, (None, None, 0, 0, 0))
        ok, age, _ = freshness(s, delivered, on)
        stale += not ok
        fresh_rows.append((s.name, delivered.date() if delivered else "never", period or "", age if age is not None
                           else "", s.cadence_days, "ok" if ok else "OVERDUE", loaded, quarantined, refused))
    lines = [f"Published warehouse: {paths.warehouse}",
             f"  published {pub[0]} by run {pub[1][:8] if pub[1] else '-'} (fingerprint {pub[0 + 2][:12]})"
             if pub else "  never published", "", "Recent runs (newest first):",
             _table(runs_table, ["run", "trigger", "started", "finished", "status", "assets", "published",
                                      "first failure / warning"]), *([instance_note] if instance_note else []),
             "", f"Freshness on {on} (OBA_AS_AT to change the reference date): {stale} source(s) overdue",
             _table(fresh_rows, ["source", "last delivery", "newest period", "age (days)", "cadence", "fresh",
                                 "rows loaded", "quarantined", "files refused"])]
    if held_now:
        lines += ["", f"Held deliveries ({len(held_now)}; not applied, each period stays at its last good delivery; "
                      f"`oba release FILE` applies one an officer has checked):",
                  *(f"  {h.line()}" for h in held_now)]
    if not_taken:
        lines += ["", "Landing files not loaded (newest first; unrecognised names, held, refused, rejected or "
                      "unreadable files: see load_log.message):",
                  _table([(r[0], r[1], r[2], r[3], (r[4] or "")[:110]) for r in not_taken],
                         ["source", "file", "status", "seen", "why"])]
    missing = not_computed_report(paths)
    lines += ["", *([missing, ""] if missing else []), awaited_report(paths)]
    return "\n".join(lines), True
