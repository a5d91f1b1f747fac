"""The executive summary, written from the scorecard so it always matches the tables."""

from __future__ import annotations

import pandas as pd


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count(series: pd.Series, value: str) -> int:
    return int((series.astype(str) == value).sum())


def _names(rows: pd.DataFrame, mask: pd.Series) -> str:
    picked = rows.loc[mask.fillna(False).astype(bool)]
    return "; ".join(f"{r.indicator_id} {r.title}" for r in picked.itertuples())


def _earlier_benchmarks(head) -> bool:
    """Whether any headline's benchmark verdict is for an earlier period than its value."""
    if "benchmark_period" not in head:
        return False
    bp = head["benchmark_period"]
    return bool((bp.notna() & (bp.astype(str) != head["period"].astype(str))).any())


def sentences(rows: pd.DataFrame) -> list[str]:
    """Paragraphs of plain English about the headline measures, then all measures."""
    head = rows[rows["is_headline"].astype(bool)]
    out = []
    judged = head["rag"].isin(["green", "amber", "red"])
    if judged.any():
        g, a, r = (_count(head["rag"], c) for c in ("green", "amber", "red"))
        out.append(f"Of the {_plural(int(judged.sum()), 'headline measure')} with a target for this period, "
                   f"{g} {'is' if g == 1 else 'are'} on target (green), {a} within tolerance (amber) and "
                   f"{r} off target (red)."
                   + (f" Off target: {_names(head, head['rag'] == 'red')}." if r else ""))
    else:
        out.append("No headline measure has a target for this period.")
    trend = head["trend"].astype(str)
    better, worse = _count(trend, "getting better"), _count(trend, "getting worse")
    same = _count(trend, "no significant change")
    out.append(f"Over the last five periods, {better} headline {'measure is' if better == 1 else 'measures are'} "
               f"getting better, {worse} getting worse and {same} show no significant change"
               + ("; the rest have too few periods or no direction to judge." if better + worse + same < len(head)
                  else ".")
               + (f" Getting worse: {_names(head, trend == 'getting worse')}." if worse else ""))
    # The neighbours have their own key message (``messages``).
    for col, who in (("vs_england", "England"),):
        comp = head[col].astype(str)
        n = int(comp.isin(["better", "similar", "worse", "higher", "lower"]).sum())
        if n == 0:
            out.append(f"No headline measure could be compared with {who} this period.")
            continue
        b, w = _count(comp, "better"), _count(comp, "worse")
        out.append(f"Compared with {who} ({_plural(n, 'headline measure')} with a published equivalent): "
                   f"{b} significantly better, {w} significantly worse and {n - b - w} not significantly "
                   f"different (the benchmark lies inside our 95% confidence interval)"
                   + (", each for the latest period with a published figure, set against our value of "
                      "that period" if _earlier_benchmarks(head) else "") + ".")
    all_judged = rows["rag"].isin(["green", "amber", "red"])
    out.append(f"Across all {len(rows)} measures in this paper, {_count(rows['rag'], 'green')} of "
               f"{int(all_judged.sum())} with a target are on target, "
               f"{_count(rows['trend'].astype(str), 'getting better')} are getting better and "
               f"{_count(rows['trend'].astype(str), 'getting worse')} getting worse.")
    hidden = int(rows["value"].map(lambda v: v == "c").sum())
    if hidden:
        out.append(f"{_plural(hidden, 'measure')} cannot be shown this period because the numbers are "
                   f"too small to publish (shown as c).")
    return out


def _titles(rows: pd.DataFrame) -> list[str]:
    return [f"{r.indicator_id} {r.title}" for r in rows.itertuples()]


def messages(rows: pd.DataFrame, awaited: list[tuple[str, str, str]]) -> list[dict]:
    """The few messages that matter, each a heading, a sentence and the measures it names:
    off target and getting worse; better or worse than the statistical neighbours; what is
    missing (no complete period yet, suppressed, turn-the-curve parts awaited)."""
    head = rows[rows["is_headline"].astype(bool)]
    rag, trend = head["rag"].astype(str), head["trend"].astype(str)
    out = []
    red_worse = head[(rag == "red") & (trend == "getting worse")]
    red_only = head[(rag == "red") & (trend != "getting worse")]
    out.append(dict(
        title="Off target and getting worse",
        text=(f"{_plural(len(red_worse), 'headline measure')} {'is' if len(red_worse) == 1 else 'are'} off target "
              "(red) and getting worse: these need the board's attention first."
              if len(red_worse) else "No headline measure is both off target (red) and getting worse.")
             + (f" Also off target, but not getting worse: {_names(head, (rag == 'red') & (trend != 'getting worse'))}."
                if len(red_only) else ""),
        items=_titles(red_worse)))
    sn = head["vs_sn"].astype(str)
    better, worse = head[sn == "better"], head[sn == "worse"]
    compared = int(sn.isin(["better", "similar", "worse"]).sum())
    valued = int(head["sn_value"].map(lambda v: isinstance(v, (int, float)) and v == v).sum())
    if compared:
        text = (f"Of {_plural(compared, 'headline measure')} compared with our statistical neighbours, "
                f"{len(better)} {'is' if len(better) == 1 else 'are'} significantly better and {len(worse)} "
                f"significantly worse; the rest are similar.")
    elif valued:
        text = (f"{_plural(valued, 'headline measure')} {'has' if valued == 1 else 'have'} a published neighbours' "
                "figure, but no statistical comparison was made for this period.")
    else:
        text = "No headline measure could be compared with our statistical neighbours for this period."
    out.append(dict(title="Compared with our statistical neighbours", text=text,
                    items=[f"Better: {t}" for t in _titles(better)] + [f"Worse: {t}" for t in _titles(worse)]))
    missing = head[head["period"].isna()]
    hidden = head[head["value"].map(lambda v: v == "c")]
    by_indicator: dict[str, list[str]] = {}
    for ind, _, part in awaited:
        by_indicator.setdefault(ind, []).append(part.replace("_", " "))
    parts = [f"No complete period yet: {t}" + (f" ({r.awaits})" if isinstance(getattr(r, "awaits", None), str)
                                                else "")
             for t, r in zip(_titles(missing), missing.itertuples())]
    parts += [f"Too small to publish (c): {t}" for t in _titles(hidden)]
    if by_indicator:
        full = sum(len(v) == 4 for v in by_indicator.values())
        parts.append(f"Turn the curve awaited for {len(by_indicator)} of {len(head)} indicators"
                     + (f" ({full} with nothing yet)" if full else "") + ": "
                     + "; ".join(f"{i} ({', '.join(v)})" for i, v in by_indicator.items()))
    out.append(dict(title="Data and commentary missing",
                    text=("Nothing is missing: every indicator has a complete period and its turn-the-curve "
                          "entry." if not parts else "What this paper cannot yet tell the board:"),
                    items=parts))
    return out
