"""Explicit typing of delivered text: every cell is parsed by its catalogue type, and a cell
that cannot be parsed is reported (row, column, value, why) instead of becoming NaN silently."""

from __future__ import annotations

import pandas as pd

# pandas dtypes the loader produces and the pandera schemas expect, per catalogue type.
DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "date": "datetime64[ns]", "bool": "boolean"}
DUCKDB_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "date": "DATE", "bool": "BOOLEAN"}

TRUE_WORDS = {"y", "yes", "true", "t", "1"}
FALSE_WORDS = {"n", "no", "false", "f", "0"}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y")

ERROR_COLUMNS = ["index", "column", "check", "value", "reason"]


def parse_column(values: pd.Series, type_: str) -> tuple[pd.Series, pd.Series]:
    """Parse one text column. Returns (typed values, mask of cells that were not blank but did not parse)."""
    text = values.astype("string").str.strip()
    blank = (text.isna() | (text == "")).fillna(True)   # missing, or nothing but spaces
    text = text.mask(blank)
    if type_ == "str":
        return text.astype("string"), pd.Series(False, index=values.index)
    if type_ in ("int", "float"):
        cleaned = text.str.replace(",", "", regex=False)
        number = pd.to_numeric(cleaned, errors="coerce")
        if type_ == "int":
            whole = number.notna() & (number == number.round())
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
            hit = got.notna()
            typed.loc[got.index[hit]] = got[hit].astype("datetime64[ns]")
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
            errors.append(pd.DataFrame({
                "index": frame.index[bad],
                "column": col.name,
                "check": f"type:{col.type}",
                "value": frame.loc[bad, col.name].astype("string").to_numpy(),
                "reason": f"not a valid {col.type}" + (" (expected dd/mm/yyyy)" if col.type == "date" else ""),
            }))
    out = pd.DataFrame(typed, index=frame.index)
    errs = pd.concat(errors, ignore_index=True) if errors else pd.DataFrame(columns=ERROR_COLUMNS)
    return out, errs
