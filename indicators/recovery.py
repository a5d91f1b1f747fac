"""Can a hidden cell of the published indicator table be worked out from the cells shown?

The reader's position: every cell of ``indicator_values_published`` that is not "c", and the
linear relations between cells that hold by definition. Those relations are found, not
listed by hand, from the exact table (``indicator_values``), so a new measure is covered
the day it is added:

* totals and parts: the cells of a breakdown add up to the measure's "all" row (used in
  every period where they do); parts of an overlapping breakdown (vulnerable groups) are
  each at most the total;
* measures of one indicator that add up, as templates over the series (measure x
  numerator / denominator / value) holding in every period and breakdown cell:
  ``a = b`` (a shared denominator, a count and its percentage's numerator, a gap's group
  and its side measure) and ``a + b = c`` (complements sharing a denominator: EH07
  EET + NEET-or-not-known = cohort; NEET + not known = NEET-or-not-known; a gap and its
  two sides);
* a rate and its counts: ``value = k * numerator / denominator`` for each rate measure,
  linear in the numerator and value when the denominator is shown;
* a numerator is at most its denominator (proportions), and a hidden count is at least
  its smallest step (zeros are shown; 1, or 1/3 for a three-month average).

``attack`` then bounds each hidden count by linear programming (scipy's HiGHS) over the
group of hidden cells the relations tie together; a count is *recovered* when its bounds
leave one possible value. Pure functions on frames, no I/O; ``indicators.disclosure`` uses
them to add suppression until nothing small is recovered, and the pipeline's blocking
check (``pipelines.compute.assets``) runs the same attack on what was published.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components
from scipy.sparse import coo_matrix

SERIES = ("numerator", "denominator", "value")
COUNTS = ("numerator", "denominator")
KEY = ["period", "breakdown", "breakdown_value"]
STEPS = (1.0, 1 / 2, 1 / 3, 1 / 4, 1 / 6, 1 / 12)   # counts, and averages of counts over 2-12 months
MIN_SUPPORT = 3    # a template must hold in at least this many cells with non-zero terms
TOL = 1e-6
HIGH = 5     # the suppression band: every hidden count must still admit each value from one step to 5


@dataclass
class Knowledge:
    """Relations over cells, a cell being (row position, series); cell id = row * 3 + series index."""
    n_rows: int
    equalities: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)    # sum coef * x = 0
    inequalities: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # sum coef * x <= 0
    step: np.ndarray | None = None     # per cell: the count's step (NaN: not a count, any real)
    lower: np.ndarray | None = None    # per cell: least value a hidden cell can take (-inf: none)
    templates: list[str] = field(default_factory=list)   # found cross-measure relations, for reports
    # value = k * numerator / denominator: (numerator cell, value cell, denominator cell, k); linear in
    # (numerator, value) once the denominator is shown.
    rates: list[tuple[int, int, int, float]] = field(default_factory=list)


def cell(row: int | np.ndarray, series: str) -> int | np.ndarray:
    return row * 3 + SERIES.index(series)


def _step(values: np.ndarray) -> float:
    v = values[np.isfinite(values)]
    for s in STEPS:
        if np.all(np.abs(v / s - np.round(v / s)) < 1e-6):
            return s
    return np.nan


def exact_cells(values: pd.DataFrame) -> np.ndarray:
    """Every cell's exact figure, by cell id (row * 3 + series index)."""
    out = np.full(len(values) * 3, np.nan)
    for k, s in enumerate(SERIES):
        out[k::3] = pd.to_numeric(values[s], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return out


_FOUND: dict = {}   # the last relations found, by the digest of what they were found from


def relations(values: pd.DataFrame, n_only: np.ndarray | None = None,
              lookups: dict[str, pd.DataFrame] | None = None) -> Knowledge:
    """Every relation a reader could use, verified on the exact table ``values``
    (indicator_values: measure_id, indicator_id, period, breakdown, breakdown_value, numerator,
    denominator, value; row positions are cell rows). ``n_only``: rows whose numerator is a sum
    of scores, not a count (no lower bound of one step). ``lookups``: the lookup tables the
    outputs print beside the figures (``lookup_wards`` ...), name -> frame; every grouping one
    of their columns makes of another (ward -> locality) is tried as a nesting of breakdowns.

    Found once per content: the protection, the blocking check and the certificate of one run
    (one process) ask for the relations of the same table; the second and third get the first's
    (the key is a digest of every column read, so a changed figure finds them again). The
    result is shared: callers read it and make new ``Knowledge`` (``holding``), never change it."""
    values = values.reset_index(drop=True)
    n_only = np.zeros(len(values), bool) if n_only is None else np.asarray(n_only, bool)
    key = _digest(values, n_only, lookups or {})
    if _FOUND.get("key") != key:
        _FOUND.clear()
        _FOUND.update(key=key, know=_relations(values, n_only, lookups or {}))
    return _FOUND["know"]


def _digest(values: pd.DataFrame, n_only: np.ndarray, lookups: dict[str, pd.DataFrame]) -> str:
    import hashlib

    h = hashlib.sha256()
    cols = [c for c in ("measure_id", "indicator_id", *KEY, *SERIES) if c in values.columns]
    h.update(repr(cols).encode())
    h.update(pd.util.hash_pandas_object(values[cols].astype(str), index=True).to_numpy().tobytes())
    h.update(n_only.tobytes())
    for name in sorted(lookups):
        h.update(name.encode())
        h.update(repr(list(lookups[name].columns)).encode())
        h.update(pd.util.hash_pandas_object(lookups[name].astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


def _relations(values: pd.DataFrame, n_only: np.ndarray, lookups: dict[str, pd.DataFrame]) -> Knowledge:
    n = len(values)
    truth = exact_cells(values)
    know = Knowledge(n)
    know.step = np.full(n * 3, np.nan)
    know.lower = np.full(n * 3, -np.inf)
    for _measure, pos in values.groupby("measure_id", sort=False).indices.items():
        for s in COUNTS:
            ids = cell(pos, s)
            step = _step(truth[ids])
            if s == "numerator":
                ids = ids[~n_only[pos]]
            know.step[ids] = step
            know.lower[ids] = step if np.isfinite(step) else 0.0
    _partitions(values, truth, know)
    _nesting(values, truth, know, lookups)
    _rates(values, truth, know)
    _templates(values, truth, know)
    _shared_counts(values, truth, know)
    _cross_sums(values, truth, know)
    return know


def holding(know: Knowledge, truth: np.ndarray) -> Knowledge:
    """``know`` without the relation instances the figures ``truth`` break (figures of a held
    revision beside revised ones: a reader applying them there learns nothing true)."""
    def ok(rels, equal):
        out = []
        for ids, coefs in rels:
            total = float(np.dot(coefs, truth[ids]))
            if not np.isfinite(total) or (abs(total) <= 1e-6 if equal else total <= 1e-6):
                out.append((ids, coefs))
        return out
    rates = [(n, v, d, k) for n, v, d, k in know.rates
             if not np.all(np.isfinite(truth[[n, v, d]])) or truth[d] <= 0
             or abs(truth[v] - k * truth[n] / truth[d]) <= 1e-6 * max(1.0, abs(truth[v]))]
    return Knowledge(know.n_rows, ok(know.equalities, True), ok(know.inequalities, False), know.step,
                     know.lower, list(know.templates), rates)


def groupings(values: pd.DataFrame, lookups: dict[str, pd.DataFrame]) -> list[tuple[str, str, dict[str, str]]]:
    """(fine breakdown, coarse breakdown, fine value -> coarse value) for every grouping a lookup
    makes: two columns of one lookup table where each value of the first has one value of the
    second (and several share one), the first's values are breakdown values of one breakdown and
    the second's of another. A fine value missing from the lookup but present among the coarse
    breakdown's values ("unknown") maps to itself."""
    seen = values.groupby("breakdown")["breakdown_value"].agg(lambda s: set(s.astype(str))).to_dict()
    seen.pop("all", None)
    out = []
    for frame in lookups.values():
        # Codes and names, not measurements (a count of wards is no grouping).
        f = frame[[c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]].dropna().astype(str)
        for fine in f.columns:
            for coarse in f.columns:
                if fine == coarse:
                    continue
                pairs = f[[fine, coarse]].drop_duplicates()
                if pairs[fine].duplicated().any() or pairs[coarse].nunique() == len(pairs):
                    continue   # not a function, or a one-to-one relabelling rather than a grouping
                mapping = dict(zip(pairs[fine], pairs[coarse]))
                for bf, fine_values in seen.items():
                    if len(fine_values & mapping.keys()) < 2:
                        continue
                    own = fine_values - mapping.keys()      # fine values the lookup lacks ("unknown")
                    for bc, coarse_values in seen.items():
                        # Every coarse value is a group of the lookup, a fine value's own, or
                        # one catch-all ("unknown": a locality no ward of the lookup has).
                        if bc == bf or len(coarse_values & set(mapping.values())) < 2 \
                                or len(coarse_values - set(mapping.values()) - own) > 1:
                            continue
                        full = {v: mapping.get(v, v) for v in fine_values}
                        out.append((bf, bc, {k: v for k, v in full.items() if v in coarse_values}))
    return out


def _nesting(values: pd.DataFrame, truth: np.ndarray, know: Knowledge,
             lookups: dict[str, pd.DataFrame]) -> None:
    """Breakdowns that nest (wards within localities): each coarse cell is the sum of its fine
    cells (or, where a count is deduplicated, at least each of them), per measure and period,
    checked on the exact figures. Measures of one indicator whose fine cells add up to another
    measure's coarse cells in every period are tied the same way (templates)."""
    group = values["indicator_id"] if "indicator_id" in values.columns else values["measure_id"].str.split("_").str[0]
    bv = values["breakdown_value"].astype(str).to_numpy()
    for bf, bc, mapping in groupings(values, lookups):
        fine = values.index[(values["breakdown"] == bf).to_numpy() & np.isin(bv, list(mapping))].to_numpy()
        coarse = values.index[(values["breakdown"] == bc).to_numpy()].to_numpy()
        if not len(fine) or not len(coarse):
            continue
        at = {}
        for r in coarse:
            at.setdefault((values.at[r, "measure_id"], values.at[r, "period"], bv[r]), r)
        parts: dict[tuple, list[int]] = {}
        for r in fine:
            parts.setdefault((values.at[r, "measure_id"], values.at[r, "period"], mapping[bv[r]]), []).append(r)
        for s in COUNTS:
            for key, rows in parts.items():
                total = at.get(key)
                if total is None:
                    continue
                _parts_of(know, truth, cell(np.array(rows), s), cell(total, s))
        _nesting_templates(values, truth, know, group.to_numpy(), parts, at, f"{bf} within {bc}")


def _nesting_templates(values, truth, know, group, parts, at, label) -> None:
    """Fine cells of measure A adding up to coarse cells of another measure B of the same
    indicator (series by series), in every period and coarse value where both are present."""
    measures = values["measure_id"].to_numpy()
    ind_of = dict(zip(measures, group))
    by_place: dict[tuple, list] = {}
    for (mc, period, cv), total in at.items():
        by_place.setdefault((period, cv), []).append((mc, total))
    by_pair: dict[tuple, list] = {}
    for (mf, period, cv), rows in parts.items():
        for mc, total in by_place.get((period, cv), []):
            if mc == mf or ind_of.get(mc) != ind_of.get(mf):
                continue
            by_pair.setdefault((mf, mc), []).append((rows, total))
    for (mf, mc), items in by_pair.items():
        for sf in COUNTS:
            for sc in COUNTS:
                holds, support = True, 0
                for rows, total in items:
                    v, tv = truth[cell(np.array(rows), sf)], truth[cell(total, sc)]
                    if not (np.isfinite(tv) and np.isfinite(v).all()) or abs(v.sum() - tv) > TOL * max(1.0, abs(tv)):
                        holds = False
                        break
                    support += tv > TOL
                if not holds or support < MIN_SUPPORT:
                    continue
                know.templates.append(f"sum of {mf}.{sf} ({label}) = {mc}.{sc}")
                for rows, total in items:
                    ids = cell(np.array(rows), sf)
                    know.equalities.append((np.append(ids, cell(total, sc)), np.append(np.ones(len(ids)), -1.0)))


def _partitions(values: pd.DataFrame, truth: np.ndarray, know: Knowledge) -> None:
    is_all = (values["breakdown"] == "all").to_numpy()
    total_of = {(m, p): i for i, (m, p) in
                enumerate(zip(values["measure_id"], values["period"])) if is_all[i]}
    parts = values[~is_all]
    for (measure, period, _), pos in parts.groupby(["measure_id", "period", "breakdown"], sort=False).indices.items():
        rows = parts.index.to_numpy()[pos]
        total = total_of.get((measure, period))
        if total is None:
            continue
        for s in COUNTS:
            _parts_of(know, truth, cell(rows, s), cell(total, s))


def _parts_of(know: Knowledge, truth: np.ndarray, ids: np.ndarray, t: int) -> None:
    """Cells ``ids`` as parts of the cell ``t``: their sum equals it where it does on the exact
    figures; otherwise (overlapping or deduplicated parts) each is at most it, where that holds."""
    v, tv = truth[ids], truth[t]
    if not (np.isfinite(tv) and np.isfinite(v).all()):
        return
    if abs(v.sum() - tv) <= TOL * max(1.0, abs(tv)):
        know.equalities.append((np.append(ids, t), np.append(np.ones(len(ids)), -1.0)))
    elif (v <= tv + TOL).all():
        for i in ids:
            know.inequalities.append((np.array([i, t]), np.array([1.0, -1.0])))


def _rates(values: pd.DataFrame, truth: np.ndarray, know: Knowledge) -> None:
    """value = k * numerator / denominator for each measure where that holds on every row;
    numerator <= denominator where that holds on every row (proportions)."""
    for _measure, pos in values.groupby("measure_id", sort=False).indices.items():
        num, den, val = truth[cell(pos, "numerator")], truth[cell(pos, "denominator")], truth[cell(pos, "value")]
        ok = np.isfinite(num) & np.isfinite(den) & np.isfinite(val) & (num > 0) & (den > 0)
        if ok.sum() < MIN_SUPPORT:
            continue
        k = np.median(val[ok] * den[ok] / num[ok])
        with np.errstate(divide="ignore", invalid="ignore"):
            fits = np.isclose(val, k * num / den, rtol=1e-7, atol=1e-7) | ~(np.isfinite(val) & (den > 0))
        if not fits.all():
            continue
        for r in pos[np.isfinite(den) & (den > 0)]:
            know.rates.append((cell(r, "numerator"), cell(r, "value"), cell(r, "denominator"), float(k)))
        both = np.isfinite(num) & np.isfinite(den)
        if both.sum() >= MIN_SUPPORT and (num[both] <= den[both] + TOL).all():
            for r in pos[both]:
                know.inequalities.append((np.array([cell(r, "numerator"), cell(r, "denominator")]),
                                          np.array([1.0, -1.0])))


def _series_matrix(frame: pd.DataFrame, truth: np.ndarray):
    """Series (measure, numerator / denominator / value) as columns, places (period, breakdown,
    breakdown value) as rows: (names, cell ids (-1: none), exact figures)."""
    keys = frame[KEY[0]].astype(str)
    for k in KEY[1:]:   # vectorised: a row-wise join took most of the relations' time
        keys = keys + "|" + frame[k].astype(str)
    names, rows_of = [], []
    for measure, part in frame.groupby("measure_id", sort=False):
        at = pd.Series(part.index.to_numpy(), index=keys.loc[part.index].to_numpy())
        at = at[~at.index.duplicated()]
        for s in SERIES:
            names.append((measure, s))
            rows_of.append(at)
    index = sorted(set().union(*(set(r.index) for r in rows_of))) if rows_of else []
    rows = np.full((len(index), len(names)), -1)
    where = {k: i for i, k in enumerate(index)}
    for j, at in enumerate(rows_of):
        rows[[where[k] for k in at.index], j] = at.to_numpy()
    ids = np.where(rows >= 0, rows * 3 + np.array([SERIES.index(s) for _, s in names], dtype=int), -1)
    m = np.where(ids >= 0, truth[np.maximum(ids, 0)], np.nan)
    return names, ids, m


def _count_series(values: pd.DataFrame, truth: np.ndarray):
    """``_series_matrix`` of the count series of every measure (numerators and denominators), with
    each measure's indicator: (measure -> indicator, names, cell ids, exact figures)."""
    group = values["indicator_id"] if "indicator_id" in values.columns else values["measure_id"].str.split("_").str[0]
    names, ids, m = _series_matrix(values, truth)
    counts = [j for j, (_, s) in enumerate(names) if s in COUNTS]
    return dict(zip(values["measure_id"], group)), [names[j] for j in counts], ids[:, counts], m[:, counts]


def _shared_counts(values: pd.DataFrame, truth: np.ndarray, know: Knowledge) -> None:
    """a = b between counts of measures of different indicators (a shared population or
    cohort), in every place both are given."""
    ind_of, names, ids, m = _count_series(values, truth)
    if len(names) < 2:
        return
    present = np.isfinite(m)
    nz = present & (np.abs(m) > TOL)
    for a in range(len(names)):
        rest = np.arange(a + 1, len(names))
        if not len(rest):
            break
        both = present[:, [a]] & present[:, rest]
        with np.errstate(invalid="ignore"):
            same = np.all((np.abs(m[:, [a]] - m[:, rest]) <= TOL * np.maximum(1.0, np.abs(m[:, [a]]))) | ~both, axis=0)
        support = (nz[:, [a]] & nz[:, rest]).sum(axis=0)
        for b in rest[same & (support >= MIN_SUPPORT)]:
            if ind_of[names[a][0]] == ind_of[names[b][0]]:
                continue   # within an indicator: _templates
            know.templates.append(f"{names[a][0]}.{names[a][1]} = {names[b][0]}.{names[b][1]}")
            for r in np.flatnonzero(present[:, a] & present[:, b]):
                know.equalities.append((np.array([ids[r, a], ids[r, b]]), np.array([1.0, -1.0])))


def _cross_sums(values: pd.DataFrame, truth: np.ndarray, know: Knowledge) -> None:
    """a + b = c between counts of measures of different indicators (a numerator the sum of two
    others' numerators, "known" + "not known" = the cohort another indicator divides by), in every
    place all three are given. Tried on the headline cells first (every period's "all" cell), then
    checked in every place; triples within one indicator are ``_templates``'."""
    ind_of, names, ids, m = _count_series(values, truth)
    if len(names) < 3:
        return
    rows = np.where(ids >= 0, ids // 3, -1).max(axis=1)
    head = (values["breakdown"].to_numpy()[np.maximum(rows, 0)] == "all") & (rows >= 0)
    hm = m[head]
    present = np.isfinite(hm)
    nz = present & (np.abs(hm) > TOL)
    inds = np.array([ind_of[n] for n, _ in names])
    found = []
    for c in range(len(names)):
        pc = present[:, c]
        if nz[:, c].sum() < MIN_SUPPORT:
            continue
        pa = present[:, :, None] & present[:, None, :] & pc[:, None, None]
        with np.errstate(invalid="ignore"):
            close = np.abs(hm[:, :, None] + hm[:, None, :] - hm[:, c][:, None, None]) <= TOL * np.maximum(
                1.0, np.abs(hm[:, c]))[:, None, None]
        holds = np.all(close | ~pa, axis=0) & ((nz[:, :, None] & nz[:, None, :] & pa).sum(axis=0) >= MIN_SUPPORT)
        for a, b in zip(*np.nonzero(np.triu(holds, k=1))):
            if c not in (a, b) and not (inds[a] == inds[b] == inds[c]):
                found.append((a, b, c))
    full_present = np.isfinite(m)
    for a, b, c in found:
        both = full_present[:, a] & full_present[:, b] & full_present[:, c]
        if not np.allclose(m[both, a] + m[both, b], m[both, c], rtol=0, atol=TOL):
            continue
        know.templates.append(f"{names[a][0]}.{names[a][1]} + {names[b][0]}.{names[b][1]} = "
                              f"{names[c][0]}.{names[c][1]}")
        for r in np.flatnonzero(both):
            know.equalities.append((ids[r, [a, b, c]], np.array([1.0, 1.0, -1.0])))


def _templates(values: pd.DataFrame, truth: np.ndarray, know: Knowledge) -> None:
    """a = b and a + b = c between the series of one indicator's measures, cell by cell."""
    group = values["indicator_id"] if "indicator_id" in values.columns else values["measure_id"].str.split("_").str[0]
    for _, frame in values.groupby(group.to_numpy(), sort=False):
        names, ids, m = _series_matrix(frame, truth)
        if len(names) < 2:
            continue
        present = np.isfinite(m)
        nz = present & (np.abs(m) > TOL)
        s_count = len(names)
        found = []
        for a in range(s_count):
            for b in range(a + 1, s_count):
                both = present[:, a] & present[:, b]
                if (nz[:, a] & nz[:, b]).sum() >= MIN_SUPPORT and \
                        np.allclose(m[both, a], m[both, b], rtol=1e-9, atol=TOL):
                    found.append(((a, b), ()))
        for c in range(s_count):
            pa = present[:, :, None] & present[:, None, :] & present[:, c][:, None, None]
            with np.errstate(invalid="ignore"):
                close = np.abs(m[:, :, None] + m[:, None, :] - m[:, c][:, None, None]) <= TOL * np.maximum(
                    1.0, np.abs(m[:, c]))[:, None, None]
            holds = np.all(close | ~pa, axis=0)
            support = (nz[:, :, None] & nz[:, None, :] & pa).sum(axis=0)
            for a, b in zip(*np.nonzero(np.triu(holds & (support >= MIN_SUPPORT), k=1))):
                if c not in (a, b):
                    found.append(((a, b), (c,)))
        label = [f"{measure}.{s}" for measure, s in names]
        for terms, minus in found:
            cols = [*terms, *minus]
            if minus:
                coefs = np.array([1.0, 1.0, -1.0])
                know.templates.append(f"{label[terms[0]]} + {label[terms[1]]} = {label[minus[0]]}")
            else:
                coefs = np.array([1.0, -1.0])
                know.templates.append(f"{label[terms[0]]} = {label[terms[1]]}")
            ok = np.all(present[:, cols], axis=1)
            for r in np.flatnonzero(ok):
                know.equalities.append((ids[r, cols], coefs))


@dataclass
class Attack:
    tried: int                              # hidden count cells with a count of 1-5
    recovered: list[tuple[int, str, float]]  # (row, series, value) of small counts worked out exactly
    hidden: int                              # hidden count cells in all
    relations: int                           # relation instances used
    # (row, series, value, least, most) of small counts whose possible values no longer include
    # every value of the band (1 to 5), recovered ones excluded
    narrowed: list[tuple[int, str, float, float, float]] = field(default_factory=list)
    safe: set[int] = field(default_factory=set)   # cells shown to keep their band (stay so as more is hidden)
    groups_attacked: int = 0    # groups of hidden cells with a count of 1-5 solved by this attack
    groups_reused: int = 0      # and those whose result an earlier attack on the same problem gave (``memo``)

    @property
    def failed(self) -> list[tuple[int, str, float]]:
        """Every small count recovered or narrowed below the band: (row, series, value)."""
        return [*self.recovered, *((r, s, v) for r, s, v, _, _ in self.narrowed)]


def attack(values: pd.DataFrame, hidden: np.ndarray, know: Knowledge, focus: set[int] | None = None,
           settled: set[int] | None = None, memo=None, before: np.ndarray | None = None) -> Attack:
    """Which hidden counts of 1-5 a reader can work out exactly, or narrow to a range that no
    longer admits every value from one step to ``HIGH`` (5). ``hidden``: per cell (row * 3 +
    series index, rows as in ``values``), True where the published table shows "c" (or nothing
    a reader could use). ``focus``: only the groups of hidden cells holding one of these cells
    are solved (what changed since the last attack). ``settled``: cells an earlier attack found
    safe with fewer cells hidden; hiding more only widens ranges, so they are not solved again.

    The reader is given every relation in ``know``, every shown cell, and integer counts: each
    hidden count is a whole number of its steps, at least one step when it is not 0 (zeros are
    shown, so a hidden count is taken to be non-zero; a zero hidden as a partner is given its
    true lower bound, 0). Each count's least and greatest possible values are found by mixed
    integer programming (scipy's HiGHS).

    ``memo``: the results of groups an earlier attack solved (``pipelines.reuse.Parts``: ``salt``,
    ``get(digest)``, ``put(digest, result)``); a group whose problem has the digest of one solved
    before (``group_digest``: its cells, their figures and flags, every relation linking them with
    the shown cells in it, the band and steps, the code) takes that result rather than being
    solved again. ``before``: per cell, a digest of what the earlier releases held for it
    (``disclosure.seen_before``), made part of each group's digest."""
    values = values.reset_index(drop=True)
    truth = exact_cells(values)
    hidden = np.asarray(hidden, bool)
    count_cell = np.zeros(len(truth), bool)
    count_cell[0::3] = count_cell[1::3] = True
    small = hidden & count_cell & np.isfinite(truth) & (truth > 0) & (truth <= HIGH)
    eqs, ineqs = [], []    # (hidden cells, their coefficients, right-hand side, every cell of the relation)
    rates = [(np.array([num, val]), np.array([k / truth[den], -1.0])) for num, val, den, k in know.rates
             if not hidden[den] and (hidden[num] or hidden[val])]
    for rel, out in ((know.equalities, eqs), (rates, eqs), (know.inequalities, ineqs)):
        for at in _touching(rel, hidden):
            ids, coefs = rel[at]
            h = hidden[ids]
            rhs = -float(np.dot(coefs[~h], truth[ids[~h]]))
            if not np.isfinite(rhs):
                continue
            out.append((ids[h], coefs[h], rhs, ids))
    lower = np.where(np.isfinite(truth) & (truth == 0), np.minimum(know.lower, 0.0), know.lower)
    # Where a total of 1-5 is hidden, every part of it is hidden, zeros included
    # (``disclosure.hide_parts_of_small_totals``): a "c" there may be a 0, so the reader's least
    # value for each part is 0, not one step.
    for parts, total in sums(know):
        if hidden[total] and 0 < truth[total] <= HIGH and hidden[parts].all():
            lower[parts] = np.minimum(lower[parts], 0.0)
    # Groups of hidden cells tied together by a relation.
    rels = eqs + ineqs
    recovered, narrowed, safe, solved = [], [], set(), [0, 0]
    problem = _Problem(truth, hidden, know.step, lower, memo, before, values) if memo is not None else None
    if rels:
        sizes = np.fromiter((len(r[0]) for r in rels), dtype=int, count=len(rels))
        flat = np.concatenate([r[0] for r in rels])
        used = np.unique(flat)
        heads = np.searchsorted(used, np.fromiter((r[0][0] for r in rels), dtype=np.int64, count=len(rels)))
        graph = coo_matrix((np.ones(len(flat)), (np.repeat(heads, sizes), np.searchsorted(used, flat))),
                           shape=(len(used), len(used)))
        _, label = connected_components(graph, directed=False)
        rel_label = label[heads]
        order = np.argsort(label, kind="stable")
        bounds = np.flatnonzero(np.diff(label[order])) + 1
        by_label = np.argsort(rel_label, kind="stable")
        rel_bounds = np.searchsorted(rel_label[by_label], np.arange(label.max() + 2))
        n_eq = len(eqs)
        for idx in np.split(order, bounds):
            cells = used[idx]
            if focus is not None and not focus.intersection(cells.tolist()):
                continue
            targets = [j for j, c in enumerate(cells) if small[c] and not (settled and int(c) in settled)]
            if not targets:
                continue
            lab = label[idx[0]]
            mine = by_label[rel_bounds[lab]:rel_bounds[lab + 1]]
            exact, narrow, was_reused = _solve_group(cells, targets, [rels[i] for i in mine if i < n_eq],
                                                     [rels[i] for i in mine if i >= n_eq], truth, know, lower,
                                                     problem)
            solved[was_reused] += 1
            recovered += exact
            narrowed += narrow
            safe.update(int(cells[j]) for j in targets)
    return Attack(tried=int(small.sum()),
                  recovered=[(int(c) // 3, SERIES[int(c) % 3], float(truth[c])) for c in recovered],
                  hidden=int((hidden & count_cell & np.isfinite(truth)).sum()), relations=len(eqs) + len(ineqs),
                  narrowed=[(int(c) // 3, SERIES[int(c) % 3], float(truth[c]), lo, hi) for c, lo, hi in narrowed],
                  safe=safe - set(recovered) - {c for c, _, _ in narrowed},
                  groups_attacked=solved[0], groups_reused=solved[1])


@dataclass
class _Problem:
    """What every group's problem is made of, for ``group_digest``: the cells' exact figures,
    hidden flags, steps and least values, the ``memo`` and the earlier releases (``before``)."""
    truth: np.ndarray
    hidden: np.ndarray
    step: np.ndarray
    lower: np.ndarray
    memo: object
    before: np.ndarray | None
    values: pd.DataFrame
    _labels: np.ndarray | None = None

    def labels(self, ids) -> list[str]:
        """Each cell's name: measure, period, breakdown, breakdown value and series."""
        if self._labels is None:
            cols = [c for c in ("measure_id", *KEY) if c in self.values.columns]
            rows = self.values[cols[0]].astype(str)
            for c in cols[1:]:
                rows = rows + "|" + self.values[c].astype(str)
            self._labels = rows.to_numpy(dtype=object)
        return [f"{self._labels[int(c) // 3]}|{SERIES[int(c) % 3]}" for c in ids]


def group_digest(problem: _Problem, cells: np.ndarray, targets: list[int], eqs: list, ineqs: list) -> str:
    """The digest of everything a group's result depends on: the salt of the ``memo`` (the code),
    the band, steps and solver versions; the group's cells (names, exact figures, steps, least
    values, which are tried, what earlier releases held); every relation linking them (each cell
    it names, shown or hidden, with its name, figure, flag and earlier releases; its coefficients
    and right-hand side), in the order they are solved in."""
    import hashlib

    import scipy

    h = hashlib.sha256(f"{problem.memo.salt}|{HIGH}|{STEPS}|{TOL}|scipy {scipy.__version__}|"
                       f"numpy {np.__version__}".encode())

    def add(a, dtype=float):
        a = np.ascontiguousarray(a, dtype=dtype)
        h.update(len(a).to_bytes(8, "little"))
        h.update(a.tobytes())

    def about(ids):
        h.update("\n".join(problem.labels(ids)).encode() + b"\0")
        add(problem.truth[ids])
        add(problem.hidden[ids], np.uint8)
        if problem.before is not None:
            add(problem.before[ids], np.uint64)

    about(cells)
    add(problem.step[cells])
    add(problem.lower[cells])
    add(targets, np.int64)
    pos = {int(c): i for i, c in enumerate(cells)}
    for tag, rels in ((b"=", eqs), (b"<=", ineqs)):
        h.update(tag + len(rels).to_bytes(8, "little"))
        for ids, coefs, rhs, every in rels:
            about(every)
            add([pos[int(c)] for c in ids], np.int64)
            add(coefs)
            add([rhs])
    return h.hexdigest()


def _solve_group(cells: np.ndarray, targets: list[int], eqs: list, ineqs: list, truth: np.ndarray,
                 know: Knowledge, lower: np.ndarray, problem: _Problem | None):
    """``_solve``, or the result an earlier attack on the same problem kept in ``problem.memo``:
    (recovered, narrowed, reused)."""
    if problem is None:
        return (*_solve(cells, targets, eqs, ineqs, truth, know, lower), False)
    key = group_digest(problem, cells, targets, eqs, ineqs)
    got = problem.memo.get(key)
    if got is not None:
        return ([int(cells[j]) for j in got["recovered"]],
                [(int(cells[j]), float(lo), float(hi)) for j, lo, hi in got["narrowed"]], True)
    exact, narrow = _solve(cells, targets, eqs, ineqs, truth, know, lower)
    pos = {int(c): j for j, c in enumerate(cells)}
    problem.memo.put(key, {"recovered": [pos[c] for c in exact],
                           "narrowed": [[pos[c], lo, hi] for c, lo, hi in narrow]})
    return exact, narrow, False


def sums(know: Knowledge) -> list[tuple[np.ndarray, int]]:
    """(parts, total) of every relation instance that is a sum of counts: two or more parts with
    coefficient 1 adding up to one total with coefficient -1 (a breakdown and its "all" cell, wards and their
    locality, complements and their cohort), cell ids; found once per ``know``."""
    cached = getattr(know, "_sums", None)
    if cached is not None and cached[0] == len(know.equalities):
        return cached[1]
    out = []
    rels = [(i, (ids, coefs)) for i, (ids, coefs) in enumerate(know.equalities) if len(ids)]
    if rels:
        # One vectorised pass: one coefficient of -1, the others 1 (np.isclose's tolerances), no value cell.
        sizes = np.fromiter((len(r[0]) for _, r in rels), dtype=int, count=len(rels))
        ids = np.concatenate([r[0] for _, r in rels])
        coefs = np.concatenate([np.asarray(r[1], dtype=float) for _, r in rels])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        neg = coefs < 0
        wrong = (ids % 3 == 2) | np.where(neg, ~(np.abs(coefs + 1.0) <= 1e-8 + 1e-5),
                                          ~(np.abs(coefs - 1.0) <= 1e-8 + 1e-5))
        ok = (np.add.reduceat(neg.astype(int), starts) == 1) & (sizes > 2) \
            & (np.add.reduceat(wrong.astype(int), starts) == 0)
        for k in np.flatnonzero(ok):
            ids_k, coefs_k = rels[k][1]
            minus = np.asarray(coefs_k) < 0
            out.append((ids_k[~minus], int(ids_k[minus][0])))
    know._sums = (len(know.equalities), out)
    return out


def _touching(rels: list[tuple[np.ndarray, np.ndarray]], hidden: np.ndarray) -> np.ndarray:
    """Positions of the relations with at least one hidden cell (one vectorised pass)."""
    if not rels:
        return np.array([], dtype=int)
    sizes = np.fromiter((len(r[0]) for r in rels), dtype=int, count=len(rels))
    flat = np.concatenate([r[0] for r in rels])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return np.flatnonzero(np.add.reduceat(hidden[flat].astype(int), starts) > 0)


def _null_space(a: np.ndarray) -> np.ndarray:
    """A basis (columns) of {x : a x = 0}, by Gauss-Jordan elimination with partial pivoting.

    Elementwise numpy only: LAPACK's SVD on these small systems spends its time in BLAS
    threads when the machine is busy (30x slower on two shared cores)."""
    r = np.array(a, dtype=float)
    m, k = r.shape
    scale = np.abs(r).max() if r.size else 0.0
    tol = max(m, k) * np.finfo(float).eps * max(scale, 1.0) * 1e3
    pivots, row = [], 0
    for col in range(k):
        if row == m:
            break
        p = row + int(np.argmax(np.abs(r[row:, col])))
        if abs(r[p, col]) <= tol:
            r[row:, col] = 0.0
            continue
        if p != row:
            r[[row, p]] = r[[p, row]]
        r[row] /= r[row, col]
        factors = r[:, col].copy()
        factors[row] = 0.0
        r -= factors[:, None] * r[row][None, :]
        pivots.append(col)
        row += 1
    free = [c for c in range(k) if c not in set(pivots)]
    basis = np.zeros((k, len(free)))
    for n, f in enumerate(free):
        basis[f, n] = 1.0
        for i, p in enumerate(pivots):
            basis[p, n] = -r[i, f]
    return basis


def _solve(cells: np.ndarray, targets: list[int], eqs: list, ineqs: list, truth: np.ndarray,  # noqa: C901 (over the limit before it was set: to be split, docs/performance.md)
           know: Knowledge, lower_of: np.ndarray) -> tuple[list[int], list[tuple[int, float, float]]]:
    """Recovered target cells, and (cell, least, most) of those narrowed below the band."""
    pos = {c: i for i, c in enumerate(cells)}
    k = len(cells)

    def matrix(rels):
        a = np.zeros((len(rels), k))
        b = np.zeros(len(rels))
        for r, (ids, coefs, rhs, *_) in enumerate(rels):
            for c, v in zip(ids, coefs):
                a[r, pos[c]] += v
            b[r] = rhs
        return a, b

    a_eq, b_eq = matrix(eqs)
    a_ub, b_ub = matrix(ineqs)
    basis = _null_space(a_eq) if len(eqs) else np.eye(k)
    if not basis.size:
        return [int(cells[j]) for j in targets], []
    determined = np.linalg.norm(basis, axis=1) < 1e-8
    found = [int(cells[j]) for j in targets if determined[j]]
    lower = lower_of[cells]
    steps = know.step[cells]
    x = truth[cells]
    whole = np.isfinite(steps)

    def possible(point):
        """A point every relation allows, with every count a whole number of its steps."""
        if not np.all(point >= lower - 1e-9) or (len(ineqs) and not np.all(a_ub @ point <= b_ub + 1e-9)):
            return False
        if len(eqs) and not np.allclose(a_eq @ point, b_eq, atol=1e-7):
            return False
        grid = point[whole] / steps[whole]
        return bool(np.all(np.abs(grid - np.round(grid)) < 1e-7))

    def band(j):
        step = steps[j] if whole[j] else np.nan
        return (step, HIGH) if np.isfinite(step) else (np.nan, np.nan)

    rest = []
    for j in targets:
        if determined[j]:
            continue
        # Quick proof: the truth moved along the relations to each end of the band is still
        # possible, with whole counts: along cell j's projection on their null space, or along
        # one null-space direction (a trade between cells, e.g. +1 here, -1 in a partner).
        lo_end, hi_end = band(j)
        if not np.isfinite(lo_end):
            rest.append(j)
            continue
        moves = [basis @ basis[j]] + [basis[:, col] for col in np.flatnonzero(np.abs(basis[j]) > 1e-9)[:12]]
        if not all(any(possible(x + m * ((goal - x[j]) / m[j])) for m in moves) for goal in (lo_end, hi_end)):
            rest.append(j)
    if not rest:
        return found, []
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp

    # Counts as whole numbers of their step: y = x / step is an integer.
    scale = np.where(whole, steps, 1.0)
    constraints = []
    if len(eqs):
        constraints.append(LinearConstraint(a_eq * scale, b_eq - 1e-9, b_eq + 1e-9))
    if len(ineqs):
        constraints.append(LinearConstraint(a_ub * scale, -np.inf, b_ub + 1e-9))
    lb = np.where(np.isfinite(lower), lower / scale, -np.inf)
    lp_bounds = list(zip(np.where(np.isfinite(lb), lb, None), [None] * k))
    a_eq_s, a_ub_s = a_eq * scale, a_ub * scale

    def extreme(goal):
        """min goal . y over whole-step counts: the linear relaxation first (HiGHS); its optimum is
        the answer when it lands on whole counts (as it does for sums of parts), else the mixed
        integer programme."""
        res = linprog(goal, A_ub=a_ub_s if len(ineqs) else None, b_ub=b_ub if len(ineqs) else None,
                      A_eq=a_eq_s if len(eqs) else None, b_eq=b_eq if len(eqs) else None,
                      bounds=lp_bounds, method="highs")
        if res.status == 3:
            return -np.inf
        if res.status == 0:
            y = res.x[whole]
            if np.all(np.abs(y - np.round(y)) < 1e-7):
                return res.fun
        res = milp(goal, constraints=constraints, integrality=whole.astype(int),
                   bounds=Bounds(lb, np.full(k, np.inf)), options={"time_limit": 20})
        if res.status == 0 or (res.x is not None and res.status == 1):
            return res.fun
        # Unbounded, or no answer in time: the reader is given the truth as the bound.
        return float(goal @ (x / scale)) if res.status == 1 else -np.inf

    def reach(j, sign):
        """Least (sign 1) or greatest (sign -1) possible value of cell j."""
        goal = np.zeros(k)
        goal[j] = sign
        return sign * extreme(goal) * scale[j]

    # Two points for all the targets at once (each as low, then as high, as the relations let them
    # go together): a target reaching an end of the band in a possible point needs no solve there.
    seen = _witnesses(rest, (a_eq_s, b_eq, a_ub_s, b_ub, lb), possible, scale, x,
                      {j: band(j) for j in rest}) if len(rest) > 1 else {}
    narrowed = []
    for j in rest:
        c = int(cells[j])
        lo_end, hi_end = band(j)
        least, most = seen.get(j, (np.inf, -np.inf))
        lo = least if np.isfinite(lo_end) and least <= lo_end + 1e-9 else reach(j, 1.0)
        hi = most if np.isfinite(hi_end) and most >= hi_end - 1e-9 else reach(j, -1.0)
        if not np.isfinite(lo_end):
            if hi - lo < 1e-6:
                found.append(c)
            continue
        step = steps[j]
        first, last = np.ceil((lo - 1e-6) / step) * step, np.floor((hi + 1e-6) / step) * step
        if last - first < step / 2:
            found.append(c)
        elif narrower_than_band(first, last, step):
            narrowed.append((c, float(first), float(last)))
    return found, narrowed


def _witnesses(targets: list[int], lp: tuple, possible, scale: np.ndarray, x: np.ndarray,
               ends: dict[int, tuple[float, float]], rounds: int = 64) -> dict[int, list[float]]:
    """Per target, the least and greatest value it takes in points every relation allows with whole
    counts: the sum of the targets not yet seen at the low end of their band made as small as it
    can be, again for those still not there, and so on (then the same upwards, every cell capped at
    its figure plus ten bands so the sum is bounded: a capped point is still a point the reader
    cannot rule out). HiGHS; a point that is not whole, or no point, proves nothing."""
    from scipy.optimize import linprog

    a_eq, b_eq, a_ub, b_ub, lb = lp
    cap = (np.maximum(np.nan_to_num(x, nan=0.0), 0.0) + 10 * HIGH) / scale
    bounds = list(zip(np.where(np.isfinite(lb), lb, None), cap))
    seen = {j: [np.inf, -np.inf] for j in targets}
    for sign, side in ((1.0, 0), (-1.0, 1)):
        left = [j for j in targets if np.isfinite(ends[j][side])]
        for _ in range(rounds):
            if not left:
                break
            goal = np.zeros(len(x))
            goal[left] = sign
            res = linprog(goal, A_ub=a_ub if len(a_ub) else None, b_ub=b_ub if len(a_ub) else None,
                          A_eq=a_eq if len(a_eq) else None, b_eq=b_eq if len(a_eq) else None,
                          bounds=bounds, method="highs")
            if res.status != 0 or not possible(res.x * scale):
                break
            point = res.x * scale
            for j in targets:
                seen[j][0], seen[j][1] = min(seen[j][0], point[j]), max(seen[j][1], point[j])
            still = [j for j in left if sign * (seen[j][side] - ends[j][side]) > 1e-9]
            if len(still) == len(left):
                break
            left = still
    return seen


def narrower_than_band(least: float, most: float, step: float = 1.0) -> bool:
    """Whether a hidden count's possible values (whole steps from ``least`` to ``most``) no longer
    admit every value of the band: one step (1, or 1/3 for a three-month average) to ``HIGH`` (5).
    A total of k hidden non-zero parts would be at least k were zeros always shown: its parts are
    hidden zeros included (``disclosure.hide_parts_of_small_totals``), so it admits one step."""
    return most < HIGH - 1e-9 or least > step + 1e-9


def hidden_cells(published: pd.DataFrame, suppressed: str = "c") -> np.ndarray:
    """Per cell (row * 3 + series), True where ``published`` shows nothing a reader can use."""
    out = np.zeros(len(published) * 3, bool)
    for k, s in enumerate(SERIES):
        col = published[s].astype(object)
        out[k::3] = col.map(lambda v: (isinstance(v, str) and v.strip() == suppressed) or v is None
                            or (isinstance(v, float) and np.isnan(v))).to_numpy(bool)
    return out
