"""The SQL forms of the schemas' column checks, for validating a table inside DuckDB.

Each check factory in ``schemas.checks`` records, where it makes the check, a ``Form``: a
DuckDB boolean expression over ``{column}`` that is true exactly where the pandas check
passes. ``predicate(check, column, type_)`` writes it out for one column. A check made
without a form (a new factory, or a plain ``pa.Check``) has none: ``predicate`` returns None
and the caller judges that check with pandera, in Python.

What a form promises, and what it leaves to the caller:

- it judges a NON-NULL value (a null passes every column check, pandera's ``ignore_na``);
- on text it equals pandera on ASCII text only: pandas runs some patterns with Python's
  ``re`` (Unicode ``\\s`` and ``\\d``), DuckDB with RE2, so a value with any non-ASCII
  character is judged by the pandera check in Python;
- on numbers, dates and booleans it equals pandera on every value, including a DOUBLE NaN
  (fails every check, as a NaN fails pandas' comparisons) and infinities.

``tests/schemas/test_sql_predicates.py`` compares every check of every schema with its
form, value by value, in a real DuckDB.
"""

from __future__ import annotations

import datetime as dt
import numbers
from dataclasses import dataclass
from typing import Any

import pandas as pd

# Python's ``\\s`` on ASCII text (what ``re`` matches; RE2's ``\\s`` lacks \x0b and \x1c-\x1f).
SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"


@dataclass(frozen=True)
class Form:
    """A check's SQL form: ``template`` with ``{column}`` where the column goes, ``{0}``,
    ``{1}``... for ``values`` (written as SQL literals, so a code cannot break out of its
    quotes), ``{today}`` / ``{this_year}`` for the day / year the form is written (read then,
    as the pandas checks read it when they run). Plain data, so a check keeps comparing equal
    to its copies and to the same check made again."""

    template: str
    values: tuple = ()

    def __init__(self, template: str, *values: Any) -> None:
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "values", tuple(values))

    def sql(self, column: str) -> str:
        today = pd.Timestamp.today().normalize()
        return self.template.format(*(literal(v) for v in self.values), column=column,
                                    today=literal(today), this_year=literal(today.year))


def record(check, form: Form):
    """Give ``check`` its SQL form (kept on the check, so deep copies of a schema keep it)."""
    check.sql_form = form
    return check


def predicate(check, column: str, type_: str) -> str | None:
    """SQL boolean expression, true where ``check`` passes, for a NON-NULL value of the column.

    ``column`` is an already-quoted SQL expression of the column typed as the catalogue type
    ``type_`` ("str" VARCHAR, "int" BIGINT, "float" DOUBLE, "date" DATE, "bool" BOOLEAN;
    ``pipelines.ingest.parsing.DUCKDB_TYPES``). None when the check has no SQL form, or when
    it judges blanks itself (``ignore_na=False``: the caller's "a null passes" would be wrong).
    The expression is never NULL for a non-null value."""
    form = getattr(check, "sql_form", None)
    if not isinstance(form, Form) or not check.ignore_na:
        return None
    sql = form.sql(column)
    if type_ == "float":
        sql = f"NOT isnan({column}) AND ({sql})"   # a NaN fails every pandas comparison
    return f"coalesce(({sql}), false)"


def literal(value: Any) -> str:
    """``value`` as a DuckDB literal: text quoted (quotes doubled), numbers exact, dates typed;
    a list or tuple as a parenthesised list."""
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(literal(v) for v in value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"CAST('{float(value)!r}' AS DOUBLE)"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value)
        if stamp.tz is not None:
            raise ValueError(f"no SQL literal for a timestamp with a time zone: {value!r}")
        if stamp == stamp.normalize():
            return f"DATE '{stamp.date().isoformat()}'"
        return f"TIMESTAMP '{stamp.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"no SQL literal for text holding a NUL character: {value!r}")
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__} {value!r}")


def re2_literal(text: str) -> str:
    """``text`` as an RE2 pattern matching exactly it: letters, digits and ``_`` as they are,
    every other character as ``\\x{..}`` (nothing in a code is read as regex syntax)."""
    return "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else f"\\x{{{ord(c):x}}}" for c in text)
