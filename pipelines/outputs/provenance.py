"""The paper's provenance annex: per indicator, the deliveries behind its figures.

An indicator is computed from the staged rows of the sources its measures name
(``indicator_catalogue.sources``); the deliveries behind it are those sources' deliveries in
force (``load_log``: file, version, when received, SHA-256, rows loaded). Most sources feed
several indicators, so the annex lists each indicator's sources, then each source's deliveries
once, headed by the indicators they are behind (a delivery printed once per indicator took eight
pages of the demo's paper). ``oba explain ID``
says, figure by figure, which of them a figure used and what their rows contribute. Rows of 1 to
5 are shown as "c", like every count the paper prints.
"""

from __future__ import annotations

import pandas as pd

from indicators.disclosure import SUPPRESSED, is_disclosive
from pipelines.ingest.holding import LIVE
from pipelines.outputs import fmt

COLUMNS = ["Delivery", "v", "Received", "SHA-256", "Rows"]
SHORT = 10


def _rows(v) -> str:
    if v == SUPPRESSED:
        return SUPPRESSED
    if fmt.missing(v):
        return fmt.MISSING
    return SUPPRESSED if is_disclosive(v) else fmt.number(v, "count")


def sources_of(catalogue: pd.DataFrame) -> dict[str, list[str]]:
    """indicator -> the sources its measures are computed from, in catalogue order."""
    out: dict[str, list[str]] = {}
    for ind, names in zip(catalogue["indicator_id"], catalogue["sources"]):
        for s in str(names or "").split(","):
            s = s.strip()
            if s and s not in out.setdefault(ind, []):
                out[ind].append(s)
    return out


def annex(catalogue: pd.DataFrame, load_log: pd.DataFrame) -> dict:
    """``indicators``: (indicator, its sources) in catalogue order; ``sources``: one entry per
    source an indicator reads, with the indicators it is behind and a row per delivery in force."""
    needed = {"source", "status", "source_file", "version", "received_at", "file_hash", "rows_loaded"}
    if load_log.empty or not needed <= set(load_log.columns):
        # No delivery log with file identities (a copy without them): every source lists none.
        load_log = pd.DataFrame(columns=sorted(needed))
    log = load_log[load_log["status"].isin(LIVE)].copy()
    if "rows_loaded_suppressed" in log.columns:       # the shareable file: a hidden count is blank, flagged
        hidden = log["rows_loaded_suppressed"].fillna(False).astype(bool)
        log["rows_loaded"] = log["rows_loaded"].astype(object).where(~hidden, SUPPRESSED)
    per = sources_of(catalogue)
    behind: dict[str, list[str]] = {}
    for ind, names in per.items():
        for s in names:
            behind.setdefault(s, []).append(ind)
    sources = []
    for source in sorted(behind):
        mine = log[log["source"] == source].sort_values(["received_at", "source_file"])
        rows = [[f, str(int(v)) if not fmt.missing(v) else "1",
                 pd.Timestamp(r).strftime("%d %b %Y") if not fmt.missing(r) else fmt.MISSING,
                 str(h)[:SHORT], _rows(n)]
                for f, v, r, h, n in zip(mine.get("source_file", []), mine.get("version", []),
                                         mine.get("received_at", []), mine.get("file_hash", []),
                                         mine.get("rows_loaded", []))]
        sources.append(dict(source=source, indicators=", ".join(behind[source]), rows=rows))
    return dict(indicators=[(ind, ", ".join(names)) for ind, names in per.items()], sources=sources)
