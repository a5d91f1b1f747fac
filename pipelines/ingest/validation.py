"""Typing and validating one delivery: every record ends up valid or quarantined with its reasons.

Order of judgement, and why: a summary ("Total") row or a record with the wrong number of
fields is not data; a cell that does not parse as its type cannot be checked further; the
rest goes through the source's pandera schema (lazy, so every failure is reported).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import schemas
from pipelines.ingest.extracts import ROW, Extract
from pipelines.ingest.parsing import DTYPES, parse_frame
from schemas.report import FAILURE_COLUMNS, report_cases
from sources.catalogue import Source

QUARANTINE_COLUMNS = [ROW, "column_name", "check_name", "failure_value", "reason"]
MAX_CELL_CHARS = 10_000  # longer than any value an extract column can hold
SUMMARY_WORDS = {"total", "totals", "grand total", "sub total", "subtotal"}


@dataclass
class Checked:
    valid: pd.DataFrame       # typed catalogue columns + source_row
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS, one row per failure (a record may fail several checks)
    rows_read: int

    @property
    def rows_quarantined(self) -> int:
        return int(self.quarantine[ROW].nunique()) if len(self.quarantine) else 0

    @property
    def rows_loaded(self) -> int:
        return len(self.valid)


def _summary_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows with a cell that reads 'Total' (or a variant). Only cells that contain 'total' in
    any case, or any non-ASCII character (whose lower case Arrow and Python might not agree
    on), are judged exactly; an Arrow pass finds them (ASCII lower case and a plain substring
    search: the same cells as a case-blind search, without its regular expression)."""
    hit = pd.Series(False, index=frame.index)
    for col in columns:
        cells = pa.array(frame[col])
        maybe = pc.fill_null(pc.or_(pc.match_substring(pc.ascii_lower(cells), "total"),
                                    pc.invert(pc.string_is_ascii(cells))), False).to_numpy(zero_copy_only=False)
        if maybe.any():
            exact = frame[col][maybe].str.strip().str.lower().isin(SUMMARY_WORDS).fillna(False)
            hit[exact.index[exact.to_numpy(dtype=bool)]] = True
    return hit


def _cell_lengths(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Characters per cell (0 for a missing one), as ``str.len`` counts them, in the columns
    that can hold a cell over ``MAX_CELL_CHARS``; 0 in the others (no cell of theirs has as
    many bytes, and a character is at least one byte)."""
    zeros = np.zeros(len(frame), dtype=np.int64)
    out = {}
    for c in columns:
        cells = pa.array(frame[c])
        longest = pc.max(pc.binary_length(cells)).as_py() if len(cells) else None
        out[c] = zeros if not longest or longest <= MAX_CELL_CHARS else \
            pc.fill_null(pc.utf8_length(cells), 0).to_numpy(zero_copy_only=False)
    return pd.DataFrame(out, index=frame.index)


def check(extract: Extract, source: Source) -> Checked:
    return check_many([extract], source)[0]


def _without_key(source: Source):
    """The source's schema with the key-uniqueness rule taken out (judged per delivery instead)."""
    dfs = copy.deepcopy(schemas.get(source.name).to_schema())
    dfs.unique = None
    return dfs


def _check_cases(dfs, typed: pd.DataFrame, source: Source) -> pd.DataFrame | None:
    """The schema's (without its key rule) failure cases, in pandera's shape, found by calling
    its checks directly: a blank required cell, a cell or a row a check does not pass. None
    when the frame is not as the loader types it or a check raises or answers for a whole
    column: pandera then validates the frame itself, as before.

    The checks are pandera's own, with its handling of blanks; what is skipped is pandera's
    collection of failure cases (~13 ms for each failing check), the cost of a lazy
    validation that finds anything. ``schemas.report_cases`` words them as ``failures`` does."""
    if list(typed.columns) != source.column_names or any(
            str(typed[c.name].dtype) != DTYPES[c.type] for c in source.columns):
        return None
    if dfs.ordered or dfs.unique_column_names or any(c.unique or c.regex for c in dfs.columns.values()):
        return None  # a schema feature not evaluated here: pandera's to judge
    found = []

    def failed(result) -> pd.Index | None:
        out = result.check_output
        if not isinstance(out, pd.Series):
            return None
        labels = out.index[~out.fillna(False).astype(bool).to_numpy()]
        return labels if labels.isin(typed.index).all() else None

    try:
        for name, column in dfs.columns.items():
            blank = typed.index[typed[name].isna().to_numpy()] if not column.nullable else ()
            if len(blank):
                found.append(pd.DataFrame({"schema_context": "Column", "column": name, "check": "not_nullable",
                                           "check_number": None, "failure_case": None, "index": blank}))
            for number, rule in enumerate(column.checks):
                labels = failed(rule(typed[name]))
                if labels is None:
                    return None
                if len(labels):
                    found.append(pd.DataFrame({
                        "schema_context": "Column", "column": name, "check": rule.name, "check_number": number,
                        "index": labels, "failure_case": typed.loc[labels, name].astype(object).to_numpy()}))
        for number, rule in enumerate(dfs.checks):
            labels = failed(rule(typed))
            if labels is None:
                return None
            if len(labels):
                found.append(pd.DataFrame({"schema_context": "DataFrameSchema", "column": dfs.name,
                                           "check": rule.name, "check_number": number, "failure_case": None,
                                           "index": labels}))
    except Exception:  # noqa: BLE001 - a check that raises is pandera's to report, on every row
        return None
    if not found:
        return pd.DataFrame(columns=["schema_context", "column", "check", "check_number", "failure_case", "index"])
    return pd.concat(found, ignore_index=True)


def _schema_failures(source: Source, typed: pd.DataFrame) -> pd.DataFrame:
    """``schemas.failures`` of the schema without its key rule, from ``_check_cases``."""
    dfs = _without_key(source)
    cases = _check_cases(dfs, typed, source)
    if cases is None:
        return schemas.failures(dfs, typed)
    if cases.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FAILURE_COLUMNS})
    return report_cases(dfs, typed, cases)


def _key_failures(typed: pd.DataFrame, delivery: pd.Series, source: Source) -> pd.DataFrame:
    """Duplicate keys within each delivery, by the schema's own key rule and wording.

    One vectorised pass finds the rows whose key recurs within their delivery; only those
    go to pandera, in one pass for the whole batch (every other rule has already been judged
    on the whole batch), so every reported failure is pandera's.
    """
    schema = schemas.get(source.name).to_schema()
    key = [schema.unique] if isinstance(schema.unique, str) else list(schema.unique or [])
    if not key or typed.empty:
        return pd.DataFrame(columns=schemas.FAILURE_COLUMNS)
    keys = typed[key].assign(_delivery=delivery.to_numpy())
    dup = keys.duplicated(keep=False).to_numpy()
    return schemas.key_failures(schema, keys[dup], within="_delivery")


def non_records(frame: pd.DataFrame, delivery: np.ndarray, source: Source) -> tuple[list[pd.DataFrame], pd.Series]:
    """Records that are not data, judged before any typing: (their quarantine rows with
    ``_delivery``, which rows of ``frame`` they are). A cell far longer than any real value (a
    broken export, a pasted document) quarantines its record, and the rest of the delivery still
    loads; a record with a cell reading "Total" is a summary row."""
    parts = []
    lengths = _cell_lengths(frame, source.column_names)
    too_long = (lengths > MAX_CELL_CHARS).to_numpy()
    if too_long.any():
        rows, cols = np.nonzero(too_long)
        names = [source.column_names[c] for c in cols]
        sizes = lengths.to_numpy()[rows, cols].astype(int)
        parts.append(pd.DataFrame({
            "_delivery": delivery[rows], ROW: frame[ROW].to_numpy()[rows], "column_name": names,
            "check_name": "field_too_long",
            "failure_value": [str(frame.iloc[r][n])[:50] + "..." for r, n in zip(rows, names)],
            "reason": [f"{n} is {z:,} characters long (limit {MAX_CELL_CHARS:,})" for n, z in zip(names, sizes)],
        }))
    long_rows = pd.Series(too_long.any(axis=1), index=frame.index)

    summary = _summary_rows(frame, source.column_names) & ~long_rows
    if summary.any():
        parts.append(pd.DataFrame({
            "_delivery": delivery[summary.to_numpy()],
            ROW: frame.loc[summary, ROW].to_numpy(), "column_name": None, "check_name": "summary_row",
            "failure_value": "Total", "reason": "a summary (Total) row, not a record",
        }))
    return parts, summary | long_rows


def check_many(extracts: list[Extract], source: Source) -> list[Checked]:
    """``check`` for several deliveries of one source at once: one pass of typing and one
    pandera call for all of them (the per-call overhead dominates small monthly files), with
    key uniqueness still judged within each delivery. Results are exactly those of checking
    each delivery on its own."""
    if not extracts:
        return []
    frames = [e.frame for e in extracts]
    delivery = pd.Series(np.repeat(np.arange(len(frames)), [len(f) for f in frames]))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    parts = []
    for d, extract in enumerate(extracts):
        if extract.malformed:
            parts.append(pd.DataFrame({
                "_delivery": d,
                ROW: [m[0] for m in extract.malformed], "column_name": None, "check_name": "record_shape",
                "failure_value": None, "reason": [m[1] for m in extract.malformed],
            }))

    found, dropped = non_records(frame, delivery.to_numpy(), source)
    parts += found
    body = frame[~dropped] if dropped.any() else frame   # no copy of the batch when nothing is dropped

    typed, parse_errors = parse_frame(body, source.columns)
    if len(parse_errors):
        parts.append(pd.DataFrame({
            "_delivery": delivery[parse_errors["index"]].to_numpy(),
            ROW: body.loc[parse_errors["index"], ROW].to_numpy(), "column_name": parse_errors["column"].to_numpy(),
            "check_name": parse_errors["check"].to_numpy(), "failure_value": parse_errors["value"].to_numpy(),
            "reason": (parse_errors["column"] + ": " + parse_errors["reason"]).to_numpy(),
        }))
    candidates = typed.loc[~typed.index.isin(parse_errors["index"])] if len(parse_errors) else typed

    if len(extracts) == 1 and not len(candidates):
        fails = schemas.failures(schemas.get(source.name), candidates)
    else:
        fails = _schema_failures(source, candidates)
        whole = fails["check"].isin(["missing column", "unexpected column"]) | \
            fails["reason"].astype("string").str.contains("could not run", regex=False).fillna(False)
        if whole.any():  # a failure that condemns a whole frame: judged as before, per delivery
            if len(extracts) == 1:
                fails = schemas.failures(schemas.get(source.name), candidates)
            else:
                return [check_many([e], source)[0] for e in extracts]
        else:
            keys = _key_failures(candidates, delivery[candidates.index], source)
            fails = pd.concat([fails, keys], ignore_index=True) if len(fails) else keys
    if len(fails):
        parts.append(pd.DataFrame({
            "_delivery": delivery[fails["index"]].to_numpy(),
            ROW: body.loc[fails["index"], ROW].to_numpy(), "column_name": fails["column"].to_numpy(),
            "check_name": fails["check"].astype("string").to_numpy(),
            "failure_value": fails["value"].astype("string").to_numpy(), "reason": fails["reason"].to_numpy(),
        }))

    columns = ["_delivery", *QUARANTINE_COLUMNS]
    quarantine = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns))
    quarantine = quarantine.astype({"_delivery": "int64", ROW: "Int64", "column_name": "string",
                                    "check_name": "string", "failure_value": "string", "reason": "string"})
    bad = pd.MultiIndex.from_arrays([quarantine["_delivery"].to_numpy(), quarantine[ROW].to_numpy()])
    cand_d = delivery[candidates.index].to_numpy()
    cand_row = body.loc[candidates.index, ROW].to_numpy()
    keep = ~pd.MultiIndex.from_arrays([cand_d, cand_row]).isin(bad[quarantine[ROW].notna().to_numpy()])
    if not keep.all():
        candidates, cand_row, cand_d = candidates[keep], cand_row[keep], cand_d[keep]
    valid = candidates.assign(**{ROW: cand_row})[[ROW, *source.column_names]]
    valid_d = cand_d
    # Split by delivery with one sort and slices (valid rows are already in delivery order),
    # not one mask over the whole batch per delivery (NEET: 126 deliveries a batch).
    quarantine = quarantine.iloc[np.argsort(quarantine["_delivery"].to_numpy(), kind="stable")]
    q_d = quarantine["_delivery"].to_numpy()
    quarantine = quarantine.drop(columns="_delivery")
    deliveries = np.arange(len(extracts) + 1)
    v_at, q_at = np.searchsorted(valid_d, deliveries), np.searchsorted(q_d, deliveries)
    return [Checked(valid=valid.iloc[v_at[d]:v_at[d + 1]].reset_index(drop=True),
                    quarantine=quarantine.iloc[q_at[d]:q_at[d + 1]].reset_index(drop=True),
                    rows_read=extract.rows_read)
            for d, extract in enumerate(extracts)]
