"""Why each verdict is what it is, in words, wherever a reader sees the verdict (the paper's
scorecard, its indicator sections and supporting tables, the workbook).

The trend's and the RAG's reasons are the scorecard's own (``trend_reason``, ``rag_reason``,
written where the judgement is made); a comparator left out is said to be missing, with
why: the measure has no published equivalent, nothing is published for its period or
earlier yet, or one of England, the region or the neighbours is not published for the
period compared.
"""

from __future__ import annotations

from indicators.disclosure import SUPPRESSED
from pipelines.outputs import fmt

# (column of the paper's rows, who it is); None: the region, named by the caller.
COMPARATORS = (("england_value", "England"), ("region_value", None), ("sn_value", "statistical neighbours' mean"))


def said(v) -> bool:
    """A reason worth printing: text, not blank or suppressed."""
    return isinstance(v, str) and v.strip() not in ("", SUPPRESSED)


def comparator_missing(r, region: str = "Region", columns=("england_value", "region_value", "sn_value")) -> str | None:
    """Why a comparator of ``columns`` is missing from row ``r`` (None when none is, or the
    value itself is suppressed): no published equivalent; nothing published up to the
    row's period; or which of them is not published for the period compared."""
    if r.get("value") == SUPPRESSED or fmt.missing(r.get("period")):
        return None
    period = r.get("benchmark_period")
    if fmt.missing(period):
        if not said(r.get("published_equivalent")):
            return "no published equivalent of this measure"
        return f"no comparator is published for {r['period']} or earlier yet"
    gone = [who or region for col, who in COMPARATORS if col in columns and fmt.missing(r.get(col))]
    if not gone:
        return None
    return f"no {' or '.join(gone)} figure is published for {period}, so there is no comparison with it"


def notes(r, region: str = "Region", columns=("england_value", "region_value", "sn_value"),
          brief: bool = False) -> list[str]:
    """The reasons beside a row's verdicts: "Trend: ...", "RAG: ...", "Comparators: ...".
    ``brief``: the trend's reason without its test statistic, the RAG's without what the
    colour already says (the section gives both whole)."""
    if fmt.missing(r.get("period")):   # nothing to judge yet: say what it waits for
        awaits = r.get("awaits")
        return ["No complete period yet, so no verdict" + (f": {awaits}" if said(awaits) else "")]
    out = []
    if said(r.get("trend_reason")):
        trend = str(r["trend_reason"])
        out.append(f"Trend: {trend.split(': chi-square')[0] if brief else trend}")
    if said(r.get("rag_reason")):
        rag = str(r["rag_reason"])
        # Brief: what the interval says (the colour already says met or missed).
        if rag.lower().startswith("no rag"):     # "no RAG: no target set for this period"
            out.append(rag[0].upper() + rag[1:])
        else:
            out.append(f"RAG: {rag.split('; ', 1)[-1] if brief else rag}")
    why = comparator_missing(r, region, columns)
    if why:
        out.append(f"Comparators: {why}")
    return out
