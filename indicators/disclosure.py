"""Disclosure control for every published output (board papers, exports, shared views).

The internal warehouse keeps exact figures; anything that leaves it goes through
``suppress`` (or ``suppress_indicator_values`` for the long indicator table) so that no
count of 1 to 5 can be read, or worked out, from what is published. Pure functions on
frames, no I/O. docs/methods.md states the rule for readers of the papers.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

LOW, HIGH = 1, 5
SUPPRESSED = "c"

INDICATOR_COUNTS = ("numerator", "denominator")
INDICATOR_DERIVED = ("value", "ci_lower", "ci_upper")
INDICATOR_GROUPS = ("measure_id", "period", "breakdown")
TOTAL_BREAKDOWN = "all"

# Optional columns of the indicator table: the other group of a gap (EH03) is a second
# set of counts; standard deviations are derived (an sd of 0/1 scores and its n give
# the numerator back).
COMPARATOR_COUNTS = ("comparator_numerator", "comparator_denominator")
OPTIONAL_DERIVED = ("sd", "comparator_sd")

# Catalogue units (``indicators.catalogue.UNITS``) whose numerator is a sum of scores, not
# a number of people or events (means, and gaps between means in points): only the
# denominators (n) are tested for small numbers, and the numerators are treated as derived
# figures. Gaps in percentage points ("pp") are built from counts of people and so are NOT
# in this list. Matching is case-insensitive; a unit written in words that starts with
# "mean" ("Mean score") also counts.
N_ONLY_UNITS = frozenset({"mean", "points"})


def is_disclosive(x) -> bool:
    """True when ``x`` is a number that must not be published: 0 < x <= 5.

    Every integer count from 1 to 5 qualifies. Fractions below 1 qualify too because
    in this data they come from averaged counts (e.g. the Dec-Feb NEET average: 0.33
    means one young person in one month). 0, missing values, booleans, text
    (including "c") and numbers above 5 are not disclosive.
    """
    if isinstance(x, (bool, np.bool_)) or x is None or isinstance(x, str):
        return False
    try:
        v = float(x)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(v) and 0 < v <= HIGH)


def _numeric_counts(col: pd.Series, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Numeric view of a count column and a mask of cells already shown as "c" (so
    suppressing an already suppressed table changes nothing)."""
    obj = col.astype(object)
    already = obj.map(lambda v: isinstance(v, str) and v == SUPPRESSED).to_numpy(bool)
    try:
        vals = pd.to_numeric(obj.where(~already, np.nan), errors="raise")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"count column {name!r} holds non-numeric values") from exc
    vals = vals.to_numpy(dtype=float, na_value=np.nan)
    if (vals[np.isfinite(vals)] < 0).any():
        raise ValueError(f"count column {name!r} holds negative counts")
    return vals, already


def _recoverable(vals: np.ndarray, hidden: np.ndarray, already: np.ndarray) -> bool:
    """Could a reader who knows the group total work out a hidden cell exactly?

    Yes when only one cell is hidden (total minus the visible cells), and also when
    every hidden cell is 1: zeros are shown, so each "c" is at least 1, and k hidden
    cells adding up to k must all be 1.
    """
    k = int(hidden.sum())
    if k == 1:
        return True
    known = hidden & ~already
    return k > 1 and known.sum() == k and bool(np.all(vals[known] == 1))


def suppression_masks(frame: pd.DataFrame, count_columns: Sequence[str],
                      group_columns: Sequence[str] = (), total_marker=None,
                      breakdown_column: str | None = None) -> dict[str, np.ndarray]:
    """Which cells of each count column ``suppress`` hides (boolean array per column,
    in row order). Exposed so callers can report how much was suppressed."""
    if (total_marker is None) != (breakdown_column is None):
        raise ValueError("give total_marker and breakdown_column together")
    n = len(frame)
    if breakdown_column is not None:
        is_total = (frame[breakdown_column] == total_marker).fillna(False).to_numpy(bool)
    else:
        is_total = np.zeros(n, dtype=bool)
    if group_columns:
        groups = frame.groupby(list(group_columns), dropna=False, sort=False).indices
        group_positions = [np.asarray(p) for p in groups.values()]
    else:
        group_positions = [np.arange(n)] if n else []

    masks: dict[str, np.ndarray] = {}
    for col in count_columns:
        vals, already = _numeric_counts(frame[col], col)
        with np.errstate(invalid="ignore"):
            primary = already | ((vals > 0) & (vals <= HIGH))
        mask = primary.copy()
        for pos in group_positions:
            cells = pos[~is_total[pos]]
            totals = pos[is_total[pos]]
            if not primary[cells].any():
                continue
            # A hidden total cannot be subtracted from. Without a total row the total
            # is assumed known (the group sum, or the headline row elsewhere).
            if totals.size and primary[totals].all():
                continue
            while _recoverable(vals[cells], mask[cells], already[cells]):
                cand = cells[~mask[cells] & np.isfinite(vals[cells]) & (vals[cells] > 0)]
                if cand.size == 0:
                    # Only zeros (or blanks) are left: the group's total is then the
                    # lone cell itself (so it is hidden too) or includes an
                    # unpublished remainder, and the cell cannot be differenced out.
                    break
                # Smallest first; a stable sort keeps the earliest row on ties, so the
                # same table always suppresses the same cell.
                mask[cand[np.argsort(vals[cand], kind="stable")[0]]] = True
        masks[col] = mask
    return masks


def _apply(frame: pd.DataFrame, masks: Mapping[str, np.ndarray],
           derived_masks: Mapping[str, np.ndarray]) -> pd.DataFrame:
    out = frame.copy()
    for col, mask in {**masks, **derived_masks}.items():
        s = out[col].astype(object)
        s[mask] = SUPPRESSED
        out[col] = s
    return out


def suppress(frame: pd.DataFrame, count_columns: Sequence[str],
             derived_columns: Sequence[str] = (), group_columns: Sequence[str] = (),
             total_marker=None, breakdown_column: str | None = None) -> pd.DataFrame:
    """Copy of ``frame`` fit for publication. The rule, exactly as implemented:

    1. Primary: in each of ``count_columns``, every count with 0 < x <= 5 (the counts
       1 to 5, and fractions of an averaged count) becomes "c". 0 is never suppressed;
       blanks stay blank. A cell already showing "c" counts as suppressed.
    2. Secondary, per count column and per group (rows sharing ``group_columns``; the
       whole frame when none are given): rows whose ``breakdown_column`` equals
       ``total_marker`` are the group's total, the others are its cells. When exactly
       one cell is suppressed it could be recovered as total minus the visible cells,
       so the smallest visible non-zero cell of the group is suppressed too (ties: the
       earliest row). The same is done while every suppressed cell of the group is a
       1 (zeros are shown, so k hidden cells adding up to k must each be 1). Not
       needed, and not done, when the group's total row is itself
       suppressed, or when no non-zero cell is left to hide (the total then equals the
       hidden cell or contains an unpublished remainder). Without a total row the
       group's total is assumed to be known from elsewhere, so the rule still applies.
    3. Derived: every column in ``derived_columns`` (values, rates, percentages, CI
       bounds) on a row where any count column is suppressed (by 1 or 2) becomes "c",
       because a rate plus its denominator gives back the numerator.

    Count and derived columns come back as object dtype holding numbers or "c"; other
    columns, the index and the row order are unchanged. Negative or non-numeric counts
    raise ``ValueError``.
    """
    masks = suppression_masks(frame, count_columns, group_columns, total_marker,
                              breakdown_column)
    any_row = np.zeros(len(frame), dtype=bool)
    for m in masks.values():
        any_row |= m
    return _apply(frame, masks, {c: any_row for c in derived_columns})


def is_n_only(unit) -> bool:
    """Whether ``unit``'s numerator is a sum of scores, protected by its n (``N_ONLY_UNITS``)."""
    if not isinstance(unit, str):
        return False
    u = unit.strip().lower()
    return u in N_ONLY_UNITS or u.startswith("mean")


def suppress_indicator_values(frame: pd.DataFrame,
                              units: Mapping[str, str] | None = None,
                              extra_derived: Iterable[str] = ()) -> pd.DataFrame:
    """``suppress`` for the long indicator table (``measure_id, period, breakdown,
    breakdown_value, numerator, denominator, value, ci_lower, ci_upper`` + others,
    which are kept as they are).

    Groups are (measure_id, period, breakdown), so the localities of one measure and
    period form one group, the sexes another, and so on. Each breakdown's cells add up
    to the headline row (breakdown "all", breakdown_value "all"), which sits in a group
    of its own; every breakdown group is therefore treated as having a known total, and
    a lone suppressed locality numerator always gets a partner suppressed: the "all"
    row minus the visible localities then gives only the sum of two hidden cells.
    Derived figures (value, CI bounds, and ``extra_derived`` columns) are hidden on
    every row with a hidden count, so a percentage times a visible denominator cannot
    give the numerator back.

    Gap rows may carry the other group's counts in ``comparator_numerator`` and
    ``comparator_denominator``; when present these are protected exactly like
    numerator and denominator, and ``sd`` / ``comparator_sd`` are derived columns.

    Measures whose numerator is a sum of scores, not a number of people (units in
    ``N_ONLY_UNITS``: "mean", "points", ...) are protected by their n: only the
    denominators are tested for 1-5 (with secondary suppression), and the numerators
    are treated as derived. The unit comes from ``units`` (measure_id -> unit) or else
    from a ``unit`` column; without either every numerator is treated as a count (the
    safe default: a small sum of scores is then hidden needlessly, never shown wrongly).

    Ties in secondary suppression are broken by ``breakdown_value`` (sorted as text).
    """
    missing = [c for c in (*INDICATOR_GROUPS, "breakdown_value", *INDICATOR_COUNTS,
                           *INDICATOR_DERIVED) if c not in frame.columns]
    if missing:
        raise KeyError(f"indicator_values frame lacks column(s) {missing}")
    if units is not None:
        unit_of_row = frame["measure_id"].map(dict(units))
    elif "unit" in frame.columns:
        unit_of_row = frame["unit"]
    else:
        unit_of_row = pd.Series(None, index=frame.index, dtype=object)
    n_only = unit_of_row.map(is_n_only).fillna(False).to_numpy(bool)

    counts = [c for c in (*INDICATOR_COUNTS, *COMPARATOR_COUNTS) if c in frame.columns]
    sums = [c for c in ("numerator", "comparator_numerator") if c in counts]
    n_counts = [c for c in counts if c not in sums]

    # Ties in secondary suppression go to the first breakdown_value in sorted order,
    # not the first row, so a gap measure and its side measures (which share counts)
    # hide the same cells however their rows happen to be ordered.
    order = np.lexsort((frame["breakdown_value"].astype(str).to_numpy(),))
    ordered = frame.iloc[order]
    n = len(frame)
    masks = {c: np.zeros(n, dtype=bool) for c in counts}
    # Groups include measure_id, so splitting by unit never splits a group.
    for rows, cols in ((~n_only[order], counts), (n_only[order], n_counts)):
        pos = np.flatnonzero(rows)
        if pos.size == 0:
            continue
        part = suppression_masks(ordered.iloc[pos], cols, INDICATOR_GROUPS)
        for c, m in part.items():
            masks[c][order[pos]] = m
    any_row = np.zeros(n, dtype=bool)
    for m in masks.values():
        any_row |= m
    for c in sums:
        masks[c] = masks[c] | (n_only & any_row)
    extra = [c for c in OPTIONAL_DERIVED if c in frame.columns]
    derived = {c: any_row for c in (*INDICATOR_DERIVED, *extra, *extra_derived)}
    return _apply(frame, masks, derived)


# --- Across every set of published cells that add up --------------------------------------

PUBLISHED_DROPPED = ("sd", "comparator_numerator", "comparator_denominator", "comparator_sd")


def n_only_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose numerator is a sum of scores (means, points), not a number of people."""
    unit = frame["unit"] if "unit" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    return unit.map(is_n_only).fillna(False).to_numpy(bool)


class Unprotectable(RuntimeError):
    """A count that no further suppression can protect; ``group``: its (indicator, period)."""

    def __init__(self, indicator, period, message):
        super().__init__(message)
        self.group = (indicator, period)


def protect_across(values: pd.DataFrame, published: pd.DataFrame, know=None,
                   max_rounds: int = 500, known: np.ndarray | None = None) -> tuple[pd.DataFrame, int]:
    """Add suppression to ``published`` (``suppress_indicator_values`` output, rows as in the
    exact ``values``) until no hidden count of 1-5 can be worked out from the cells shown by
    the linear relations between published cells (``indicators.recovery``): totals and parts,
    complementary measures sharing a denominator, count and percentage versions, gaps and
    their sides, rates and their counts.

    ``known``: per cell (row * 3 + series), True where a reader already has the figure from an
    earlier release still public (``across_releases``): such a cell counts as shown, whatever
    this table does with it, and hiding it protects nothing.

    Each round attacks the table as it stands; for each count recovered, or narrowed so that it
    no longer admits every value from 1 to 5 (``recovery.attack``), the smallest shown
    non-zero count tied to it by a relation is hidden too (a cell of a breakdown before a
    headline "all" cell; ties: the earlier row), with its row's derived figures. Returns the
    table and the number of cells added. Raises ``RuntimeError`` when a recovered count has
    no partner left to hide (a table that cannot be protected is never published)."""
    from indicators import recovery

    values = values.reset_index(drop=True)
    out = published.reset_index(drop=True).copy()
    know = know or recovery.relations(values, n_only_rows(values))
    truth = recovery.exact_cells(values)
    hidden = recovery.hidden_cells(out)
    known = np.zeros(len(hidden), bool) if known is None else np.asarray(known, bool)
    partners: dict[int, set[int]] = {}
    for ids, _ in [*know.equalities, *know.inequalities]:
        for c in ids:
            partners.setdefault(int(c), set()).update(int(i) for i in ids)
    for num, val, den, _ in know.rates:
        for c in (num, val, den):
            partners.setdefault(int(c), set()).update((int(num), int(den)))
    is_total = (values["breakdown"] == TOTAL_BREAKDOWN).to_numpy()
    added, focus, settled = 0, None, set()
    for _ in range(max_rounds):
        result = recovery.attack(values, hidden & ~known, know, focus, settled)
        settled |= result.safe
        found = result.failed
        if not found and focus is None:
            return out, added
        if not found:  # settled where it changed: one last attack on the whole table (a cell found
            focus = None  # safe stays safe as more is hidden, so only the others are solved again)
            continue
        focus, touched = set(), set()
        for row, series, _value in found:
            c = int(recovery.cell(row, series))
            if c in touched:  # a cell hidden this round may already protect it: attacked again next round
                focus.add(c)
                continue
            # The shown counts tied to the cell by one relation; failing those, by a chain of
            # relations through hidden cells (nearest first). A breakdown cell anywhere in the
            # chain goes before a headline "all" cell, which the paper leads with.
            options, totals, zeros, seen, frontier = [], [], [], {c}, [c]
            while frontier and not options:
                step = set().union(*(partners.get(f, set()) for f in frontier)) - seen
                seen |= step
                shown = [p for p in step if p % 3 != 2 and not hidden[p] and not known[p] and np.isfinite(truth[p])]
                options = [p for p in shown if not is_total[p // 3] and truth[p] > 0]
                totals = totals or [p for p in shown if is_total[p // 3] and truth[p] > 0]
                zeros = zeros or [p for p in shown if truth[p] == 0]
                frontier = [p for p in step if hidden[p] and not known[p]]
            # Zeros only where no non-zero count is left: a hidden zero widens the range too.
            options = options or totals or zeros
            if not options:
                raise Unprotectable(values.at[row, "indicator_id"] if "indicator_id" in values.columns
                                    else values.at[row, "measure_id"], values.at[row, "period"],
                                    f"{values.at[row, 'measure_id']} {values.at[row, 'period']} "
                                   f"{values.at[row, 'breakdown']}={values.at[row, 'breakdown_value']}: a hidden "
                                   f"{series} can be worked out and no shown cell is left to hide")
            # Least informative first: a breakdown cell before a headline one; one big enough to
            # leave the hidden count its whole band (above HIGH) before a smaller one; then the
            # smallest (ties: the earlier row).
            pick = min(options, key=lambda p: (is_total[p // 3], truth[p] <= HIGH, truth[p], p))
            r = pick // 3
            focus.update((c, pick, r * 3 + 2))
            touched |= seen
            hidden[pick] = True
            hidden[r * 3 + 2] = True
            out.at[r, recovery.SERIES[pick % 3]] = SUPPRESSED
            for col in (*INDICATOR_DERIVED, *[d for d in OPTIONAL_DERIVED if d in out.columns]):
                out.at[r, col] = SUPPRESSED
            added += 1
    raise RuntimeError(f"disclosure control did not settle in {max_rounds} rounds")


def hide_parts_of_small_totals(values: pd.DataFrame, published: pd.DataFrame, know,
                               known: np.ndarray | None = None) -> pd.DataFrame:
    """``published`` with every shown part (a count, with its row's derived figures) of every
    hidden total of 1 to 5 hidden too: the zeros of a breakdown whose "all" cell is 1 to 5, the
    wards of a locality of 1 to 5, a complement of a cohort of 1 to 5. Zeros are otherwise shown,
    so k hidden parts would tell a reader the total is at least k; with its zeros hidden a total
    admits every value of the band again. ``known``: cells an earlier release showed unchanged
    (hiding them protects nothing: left as they are)."""
    from indicators import recovery

    values = values.reset_index(drop=True)
    out = published.reset_index(drop=True).copy()
    truth = recovery.exact_cells(values)
    hidden = recovery.hidden_cells(out)
    known = np.zeros(len(hidden), bool) if known is None else np.asarray(known, bool)
    extra = np.zeros(len(hidden), bool)
    for parts, total in recovery.sums(know):
        if total % 3 == 2 or not (hidden[total] and 0 < truth[total] <= HIGH):
            continue
        counts = parts[(parts % 3 != 2) & ~hidden[parts] & ~known[parts] & np.isfinite(truth[parts])]
        extra[counts] = True
    if not extra.any():
        return out
    rows = np.flatnonzero(extra.reshape(-1, 3).any(axis=1))
    for k, s in enumerate(("numerator", "denominator")):
        col = out[s].astype(object)
        col[extra[k::3]] = SUPPRESSED
        out[s] = col
    for c in (*INDICATOR_DERIVED, *[d for d in OPTIONAL_DERIVED if d in out.columns]):
        col = out[c].astype(object)
        col.iloc[rows] = SUPPRESSED
        out[c] = col
    return out


RELEASE_KEY = ["measure_id", "period", "breakdown", "breakdown_value"]


def across_releases(values: pd.DataFrame, earlier: Sequence[tuple[pd.DataFrame, pd.DataFrame]] = ()
                    ) -> tuple[np.ndarray, np.ndarray]:
    """What earlier releases still public mean for a new one, per cell of ``values`` (row * 3 +
    series index): (``carried``, ``known``).

    ``earlier``: (exact, published) per release, each with ``RELEASE_KEY`` and the series
    numerator, denominator, value (exact: the figures the release was made from; published: as
    shown, "c" where hidden). ``carried``: the cell was hidden in some earlier release, so it stays
    hidden (showing it now would give the earlier hidden figure back: exactly if unchanged, as
    the revision otherwise). ``known``: an earlier release showed the cell and its exact figure is
    unchanged, so a reader has it whatever the new release does."""
    from indicators import recovery

    values = values.reset_index(drop=True)
    n = len(values)
    carried, known = np.zeros(n * 3, bool), np.zeros(n * 3, bool)
    truth = recovery.exact_cells(values)
    for merged in _each_release(values, earlier):
        rows = merged["index"].to_numpy()
        for k, s in enumerate(recovery.SERIES):
            was_hidden = merged[f"_p_{s}"].astype(object).map(
                lambda v: isinstance(v, str) and v.strip() == SUPPRESSED).to_numpy(bool)
            ids = rows * 3 + k
            carried[ids[was_hidden]] = True
            before = merged[f"_x_{s}"].to_numpy(dtype=float, na_value=np.nan)
            same = np.isclose(before, truth[ids], rtol=0, atol=1e-9) | (np.isnan(before) & np.isnan(truth[ids]))
            known[ids[~was_hidden & same]] = True
    return carried, known


def _each_release(values: pd.DataFrame, earlier: Sequence[tuple[pd.DataFrame, pd.DataFrame]]):
    """Per earlier (exact, published) release, its rows that ``values`` (index reset) also has:
    ``index`` (the row of ``values``), ``_x_<series>`` (exact figure) and ``_p_<series>`` (as shown)."""
    from indicators import recovery

    keys = values[RELEASE_KEY].astype(str)
    for exact, shown in earlier:
        yield keys.reset_index().merge(exact[RELEASE_KEY].astype(str).assign(
            **{f"_x_{s}": pd.to_numeric(exact[s], errors="coerce") for s in recovery.SERIES}),
            on=RELEASE_KEY, how="inner").merge(shown[RELEASE_KEY].astype(str).assign(
                **{f"_p_{s}": shown[s] for s in recovery.SERIES}), on=RELEASE_KEY, how="inner")


def seen_before(values: pd.DataFrame, earlier: Sequence[tuple[pd.DataFrame, pd.DataFrame]] = ()) -> np.ndarray:
    """Per cell of ``values`` (row * 3 + series index), a digest (uint64; 0: in no earlier release)
    of every distinct (exact figure, figure as shown) the ``earlier`` releases held for it: what
    a disclosure attack on the cell may depend on from them (``across_releases``: what was shown
    or hidden, and whether the figure changed since). The order of the releases and a release
    repeating what another held leave it unchanged, so a night that publishes the same figures
    again does not change it; any other change to a cell in an earlier release does."""
    from indicators import recovery

    values = values.reset_index(drop=True)
    ids, digests = [], []
    for merged in _each_release(values, earlier):
        rows = merged["index"].to_numpy()
        for k, s in enumerate(recovery.SERIES):
            exact = merged[f"_x_{s}"].to_numpy(dtype=float, na_value=np.nan)
            shown = merged[f"_p_{s}"].astype(object)
            shown = shown.where(shown.notna(), None).map(lambda v: "\0none" if v is None else f"{type(v).__name__}:{v}")
            ids.append(rows * 3 + k)
            digests.append(pd.util.hash_array(exact) * np.uint64(31) + pd.util.hash_array(shown.to_numpy(dtype=object)))
    out = np.zeros(len(values) * 3, np.uint64)
    if not ids:
        return out
    pairs = np.unique(np.stack([np.concatenate(ids).astype(np.uint64), np.concatenate(digests)]), axis=1)
    cells, starts = np.unique(pairs[0], return_index=True)
    # An order-free combination of each cell's distinct digests (uint64 arithmetic wraps).
    mixed = pairs[1] * np.uint64(0x9E3779B97F4A7C15) ^ (pairs[1] >> np.uint64(29))
    out[cells.astype(np.int64)] = np.add.reduceat(mixed, starts)
    return out


def carry(values: pd.DataFrame, published: pd.DataFrame, carried: np.ndarray) -> pd.DataFrame:
    """``published`` with every ``carried`` count hidden, and the derived figures of its row."""
    out = published.copy()
    rows = np.flatnonzero(carried.reshape(-1, 3)[:, :2].any(axis=1))
    if not len(rows):
        return out
    for k, s in enumerate(("numerator", "denominator")):
        hide = carried[k::3]
        col = out[s].astype(object)
        col[hide] = SUPPRESSED
        out[s] = col
    derived = [*INDICATOR_DERIVED, *[d for d in OPTIONAL_DERIVED if d in out.columns]]
    for col in derived:
        c = out[col].astype(object)
        c.iloc[rows] = SUPPRESSED
        out[col] = c
    return out


HELD = "is_revision_held"
HELD_SERIES = ("numerator", "denominator", "value", "ci_lower", "ci_upper")


def hold(values: pd.DataFrame, earlier: Sequence[tuple[pd.DataFrame, pd.DataFrame]],
         groups: set[tuple]) -> tuple[pd.DataFrame, np.ndarray]:
    """``values`` with the rows of each held (indicator, period) put back to the figures of the
    latest earlier release that had them (the revision is not published); and which rows."""
    out = values.reset_index(drop=True).copy()
    ind = out["indicator_id"] if "indicator_id" in out.columns else out["measure_id"]
    rows = np.array([(i, p) in groups for i, p in zip(ind, out["period"])], dtype=bool)
    if not rows.any():
        return out, rows
    keys = out[RELEASE_KEY].astype(str)
    for exact, _ in reversed(list(earlier)):
        cols = [c for c in HELD_SERIES if c in exact.columns]
        m = keys[rows].reset_index().merge(exact[RELEASE_KEY].astype(str).assign(
            **{f"_e_{c}": exact[c].to_numpy() for c in cols}), on=RELEASE_KEY, how="inner")
        if len(m):
            for c in HELD_SERIES:
                col = out[c].astype(object)
                col.iloc[m["index"].to_numpy()] = m[f"_e_{c}"].to_numpy() if c in cols else np.nan
                out[c] = col
            break
    return out, rows


def publishable(values: pd.DataFrame, lookups: Mapping[str, pd.DataFrame] | None = None,
                earlier: Sequence[tuple[pd.DataFrame, pd.DataFrame]] = ()) -> pd.DataFrame:
    """indicator_values fit to publish: ``suppress_indicator_values`` (a gap's other group
    protected like its own, then dropped, as it is not published); what earlier releases hid
    stays hidden (``across_releases``); then ``protect_across`` with the relations of the
    table and of the ``lookups`` it is printed with, a reader knowing every figure an
    earlier release showed.

    A re-issue that cannot be protected beside the earlier releases (a revised count that the
    figures they showed would pin down, with nothing left to hide) is not published for that
    indicator and period: its rows keep the figures of the latest earlier release
    (``is_revision_held``), and the rest is protected around them. Adds ``is_suppressed``
    and ``is_revision_held``."""
    from indicators import recovery

    values = values.reset_index(drop=True)
    for col in ("numerator", "denominator", "value", "ci_lower", "ci_upper", *COMPARATOR_COUNTS):
        if col in values.columns:
            values[col] = values[col].astype(object)
    know = recovery.relations(values, n_only_rows(values), dict(lookups or {}))
    groups: set[tuple] = set()
    while True:
        shown, held = hold(values, earlier, groups)
        try:
            published = suppress_indicator_values(shown)
            carried, known = across_releases(shown, earlier)
            published = carry(shown, published, carried)
            holds = recovery.holding(know, recovery.exact_cells(shown))
            published = hide_parts_of_small_totals(shown, published, holds, known)
            published, _ = protect_across(shown, published, holds, known=known)
            break
        except Unprotectable as exc:
            if not earlier or exc.group in groups:
                raise
            groups.add(exc.group)
    published = published.drop(columns=[c for c in PUBLISHED_DROPPED if c in published.columns])
    published["is_suppressed"] = published["numerator"].eq(SUPPRESSED) | published["denominator"].eq(SUPPRESSED)
    published[HELD] = held
    return published
