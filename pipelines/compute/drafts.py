"""What the data show, drafted from the data: for every headline measure and period, what
moved it since the previous period (Kitagawa's decomposition over each breakdown the
warehouse holds, ``indicators.stats.decomposition``) and how its gap to England and to the
statistical neighbours changed.

Everything here is made from ``indicator_values_published`` (never the exact
``indicator_values``): a part whose count is suppressed ("c") in either period has no
figures, so it is never decomposed and never named, and every figure stored is one that can
be worked out from cells already published. The text is screened like every sentence a
paper prints (``pipelines.outputs.screening`` at the paper, ``free_text.held`` here).

Tables: ``indicator_decomposition`` (one row per headline measure x period x breakdown x
part) and ``indicator_drafts`` (one row per headline measure x period: the paragraph).
"""

from __future__ import annotations

import math

import dagster as dg
import pandas as pd

from indicators.stats import decomposition as dec
from pipelines import tables
from pipelines.ingest import free_text
from pipelines.warehouse import Warehouse, frame_metadata, table_exists

GROUP = "indicators"
LEVEL = 0.95
DECOMPOSITION_COLUMNS = tables.columns("indicator_decomposition")
DRAFT_COLUMNS = tables.columns("indicator_drafts")
LABEL = "Drafted from the data, not by an officer"
BREAKDOWN_WORDS = {"imd_quintile": "deprivation quintile", "age_band": "age band",
                   "vulnerable_group": "group", "year_group": "year group"}
VALUE_WORDS = {("sex", "F"): "girls and women", ("sex", "M"): "boys and men", ("imd_quintile", "1"):
               "deprivation quintile 1 (most deprived)", ("imd_quintile", "5"): "deprivation quintile 5 (least deprived)"}
UNIT_WORDS = {"pct": "percentage points", "per_100": "per 100", "per_1000": "per 1,000",
              "per_100k": "per 100,000", "count": "", "pp": "percentage points"}
METHOD_WORDS = {"newcombe": "gap between two groups", "welch": "gap between two means", "mean": "mean score",
                "rate_above_one": "ratio"}
SHAPE_WORDS = {"overlapping": "its parts overlap (they add up to more than the whole)",
               "not_decomposable": "a {unit} is not a sum of its parts"}


def number(v) -> float:
    """A published cell (text: a number, "c" or blank) as a float; NaN when not shown."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _fmt(v: float, unit: str, signed: bool = False) -> str:
    places = 0 if unit == "count" else 1
    v = round(v, places) + 0.0                      # no "-0.0"
    text = f"{v:+,.{places}f}" if signed else f"{v:,.{places}f}"
    return text.replace("-", "\u2212")


def _level(v: float, unit: str) -> str:
    """A value (not a change) in its unit: 11.1%, 5.5 per 100."""
    words = {"pct": "%", "per_100": " per 100", "per_1000": " per 1,000", "per_100k": " per 100,000",
             "pp": " percentage points"}.get(unit, "")
    return _fmt(v, unit) + words


def _amount(v: float, unit: str) -> str:
    words = UNIT_WORDS.get(unit, "")
    return f"{_fmt(v, unit, True)}{' ' + words if words else ''}"


def _label(breakdown: str, value: str, places: dict) -> str:
    if breakdown in ("ward", "locality"):
        return places.get((breakdown, value), value)
    if (breakdown, value) in VALUE_WORDS:
        return VALUE_WORDS[(breakdown, value)]
    return f"{BREAKDOWN_WORDS.get(breakdown, breakdown.replace('_', ' '))} {str(value).replace('_', ' ')}"


def _previous(heads: pd.DataFrame) -> pd.DataFrame:
    """Each headline period with the measure's period before it (None for the first)."""
    heads = heads.sort_values(["measure_id", "period_start"])
    return heads.assign(previous_period=heads.groupby("measure_id")["period"].shift(1))


def _counts(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(n=frame["numerator"].map(number), d=frame["denominator"].map(number),
                        v=frame["value"].map(number))


KEYS = ["measure_id", "period", "previous_period", "breakdown", "breakdown_value"]


def paired_parts(pub: pd.DataFrame, heads: pd.DataFrame) -> pd.DataFrame:
    """Every breakdown row of each headline period beside the same part's row of the period
    before (n2, d2, v2 and n1, d1, v1); a part present in one period only is marked by
    ``_merge`` (left_only: new in the period, right_only: gone from it)."""
    rows = pub.loc[pub["breakdown"] != "all", ["measure_id", "period", "breakdown", "breakdown_value", "n", "d", "v"]]
    pairs = heads.loc[heads["previous_period"].notna(), ["measure_id", "period", "previous_period"]]
    current = rows.merge(pairs, on=["measure_id", "period"])
    before = rows.rename(columns={"period": "previous_period"}).merge(pairs, on=["measure_id", "previous_period"])
    return current.merge(before, on=KEYS, how="outer", suffixes=("2", "1"), indicator=True)


def decompose_measure(both: pd.DataFrame, head: pd.Series, total: dict, places: dict) -> pd.DataFrame:
    """Every breakdown's parts for one headline measure and period (``head``: its 'all' row
    with ``previous_period``; ``total``: the whole's n1, d1, n2, d2); ``both``: its rows of
    ``paired_parts``."""
    out = []
    for breakdown, g in both.groupby("breakdown", sort=True):
        side = set(g["_merge"].astype(str))
        if side <= {"left_only"} or side <= {"right_only"}:
            continue                    # a breakdown held in one period only is not decomposed
        g = g.copy()
        # A part absent in one period (a new ward code) had no one in it then.
        g.loc[g["_merge"].astype(str) == "left_only", ["n1", "d1"]] = 0.0
        g.loc[g["_merge"].astype(str) == "right_only", ["n2", "d2"]] = 0.0
        form, done = dec.decompose(g.rename(columns={"breakdown_value": "part"}), total, head["ci_method"],
                                   head["multiplier"], LEVEL)
        out.append(done.assign(breakdown=breakdown, shape=form, value=g["v2"].to_numpy(),
                               previous_value=g["v1"].to_numpy(),
                               part_label=[_label(breakdown, k, places) for k in g["breakdown_value"]]))
    if not out:
        return pd.DataFrame(columns=DECOMPOSITION_COLUMNS)
    parts = pd.concat(out, ignore_index=True).rename(columns={"part": "breakdown_value"})
    parts["is_named"] = parts["is_significant"].astype(bool) & parts["is_complete"].astype(bool)
    parts["is_suppressed"] = ~parts["is_complete"].astype(bool) & parts["shape"].isin(
        ["partition", "numerator_split", "count"])
    return parts.assign(indicator_id=head["indicator_id"], measure_id=head["measure_id"], period=head["period"],
                        previous_period=head["previous_period"], unit=head["unit"], level=LEVEL)[DECOMPOSITION_COLUMNS]


def _part_sentence(r) -> str:
    own = "rose" if r.value > r.previous_value else "fell" if r.value < r.previous_value else "held"
    text = (f"{r.part_label} ({_amount(r.contribution, r.unit)}, interval {_fmt(r.contribution_lower, r.unit, True)} "
            f"to {_fmt(r.contribution_upper, r.unit, True)}")
    if r.shape == "partition":
        text += (f"; its own rate {own} from {_level(r.previous_value, r.unit)} to {_level(r.value, r.unit)}"
                 + ("; mostly the change in its share of the whole" if abs(r.mix_effect) > abs(r.rate_effect)
                    else ""))
    return text + ")"


def _movement(head: pd.Series, change: tuple[float, float, float]) -> str:
    unit, title = head["unit"], head["title"]
    v1, v2 = head["previous_value"], head["v"]
    if math.isnan(v1) or math.isnan(v2):
        return (f"{title}: the change from {head['previous_period']} to {head['period']} cannot be described "
                "because a figure is too small to publish.")
    verb = "rose" if v2 > v1 else "fell" if v2 < v1 else "did not change"
    text = (f"{title} {verb} from {_level(v1, unit)} in {head['previous_period']} to {_level(v2, unit)} in "
            f"{head['period']}")
    diff, lo, hi = change
    if not math.isnan(lo):
        significant = lo > 0 or hi < 0
        text += (f", a change of {_amount(diff, unit)} (95% interval {_fmt(lo, unit, True)} to {_fmt(hi, unit, True)}; "
                 + ("significant" if significant else "within what chance alone would give") + ")")
    return text + "."


def _parts_text(parts: pd.DataFrame) -> list[str]:
    out, quiet, apart = [], [], []
    for breakdown, g in parts.groupby("breakdown", sort=True):
        words = BREAKDOWN_WORDS.get(breakdown, breakdown.replace("_", " ")).split(" (")[0]
        form = g["shape"].iloc[0]
        if form in SHAPE_WORDS:
            apart.append(f"{words} ({SHAPE_WORDS[form].format(unit=g['unit'].iloc[0])})")
            continue
        named = g[g["is_named"]].sort_values("contribution", key=lambda s: -s.abs())
        if named.empty:
            quiet.append(words)
        else:
            out.append(f"By {words}, the parts that moved the whole significantly: "
                       + "; ".join(_part_sentence(r) for r in named.itertuples()) + ".")
    if quiet:
        out.append(f"No single part by {', '.join(quiet)} moved the whole significantly.")
    if apart:
        out.append(f"Not decomposed by {'; '.join(apart)}.")
    if parts["is_suppressed"].any():
        out.append("Parts too small to publish (shown as c) are never named.")
    return out


def _gap_text(head: pd.Series, bench: pd.DataFrame, values: pd.Series) -> tuple[list[str], dict]:
    """Against England and the neighbours' mean: the gap in the latest benchmarked period up
    to this one, and whether it widened since the benchmarked period before it."""
    unit, out, figures = head["unit"], [], {}
    mine = bench[pd.to_datetime(bench["period_end"]) <= pd.Timestamp(head["period_end"])]
    for col, who, key in (("england_value", "England", "england"), ("sn_mean", "the statistical neighbours' mean", "sn")):
        have = mine.dropna(subset=[col]).assign(ours=lambda f: f["period"].map(values))
        have = have.dropna(subset=["ours"]).sort_values("period_end")
        if have.empty:
            continue
        last = have.iloc[-1]
        gap = last["ours"] - last[col]
        figures[f"{key}_period"], figures[f"{key}_gap"] = last["period"], gap
        side = "above" if gap > 0 else "below" if gap < 0 else "level with"
        text = (f"Against {who}: {_amount(abs(gap), unit).lstrip('+')} {side} in {last['period']} "
                f"({_level(last['ours'], unit)} against {_level(last[col], unit)})")
        if len(have) > 1:
            before = have.iloc[-2]
            old = before["ours"] - before[col]
            figures[f"{key}_previous_gap"] = old
            moved = "widened" if abs(gap) > abs(old) else "narrowed" if abs(gap) < abs(old) else "did not change"
            figures[f"{key}_gap_change"] = moved
            text += f"; the gap {moved} from {_fmt(old, unit, True)} in {before['period']}"
        out.append(text + ".")
    return out, figures


def draft(published: pd.DataFrame, catalogue: pd.DataFrame, bench: pd.DataFrame,
          places: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicator_decomposition, indicator_drafts) for every headline measure and period."""
    meta = catalogue[catalogue["is_headline"].astype(bool)].set_index("measure_id")
    published = published[published["measure_id"].isin(meta.index)]
    # Plain objects: arrow-backed strings make the many small frames below slow.
    pub = _counts(published.astype({c: object for c in published.columns if published[c].dtype != bool}))
    heads = _previous(pub[pub["breakdown"] == "all"])
    whole = heads.set_index(["measure_id", "period"])
    both = dict(tuple(paired_parts(pub, heads).groupby(["measure_id", "period"])))
    all_parts, drafts = [], []
    values = {m: g.set_index("period")["v"] for m, g in heads.groupby("measure_id")}
    marks = {m: g for m, g in bench.groupby("measure_id")}
    empty = bench.iloc[:0]
    for _, head in heads.iterrows():
        m = meta.loc[head["measure_id"]]
        head = head.copy()
        head["ci_method"], head["multiplier"], head["title"] = m["ci_method"], float(m["multiplier"]), m["title"]
        mine, values_m = marks.get(head["measure_id"], empty), values[head["measure_id"]]
        gaps, figures = _gap_text(head, mine, values_m)
        row = dict(indicator_id=head["indicator_id"], measure_id=head["measure_id"], period=head["period"],
                   previous_period=head["previous_period"], unit=head["unit"], value=head["v"], **figures)
        if pd.isna(head["previous_period"]):
            sentences = [f"{head['title']}: {head['period']} is the first period; there is nothing earlier to compare."]
            parts = pd.DataFrame(columns=DECOMPOSITION_COLUMNS)
        else:
            head["previous_value"] = values_m.get(head["previous_period"], math.nan)
            previous = whole.loc[(head["measure_id"], head["previous_period"])]
            total = dict(n1=previous["n"], d1=previous["d"], n2=head["n"], d2=head["d"])
            change = dec.change_interval(total, head["ci_method"], head["multiplier"], LEVEL) \
                if not any(math.isnan(v) for v in (total["n1"], total["n2"])) else (math.nan,) * 3
            mine_both = both.get((head["measure_id"], head["period"]))
            parts = decompose_measure(mine_both, head, total, places) \
                if not math.isnan(change[0]) and mine_both is not None \
                else pd.DataFrame(columns=DECOMPOSITION_COLUMNS)
            sentences = [_movement(head, change), *(_parts_text(parts) if len(parts) else [])]
            if head["ci_method"] not in dec.VARIANCE:
                sentences.append(f"A {METHOD_WORDS.get(head['ci_method'], 'figure of this kind')} is not a sum "
                                 "of parts, so its change is not decomposed.")
            row.update(previous_value=head["previous_value"], change=change[0], change_lower=change[1],
                       change_upper=change[2], named_parts="; ".join(
                           f"{r.breakdown}={r.breakdown_value}" for r in parts[parts["is_named"]].itertuples()) or None)
        text = " ".join([*sentences, *gaps])
        # Screened like every sentence printed: a draft that trips the screen is not kept.
        row["drafted"] = None if free_text.held(text) else text
        row["is_held"] = row["drafted"] is None
        drafts.append(row)
        if len(parts):
            all_parts.append(parts)
    decomposition = (pd.concat(all_parts, ignore_index=True) if all_parts
                     else pd.DataFrame(columns=DECOMPOSITION_COLUMNS))
    return decomposition[DECOMPOSITION_COLUMNS], pd.DataFrame(drafts).reindex(columns=DRAFT_COLUMNS)


def places(con) -> dict:
    """(breakdown, code) -> the place's name, from the lookups."""
    out = {}
    if table_exists(con, "lookup_wards"):
        out |= {("ward", c): n for c, n in con.execute("select ward_code, ward_name from lookup_wards").fetchall()}
    if table_exists(con, "lookup_localities"):
        out |= {("locality", c): n for c, n in
                con.execute("select locality, locality_name from lookup_localities").fetchall()}
    return out


@dg.asset(group_name=GROUP, kinds={"duckdb"},
          deps=["indicator_values_published", "indicator_catalogue", "benchmark_values", "lookup_wards"])
def indicator_drafts(warehouse: Warehouse) -> dg.MaterializeResult:
    """What the data show: each headline's change since the previous period decomposed over its breakdowns (Kitagawa, with intervals; only significant, published parts named) and its gap to England and the neighbours, in a paragraph per period."""
    with warehouse.connect() as con:
        published = con.execute("select * from indicator_values_published where is_headline").df()
        catalogue = con.execute("select * from indicator_catalogue").df()
        bench = (con.execute("select measure_id, period, period_end, england_value, sn_mean from benchmark_values").df()
                 if table_exists(con, "benchmark_values") else
                 pd.DataFrame(columns=["measure_id", "period", "period_end", "england_value", "sn_mean"]))
        parts, drafts = draft(published, catalogue, bench, places(con))
        tables.write(con, "indicator_decomposition", parts)
        tables.write(con, "indicator_drafts", drafts)
    return dg.MaterializeResult(metadata={
        **frame_metadata(drafts, drafts.groupby("measure_id").tail(1)[["measure_id", "period", "drafted"]]),
        "parts": len(parts), "parts_named": int(parts["is_named"].sum()) if len(parts) else 0,
        "drafts_held": int(drafts["is_held"].sum()) if len(drafts) else 0,
    })


assets = [indicator_drafts]
