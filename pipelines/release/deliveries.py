"""What of the delivery log and the quarantine may leave the council (the shareable file's
``load_log`` and ``quarantine_checks``), and the one rule that protects their row counts.

Row counts are counts of records about children and families, so they are published under the
indicators' rule (``indicators.disclosure.suppress``): each delivery is a group whose total is
``rows_read`` and whose parts are the rows loaded, quarantined and refused. A hidden count is
kept as a blank (NULL) with ``<column>_suppressed`` true, so the columns stay typed; ``as_shown``
turns them back into "c" for a page. The message keeps only what the paper reads from it (the
hold rule, "not read"), never a count or a value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.disclosure import SUPPRESSED, suppress
from pipelines.ingest.holding import HELD, held
from pipelines.ingest.landing import NOT_READ

COUNTS = ["rows_read", "rows_loaded", "rows_quarantined", "rows_refused"]
# The file's name (masked and escaped at landing), version and SHA-256 name a delivery (the paper's
# provenance annex and "since the last board"); none is a count or a value.
LOG_COLUMNS = ["source", "source_file", "period", "version", "file_hash", "status", "received_at", "encoding", "message"]


def flag(column: str) -> str:
    return f"{column}_suppressed"


def hide_total_with_parts(long: pd.DataFrame, group: str = "source") -> pd.DataFrame:
    """rows_read hidden wherever one of its parts is: the parts are also bounded by what the
    paper prints elsewhere (an indicator's cases are at most the rows loaded), so a shown total
    beside a hidden part narrows the part ("369 read, loaded c" beside 368 cases leaves 1 or 0
    quarantined). With the total hidden, every part is only known to be at least 1."""
    hidden = long["rows"].astype(object).eq(SUPPRESSED).groupby(long[group]).transform("any")
    out = long.copy()
    out.loc[hidden & out["kind"].eq("rows_read"), "rows"] = SUPPRESSED
    return out


def protected_counts(log: pd.DataFrame, group: str = "source") -> pd.DataFrame:
    """The four row counts of each delivery (one row of ``log`` per ``group`` value) as they may be
    shown: numbers, "c" where hidden (``suppress`` with rows_read as the group's total, then
    ``hide_total_with_parts``). Columns ``group`` and the four counts, one row per group."""
    long = log.melt(id_vars=[group], value_vars=COUNTS, var_name="kind", value_name="rows")
    long = suppress(long, ["rows"], group_columns=[group], total_marker="rows_read", breakdown_column="kind")
    long = hide_total_with_parts(long, group)
    wide = long.pivot(index=group, columns="kind", values="rows").reset_index()
    return wide[[group, *COUNTS]]


def _message(status, message) -> str | None:
    """Of a log message, what the paper reads: the hold rule ("<file>: held (rule)") and whether
    the entry was read at all; nothing else (messages carry counts and values)."""
    if not isinstance(message, str):
        return None
    if status == HELD and message.startswith("held ("):          # "held (rule): <counts and values>"
        return f"held ({message[len('held ('):].split(')', 1)[0]})"
    if status == HELD and ": held (" in message:
        head, rule = message.split(": held (", 1)
        return f"{head}: held ({rule.split(')', 1)[0]})"
    return NOT_READ if message.endswith(NOT_READ) else None


def shareable_log(load_log: pd.DataFrame) -> pd.DataFrame:
    """``load_log`` as it may leave: ``LOG_COLUMNS`` (message reduced to ``_message``), the four
    counts protected per delivery, blank where hidden, with their ``_suppressed`` flags."""
    log = load_log.reset_index(drop=True).reindex(columns=[*LOG_COLUMNS, *COUNTS])
    out = log[LOG_COLUMNS].copy()
    out["message"] = [_message(s, m) for s, m in zip(log["status"], log["message"])]
    keyed = log[COUNTS].apply(pd.to_numeric, errors="coerce").assign(_row=np.arange(len(log)))
    shown = protected_counts(keyed, "_row").set_index("_row").reindex(range(len(log))) if len(log) else \
        pd.DataFrame(columns=COUNTS)
    for c in COUNTS:
        hidden = shown[c].astype(object).eq(SUPPRESSED).to_numpy(bool)
        exact = pd.to_numeric(log[c], errors="coerce")
        out[c] = exact.where(~hidden).astype("Int64")
        out[flag(c)] = hidden
    return out


def as_shown(log: pd.DataFrame) -> pd.DataFrame:
    """A delivery log with each hidden count ("_suppressed" flag) as "c"; an exact log unchanged."""
    out = log.copy()
    for c in COUNTS:
        if flag(c) in out.columns and c in out.columns:
            col = out[c].astype(object)
            col[out[flag(c)].fillna(False).astype(bool).to_numpy()] = SUPPRESSED
            out[c] = col
    return out


def quarantine_checks(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Per delivery (source, source_file) and check, how many quarantine rows failed it, protected
    as the paper shows them (``suppress`` within the delivery; blank and ``rows_suppressed`` where
    hidden). No record, no value."""
    columns = ["source", "source_file", "check_name", "rows", flag("rows")]
    if quarantine.empty:
        return pd.DataFrame(columns=columns)
    per = quarantine.groupby(["source", "source_file", "check_name"]).size().rename("rows").reset_index()
    shown = suppress(per, ["rows"], group_columns=["source", "source_file"])
    hidden = shown["rows"].astype(object).eq(SUPPRESSED).to_numpy(bool)
    per["rows"] = per["rows"].where(~hidden).astype("Int64")
    per[flag("rows")] = hidden
    return per[columns]


def as_checks_shown(checks: pd.DataFrame) -> pd.DataFrame:
    """``quarantine_checks`` rows as (check_name, rows) with each hidden count as "c"."""
    rows = checks["rows"].astype(object)
    if flag("rows") in checks.columns:
        rows[checks[flag("rows")].fillna(False).astype(bool).to_numpy()] = SUPPRESSED
    return pd.DataFrame({"check_name": checks["check_name"].to_numpy(), "rows": rows.to_numpy()})


def held_rows(con) -> list[dict]:
    """The deliveries held (not applied), from the log on ``con`` (``pipelines.ingest.holding.held``):
    file (as the log shows it, identifiers masked), source and what it means, in words without counts."""
    return [{"file": h.source_file, "source": h.source, "text": h.plain()} for h in held(con)]
