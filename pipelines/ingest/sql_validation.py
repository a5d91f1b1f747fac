"""Validating a batch of deliveries inside DuckDB, over the rows just written to ``raw_<source>``.

The same judgement as ``validation.check_many`` (which stays, as the reference and the path
taken when this one declines), in the same order and with the same words:

1. a cell over ``MAX_CELL_CHARS`` characters quarantines its record (``field_too_long``);
2. a record with a cell reading "Total" is a summary row, not a record (``summary_row``);
3. every cell is typed: in SQL where ``sql_typing`` knows the answer to be ``parse_text``'s,
   otherwise by ``parse_text`` itself, once per distinct cell (``type:<type>``);
4. on the records whose cells all typed: required values, and each column check of the
   pandera schema, as SQL compiled from the check (``schemas.sql.predicate``) or, for a text
   value with a character outside ASCII, by the pandera check itself once per distinct value;
5. the schema's row rules (pandera's own functions) on those records, typed as the loader
   types them (only for sources that have row rules);
6. the key, unique within each delivery (the first record of a key kept, later ones
   quarantined), by a window in SQL.

Records with no failure go to ``stg_<source>`` with one ``insert ... select``; the failures come
back as one small frame (``QUARANTINE_COLUMNS`` and the delivery) for the caller to mask, store
and count. Nothing here reads a whole batch into pandas: Python sees distinct cells, failing
values and, for row rules, the records those rules read.

``validate`` answers None (declines) when the schema uses something this module does not
evaluate: a check with no SQL form, a check that raises, a row rule that does not answer row by
row, a schema feature pandera alone judges. The caller then validates with ``check_many``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb
import pandas as pd

import schemas
from pipelines.ingest import sql_typing
from pipelines.ingest.extracts import ROW
from pipelines.ingest.parsing import DTYPES, DUCKDB_TYPES, parse_frame
from pipelines.ingest.validation import MAX_CELL_CHARS, QUARANTINE_COLUMNS, non_records
from schemas import sql as schema_sql
from schemas.checks import ROW_RULES
from schemas.report import show
from sources.catalogue import Source

# ``OBA_VALIDATE_IN=pandas`` validates with ``validation.check_many`` instead (to compare the two).
SETTING = "OBA_VALIDATE_IN"
ENGINES = ("duckdb", "pandas")

_BUILTIN_REQUIRED = "required value"
_KEY_CHECK = "unique key"


def engine() -> str:
    value = os.environ.get(SETTING, "duckdb").strip().lower() or "duckdb"
    if value not in ENGINES:
        raise ValueError(f"{SETTING}={value!r}: expected one of {', '.join(ENGINES)}")
    return value


@dataclass
class Validated:
    quarantine: pd.DataFrame      # "_delivery" + QUARANTINE_COLUMNS, one row per failure
    rows_loaded: list[int]        # per delivery, in batch order


class Declined(Exception):
    """This batch is for ``check_many`` to judge (see the module's docstring)."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ascii(expr: str) -> str:
    # Every non-ASCII character is more than one byte, so a text whose byte length equals its
    # length in characters is ASCII (a CRLF counted as one grapheme only ever says "not ASCII").
    return f"(strlen({expr}) = length({expr}))"


def _failures(rows) -> pd.DataFrame:
    """Quarantine rows from (delivery, source_row, column, check, value, reason) tuples."""
    rows, columns = list(rows), ["_delivery", *QUARANTINE_COLUMNS]
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


class _Batch:
    """One batch's temporary tables on the caller's connection (and transaction)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, hashes: list[str]):
        self.con, self.source, self.hashes = con, source, hashes
        self.columns = source.column_names
        self.parts: list[pd.DataFrame] = []
        self.judged: list[pd.DataFrame] = []      # failures of candidate records (checks, row rules, key)
        self.lookups: list[str] = []
        self.tables: list[str] = ["v_text", "v_typed"]
        self.views: list[str] = []

    # -- 0: the batch's rows, as delivered ------------------------------------------------------
    def load(self, rows=None) -> None:
        """``rows``: the batch's records as Arrow, with ``_delivery`` (just written to raw_, so
        not read back from it)."""
        # A record already quarantined (a released held delivery's failed records) is not judged
        # again: raw_ holds only its accepted cells.
        batch = ('(select unnest($hashes::varchar[]) as file_hash, generate_subscripts($hashes::varchar[], 1) - 1 '
                 'as _delivery)')
        done = (f'(select b._delivery, q."{ROW}" from quarantine q join {batch} b using (file_hash) '
                f'where q.source = $source)')
        cols = ", ".join(f"r.{_q(c)}" for c in self.columns)
        if rows is not None:
            self.con.register("v_rows", rows)
            self.con.execute(f'create or replace temp table v_text as select r._delivery, r."{ROW}", {cols} '
                             f'from v_rows r anti join {done} q using (_delivery, "{ROW}")',
                             {"hashes": self.hashes, "source": self.source.name})
            self.con.unregister("v_rows")
            return
        self.con.execute(
            f'create or replace temp table v_text as select b._delivery, r."{ROW}", {cols} '
            f'from "raw_{self.source.name}" r join {batch} b using (file_hash) '
            f'anti join {done} q using (_delivery, "{ROW}")',
            {"hashes": self.hashes, "source": self.source.name})

    # -- 1 and 2: records that are not data -----------------------------------------------------
    def distinct_cells(self) -> None:
        """Each column's distinct cells (``v_lk_<n>``: cell, value, why not, decided), typed in
        SQL where ``sql_typing`` decides them: a column repeats its cells, so every later step
        that judges cells judges each once."""
        for n, col in enumerate(self.source.columns):
            c = _q(col.name)
            typing = sql_typing.lookup_sql(f"select distinct {c} as cell from v_text where {c} is not null", col.type)
            self.con.execute(f"create or replace temp table v_lk_{n} as select cell, value, null::varchar as why, "
                             f"decided from ({typing})")
            self.lookups.append(f"v_lk_{n}")

    def drop_non_records(self) -> None:
        """``validation.non_records`` on the only records it could find anything in: those with
        a cell over the limit in bytes, holding "total" in any case, or outside ASCII."""
        maybe = " union all ".join(
            f"select {n} as n, cell from v_lk_{n} where strlen(cell) > {MAX_CELL_CHARS} "
            f"or contains(lower(cell), 'total') or not {_ascii('cell')}" for n in range(len(self.columns)))
        cells = self.con.execute(maybe).df()
        dropped = pd.DataFrame({"_delivery": pd.Series(dtype="int64"), ROW: pd.Series(dtype="int64")})
        if len(cells):
            self.con.register("v_maybe", cells)
            held = " or ".join(f"{_q(c)} in (select cell from v_maybe where n = {n})"
                               for n, c in enumerate(self.columns) if n in set(cells["n"]))
            cols = ", ".join(_q(c) for c in self.columns)
            found = self.con.execute(f'select _delivery, "{ROW}", {cols} from v_text where {held}').df()
            self.con.unregister("v_maybe")
            text = found[[ROW, *self.columns]].astype({c: DTYPES["str"] for c in self.columns})
            parts, hit = non_records(text, found["_delivery"].to_numpy(), self.source)
            self.parts += parts
            dropped = found.loc[hit.to_numpy(), ["_delivery", ROW]].astype("int64")
        if dropped.empty:
            self.con.execute("create or replace temp view v_body as select * from v_text")
            self.views.append("v_body")
            return
        self.con.register("v_dropped", dropped)
        self.con.execute(f'create or replace temp table v_body as select * from v_text anti join v_dropped '
                         f'using (_delivery, "{ROW}")')
        self.con.unregister("v_dropped")
        self.tables.append("v_body")

    # -- 3: typing ------------------------------------------------------------------------------
    def type_cells(self) -> None:
        """The cells SQL did not decide typed by ``parse_text`` (once each), and every column's
        typed values joined back to the records (a join costs less than typing every row)."""
        columns = self.source.columns
        undecided = " union all ".join(f"select {n} as n, cell from v_lk_{n} where not decided"
                                       for n in range(len(columns)))
        cells: dict[int, list] = {}
        for n, cell in self.con.execute(undecided).fetchall():
            cells.setdefault(n, []).append(cell)
        for n, found in cells.items():
            col = columns[n]
            self.con.register("v_python_typed", self._typed_by_python(col, found))
            self.con.execute(f"update v_lk_{n} set value = p.value::{DUCKDB_TYPES[col.type]}, why = p.why "
                             f"from v_python_typed p where v_lk_{n}.cell = p.cell")
            self.con.unregister("v_python_typed")
        # A text column whose every cell types to itself (ids, codes: nothing to trim) needs no join.
        same = [n for n, col in enumerate(columns) if col.type == "str" and n not in cells]
        if same:
            changed = self.con.execute(" union all ".join(
                f"(select {n} as n from v_lk_{n} where value is distinct from cell limit 1)" for n in same)).fetchall()
            same = sorted(set(same) - {n for (n,) in changed})
        selects = ", ".join(f"t.{_q(col.name)}" if n in same else f"l{n}.value as {_q(col.name)}"
                            for n, col in enumerate(columns))
        joins = " ".join(f"left join v_lk_{n} l{n} on t.{_q(col.name)} = l{n}.cell" for n, col in enumerate(columns)
                         if n not in same)
        failing = list(cells)
        whys = ", ".join(f"l{n}.why as {_q(f'_why_{n}')}" for n in failing)
        self.con.execute(f'create or replace temp table v_typed as select t._delivery, t."{ROW}", {selects}'
                         f'{", " + whys if whys else ""} from v_body t {joins}')
        self.views.append("v_candidates")
        if not failing:
            self.con.execute("create or replace temp view v_candidates as select * from v_typed")
            return
        failed = " union all ".join(
            f"select {n} as n, t._delivery, t.\"{ROW}\", b.{_q(columns[n].name)}, t.{_q(f'_why_{n}')} from v_typed t "
            f"join v_body b using (_delivery, \"{ROW}\") where t.{_q(f'_why_{n}')} is not null" for n in failing)
        self.parts.append(_failures(
            ((d, r, columns[n].name, f"type:{columns[n].type}", cell, f"{columns[n].name}: {why}")
             for n, d, r, cell, why in self.con.execute(failed).fetchall())))
        flags = [_q(f"_why_{n}") for n in failing]
        self.con.execute(f"create or replace temp view v_candidates as select * exclude ({', '.join(flags)}) "
                         f"from v_typed where {' and '.join(f'{f} is null' for f in flags)}")

    def _typed_by_python(self, col, cells: list) -> pd.DataFrame:
        """``parse_text``'s answer for each cell SQL did not type: its value as text DuckDB reads
        back exactly (ISO dates, Python's shortest repr of a float), or why not."""
        text = pd.DataFrame({col.name: pd.Series(cells, dtype=DTYPES["str"])})
        typed, errors = parse_frame(text, [col])
        why = pd.Series(pd.NA, index=text.index, dtype="string")
        if len(errors):
            why[errors["index"].to_numpy()] = errors["reason"].to_numpy()
        values = typed[col.name].astype(object)
        shown = [None if pd.isna(v) else v.strftime("%Y-%m-%d") if col.type == "date" else
                 repr(float(v)) if col.type == "float" else str(v).lower() if col.type == "bool" else str(v)
                 for v in values]
        return pd.DataFrame({"cell": text[col.name].astype(object).to_numpy(), "value": shown,
                             "why": why.astype(object).where(why.notna(), None).to_numpy()}, dtype=object)

    # -- 4: required values and column checks ---------------------------------------------------
    def check_columns(self, dfs) -> None:
        """One query for every required value and every column check in SQL (a text value with a
        character outside ASCII excepted: those go to the pandera check, once per distinct value)."""
        rules, parts, python = [], [], []
        for col in self.source.columns:
            column, c = dfs.columns[col.name], _q(col.name)
            if not column.nullable:
                parts.append(f"select {len(rules)} as k, _delivery, \"{ROW}\", null as v from v_candidates "
                             f"where {c} is null")
                rules.append((col, None))
            for rule in column.checks:
                sql = schema_sql.predicate(rule, c, col.type)
                if sql is None:
                    raise Declined(f"{col.name}: check {rule.name!r} has no SQL form")
                ascii_only = f" and {_ascii(c)}" if col.type == "str" else ""
                parts.append(f"select {len(rules)} as k, _delivery, \"{ROW}\", {c}::varchar as v from v_candidates "
                             f"where {c} is not null{ascii_only} and not ({sql})")
                if col.type == "str":
                    python.append(len(rules))
                rules.append((col, rule))
        failing = self.con.execute(" union all ".join(parts)).fetchall() if parts else []
        failing += self._failing_outside_ascii(rules, python)
        self.judge(_failures(_column_failure(rules[k], d, r, v) for k, d, r, v in failing))

    def _failing_outside_ascii(self, rules: list, numbers: list[int]) -> list[tuple]:
        """(rule number, delivery, row, value) of text values outside ASCII failing their check."""
        if not numbers:
            return []
        columns = {rules[k][0].name for k in numbers}
        query = " union all ".join(f"select distinct '{n}' as col, {_q(n)} as v from v_candidates "
                                   f"where {_q(n)} is not null and not {_ascii(_q(n))}" for n in sorted(columns))
        values: dict[str, list] = {}
        for n, v in self.con.execute(query).fetchall():
            values.setdefault(n, []).append(v)
        out = []
        for k in numbers:
            col, rule = rules[k]
            if col.name not in values:
                continue
            text = pd.Series(values[col.name], dtype=DTYPES["str"])
            result = _answer(rule, text)
            if not isinstance(result, pd.Series) or len(result) != len(text):
                raise Declined(f"{col.name}: check {rule.name!r} does not answer value by value")
            failed = text[~result.fillna(False).astype(bool).to_numpy()]
            if len(failed):
                self.con.register("v_failed_values", pd.DataFrame({"v": failed.astype(object).to_numpy()}))
                out += [(k, d, r, v) for d, r, v in self.con.execute(
                    f'select _delivery, "{ROW}", {_q(col.name)} from v_candidates '
                    f'where {_q(col.name)} in (select v from v_failed_values)').fetchall()]
                self.con.unregister("v_failed_values")
        return out

    # -- 5: row rules ---------------------------------------------------------------------------
    def check_rows(self, dfs) -> None:
        if not dfs.checks:
            return
        read = [ROW_RULES.get(rule.name) for rule in dfs.checks]
        frame = self.typed_frame(None if None in read else {c for cols in read for c in cols})
        for rule in dfs.checks:
            columns = list(ROW_RULES.get(rule.name, ()))
            result = _answer(rule, frame.drop(columns=["_delivery", ROW]))
            if not isinstance(result, pd.Series) or not result.index.equals(frame.index):
                raise Declined(f"row rule {rule.name!r} does not answer row by row")
            bad = frame[~result.fillna(False).astype(bool).to_numpy()]
            rows = []
            for index in bad.index:
                values = {c: show(bad.at[index, c]) for c in columns}
                rows.append((int(bad.at[index, "_delivery"]), int(bad.at[index, ROW]), ",".join(columns), rule.name,
                             ", ".join(f"{c}={v}" for c, v in values.items()), rule.error.format(**values)))
            self.judge(_failures(rows))

    def typed_frame(self, columns: set[str] | None) -> pd.DataFrame:
        """The candidate records, typed exactly as ``parsing.parse_frame`` types them: the
        ``columns`` the row rules read (as they declare them), or all."""
        chosen = [c for c in self.columns if columns is None or c in columns]
        frame = self.con.execute(f'select _delivery, "{ROW}", {", ".join(_q(c) for c in chosen)} from v_candidates '
                                 f'order by _delivery, "{ROW}"').df()
        for col in (self.source.column(c) for c in chosen):
            values = frame[col.name]
            if col.type == "date":
                values = pd.to_datetime(values).astype("datetime64[ns]")
            frame[col.name] = values.astype(DTYPES[col.type])
        return frame

    # -- 6: the key -----------------------------------------------------------------------------
    def check_key(self, dfs) -> None:
        key = [dfs.unique] if isinstance(dfs.unique, str) else list(dfs.unique or [])
        if not key:
            return
        cols = ", ".join(_q(k) for k in key)
        # Only the keys that recur in their delivery are ordered (a blank key cell matches a blank).
        same = " and ".join(f"c.{_q(k)} is not distinct from d.{_q(k)}" for k in key)
        rows = self.con.execute(
            f'with dup as (select _delivery, {cols} from v_candidates group by all having count(*) > 1) '
            f'select _delivery, "{ROW}", {cols} from (select c.*, row_number() over (partition by c._delivery, '
            f'{", ".join(f"c.{_q(k)}" for k in key)} order by c."{ROW}") as _nth from v_candidates c '
            f'semi join dup d on c._delivery = d._delivery and {same}) where _nth > 1 and not '
            f'({" and ".join(f"{_q(k)} is null" for k in key)})').fetchall()
        shown = [(d, r, ", ".join(f"{k}={show(v)}" for k, v in zip(key, values))) for d, r, *values in rows]
        self.judge(_failures(((d, r, ",".join(key), _KEY_CHECK, v,
                                      f"duplicate key ({v}): an earlier row has the same key") for d, r, v in shown)))

    def judge(self, failures: pd.DataFrame) -> None:
        self.parts.append(failures)
        self.judged.append(failures)

    # -- writing --------------------------------------------------------------------------------
    def write(self, origins: list[dict]) -> Validated:
        parts = [p for p in self.parts if len(p)]
        columns = ["_delivery", *QUARANTINE_COLUMNS]
        quarantine = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
        quarantine = quarantine.astype({"_delivery": "int64", ROW: "Int64", "column_name": "string",
                                        "check_name": "string", "failure_value": "string", "reason": "string"})
        failed = quarantine[quarantine[ROW].notna()][["_delivery", ROW]].drop_duplicates().astype("int64")
        self.con.register("v_failed", failed)
        self.con.register("v_origins", pd.DataFrame(origins).assign(_delivery=range(len(origins))))
        names = ", ".join(_q(c) for c in self.columns)
        self.con.execute(
            f'insert into "stg_{self.source.name}" by name select {names}, c."{ROW}", o.* exclude (_delivery) '
            f'from (select * from v_candidates anti join v_failed using (_delivery, "{ROW}")) c '
            f'join v_origins o using (_delivery)')
        # Loaded: the candidates less those a column check, row rule or the key failed.
        judged = [p for p in self.judged if len(p)]
        judged = (pd.concat(judged)[["_delivery", ROW]].drop_duplicates()["_delivery"].value_counts()
                  if judged else pd.Series(dtype="int64"))
        loaded = {d: n - int(judged.get(d, 0)) for d, n in self.con.execute(
            "select _delivery, count(*) from v_candidates group by _delivery").fetchall()}
        self.con.unregister("v_failed")
        self.con.unregister("v_origins")
        return Validated(quarantine=quarantine, rows_loaded=[int(loaded.get(d, 0)) for d in range(len(self.hashes))])

    def drop(self) -> None:
        for view in reversed(self.views):
            self.con.execute(f"drop view if exists {view}")
        for table in (*self.tables, *self.lookups):
            self.con.execute(f"drop table if exists {table}")


def _answer(rule, data):
    """A pandera check's answer (True = passes), or Declined if it raises: pandera then reports it."""
    try:
        return rule(data).check_output
    except Exception as exc:  # noqa: BLE001 - a check that raises is pandera's to report
        raise Declined(f"check {rule.name!r} raised: {exc}") from exc


def _typed_value(text: str | None, type_: str):
    """A value DuckDB wrote as text, back as the loader's type would hold it (for its wording)."""
    if text is None:
        return None
    if type_ == "int":
        return int(text)
    if type_ == "float":
        return float(text)     # DuckDB writes the shortest text that reads back as the same double
    if type_ == "bool":
        return {"true": True, "false": False}[text]
    if type_ == "date":
        return pd.Timestamp(text)
    return text


def _column_failure(rule: tuple, delivery: int, row: int, text: str | None) -> tuple:
    col, check = rule
    if check is None:
        return (delivery, row, col.name, _BUILTIN_REQUIRED, "blank", f"{col.name} is blank but is required")
    shown = show(_typed_value(text, col.type))
    return (delivery, row, col.name, check.name, shown, f"{col.name} '{shown}' {check.error}")


def _schema(source: Source):
    dfs = schemas.get(source.name).to_schema()
    if dfs.ordered or dfs.unique_column_names or any(c.unique or c.regex for c in dfs.columns.values()):
        raise Declined("a schema feature pandera alone judges")
    if list(dfs.columns) != source.column_names or any(
            str(c.dtype) != DTYPES[source.column(n).type] for n, c in dfs.columns.items()):
        raise Declined("the schema's columns are not typed as the loader types them")
    return dfs


def validate(con: duckdb.DuckDBPyConnection, source: Source, hashes: list[str],
             origins: list[dict], rows=None) -> Validated | None:
    """Validate the pending deliveries ``hashes`` (their rows in ``raw_<source>``, less any
    already quarantined), write the valid records to ``stg_<source>`` with their ``origins``
    (one dict per delivery), and return the failures and counts. None: declined, nothing written
    (validate with ``validation.check_many``). ``rows``: the records as Arrow with ``_delivery``
    (their index in ``hashes``), when the caller has them at hand. The caller holds the transaction."""
    batch = _Batch(con, source, hashes)
    try:
        dfs = _schema(source)
        batch.load(rows)
        batch.distinct_cells()
        batch.drop_non_records()
        batch.type_cells()
        batch.check_columns(dfs)
        batch.check_rows(dfs)
        batch.check_key(dfs)
        return batch.write(origins)
    except Declined:
        return None
    finally:
        batch.drop()
