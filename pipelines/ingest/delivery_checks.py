"""Asset checks on every source's deliveries, evaluated on ``stg_<source>`` after it loads.

A bad delivery holds itself, not the night: the delivery-level rules (too many records
quarantined, an empty or shrinking re-issue, shorter coverage) are applied by the loader
to each new delivery before it replaces anything (``pipelines.ingest.holding``), so a
delivery failing them is *held* and never in force. The checks here report; only the
loader's own bookkeeping blocks.

Blocking (ERROR: the source's downstream assets, and so the publish step, do not run):
  * ``load_log_reconciles`` every file accounts for each record it held (loaded, quarantined,
                            refused, superseded by a re-issue or held), the quarantine
                            table agrees with the log, nothing is left half-validated and
                            ``stg_<source>`` holds exactly the rows the log says it loaded.
                            A failure is a bug, not a data problem.
Warnings (WARN: reported, nothing stops):
  * ``quarantine_share``    quarantined records / records read over the deliveries in force
                            (a delivery over the threshold is held; one an officer released
                            is reported here);
  * ``no_empty_delivery``   an empty re-issue in force replaced a delivery that had records
                            (only when an officer released it), or no delivery in force has
                            any record;
  * ``fresh``               the newest delivery is at most ``cadence_days`` old on the
                            reference date (``OBA_AS_AT``, default today);
  * ``deliveries_accepted`` files held, refused, rejected or unreadable (their period keeps the
                            earlier delivery), files ignored as duplicates, and files in the
                            landing folder whose name matches no source (nearest one warns).

All five are evaluated by the source's ingest step (``pipelines.ingest.assets``), right after it
stages the deliveries: one query on the connection already open, and no extra step per
source. A blocking failure fails that step, so nothing downstream of the source runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import dagster as dg

from pipelines.ingest.holding import SMALL_NUMBER, quarantine_share_exceeded
from pipelines.ingest.landing import read_regular, scan
from pipelines.ingest.loading import deliveries, not_delivered
from pipelines.warehouse import read_sql, table_exists
from sources.catalogue import Source

SQL = Path(__file__).parent / "sql"

BLOCKING = ("load_log_reconciles",)
WARNINGS = ("quarantine_share", "no_empty_delivery", "fresh", "deliveries_accepted")


def as_at() -> dt.date:
    """The reference date for freshness: ``OBA_AS_AT`` (YYYY-MM-DD) if set, else today."""
    value = os.environ.get("OBA_AS_AT", "").strip()
    return dt.date.fromisoformat(value) if value else dt.date.today()


def health(con, source: Source) -> dict:
    """The figures every check of ``source`` needs, from load_log and quarantine."""
    sql = read_sql(SQL / "source_health.sql")
    cur = con.execute(sql, {"source": source.name})
    row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    staged = con.execute(f'select count(*) from "stg_{source.name}"').fetchone()[0] \
        if table_exists(con, f"stg_{source.name}") else 0
    row["rows_staged"] = staged
    row["logged"] = dict(con.execute("select source_file, file_hash from load_log where source = ?",
                                     [source.name]).fetchall())
    return row


def freshness(source: Source, last_delivered: dt.datetime | None, on: dt.date) -> tuple[bool, int | None, str]:
    """(fresh, age in days, sentence). A delivery dated after ``on`` counts as age 0."""
    if last_delivered is None:
        return False, None, f"{source.title}: nothing delivered yet (expected every {source.cadence_days} days)"
    age = max(0, (on - last_delivered.date()).days)
    ok = age <= source.cadence_days
    word = "fresh" if ok else "OVERDUE"
    return ok, age, (f"{source.title}: {word}: last delivery {last_delivered.date()}, {age} days before "
                     f"{on} (expected every {source.cadence_days} days)")


def ignored_duplicates(source: Source, landing, logged: dict[str, str]) -> list[str]:
    """Landing files the loader skipped because identical content is already loaded under another name."""
    by_hash = {h: name for name, h in logged.items()}
    out = []
    for path, _, _ in deliveries(source, landing):
        if path.name not in logged:
            try:
                twin = by_hash.get(hashlib.sha256(read_regular(path)).hexdigest())
            except OSError:
                continue  # replaced by something that is not a regular file since: the load log says so
            if twin:
                out.append(f"{path.name} (identical to {twin}, already loaded; ignored)")
    return out


def not_deliveries(source: Source, landing) -> list[str]:
    """Landing entries, still there, of ``source`` (or nearest to it) that are not deliveries:
    names no source recognises, links, folders, FIFOs, devices, names with control characters."""
    return [f"{e.name} ({e.kind}: {e.message})" for e in not_delivered(source, scan(landing))]


def evaluate(source: Source, h: dict, duplicates: list[str], on: dt.date) -> list[dg.AssetCheckResult]:
    """The five check results for one source from its health figures (pure; tested directly)."""
    key = dg.AssetKey(f"stg_{source.name}")
    err, warn = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN

    share = h["rows_quarantined"] / h["rows_read"] if h["rows_read"] else 0.0
    # A handful of bad records in a small source (9 audits, 1 bad = 11%) is not a broken feed.
    share_ok = not quarantine_share_exceeded(source, h["rows_read"], h["rows_quarantined"])
    share_text = (f"{h['rows_quarantined']} of {h['rows_read']} records quarantined ({share:.1%}); "
                  f"threshold {source.max_quarantine_share:.0%} (and more than {SMALL_NUMBER} records); "
                  f"a delivery over it is held unless released")

    problems = []
    if h["unreconciled_files"]:
        problems.append("rows read <> loaded + quarantined + refused + superseded + held for "
                        + ", ".join(h["unreconciled_files"]))
    if h["quarantine_mismatch_files"]:
        problems.append("quarantine table disagrees with the log for " + ", ".join(h["quarantine_mismatch_files"]))
    if h["pending_files"]:
        problems.append(f"{h['pending_files']} deliveries loaded but not validated")
    if h["rows_staged"] != h["rows_loaded"]:
        problems.append(f"stg_{source.name} holds {h['rows_staged']} rows, the load log says {h['rows_loaded']}")

    blanking = [f"{f} (replaces a delivery that had records)" for f in h["blanking_files"] or []]
    if h["current_files"] and not h["rows_loaded"]:
        blanking.append(f"none of the {h['current_files']} deliveries in force has a record")
    fresh_ok, age, fresh_text = freshness(source, h["last_delivered_at"], on)
    not_loaded = [*(h["not_loaded_files"] or []), *duplicates,
                  *(f"{f} (no records)" for f in h["empty_files"] or [])]

    def result(name, passed, severity, text, **meta):
        return dg.AssetCheckResult(asset_key=key, check_name=name, passed=bool(passed), severity=severity,
                                   description=text, metadata={"reason": text, **meta})

    return [
        result("quarantine_share", share_ok, warn, share_text, share=float(round(share, 6)),
               threshold=float(source.max_quarantine_share), rows_read=int(h["rows_read"]),
               rows_quarantined=int(h["rows_quarantined"])),
        result("load_log_reconciles", not problems, err,
               "; ".join(problems) if problems else
               f"{h['current_files']} deliveries in force reconcile; {h['rows_staged']} rows staged",
               rows_staged=int(h["rows_staged"]), rows_loaded=int(h["rows_loaded"])),
        result("no_empty_delivery", not blanking, warn,
               ("empty delivery would blank out data (deliver a corrected re-issue, e.g. _v3): "
                + "; ".join(blanking)) if blanking else "no delivery in force blanks out a period"),
        result("fresh", fresh_ok, warn, fresh_text, age_days=age if age is not None else -1,
               cadence_days=source.cadence_days, as_at=str(on), newest_period=h["newest_period"] or "",
               last_delivered=str(h["last_delivered_at"] or "")),
        result("deliveries_accepted", not not_loaded, warn,
               ("files not loaded: " + "; ".join(not_loaded)) if not_loaded else "every delivery accepted",
               files_not_loaded=len(not_loaded)),
    ]


def specs(source: Source) -> list[dg.AssetCheckSpec]:
    """The five checks of ``source``, on ``stg_<source>``; the ingest step evaluates them (``results``)."""
    key = dg.AssetKey(f"stg_{source.name}")
    return [
        dg.AssetCheckSpec("quarantine_share", asset=key,
                          description=f"Quarantined share of records <= {source.max_quarantine_share:.0%}; "
                                      f"a delivery over it is held (warning)"),
        dg.AssetCheckSpec("load_log_reconciles", asset=key, blocking=True,
                          description="Every record read is loaded, quarantined, refused, superseded or held; "
                                      "stg matches the log"),
        dg.AssetCheckSpec("no_empty_delivery", asset=key,
                          description="No empty re-issue blanks out a period (it is held); the source has records "
                                      "(warning)"),
        dg.AssetCheckSpec("fresh", asset=key,
                          description=f"Delivered within the last {source.cadence_days} days (warning)"),
        dg.AssetCheckSpec("deliveries_accepted", asset=key,
                          description="No file held, refused, rejected, unreadable, empty or ignored as a duplicate (warning)"),
    ]


def results(con, source: Source, landing, selected: set[dg.AssetCheckKey] | None = None) -> list[dg.AssetCheckResult]:
    """The check results of ``source`` (those in ``selected``, or all), from the warehouse as it is now."""
    h = health(con, source)
    duplicates = ignored_duplicates(source, landing, h["logged"]) + not_deliveries(source, landing)
    return [r for r in evaluate(source, h, duplicates, as_at())
            if selected is None or dg.AssetCheckKey(r.asset_key, r.check_name) in selected]
