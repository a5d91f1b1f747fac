"""Since the last board: what changed between the release a paper is made from and the one before.

Every publication keeps what it showed (``indicators.releases``: ``published.parquet``, the
judgements of each measure's latest period, the deliveries in force). The paper's release is the
one whose id carries the published warehouse's fingerprint (``meta_publish``; the latest release
still public when the warehouse has none); the previous one is the public release before it.
Against it the paper lists:

- **judgements** that changed (trend, RAG, quartile band), with the periods they are of; for a
  figure hidden in either release, only that it is now hidden or shown again;
- **revised figures**: a figure of a period both releases show whose numerator or denominator
  changed, or its value as printed, with the old and new value (every headline figure; the first 20
  breakdown figures, the rest counted); when either is hidden ("c") in either
  release it is listed as "revised (suppressed)" and neither value is shown;
- **new periods**: a measure's period the previous release did not show;
- **deliveries** new since, or no longer in force (with the delivery that replaced it).

The current figures are read by the caller through the paper's own reader
(``gather.published_values``), so the paper and this page always show the same figures.
"""

from __future__ import annotations

import pandas as pd

from indicators import releases
from indicators.disclosure import SUPPRESSED
from pipelines.outputs import figure_ids, fmt, labels

KEY = ["measure_id", "period", "breakdown", "breakdown_value"]
SERIES = ("numerator", "denominator", "value")
JUDGED = {"trend": "trend", "rag": "RAG", "quartile_band": "quartile band"}
MOST = 20    # revised breakdown figures listed by name (every headline figure is); the rest counted


def _number(v):
    """A published cell as a float, "c" or None (the release keeps text; the paper's reader floats)."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, str):
        v = v.strip()
        if v == SUPPRESSED:
            return SUPPRESSED
        if v in ("", "nan", "None"):
            return None
    return float(v)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def pick(data_dir, fingerprint: str | None) -> tuple[releases.Release | None, releases.Release | None]:
    """(the paper's release, the one before it) among the releases still public."""
    public = releases.public(data_dir) if data_dir is not None else []
    if not public:
        return None, None
    at = next((i for i, r in enumerate(public) if fingerprint and r.release_id.endswith("-" + fingerprint[:8])),
              len(public) - 1)
    return public[at], (public[at - 1] if at > 0 else None)


def _revised(old: pd.DataFrame, new: pd.DataFrame, units: dict, titles: dict, places: dict) -> tuple[list[dict], int]:
    both = old.merge(new, on=KEY, suffixes=("_old", "_new"))
    out = []
    for r in both.itertuples(index=False):
        r = r._asdict()
        pairs = [(_number(r[f"{s}_old"]), _number(r[f"{s}_new"])) for s in SERIES]
        unit = units.get(r["measure_id"])
        # A count blank on one side is not compared (the paper's reader blanks numerators that are not counts).
        if (all(_same(a, b) or a is None or b is None for a, b in pairs[:2])
                and fmt.value(pairs[2][0], unit) == fmt.value(pairs[2][1], unit)):
            continue      # the same counts and the same printed value: no revision a reader could see
        hidden = any(SUPPRESSED in p for p in pairs)
        out.append(dict(id=figure_ids.make(r["measure_id"], r["period"], r["breakdown"], r["breakdown_value"]),
                        measure=r["measure_id"], title=titles.get(r["measure_id"], r["measure_id"]),
                        period=r["period"], all=r["breakdown"] == "all",
                        group="All" if r["breakdown"] == "all" else
                        f"{r['breakdown'].replace('_', ' ')}: {labels.label(r['breakdown'], r['breakdown_value'], places)}",
                        old=None if hidden else fmt.value(pairs[2][0], unit),
                        new=None if hidden else fmt.value(pairs[2][1], unit),
                        text="revised (suppressed)" if hidden else "revised"))
    out.sort(key=lambda d: (not d["all"], d["measure"], d["period"], d["group"]))
    shown = [d for d in out if d["all"]]
    parts = [d for d in out if not d["all"]]
    return shown + parts[:MOST], max(0, len(parts) - MOST)


def _judgements(old: pd.DataFrame | None, rows: pd.DataFrame, old_hidden: set) -> list[dict]:
    """One line per measure whose judgements changed. A judgement of a hidden figure says something
    about it, so for a figure hidden in either release nothing is compared: only that it is now
    hidden, or shown again, is said (both papers show that)."""
    if old is None or old.empty:
        return []
    cur = rows.drop_duplicates("measure_id").set_index("measure_id")
    out = []
    for o in old.itertuples(index=False):
        if o.measure_id not in cur.index:
            continue
        c = cur.loc[o.measure_id]
        was_hidden = (o.measure_id, str(o.period)) in old_hidden
        now_hidden = c.get("value") == SUPPRESSED
        if was_hidden or now_hidden:
            if was_hidden != now_hidden:
                out.append(dict(measure=o.measure_id, title=c.get("title"), judgements=[],
                                text="now hidden (c): its judgements are not shown" if now_hidden else
                                "shown again after being hidden (c): its judgements are not compared"))
            continue
        said = []
        for col, word in JUDGED.items():
            was, now = getattr(o, col), c.get(col)
            was = None if fmt.missing(was) else str(was)
            now = None if fmt.missing(now) else str(now)
            if was != now:
                said.append((word, f"{word} {was or 'none'} ({o.period}) to {now or 'none'} ({c.get('period') or '–'})"))
        if said:
            out.append(dict(measure=o.measure_id, title=c.get("title"), judgements=[w for w, _ in said],
                            text="; ".join(t for _, t in said)))
    return out


def _deliveries(old: pd.DataFrame | None, log: pd.DataFrame, in_force: tuple[str, ...]) -> tuple[list, list]:
    if old is None or log.empty or not {"file_hash", "source_file", "version"} <= set(log.columns):
        return [], []     # a delivery log without file identities (the explorer's copy): nothing to compare
    now = log[log["status"].isin(in_force)]
    new = now[~now["file_hash"].isin(old["file_hash"])]
    gone = old[~old["file_hash"].isin(now["file_hash"])]
    by_period = {(s, str(p)): f for s, p, f in zip(now["source"], now["period"], now["source_file"])}
    return ([dict(file=f, source=s, period=p, version=v) for f, s, p, v in
             zip(new["source_file"], new["source"], new["period"], new["version"])],
            [dict(file=f, source=s, period=p, replaced_by=by_period.get((s, str(p)))) for f, s, p in
             zip(gone["source_file"], gone["source"], gone["period"])])


def changes(published: pd.DataFrame, rows: pd.DataFrame, load_log: pd.DataFrame, data_dir,
            fingerprint: str | None, in_force: tuple[str, ...], places: dict | None = None) -> dict:
    """What changed since the previous release: ``published`` (the paper's reader's figures),
    ``rows`` (the paper's measures with their judgements) and ``load_log`` as the paper has them."""
    current, previous = pick(data_dir, fingerprint)
    if previous is None:
        return dict(previous=None, current=current.release_id if current else None, judgements=[], revised=[],
                    more=0, new_periods=[], new_deliveries=[], gone_deliveries=[])
    old = previous.published.astype({"period": str})
    new = published.astype({"period": str})
    units = dict(zip(rows["measure_id"], rows["unit"]))
    titles = dict(zip(rows["measure_id"], rows["title"]))
    revised, more = _revised(old, new[[*KEY, *SERIES]], units, titles, places or {})
    old_all = old[old["breakdown"] == "all"]
    hidden_old = {(m, p) for m, p, v in zip(old_all["measure_id"], old_all["period"], old_all["value"])
                  if _number(v) == SUPPRESSED}
    seen = set(zip(old_all["measure_id"], old_all["period"]))
    new_all = new[new["breakdown"] == "all"]
    periods = sorted({(m, p) for m, p in zip(new_all["measure_id"], new_all["period"]) if (m, p) not in seen})
    new_d, gone_d = _deliveries(releases.kept(previous, "deliveries"), load_log, in_force)
    return dict(previous=previous.release_id, current=current.release_id,
                judgements=_judgements(releases.kept(previous, "judgements"), rows, hidden_old),
                revised=revised, more=more,
                new_periods=[dict(measure=m, title=titles.get(m, m), period=p) for m, p in periods],
                new_deliveries=new_d, gone_deliveries=gone_d)
