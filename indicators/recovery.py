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
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components
from scipy.sparse import coo_matrix

SERIES = ("numerator", "denominator", "value")
COUNTS = ("numerator", "denominator")
KEY = ["period", "breakdown", "breakdown_value"]
STEPS = (1.0, 1 / 2, 1 / 3, 1 / 4, 1 / 6, 1 / 12)   # counts, and averages of counts over 2-12 months
MIN_SUPPORT = 3    # a template must hold in at least this many cells with non-zero terms
TOL = 1e-6


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


def relations(values: pd.DataFrame, n_only: np.ndarray | None = None) -> Knowledge:
    """Every relation a reader could use, verified on the exact table ``values``
    (indicator_values: measure_id, indicator_id, period, breakdown, breakdown_value, numerator,
    denominator, value; row positions are cell rows). ``n_only``: rows whose numerator is a sum
    of scores, not a count (no lower bound of one step)."""
    values = values.reset_index(drop=True)
    n = len(values)
    truth = exact_cells(values)
    know = Knowledge(n)
    know.step = np.full(n * 3, np.nan)
    know.lower = np.full(n * 3, -np.inf)
    n_only = np.zeros(n, bool) if n_only is None else np.asarray(n_only, bool)
    for measure, pos in values.groupby("measure_id", sort=False).indices.items():
        for s in COUNTS:
            ids = cell(pos, s)
            step = _step(truth[ids])
            if s == "numerator":
                ids = ids[~n_only[pos]]
            know.step[ids] = step
            know.lower[ids] = step if np.isfinite(step) else 0.0
    _partitions(values, truth, know)
    _rates(values, truth, know)
    _templates(values, truth, know)
    return know


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
            ids, t = cell(rows, s), cell(total, s)
            v, tv = truth[ids], truth[t]
            if not (np.isfinite(tv) and np.isfinite(v).all()):
                continue
            if abs(v.sum() - tv) <= TOL * max(1.0, abs(tv)):
                know.equalities.append((np.append(ids, t), np.append(np.ones(len(ids)), -1.0)))
            elif (v <= tv + TOL).all():
                for i in ids:
                    know.inequalities.append((np.array([i, t]), np.array([1.0, -1.0])))


def _rates(values: pd.DataFrame, truth: np.ndarray, know: Knowledge) -> None:
    """value = k * numerator / denominator for each measure where that holds on every row;
    numerator <= denominator where that holds on every row (proportions)."""
    for measure, pos in values.groupby("measure_id", sort=False).indices.items():
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


def _templates(values: pd.DataFrame, truth: np.ndarray, know: Knowledge) -> None:
    """a = b and a + b = c between the series of one indicator's measures, cell by cell."""
    group = values["indicator_id"] if "indicator_id" in values.columns else values["measure_id"].str.split("_").str[0]
    for _, frame in values.groupby(group.to_numpy(), sort=False):
        keys = frame[KEY].astype(str).agg("|".join, axis=1)
        names, rows_of = [], []
        for measure, part in frame.groupby("measure_id", sort=False):
            at = pd.Series(part.index.to_numpy(), index=keys.loc[part.index].to_numpy())
            at = at[~at.index.duplicated()]
            for s in SERIES:
                names.append((measure, s))
                rows_of.append(at)
        index = sorted(set().union(*(set(r.index) for r in rows_of)))
        if len(names) < 2:
            continue
        rows = np.full((len(index), len(names)), -1)
        where = {k: i for i, k in enumerate(index)}
        for j, at in enumerate(rows_of):
            rows[[where[k] for k in at.index], j] = at.to_numpy()
        ids = np.where(rows >= 0, rows * 3 + np.array([SERIES.index(s) for _, s in names]), -1)
        m = np.where(ids >= 0, truth[np.maximum(ids, 0)], np.nan)
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


def attack(values: pd.DataFrame, hidden: np.ndarray, know: Knowledge, focus: set[int] | None = None) -> Attack:
    """Which hidden counts of 1-5 a reader can work out exactly. ``hidden``: per cell (row * 3 +
    series index, rows as in ``values``), True where the published table shows "c" (or nothing
    a reader could use). ``focus``: only the groups of hidden cells holding one of these cells
    are solved (what changed since the last attack)."""
    values = values.reset_index(drop=True)
    truth = exact_cells(values)
    hidden = np.asarray(hidden, bool)
    count_cell = np.zeros(len(truth), bool)
    count_cell[0::3] = count_cell[1::3] = True
    small = hidden & count_cell & np.isfinite(truth) & (truth > 0) & (truth <= 5)
    eqs, ineqs = [], []
    rates = [(np.array([num, val]), np.array([k / truth[den], -1.0])) for num, val, den, k in know.rates
             if not hidden[den] and (hidden[num] or hidden[val])]
    for rel, out in ((know.equalities, eqs), (rates, eqs), (know.inequalities, ineqs)):
        for at in _touching(rel, hidden):
            ids, coefs = rel[at]
            h = hidden[ids]
            rhs = -float(np.dot(coefs[~h], truth[ids[~h]]))
            if not np.isfinite(rhs):
                continue
            out.append((ids[h], coefs[h], rhs))
    # Groups of hidden cells tied together by a relation.
    rels = eqs + ineqs
    recovered = []
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
            targets = [j for j, c in enumerate(cells) if small[c]]
            if not targets:
                continue
            lab = label[idx[0]]
            mine = by_label[rel_bounds[lab]:rel_bounds[lab + 1]]
            recovered += _solve(cells, targets, [rels[i] for i in mine if i < n_eq],
                                [rels[i] for i in mine if i >= n_eq], truth, know)
    return Attack(tried=int(small.sum()), recovered=[(int(c) // 3, SERIES[int(c) % 3], float(truth[c]))
                                                     for c in recovered],
                  hidden=int((hidden & count_cell & np.isfinite(truth)).sum()), relations=len(eqs) + len(ineqs))


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


def _solve(cells: np.ndarray, targets: list[int], eqs: list, ineqs: list, truth: np.ndarray,
           know: Knowledge) -> list[int]:
    pos = {c: i for i, c in enumerate(cells)}
    k = len(cells)

    def matrix(rels):
        a = np.zeros((len(rels), k))
        b = np.zeros(len(rels))
        for r, (ids, coefs, rhs) in enumerate(rels):
            for c, v in zip(ids, coefs):
                a[r, pos[c]] += v
            b[r] = rhs
        return a, b

    a_eq, b_eq = matrix(eqs)
    a_ub, b_ub = matrix(ineqs)
    basis = _null_space(a_eq) if len(eqs) else np.eye(k)
    if not basis.size:
        return [int(cells[j]) for j in targets]
    determined = np.linalg.norm(basis, axis=1) < 1e-8
    found = [int(cells[j]) for j in targets if determined[j]]
    lower = know.lower[cells]
    x = truth[cells]

    def feasible(point):
        ok = np.all(point >= lower - 1e-9)
        return ok and (not len(ineqs) or np.all(a_ub @ point <= b_ub + 1e-9))

    rest = []
    for j in targets:
        if determined[j]:
            continue
        # Quick proof of freedom: the truth moved one step of cell j along the relations
        # (its projection on their null space) stays possible, so j has two possible values.
        move = basis @ basis[j]
        step = know.step[cells[j]] if np.isfinite(know.step[cells[j]]) else 1e-3
        move = move * (step / move[j])
        if not (feasible(x + move) or feasible(x - move)):
            rest.append(j)
    if not rest:
        return found
    bounds = [(know.lower[c] if np.isfinite(know.lower[c]) else None, None) for c in cells]
    for j in rest:
        c = cells[j]
        lo_hi = []
        for sign in (1.0, -1.0):
            goal = np.zeros(k)
            goal[j] = sign
            res = linprog(goal, A_ub=a_ub if len(ineqs) else None, b_ub=b_ub if len(ineqs) else None,
                          A_eq=a_eq if len(eqs) else None, b_eq=b_eq if len(eqs) else None,
                          bounds=bounds, method="highs")
            lo_hi.append(sign * res.fun if res.status == 0 else (-np.inf if sign > 0 else np.inf))
        lo, hi = lo_hi[0], lo_hi[1]
        step = know.step[c]
        if np.isfinite(step):
            first, last = np.ceil((lo - 1e-6) / step), np.floor((hi + 1e-6) / step)
            if first == last:
                found.append(int(c))
        elif hi - lo < 1e-6:
            found.append(int(c))
    return found


def hidden_cells(published: pd.DataFrame, suppressed: str = "c") -> np.ndarray:
    """Per cell (row * 3 + series), True where ``published`` shows nothing a reader can use."""
    out = np.zeros(len(published) * 3, bool)
    for k, s in enumerate(SERIES):
        col = published[s].astype(object)
        out[k::3] = col.map(lambda v: (isinstance(v, str) and v.strip() == suppressed) or v is None
                            or (isinstance(v, float) and np.isnan(v))).to_numpy(bool)
    return out
