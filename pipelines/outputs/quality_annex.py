"""The data quality annex: each source's last delivery and what validation made of it.

Row counts are counts of records about children and families, so the paper publishes
them under the same disclosure rule as the indicators (1 to 5 shown as "c"); the exact
figures are in the warehouse (``load_log``, ``quarantine``) and the data quality notebook.
"""

from __future__ import annotations

import pandas as pd

import duckdb

from indicators.disclosure import suppress
from pipelines.ingest.landing import NOT_READ
from pipelines.outputs import fmt
from pipelines.prepare.common import shown_value
from pipelines.prepare.output import load_manifest
from pipelines.release import deliveries
from pipelines.settings import paths

COUNTS = ["rows_read", "rows_loaded", "rows_quarantined", "rows_refused"]
COLUMNS = ["Source", "Last delivery", "Received", "Status", "Rows read", "Rows loaded",
           "Rows quarantined", "Rows refused", "Checks"]


def latest_deliveries(load_log: pd.DataFrame) -> pd.DataFrame:
    """The most recently received file of each source: superseded versions excluded, and so
    are landing entries that were never deliveries (unrecognised names, links, folders and
    other entries refused unread, ``pipelines.ingest.landing``)."""
    if load_log.empty:
        return load_log
    status = load_log["status"].astype(str)
    message = load_log["message"] if "message" in load_log else pd.Series("", index=load_log.index)
    unread = status.isin(["unrecognised", "refused"]) & message.fillna("").astype(str).str.endswith(NOT_READ)
    log = load_log[(status != "superseded") & ~unread]
    log = log.sort_values(["source", "received_at", "source_file"])
    return log.groupby("source", sort=True).tail(1).reset_index(drop=True)


def _checks(quarantine: pd.DataFrame, source: str, source_file: str) -> str:
    if quarantine.empty:
        return "all passed"
    q = quarantine[(quarantine["source"] == source) & (quarantine["source_file"] == source_file)]
    if q.empty:
        return "all passed"
    # One quarantine row per failed check; a record can fail several checks. The shareable
    # file holds the counts per check already (``quarantine_checks``, hidden ones flagged).
    if "rows" in q.columns:
        per = deliveries.as_checks_shown(q)
    else:
        per = q.groupby("check_name").size().rename("rows").reset_index()
    per = suppress(per, ["rows"])
    return "failed: " + "; ".join(f"{r.check_name} ({fmt.number(r.rows, 'count')} rows)"
                                  for r in per.itertuples())


def annex_rows(load_log: pd.DataFrame, quarantine: pd.DataFrame) -> list[list[str]]:
    """The annex's table: each source's last delivery, its row counts as they may be shown and the
    checks its rows failed. ``load_log`` and ``quarantine``: the warehouse's, or the shareable file's
    (``load_log`` with hidden counts flagged, ``quarantine_checks``)."""
    last = latest_deliveries(deliveries.as_shown(load_log))
    if last.empty:
        return []
    # rows_read = loaded + quarantined + refused, so each source is a group whose total
    # is rows_read: secondary suppression then stops a hidden count being worked out
    # (the shareable log's counts are protected already: the rule changes nothing there).
    shown = last.drop(columns=COUNTS).merge(deliveries.protected_counts(last), on="source")
    rows = []
    for r, orig in zip(shown.itertuples(), last.itertuples()):
        received = pd.Timestamp(r.received_at).strftime("%d %b %Y") if pd.notna(r.received_at) else fmt.MISSING
        rows.append([r.source, r.source_file, received, r.status,
                     *(fmt.number(getattr(r, c), "count") for c in COUNTS),
                     _checks(quarantine, orig.source, orig.source_file)])
    return rows


def held_notes(load_log: pd.DataFrame, catalogue: pd.DataFrame) -> list[dict]:
    """Each delivery held (not applied) and what it means for the paper's figures: the same list
    as the run summary and ``oba status`` (``pipelines.ingest.holding.held``), without counts."""
    if load_log.empty:
        return []
    # The columns the list is read from (a load log from before a column was added has it blank).
    needed = {"source": None, "source_file": None, "period": None, "version": None, "status": None,
              "rows_read": 0, "encoding": None, "message": None, "received_at": None}
    log = load_log.assign(**{c: v for c, v in needed.items() if c not in load_log.columns})[list(needed)]
    con = duckdb.connect()
    try:
        con.register("load_log", log)
        if {"indicator_id", "sources"} <= set(catalogue.columns):
            con.register("indicator_catalogue", catalogue[["indicator_id", "sources"]])
        return deliveries.held_rows(con)
    finally:
        con.close()


# --- local values the mapping table lacks (``oba prepare``'s manifest) -------------------

UNMAPPED_COLUMNS = ["Return", "Field", "Value as written", "Rows"]
ALL_VALUES = "All values not mapped"


def unmapped_values(data_dir=None) -> pd.DataFrame:
    """Each local value (Annex A referral source ...) that statutory returns held and the
    local spellings table did not map, with its rows: columns ``format``, ``field``,
    ``value``, ``rows``, from ``<data dir>/prepare_manifest.json``. An input file prepared
    again counts once, as its latest run found it (the table may have been extended since);
    files of the same name read in one run are all counted. A value the identifier guard
    takes for an identifier is masked, as the manifest does."""
    latest: dict[tuple, list[dict]] = {}
    for run in load_manifest(paths(data_dir)).get("runs", []):
        this_run: dict[tuple, list[dict]] = {}
        for read in run.get("inputs", []):
            this_run.setdefault((run.get("format", ""), read.get("file", "")), []).extend(read.get("tables", []))
        latest.update(this_run)
    counts: dict[tuple[str, str, str], int] = {}
    for (fmt_name, _), tables in latest.items():
        for table in tables:
            for field, values in (table.get("unmapped") or {}).items():
                for value, n in values.items():
                    key = (fmt_name, field, shown_value(field, value))
                    counts[key] = counts.get(key, 0) + int(n)
    return pd.DataFrame([(*k, n) for k, n in sorted(counts.items())], columns=["format", "field", "value", "rows"])


def unmapped_rows(unmapped: pd.DataFrame | None) -> list[list[str]]:
    """The annex's table of unmapped values: per return and field, a total and each value,
    counts of 1 to 5 shown as c (with secondary suppression within the field)."""
    if unmapped is None or unmapped.empty:
        return []
    totals = unmapped.groupby(["format", "field"], as_index=False)["rows"].sum().assign(value=ALL_VALUES)
    long = pd.concat([totals, unmapped], ignore_index=True)
    long["_order"] = long["value"].ne(ALL_VALUES)
    long = long.sort_values(["format", "field", "_order", "value"], kind="stable").reset_index(drop=True)
    long = suppress(long, ["rows"], group_columns=["format", "field"], total_marker=ALL_VALUES,
                    breakdown_column="value")
    return [[r.format, r.field, r.value, fmt.number(r.rows, "count")] for r in long.itertuples()]
