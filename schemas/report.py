"""Turn pandera's lazy-validation report into one row per failing cell / row, for quarantine.

pandera 0.35 reports failures in ``SchemaErrors.failure_cases`` in several shapes:

- column checks, ``not_nullable`` and dtype / coercion failures: one row per failing cell,
  with the frame's index label;
- dataframe (row rule) checks: the failing row melted, one row per non-blank column;
- key uniqueness (``Config.unique``): one row per key column of each later duplicate;
- missing / unexpected columns and checks that raised: no index at all.

Everything is normalised to ``FAILURE_COLUMNS``. A failure with no index concerns the whole
column or frame, so it is expanded to every row: nothing in such a frame can be trusted.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from schemas.checks import ROW_RULES

FAILURE_COLUMNS = ["index", "column", "check", "value", "reason"]

_BUILTIN = {  # pandera's own check names -> the readable name analysts see
    "not_nullable": "required value",
    "column_in_dataframe": "missing column",
    "column_in_schema": "unexpected column",
    "multiple_fields_uniqueness": "unique key",
    "field_uniqueness": "unique key",
}

_TYPE_WORDS = {"string": "text", "Int64": "a whole number", "Float64": "a number",
               "datetime64[ns]": "a date", "boolean": "a yes/no value"}


def show(value) -> str:
    """A cell as analysts read it: ISO dates, 'blank' for missing."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "blank"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    return str(value)


def failures(schema: type[pa.DataFrameModel] | pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate ``frame`` lazily; one row per failure with ``FAILURE_COLUMNS``, empty if valid.

    ``index`` is the frame's index label of the failing row, so the index must be unique.
    ``column`` is the failing column; for a row rule or the key it is the columns involved,
    joined by ``,``. ``value`` is the cell (or ``col=value, ...`` for several columns).
    """
    if not frame.index.is_unique:
        raise ValueError("failures() needs a frame with a unique index to name failing rows")
    dfs = schema.to_schema() if isinstance(schema, type) else schema
    cases = _failure_cases(dfs, frame)
    if cases.empty:
        return _empty()
    untyped = cases["check"].str.startswith(("dtype(", "coerce_dtype(")) & cases["index"].notna()
    if untyped.any():
        # A column that did not coerce is checked as raw values, where its checks (and row
        # rules reading it) raise instead of answering, and pandera can then name no row.
        # Report the cells that are not of their type, blank them, and judge the rest again.
        bad_cells = cases.loc[untyped, ["index", "column"]].drop_duplicates()
        blanked = frame.copy()
        for column, rows in bad_cells.groupby("column")["index"]:
            blanked.loc[rows.to_numpy(), column] = None  # an untyped column is text or object: holds None
        again = _failure_cases(dfs, blanked)
        cells = pd.MultiIndex.from_frame(again[["index", "column"]])
        blank_not_missing = again["check"].eq("not_nullable") & cells.isin(pd.MultiIndex.from_frame(bad_cells))
        cases = pd.concat([cases[untyped], again[~blank_not_missing]], ignore_index=True)

    return report_cases(dfs, frame, cases)


def report_cases(dfs: pa.DataFrameSchema, frame: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """``failures`` from failure cases in pandera's shape (``schema_context``, ``column``,
    ``check``, ``check_number``, ``failure_case``, ``index``), whoever found them: pandera's
    validation, or the loader calling the schema's checks itself (``pipelines.ingest.validation``)."""
    indexed = cases[cases["index"].notna()]
    frame_level = indexed["schema_context"] == "DataFrameSchema"
    duplicate = indexed["check"].isin(["multiple_fields_uniqueness", "field_uniqueness"])
    groups = [(_cells, indexed[~frame_level]), (_duplicates, indexed[frame_level & duplicate]),
              (_row_rules, indexed[frame_level & ~duplicate]), (_whole_frame, cases[cases["index"].isna()])]
    parts = [report(dfs, frame, group) for report, group in groups if len(group)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    # coercion failures are reported twice (coerce_dtype and dtype): keep one per cell
    return out.drop_duplicates(["index", "column", "check"], ignore_index=True)[FAILURE_COLUMNS]


def key_failures(schema: type[pa.DataFrameModel] | pa.DataFrameSchema, frame: pd.DataFrame,
                 within: str) -> pd.DataFrame:
    """The schema's key rule (``unique``) alone, judged separately within each value of the
    column ``within`` (e.g. each delivery of a batch), in one pandera pass; reported exactly
    as ``failures`` reports duplicate keys, with ``FAILURE_COLUMNS``."""
    dfs = schema.to_schema() if isinstance(schema, type) else schema
    key = [dfs.unique] if isinstance(dfs.unique, str) else list(dfs.unique or [])
    if not key or frame.empty:
        return _empty()
    scoped = pa.DataFrameSchema({c: pa.Column(nullable=True) for c in [*key, within]}, unique=[*key, within],
                                report_duplicates=dfs.report_duplicates, name=dfs.name)
    cases = _failure_cases(scoped, frame[[*key, within]])
    # pandera names a duplicate by its non-blank key cells; the scope column is not part of the
    # key, so a row named only by it is one whose key is all blank, as ``failures`` would not name.
    cases = cases[cases["check"].isin(["multiple_fields_uniqueness", "field_uniqueness"]) & cases["index"].notna()
                  & (cases["column"] != within)]
    return _duplicates(dfs, frame, cases)[FAILURE_COLUMNS] if len(cases) else _empty()


def _failure_cases(dfs: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        dfs.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        return err.failure_cases
    return pd.DataFrame(columns=["schema_context", "column", "check", "check_number", "failure_case", "index"])


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in FAILURE_COLUMNS})


def _cells(dfs: pa.DataFrameSchema, frame: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Column checks, required values and dtype failures: one failing cell each."""
    rows = []
    for column, check, number, value, index in cases[["column", "check", "check_number",
                                                      "failure_case", "index"]].itertuples(index=False):
        shown = show(value)
        if check == "not_nullable":
            rows.append((index, column, _BUILTIN[check], shown, f"{column} is blank but is required"))
        elif check.startswith(("dtype(", "coerce_dtype(")):
            expected = check[check.index("(") + 2:-2]
            expected = _TYPE_WORDS.get(expected, expected)
            rows.append((index, column, "type", shown, f"{column} '{shown}' is not {expected}"))
        else:
            rule = dfs.columns[column].checks[int(number)]
            rows.append((index, column, rule.name, shown, f"{column} '{shown}' {rule.error}"))
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS)


def _duplicates(dfs: pa.DataFrameSchema, frame: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    key = [dfs.unique] if isinstance(dfs.unique, str) else list(dfs.unique)
    index = pd.unique(cases["index"])
    values = [", ".join(f"{c}={show(v)}" for c, v in zip(key, row))
              for row in frame.loc[index, key].itertuples(index=False)]
    return pd.DataFrame({
        "index": index, "column": ",".join(key), "check": _BUILTIN["multiple_fields_uniqueness"],
        "value": values,
        "reason": [f"duplicate key ({v}): an earlier row has the same key" for v in values],
    })


def _row_rules(dfs: pa.DataFrameSchema, frame: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for number, group in cases.groupby("check_number", sort=True):
        rule = dfs.checks[int(number)]
        columns = list(ROW_RULES.get(rule.name, ()))
        for index in pd.unique(group["index"]):
            values = {c: show(frame.at[index, c]) for c in columns}
            rows.append((index, ",".join(columns), rule.name,
                         ", ".join(f"{c}={v}" for c, v in values.items()),
                         rule.error.format(**values)))
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS)


def _whole_frame(dfs: pa.DataFrameSchema, frame: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Failures pandera cannot pin to a row (missing / extra column, a check that raised):
    every row of the frame is affected, so each is reported."""
    parts = []
    for context, column, check, number, value in cases[["schema_context", "column", "check", "check_number",
                                                        "failure_case"]].itertuples(index=False):
        if check in ("column_in_dataframe", "column_in_schema"):
            column = value
            reason = (f"column {column} is missing from the extract" if check == "column_in_dataframe"
                      else f"column {column} is not in the catalogue for {dfs.name}")
            check = _BUILTIN[check]
        elif pd.notna(number):  # a check raised instead of answering (e.g. on an untyped column)
            rule = dfs.checks[int(number)] if context == "DataFrameSchema" else dfs.columns[column].checks[int(number)]
            if context == "DataFrameSchema":
                column = ",".join(ROW_RULES.get(rule.name, ()))
            check = rule.name
            reason = f"check '{check}' could not run on this extract: {value}"
        elif check.startswith("dtype("):  # the column as a whole has the wrong dtype
            expected = _TYPE_WORDS.get(check[7:-2], check[7:-2])
            check, reason = "type", f"{column} is not {expected}: the whole column is {value}"
        else:
            reason = f"{column}: {check} failed for the whole column: {value}"
        parts.append(pd.DataFrame({"index": frame.index, "column": column, "check": check,
                                   "value": "", "reason": reason}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FAILURE_COLUMNS)
