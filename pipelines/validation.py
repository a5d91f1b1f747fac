"""Typing and validating one delivery: every record ends up valid or quarantined with its reasons.

Order of judgement, and why: a summary ("Total") row or a record with the wrong number of
fields is not data; a cell that does not parse as its type cannot be checked further; the
rest goes through the source's pandera schema (lazy, so every failure is reported).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import schemas
from pipelines.extracts import ROW, Extract
from pipelines.parsing import parse_frame
from sources.catalogue import Source

QUARANTINE_COLUMNS = [ROW, "column_name", "check_name", "failure_value", "reason"]
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
    hit = pd.Series(False, index=frame.index)
    for col in columns:
        hit |= frame[col].str.strip().str.lower().isin(SUMMARY_WORDS).fillna(False)
    return hit


def check(extract: Extract, source: Source) -> Checked:
    frame = extract.frame
    parts = []
    if extract.malformed:
        parts.append(pd.DataFrame({
            ROW: [m[0] for m in extract.malformed], "column_name": None, "check_name": "record_shape",
            "failure_value": [m[2] for m in extract.malformed], "reason": [m[1] for m in extract.malformed],
        }))

    summary = _summary_rows(frame, source.column_names)
    if summary.any():
        parts.append(pd.DataFrame({
            ROW: frame.loc[summary, ROW].to_numpy(), "column_name": None, "check_name": "summary_row",
            "failure_value": "Total", "reason": "a summary (Total) row, not a record",
        }))
    body = frame[~summary]

    typed, parse_errors = parse_frame(body, source.columns)
    if len(parse_errors):
        parts.append(pd.DataFrame({
            ROW: body.loc[parse_errors["index"], ROW].to_numpy(), "column_name": parse_errors["column"].to_numpy(),
            "check_name": parse_errors["check"].to_numpy(), "failure_value": parse_errors["value"].to_numpy(),
            "reason": (parse_errors["column"] + ": " + parse_errors["reason"]).to_numpy(),
        }))
    parsed_ok = ~typed.index.isin(parse_errors["index"]) if len(parse_errors) else slice(None)
    candidates = typed.loc[parsed_ok]

    fails = schemas.failures(schemas.get(source.name), candidates)
    if len(fails):
        parts.append(pd.DataFrame({
            ROW: body.loc[fails["index"], ROW].to_numpy(), "column_name": fails["column"].to_numpy(),
            "check_name": fails["check"].astype("string").to_numpy(),
            "failure_value": fails["value"].astype("string").to_numpy(), "reason": fails["reason"].to_numpy(),
        }))

    quarantine = (pd.concat(parts, ignore_index=True) if parts
                  else pd.DataFrame(columns=QUARANTINE_COLUMNS))
    quarantine = quarantine.astype({ROW: "Int64", "column_name": "string", "check_name": "string",
                                    "failure_value": "string", "reason": "string"})
    bad_rows = set(quarantine[ROW].dropna().astype(int))
    valid = candidates[~body.loc[candidates.index, ROW].isin(bad_rows).to_numpy()]
    valid = valid.assign(**{ROW: body.loc[valid.index, ROW]})[[ROW, *source.column_names]]
    return Checked(valid=valid.reset_index(drop=True), quarantine=quarantine, rows_read=extract.rows_read)
