"""The regional pool: each authority's shareable file, unioned, and its Early Help measures compared.

Only ``<authority>/warehouse/oba_shareable.duckdb`` is read (never a build or published
warehouse, a landing folder or a key); a file holding any table the shareable file does not
hold, or whose release certificate did not pass, is left out and named. The pool file
(``pool/oba_region.duckdb``) holds:

* ``region_authorities``: each authority, its release and whether it is in the pool (and why not);
* ``region_indicator_values``: every authority's ``indicator_values_published``, with its LA code;
* ``region_comparison``: every proportion measure (unit ``pct``) x period, each authority's
  figure and interval as published, the pooled figure over the authorities whose counts are
  shown, and funnel-plot limits (95% and 99.8%, exact binomial, Spiegelhalter 2005) at each
  authority's denominator around the pooled proportion;
* ``region_disclosure``: the recovery attack (``indicators.recovery``) over the union: every
  published cell of the compared rows, the pooled rows and the relations a reader knows
  (pooled = sum of the authorities pooled; value = 100 x numerator / denominator).

A pooled count is a sum of shown counts only, so no hidden count of an authority enters it;
the attack proves it on every write and the file is not written when it fails.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from indicators import recovery
from indicators.disclosure import SUPPRESSED
from pipelines.region.authorities import Authority
from pipelines.release.shareable import TABLES, shareable_path, small_counts
from pipelines.warehouse import write_frame

POOL_FILE = "oba_region.duckdb"
ALLOWED = set(TABLES)      # every table a shareable file may hold (pipelines.release.shareable)
LIMITS = {"95": 0.975, "99.8": 0.999}
KEYS = ["measure_id", "period"]


@dataclass
class Member:
    authority: Authority
    status: str                    # pooled | missing | refused
    reason: str = ""
    release_id: str | None = None
    published: pd.DataFrame | None = None
    catalogue: pd.DataFrame | None = None


def read_member(a: Authority) -> Member:
    """An authority's shareable tables, or why they are not pooled."""
    path = shareable_path(a.paths)
    if not path.is_file():
        return Member(a, "missing", f"no shareable file yet ({path.name}: the authority has not published)")
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
            extra = sorted(tables - ALLOWED)
            if extra:
                return Member(a, "refused", f"{path} holds tables a shareable file never holds: {', '.join(extra)}")
            cert = con.execute("select release_id, passed from disclosure_certificate").fetchone()
            if not cert or not cert[1]:
                return Member(a, "refused", f"{path}: the release's disclosure certificate did not pass")
            published = con.execute("select * from indicator_values_published").df()
            catalogue = con.execute("select * from indicator_catalogue").df()
    except duckdb.Error as exc:
        return Member(a, "refused", f"{path} cannot be read as a shareable file: {str(exc).splitlines()[0][:200]}")
    return Member(a, "pooled", release_id=cert[0], published=published, catalogue=catalogue)


def _number(v) -> float:
    if v is None or (isinstance(v, str) and v.strip() in ("", SUPPRESSED)):
        return np.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def funnel_limit(p0: float, n: float, level: float) -> float:
    """Exact binomial control limit, as a proportion, at ``n`` around ``p0`` (``level`` 0.975 for
    the upper 95% limit, 0.025 the lower; Spiegelhalter 2005, with the interpolation that makes
    the limit continuous in n)."""
    if not (n > 0) or not (0 < p0 < 1):
        return float(p0)
    r = stats.binom.ppf(level, n, p0)
    above, below = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
    alpha = (above - level) / (above - below) if above > below else 0.0
    return float(min(max((r - alpha) / n, 0.0), 1.0))


def wilson(k: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def union(members: list[Member]) -> pd.DataFrame:
    frames = [m.published.assign(la_code=m.authority.la_code, la_name=m.authority.la_name)
              for m in members if m.status == "pooled"]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    first = ["la_code", "la_name"]
    return out[first + [c for c in out.columns if c not in first]]


def _verdict(value: float, limits: dict[str, float]) -> str:
    if math.isnan(value):
        return "not shown (c)"
    if value > limits["upper_998"]:
        return "above the 99.8% limit"
    if value > limits["upper_95"]:
        return "above the 95% limit"
    if value < limits["lower_998"]:
        return "below the 99.8% limit"
    if value < limits["lower_95"]:
        return "below the 95% limit"
    return "within the limits"


def comparison(values: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Every proportion measure x period (breakdown ``all``): each authority's published figure
    and interval, the pooled figure over the authorities shown, funnel limits and a verdict."""
    pct = catalogue.loc[catalogue["unit"].eq("pct"), ["measure_id", "title"]].assign(
        measure_order=lambda f: range(len(f)))      # the catalogue's order: each indicator's headline first
    rows = values[(values["breakdown"] == "all") & values["measure_id"].isin(pct["measure_id"])].copy()
    if rows.empty:
        return pd.DataFrame()
    for col in ("numerator", "denominator", "value", "ci_lower", "ci_upper"):
        rows[f"{col}_n"] = rows[col].map(_number)
    rows["shown"] = rows[["numerator_n", "denominator_n"]].notna().all(axis=1) & rows["denominator_n"].gt(0)
    out = []
    for (measure, period), group in rows.groupby(KEYS, sort=True):
        shown = group[group["shown"]]
        k, n = shown["numerator_n"].sum(), shown["denominator_n"].sum()
        p0 = k / n if n > 0 else np.nan
        lo, hi = wilson(k, n) if n > 0 else (np.nan, np.nan)
        for _, r in group.iterrows():
            den = r["denominator_n"]
            limits = {f"{side}_{name.replace('.', '')}": (funnel_limit(p0, den, q if side == "upper" else 1 - q) * 100
                                                          if r["shown"] and not math.isnan(p0) else np.nan)
                      for name, q in LIMITS.items() for side in ("lower", "upper")}
            own = r["numerator_n"] / den * 100 if r["shown"] else np.nan
            out.append({"measure_id": measure, "period": period, "la_code": r["la_code"], "la_name": r["la_name"],
                        "numerator": r["numerator"], "denominator": r["denominator"], "value": r["value"],
                        "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"],
                        "is_pooled": bool(r["shown"]), "authorities_pooled": int(len(shown)),
                        "pooled_numerator": k if n > 0 else np.nan, "pooled_denominator": n if n > 0 else np.nan,
                        "pooled_value": p0 * 100, "pooled_ci_lower": lo * 100, "pooled_ci_upper": hi * 100,
                        **limits, "funnel": _verdict(own, limits) if r["shown"] else "not shown (c)",
                        "interval_overlaps_pooled": (bool(r["ci_lower_n"] <= hi * 100 and r["ci_upper_n"] >= lo * 100)
                                                     if r["shown"] and not math.isnan(r["ci_lower_n"]) else None)})
    out = pd.DataFrame(out).merge(pct, on="measure_id", how="left")
    return out


def attack_union(comp: pd.DataFrame) -> tuple[recovery.Attack, list[str]]:
    """The recovery attack over the union: per measure x period, each authority's published
    numerator, denominator and value and the pooled row, with every relation a reader knows
    (the pooled counts are the sums of the authorities pooled; value = 100 x numerator /
    denominator on every row). A hidden count's true figure is not in the pool: it is set to
    1 (a small count) so that every hidden count is a target; the bounds come from the shown
    cells and the relations only. Returns the attack and, per row, what it is (authority or
    pooled, measure, period), to name a recovered cell (never its figure)."""
    rows, equalities, rates, where = [], [], [], []
    for (measure, period), group in comp.groupby(KEYS, sort=True):
        parts = []
        for _, r in group.iterrows():
            parts.append(len(rows))
            rows.append((r["numerator"], r["denominator"], r["value"], bool(r["is_pooled"])))
            where.append(f"{r['la_code']} {measure} {period}")
        first = group.iloc[0]
        if not first["authorities_pooled"]:
            continue        # nothing shown, nothing pooled: no pooled row
        total = len(rows)
        where.append(f"pooled {measure} {period}")
        rows.append((first["pooled_numerator"], first["pooled_denominator"], first["pooled_value"], True))
        pooled = [p for p in parts if rows[p][3]]
        for series in ("numerator", "denominator"):
            ids = np.array([recovery.cell(total, series), *(recovery.cell(p, series) for p in pooled)])
            equalities.append((ids, np.array([1.0, *([-1.0] * len(pooled))])))
    frame = pd.DataFrame([r[:3] for r in rows], columns=list(recovery.SERIES))
    hidden = recovery.hidden_cells(frame, SUPPRESSED)
    for i in range(len(frame)):
        rates.append((recovery.cell(i, "numerator"), recovery.cell(i, "value"), recovery.cell(i, "denominator"), 100.0))
    truth = frame.map(_number)
    truth = truth.mask(truth.isna(), 1.0)
    know = recovery.Knowledge(len(frame), equalities=equalities, rates=rates)
    know.step = np.full(len(frame) * 3, np.nan)
    know.step[0::3] = know.step[1::3] = 1.0
    know.lower = np.where(np.isfinite(know.step), 1.0, -np.inf)
    return recovery.attack(truth, hidden, know), where


def check(comp: pd.DataFrame) -> dict:
    """The recovery attack over the union; raises when it works out or narrows a hidden count."""
    attack, where = attack_union(comp) if not comp.empty else (None, [])
    result = {"compared_rows": int(len(comp)), "hidden_counts": attack.hidden if attack else 0,
              "relations": attack.relations if attack else 0, "recovered": len(attack.failed) if attack else 0}
    if attack and attack.failed:
        cells = "; ".join(f"{where[row]} {series}" for row, series, _ in attack.failed[:10])
        raise RuntimeError(f"the regional pool would let {len(attack.failed)} hidden count(s) of an authority be "
                           f"worked out or narrowed from the pooled figures ({cells}); nothing written")
    return result


def write(members: list[Member], target: Path) -> dict:
    """The pool file, from the authorities' shareable tables; refused (nothing written) when
    the attack recovers or narrows a hidden count, or a count of 1 to 5 would be in it."""
    values = union(members)
    catalogue = next((m.catalogue for m in members if m.status == "pooled"), None)
    comp = comparison(values, catalogue) if catalogue is not None and not values.empty else pd.DataFrame()
    result = {"authorities": len(members), "pooled": sum(m.status == "pooled" for m in members), **check(comp)}
    register = pd.DataFrame([{"la_code": m.authority.la_code, "la_name": m.authority.la_name, "status": m.status,
                              "reason": m.reason, "release_id": m.release_id} for m in members])
    disclosure = pd.DataFrame([{**result, "passed": True}])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.writing")
    tmp.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as out:
            for name, frame in (("region_authorities", register), ("region_indicator_values", values),
                                ("region_comparison", comp), ("region_disclosure", disclosure)):
                if not frame.empty or name == "region_authorities":
                    write_frame(out, name, frame)
            bad = small_counts(out)
            if bad:
                raise RuntimeError(f"the regional pool would hold counts of 1 to 5 in {', '.join(bad)}")
            out.execute("checkpoint")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    (target.parent / "disclosure.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
