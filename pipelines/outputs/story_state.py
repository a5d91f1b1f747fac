"""The state of each turn-the-curve story as the paper shows it: who wrote it, when, for which
data, whether it was reviewed; whether the data it describes changed after it was written;
and actions past their due date with no status.

A story is **written before the data it describes changed** when its ``data_as_at`` is
earlier than the end of the period it describes (the period was not complete when it was
written), or when a re-issue (version 2 or later) of a delivery of one of the indicator's
sources covering that period was received after ``data_as_at`` (the figures were revised
since). A file without the state fields is shown as "state not recorded", never refused.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators import turn_the_curve
from sources import catalogue as sources

NOT_RECORDED = ("state not recorded (the entry has no written, data_as_at or reviewed field: "
                "see the turn-the-curve template)")


def _day(v) -> str:
    return v.strftime("%d %B %Y").lstrip("0") if isinstance(v, dt.date) else "not recorded"


def describe(state: dict) -> str:
    """The state in one sentence (or "state not recorded")."""
    if not state["recorded"]:
        return NOT_RECORDED[0].upper() + NOT_RECORDED[1:] + "."
    reviewed = {True: "reviewed" + (f" by {state['reviewed_by']}" if state.get("reviewed_by") else ""),
                False: "not yet reviewed", None: "review not recorded"}[state.get("reviewed")]
    return (f"Written by {state.get('author') or 'author not recorded'} on {_day(state.get('written'))}, "
            f"for the data as at {_day(state.get('data_as_at'))}; {reviewed}.")


def _sources(catalogue: pd.DataFrame, indicator: str) -> list[str]:
    head = catalogue[(catalogue["indicator_id"] == indicator) & catalogue["is_headline"].astype(bool)]
    if head.empty or not isinstance(head["sources"].iloc[0], str):
        return []
    return [s.strip().removeprefix("stg_") for s in head["sources"].iloc[0].split(",") if s.strip()]


def _revisions(load_log: pd.DataFrame, names: list[str], start: dt.date, end: dt.date,
               after: dt.date) -> list[str]:
    """Re-issues of the sources' deliveries covering start..end received after ``after``."""
    if load_log is None or load_log.empty or not {"source", "period", "version", "received_at"} <= set(load_log):
        return []
    log = load_log[load_log["source"].isin(names) & (pd.to_numeric(load_log["version"], errors="coerce") > 1)
                   & load_log["status"].isin(["loaded", "superseded"])]
    out = []
    for r in log.itertuples():
        try:
            bounds = sources.get(r.source).period_bounds(str(r.period))
        except KeyError:
            continue
        received = pd.Timestamp(r.received_at).date() if not pd.isna(r.received_at) else None
        if bounds and bounds[0] <= end and bounds[1] >= start and received and received > after:
            out.append(f"{r.source} {r.period} re-issued (version {int(r.version)}) on {_day(received)}")
    return sorted(set(out))


def stale(state: dict, period: str, start: dt.date | None, end: dt.date | None, catalogue: pd.DataFrame,
          indicator: str, load_log: pd.DataFrame) -> str | None:
    """Why the story was written before the data it describes changed, or None (also when
    its data as at is not recorded: then the state line says so)."""
    as_at = state.get("data_as_at")
    if not isinstance(as_at, dt.date) or end is None:
        return None
    if as_at < end:
        return (f"written with the data as at {_day(as_at)}, before {period} was complete "
                f"({_day(end)}): the figures it describes have changed since")
    changed = _revisions(load_log, _sources(catalogue, indicator), start or end, end, as_at)
    if changed:
        return f"the figures it describes were revised after it was written: {'; '.join(changed)}"
    return None


def overdue(due, status, today: dt.date) -> bool:
    """An action past its due date with no status."""
    return isinstance(due, dt.date) and due < today and not (isinstance(status, str) and status.strip())


def entry(curve: pd.DataFrame, indicator: str, period, start, end, catalogue: pd.DataFrame,
          load_log: pd.DataFrame) -> dict:
    """The state of ``indicator``'s entry for ``period``: its sentence and why it is stale."""
    state = turn_the_curve.state(curve, indicator, period)
    if not state["exists"]:
        return dict(text=None, stale=None, recorded=False)
    return dict(text=describe(state), recorded=state["recorded"],
                stale=stale(state, str(period), start, end, catalogue, indicator, load_log))
