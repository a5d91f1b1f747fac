"""What every release published, kept, and the disclosure certificate of each.

A release is one publication of the warehouse (``pipelines.release.publish``): its published
indicator table is what the board paper, workbook and shareable file show, and it stays out
once sent. Each release is kept under ``<data dir>/releases/<release id>/``:

- ``published.parquet``: ``indicator_values_published`` as released ("c" where hidden);
- ``exact.parquet``: the exact figures it was made from (key, numerator, denominator, value),
  so a later release can be protected together with it (never leaves the council);
- ``certificate.json`` and ``certificate.md``: what was checked and the result (``certify``);
- ``judgements.parquet``: each measure's latest judgements as the scorecard made them (period,
  trend, RAG, quartile band) and ``deliveries.parquet``: the deliveries in force (file, version,
  SHA-256, received, rows), so the next board paper can say what changed since (``read_kept``).

A release is public until a file named ``WITHDRAWN`` is put in its folder (every copy
recalled); every release still public is protected together with the next
(``indicators.disclosure.across_releases``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from indicators import disclosure, recovery

FOLDER = "releases"
WITHDRAWN = "WITHDRAWN"
KEY = disclosure.RELEASE_KEY
SERIES = list(recovery.SERIES)


@dataclass
class Release:
    release_id: str
    folder: Path
    exact: pd.DataFrame
    published: pd.DataFrame


def folder(data_dir: Path | str) -> Path:
    return Path(data_dir) / FOLDER


def public(data_dir: Path | str) -> list[Release]:
    """Every recorded release not withdrawn, oldest first."""
    base = folder(data_dir)
    if not base.is_dir():
        return []
    out = []
    for d in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if (d / WITHDRAWN).exists() or not (d / "published.parquet").exists():
            continue
        out.append(Release(d.name, d, pd.read_parquet(d / "exact.parquet"), pd.read_parquet(d / "published.parquet")))
    return out


def pairs(releases: list[Release]) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    return [(r.exact, r.published) for r in releases]


def _aligned(values: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """``published`` in the row order of ``values``; a row missing from it counts as hidden."""
    cols = [c for c in (*KEY, *SERIES) if c in published.columns]
    return values[KEY].merge(published[cols], on=KEY, how="left")


def effective(values: pd.DataFrame, published: pd.DataFrame, earlier: list[Release] = ()) -> pd.DataFrame:
    """The exact figures ``published`` was made from: ``values``, with the rows of any held
    revision (``is_revision_held``) put back to the earlier release's figures."""
    values = values.reset_index(drop=True)
    if disclosure.HELD not in published.columns:
        return values
    rows = values[KEY].merge(published[[*KEY, disclosure.HELD]], on=KEY, how="left")[disclosure.HELD]
    rows = rows.fillna(False).astype(bool).to_numpy()
    ind = values["indicator_id"] if "indicator_id" in values.columns else values["measure_id"]
    groups = set(zip(ind[rows], values["period"][rows]))
    return disclosure.hold(values, pairs(list(earlier)), groups)[0]


def certify(values: pd.DataFrame, published: pd.DataFrame, lookups: dict[str, pd.DataFrame] | None = None,
            earlier: list[Release] = (), release_id: str | None = None, memo=None) -> dict:
    """Attack ``published`` (the new release) with every relation of its exact table ``values``
    and of the ``lookups`` it is printed with, a reader also holding every figure the ``earlier``
    releases still public showed; the certificate of the result (``passed`` False when any hidden
    count of 1-5 is recovered or narrowed below the band, a shown count is 1-5, or a count hidden
    in an earlier release is shown). ``memo``: the results of the groups of hidden cells an earlier
    attack solved (``recovery.attack``); a group whose problem is unchanged, its cells in the
    earlier releases included, keeps its result (the certificate is the same as without it)."""
    started = time.perf_counter()
    current = values.reset_index(drop=True)
    know = recovery.relations(current, disclosure.n_only_rows(current), dict(lookups or {}))
    values = effective(current, published, earlier)
    shown = _aligned(values, published)
    hidden = recovery.hidden_cells(shown)
    truth = recovery.exact_cells(values)
    know = recovery.holding(know, truth)
    carried, known = disclosure.across_releases(values, pairs(list(earlier)))
    before = disclosure.seen_before(values, pairs(list(earlier))) if memo is not None else None
    result = recovery.attack(values, hidden & ~known, know, memo=memo, before=before)
    seconds = time.perf_counter() - started
    count = np.zeros(len(truth), bool)
    count[0::3] = count[1::3] = True
    n_only = np.repeat(disclosure.n_only_rows(values), 3)
    n_only[1::3] = False
    n_only[2::3] = False
    small_shown = count & ~n_only & ~hidden & np.isfinite(truth) & (truth > 0) & (truth <= disclosure.HIGH)
    reshown = carried & ~hidden & count

    keys = values[KEY].astype(str).to_dict("records")

    def where(c):
        return {**keys[int(c) // 3], "series": recovery.SERIES[int(c) % 3]}

    reason = np.full(len(truth), "", dtype=object)
    hidden_counts = hidden & count & np.isfinite(truth)
    reason[hidden_counts] = "secondary: protects a hidden count through a relation"
    reason[hidden_counts & carried] = "carried: hidden in an earlier release still public"
    reason[hidden_counts & ~n_only & (truth > 0) & (truth <= disclosure.HIGH)] = "primary: a count of 1 to 5"
    by_reason = pd.Series(reason[hidden_counts]).value_counts().to_dict()
    kinds = {"totals and parts, nestings, measures that add up (equalities)": len(know.equalities),
             "parts at most their total, numerator at most denominator (inequalities)": len(know.inequalities),
             "rates and their counts": len(know.rates)}
    failures = ([{**where(recovery.cell(r, s)), "problem": "recovered exactly"} for r, s, _ in result.recovered]
                + [{**where(recovery.cell(r, s)), "problem": "narrowed below the band"}
                   for r, s, *_ in result.narrowed]
                + [{**where(c), "problem": "a count of 1 to 5 shown"} for c in np.flatnonzero(small_shown)]
                + [{**where(c), "problem": "hidden in an earlier release, shown now"} for c in np.flatnonzero(reshown)])
    return {
        "release_id": release_id,
        "made_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "passed": not failures,
        "releases_included": [r.release_id for r in earlier] + ([release_id] if release_id else ["this release"]),
        "rule": f"no hidden count of 1 to {disclosure.HIGH} may be worked out, or narrowed so that its possible "
                f"values no longer reach from one step (1) to {disclosure.HIGH}, over all published relations and "
                f"every earlier release still public, with whole counts; every part of a hidden total of 1 to "
                f"{disclosure.HIGH} is hidden, zeros included (docs/methods.md)",
        "relations": {"instances": kinds, "measure_relations_found": list(know.templates),
                      "groupings_from_lookups": sorted({f"{f} within {c}" for f, c, _ in
                                                        recovery.groupings(values, dict(lookups or {}))})},
        "cells": {"rows": len(values), "counts_hidden": int(hidden_counts.sum()), "by_reason": by_reason,
                  "revisions_held": sorted(_held(published)),
                  "known_from_earlier_releases": int((known & count).sum())},
        "hidden_cells": [{**where(c), "reason": reason[c]} for c in np.flatnonzero(hidden_counts)],
        "attack": {"method": "mixed integer programming over every relation (scipy.optimize.milp, HiGHS), "
                             "per group of hidden cells the relations tie together",
                   "counts_tried": result.tried, "recovered": len(result.recovered),
                   "narrowed_below_band": len(result.narrowed), "relations_used": result.relations,
                   "seconds": round(seconds, 2),
                   "groups": {"attacked": result.groups_attacked, "reused": result.groups_reused}},
        "failures": failures,
    }


def certify_warehouse(con, data_dir: Path | str, memo=None) -> dict:
    """``certify`` of the warehouse's ``indicator_values_published`` (a DuckDB connection ``con``),
    with its exact table, its lookups and every earlier release still public; for no release id
    yet (``named`` gives it one). ``memo``: as for ``certify``."""
    values = con.execute("select * from indicator_values").df()
    shown = con.execute("select * from indicator_values_published").df()
    return certify(values, shown, read_lookups(con), public(data_dir), memo=memo)


def named(cert: dict, release_id: str) -> dict:
    """A certificate ``certify`` made for "this release", naming the release it certifies."""
    included = [r for r in cert["releases_included"] if r != "this release"]
    return {**cert, "release_id": release_id, "releases_included": [*included, release_id]}


def _held(published: pd.DataFrame) -> set[str]:
    if disclosure.HELD not in published.columns:
        return set()
    rows = published[published[disclosure.HELD].fillna(False).astype(bool)]
    return {f"{m} {p}" for m, p in zip(rows["measure_id"], rows["period"])}


def certificate_text(cert: dict) -> str:
    """The certificate in a few lines a reader can check."""
    a, c = cert["attack"], cert["cells"]
    lines = [f"# Disclosure certificate: release {cert['release_id'] or '(not yet released)'}", "",
             f"Result: **{'PASSED' if cert['passed'] else 'FAILED'}** ({cert['made_at']})", "",
             f"Rule: {cert['rule']}.", "",
             "Releases protected together: " + ", ".join(cert["releases_included"]) + ".", "",
             "Relations used:"]
    lines += [f"- {k}: {v}" for k, v in cert["relations"]["instances"].items()]
    lines += [f"- groupings from the lookups: {', '.join(cert['relations']['groupings_from_lookups']) or 'none'}",
              f"- measure relations found: {len(cert['relations']['measure_relations_found'])}", "",
              f"Cells: {c['rows']} rows; {c['counts_hidden']} counts hidden "
              + "(" + "; ".join(f"{k.split(':')[0]} {v}" for k, v in c["by_reason"].items()) + "); "
              f"{c['known_from_earlier_releases']} counts already public from earlier releases; revisions held "
              f"(figures as first released): {', '.join(c['revisions_held']) or 'none'}.", "",
              f"Attack: {a['method']}; {a['counts_tried']} hidden counts of 1-5 tried, {a['recovered']} recovered, "
              f"{a['narrowed_below_band']} narrowed below the band, in {a['seconds']} s"
              + (f" ({a['groups']['attacked']} groups of hidden cells attacked, {a['groups']['reused']} unchanged "
                 f"since the last attack and its results kept)." if "groups" in a else ".")]
    if cert["failures"]:
        lines += ["", "Failures (where, never the figure):"]
        lines += [f"- {f['measure_id']} {f['period']} {f['breakdown']}={f['breakdown_value']} ({f['series']}): "
                  f"{f['problem']}" for f in cert["failures"][:50]]
    return "\n".join(lines) + "\n"


def record(data_dir: Path | str, release_id: str, values: pd.DataFrame, published: pd.DataFrame,
           cert: dict, kept: dict[str, pd.DataFrame] | None = None) -> Path:
    """Keep a release: its published table, the exact figures it was made from, its
    certificate and the ``kept`` frames (``read_kept``: name -> frame, each written as
    ``<name>.parquet``), written to a temporary folder and renamed into place (all or nothing)."""
    base = folder(data_dir)
    base.mkdir(parents=True, exist_ok=True)
    target = base / release_id
    tmp = base / f".{release_id}.writing"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    exact = values[[*KEY, *[c for c in disclosure.HELD_SERIES if c in values.columns]]].copy()
    for s in exact.columns[len(KEY):]:
        exact[s] = pd.to_numeric(exact[s], errors="coerce").astype(float)
    exact.to_parquet(tmp / "exact.parquet", index=False)
    shown = published[[*KEY, *SERIES]].copy()
    for s in SERIES:
        shown[s] = shown[s].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    shown.to_parquet(tmp / "published.parquet", index=False)
    (tmp / "certificate.json").write_text(json.dumps(cert, indent=1, default=str))
    (tmp / "certificate.md").write_text(certificate_text(cert))
    for name, frame in (kept or {}).items():
        frame.to_parquet(tmp / f"{name}.parquet", index=False)
    os.replace(tmp, target)
    return target


# The lookups the outputs print beside the figures (ward and locality names): the groupings they
# make are relations a reader can use. Read from the warehouse as made by this run.
LOOKUP_TABLES = ("lookup_wards", "lookup_localities")
# What a certificate of the warehouse is made from (``certify_warehouse``), besides the earlier releases.
CERTIFIED_TABLES = ("indicator_values", "indicator_values_published", *LOOKUP_TABLES)


def read_lookups(con) -> dict[str, pd.DataFrame]:
    """Every table of ``LOOKUP_TABLES`` the warehouse (a DuckDB connection) holds, name -> frame."""
    present = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                         "where table_schema = 'main'").fetchall()}
    return {t: con.execute(f"select * from {t}").df() for t in LOOKUP_TABLES if t in present}


# What a release keeps besides its figures, for the next paper's "since the last board": the
# judgements of each measure's latest period and the deliveries in force.
JUDGEMENTS = {"measure_id": "measure_id", "period": "period", "trend": "trend_judgement", "rag": "rag",
              "quartile_band": "quartile_band"}
DELIVERIES = ["source", "source_file", "period", "version", "file_hash", "received_at", "rows_loaded"]


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute("select column_name from information_schema.columns where table_name = ? "
                                      "and table_schema = 'main'", [table]).fetchall()}


def read_kept(con, in_force: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """``judgements`` and ``deliveries`` (those of a ``load_log`` status in ``in_force``) of the
    warehouse (a DuckDB connection) this release is made from."""
    kept = {}
    score = _columns(con, "scorecard")
    if set(JUDGEMENTS.values()) | {"is_latest"} <= score:
        sel = ", ".join(f'"{theirs}"::varchar as "{ours}"' for ours, theirs in JUDGEMENTS.items())
        kept["judgements"] = con.execute(f"select {sel} from scorecard where is_latest").df()
    if set(DELIVERIES) | {"status"} <= _columns(con, "load_log"):
        kept["deliveries"] = con.execute(
            f"select {', '.join(DELIVERIES)} from load_log where status in ({', '.join('?' * len(in_force))}) "
            "order by source, period, version", list(in_force)).df()
    return kept


def kept(release: Release, name: str) -> pd.DataFrame | None:
    """A frame ``read_kept`` kept with ``release`` (None for a release recorded before it was kept)."""
    path = release.folder / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else None
