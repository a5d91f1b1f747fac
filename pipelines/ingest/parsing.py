"""Explicit typing of delivered text: every cell is parsed by its catalogue type, and a cell
that cannot be parsed is reported (row, column, value, why) instead of becoming NaN silently.

Dates are day-first (``dd/mm/yyyy``, ``dd/mm/yy``, ``dd-mm-yyyy``), ISO (``yyyy-mm-dd``) or
either with a time of day (what Excel writes: ``dd/mm/yyyy 00:00:00``, ``yyyy-mm-dd
hh:mm:ss``); the time is dropped. Before any row is typed, ``judge_dates`` judges each
date column of a file as a whole, so no date is ever read with day and month swapped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sources.catalogue import DATE_FORMATS

# pandas dtypes the loader produces and the pandera schemas expect, per catalogue type.
DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "date": "datetime64[ns]", "bool": "boolean"}
DUCKDB_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "date": "DATE", "bool": "BOOLEAN"}

TRUE_WORDS = {"y", "yes", "true", "t", "1"}
FALSE_WORDS = {"n", "no", "false", "f", "0"}
# A date written day-first or month-first: two numbers of up to two digits, then the year.
_TWO_WAYS = (r"^\s*(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"
             r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$")

ERROR_COLUMNS = ["index", "column", "check", "value", "reason"]


def parse_column(values: pd.Series, type_: str) -> tuple[pd.Series, pd.Series]:
    """Parse one text column. Returns (typed values, mask of cells that were not blank but did not parse).

    A column repeats its values (months, codes, ages, flags): each distinct cell is parsed
    once, by ``parse_text``, and the results are laid out again by Arrow's dictionary
    encoding, so every cell gets exactly what ``parse_text`` gives it, in a fraction of the
    time. A column of mostly distinct cells, or of text (stripped by Arrow already), is
    parsed directly."""
    if type_ == "str":
        return parse_text(values, type_)
    try:
        cells = pa.array(values.array, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):   # not text cells: typed directly, as parse_text types them
        return parse_text(values, type_)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    encoded = pc.dictionary_encode(cells)
    distinct = encoded.dictionary
    if len(distinct) * 2 > len(cells):
        return parse_text(values, type_)
    # One more entry for a missing cell, so every cell has an entry to take.
    at = pc.fill_null(encoded.indices, len(distinct)).to_numpy(zero_copy_only=False)
    typed, bad = parse_text(pd.Series(pa.concat_arrays([distinct, pa.nulls(1, distinct.type)]),
                                      dtype=pd.StringDtype(na_value=pd.NA)), type_)
    return (pd.Series(typed.array.take(at), index=values.index),
            pd.Series(bad.to_numpy(dtype=bool)[at], index=values.index))


def parse_text(values: pd.Series, type_: str) -> tuple[pd.Series, pd.Series]:
    """``parse_column`` cell by cell, by pandas: what each cell gets, and the reference in tests."""
    text = values.astype("string").str.strip()
    blank = (text.isna() | (text == "")).fillna(True)   # missing, or nothing but spaces
    text = text.mask(blank)
    if type_ == "str":
        return text.astype("string"), pd.Series(False, index=values.index)
    if type_ in ("int", "float"):
        cleaned = text.str.replace(",", "", regex=False)
        number = pd.to_numeric(cleaned, errors="coerce")
        if type_ == "int":
            # Typed through a double: a whole number of 2**53 or more (or inf) may not be the one
            # written, and past int64 would come out as its minimum; reported, never loaded wrong.
            whole = number.notna() & (number == number.round()) & (number.abs() < 2 ** 53)
            number = number.where(whole)
            typed = number.astype("Float64").astype("Int64")
        else:
            typed = number.astype("Float64")
        bad = ~blank & typed.isna()
        return typed, bad
    if type_ == "date":
        typed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        todo = ~blank
        for fmt in DATE_FORMATS:
            if not todo.any():
                break
            got = pd.to_datetime(text[todo], format=fmt, errors="coerce")
            # A real date the warehouse's typing cannot hold (pandas' nanosecond range, 1677-2262:
            # an "open" end date of 31/12/9999) is not typed; ``parse_frame`` says why.
            hit = got.notna() & (got >= pd.Timestamp.min) & (got <= pd.Timestamp.max)
            typed.loc[got.index[hit]] = got[hit].astype("datetime64[ns]").dt.normalize()
            todo.loc[got.index[hit]] = False
        bad = ~blank & typed.isna()
        return typed, bad
    if type_ == "bool":
        lower = text.str.lower()
        typed = pd.Series(pd.NA, index=values.index, dtype="boolean")
        typed[lower.isin(TRUE_WORDS).fillna(False)] = True
        typed[lower.isin(FALSE_WORDS).fillna(False)] = False
        bad = ~blank & typed.isna()
        return typed, bad
    raise ValueError(f"unknown type {type_!r}")


OUT_OF_RANGE = (f"a date outside the years {pd.Timestamp.min.year + 1}-{pd.Timestamp.max.year - 1} the warehouse "
                "holds (leave an open end date blank)")


def out_of_range(cells: pd.Series) -> pd.Series:
    """Which of these unparsed cells are dates written correctly but too far off to hold."""
    text = cells.astype("string").str.strip()
    far = pd.Series(False, index=cells.index)
    for fmt in DATE_FORMATS:
        far |= pd.to_datetime(text, format=fmt, errors="coerce").notna().to_numpy()
    return far


def parse_frame(frame: pd.DataFrame, columns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type every catalogue column of a text frame.

    ``columns`` is a sequence of ``sources.catalogue.Column``. Returns the typed frame
    (same index) and a frame of parse errors with columns ``ERROR_COLUMNS``.
    """
    typed = {}
    errors = []
    for col in columns:
        values, bad = parse_column(frame[col.name], col.type)
        typed[col.name] = values
        if bad.any():
            cells = frame.loc[bad, col.name].astype("string")
            reason = pd.Series(f"not a valid {col.type}" + (" (expected dd/mm/yyyy or yyyy-mm-dd)"
                                                            if col.type == "date" else ""), index=cells.index)
            if col.type == "date":
                reason[out_of_range(cells)] = OUT_OF_RANGE
            errors.append(pd.DataFrame({
                "index": frame.index[bad],
                "column": col.name,
                "check": f"type:{col.type}",
                "value": cells.to_numpy(),
                "reason": reason.to_numpy(),
            }))
    out = pd.DataFrame(typed, index=frame.index)
    errs = pd.concat(errors, ignore_index=True) if errors else pd.DataFrame(columns=ERROR_COLUMNS)
    return out, errs


def _as_dates(year, month, day) -> np.ndarray:
    """The dates (``datetime64[D]``) the numbers make, NaT where there is no such day
    (month 13, 30 February): what ``pd.to_datetime`` of the three gives, without its cost."""
    year, month, day = (np.asarray(v, dtype=np.int64) for v in (year, month, day))
    ok = (month >= 1) & (month <= 12) & (day >= 1)
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    ok &= day <= ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
    return np.where(ok, first + (day - 1), np.datetime64("NaT", "D"))


def judge_dates(frame: pd.DataFrame, source, period: str | None) -> tuple[list[str], str | None]:
    """Judge each date column of one delivery as a whole: (notes for the load log, why the file
    must be refused or None).

    A value whose first number is 12 or less and whose second is over 12 (``03/25/2026``) can
    only be month/day: the file is written month-first, and refused whole, since its other
    dates (``03/04/2026``) would load with day and month swapped. A column where every value
    could be read either way (each number 12 or less) is judged against the delivery's
    period: read day-first unless more of its dates fall in the period month-first (then
    refused), and the judgement is reported. ISO dates are unambiguous and not judged."""
    notes = []
    bounds = source.period_bounds(period) if period else None
    for col in source.columns:
        if col.type != "date" or col.name not in frame:
            continue
        # Each distinct cell judged once (a column of dates repeats them); ``at``: each row's
        # distinct cell (-1 if missing), ``weight``: how many rows hold each.
        cells = pa.array(frame[col.name], type=pa.string())
        encoded = pc.dictionary_encode(cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells)
        at = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        parts = pc.extract_regex(encoded.dictionary, _TWO_WAYS)
        found = pc.is_valid(parts).to_numpy(zero_copy_only=False)
        if not found.any():
            continue
        weight = np.bincount(at[at >= 0], minlength=len(found))
        a, b, y = (np.zeros(len(found), dtype=int) for _ in "aby")
        matched = parts.filter(pa.array(found))
        for out, f in zip((a, b, y), "aby"):
            out[found] = pc.cast(matched.field(f), pa.int32()).to_numpy(zero_copy_only=False)
        y = np.where(y < 100, 2000 + y, y)
        month_first = found & (a >= 1) & (a <= 12) & (b > 12) & (b <= 31)
        if month_first.any():
            first = np.flatnonzero(np.append(month_first, False)[at])[0]
            row = frame["source_row"].iloc[first] if "source_row" in frame else first + 2
            return notes, (f"dates written month-first (mm/dd/yyyy): {col.name} '{frame[col.name].iloc[first]}' "
                           f"(row {row}) has no month {b[at[first]]}, and "
                           f"{int(weight[month_first].sum()):,} value(s) can only be month/day; refused whole so that "
                           f"no date loads with day and month swapped: deliver it with dd/mm/yyyy or yyyy-mm-dd dates")
        if (a[found] > 12).any():
            continue                       # day-first, shown by a day over 12
        either = np.flatnonzero(found & (a != b))
        if not len(either):
            continue                       # 05/05/2026 reads the same both ways
        n = int(weight[either].sum())
        if bounds is None:
            notes.append(f"{col.name}: every day is 12 or less, so day and month could be swapped; read as "
                         f"dd/mm/yyyy (no period in the file name to judge against)")
            continue
        start, end = (np.datetime64(d, "D") for d in bounds)
        day_first = _as_dates(y[either], b[either], a[either])
        other = _as_dates(y[either], a[either], b[either])
        dm = int(weight[either][(day_first >= start) & (day_first <= end)].sum())
        md = int(weight[either][(other >= start) & (other <= end)].sum())
        judged = (f"{col.name}: every day is 12 or less, so day and month could be swapped; judged against the "
                  f"period {period} ({start} to {end}): {dm:,} of {n:,} such dates fall in it read "
                  f"day-first, {md:,} read month-first")
        if md > dm:
            return notes, f"dates appear to be written month-first (mm/dd/yyyy): {judged}; refused whole: " \
                          f"deliver it with dd/mm/yyyy or yyyy-mm-dd dates"
        notes.append(judged + "; read as dd/mm/yyyy")
    return notes, None
