"""Every column check's SQL form (``schemas.sql.predicate``) answers as the pandera check does.

For each check of each schema, and for each check factory made with awkward arguments, the
SQL is run in a real (in-memory) DuckDB over a table of hostile values of the column's type,
and compared value by value with the pandera check's own answer on the same values typed as
the loader types them (``pipelines.ingest.parsing.DTYPES``). Text is ASCII only: the caller
judges a value with any non-ASCII character in Python (see ``schemas.sql``).
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pytest

import schemas
from pipelines.ingest.parsing import DTYPES, DUCKDB_TYPES
from schemas import checks, sql
from sources.catalogue import SOURCES

TODAY = pd.Timestamp.today().normalize()


def _schema_checks() -> list[tuple[str, str, pa.Check]]:
    """(id, catalogue type, check) for every column check of every schema."""
    found = []
    for source in SOURCES:
        columns = schemas.get(source.name).to_schema().columns
        for col in source.columns:
            for number, check in enumerate(columns[col.name].checks):
                found.append((f"{source.name}.{col.name}[{number}] {check.name}", col.type, check))
    return found


SCHEMA_CHECKS = _schema_checks()

# --- hostile values, one list per catalogue type ------------------------------------------

def _code_variants(codes: list[str]) -> list[str]:
    one = [v for c in codes for v in (c, c.upper(), c.lower(), c.swapcase(), c.title(), f" {c}", f"{c} ",
                                      c[:-1], c[1:], f"{c}x", f"x{c}", c + c, f"{c};{c}")]
    a, b = codes[0], codes[-1]
    many = [f"{a};{b}", f"{a} ; {b}", f"{a};;{b}", f";{a}", f"{a};", f";{a};", f"{a};{b};", f"{a}; ;{b}",
            f"{a}\t;\x0b{b}", f"{a};\x1c{b}\x1f", f"{a}\r\n;\x0c{b}", f"{a};\x1b{b}", f"{a};\x00{b}",
            f"{a},{b}", f"{a}|{b}", f"{a} {b}", f"{a}; {b.upper()}", ";".join(codes), " ; ".join(codes),
            ";".join(codes) + ";", ";".join([a] * 3000)]
    return one + many


def _text_values() -> list[str]:
    codes = sorted({str(c) for source in SOURCES for col in source.columns for c in (col.codes or ())})
    years = [0, 999, 1899, 1999, 2000, 2001, 2023, 2024, 2098, 2099, 2100, 9998, 9999]
    academic = [f"{y:04d}/{(y + d) % 100:02d}" for y in years for d in (0, 1, 2, 99)]
    academic += ["2024/25\n", "2024/25\n\n", "\n2024/25", "2024/25 ", " 2024/25", "2024/25\r", "2024/025",
                 "02024/25", "2024/2025", "2024-25", "2024/5", "24/25", "2024/2", "2024//25", "2024/25/26",
                 "abcd/ef", "2024/+5", "+024/25", "-024/25", "2024/ 5", " 024/25", "2024/-1"]
    terms = [f"{y}-{t}" for y in ("2024", "0000", "9999", "24", "20245") for t in
             ("AUT", "SPR", "SUM", "WIN", "aut", "Spr", "AUTSPR", "", "SPR\n", "SP", "AUT|SPR", "(?:AUT)")]
    terms += ["2024 - SPR", "2024_SPR", "-AUT", "2024-SPR ", "2024SPR"]
    wards = ["E05" + "1" * n for n in range(9)] + ["E05000001\n", "E05000001 ", "e05000001", "E0500000A",
                                                  "E06000001", " E05000001", "E05 000001", "E05\n000001",
                                                  "E05000001E05000001", "E05\\d{6}", "E05" + "0" * 10_000]
    generic = ["", " ", ";", ";;", "; ;", "'", "''", "a'b", "\\", "\\'", '"', "{column}", "{0}", "%s", "%",
               "_", ".*", ".+", "(", ")", "[", "]", "|", "^", "$", "\\d", "\\s", "\\x{20}", "12", "-1", "1.5",
               "1e3", "0x10", "NaN", "inf", "true", "NULL", "x" * 100_000]
    every_char = [chr(i) for i in range(128)] + [f"a{chr(i)}b" for i in range(128)]
    values = _code_variants(codes) + academic + terms + wards + generic + every_char
    for source in SOURCES:
        for col in source.columns:
            if col.codes and col.type == "str":
                values += _code_variants([str(c) for c in col.codes])
    assert all(v.isascii() for v in values)   # a non-ASCII value is judged in Python, not by the form
    return list(dict.fromkeys(values))


def _numbers() -> list[int]:
    """Around every bound a check names (pandera's statistics), the years and 0; the extremes."""
    centres = {0, 1, 2000, TODAY.year}
    for _, _, check in SCHEMA_CHECKS:
        for value in check.statistics.values():
            for v in (value if isinstance(value, (list, tuple)) else [value]):
                if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                    centres.add(int(v))
    near = {c + d for c in centres for d in (-2, -1, 0, 1, 2)}
    return sorted(near | {-(2 ** 63) + 1, 2 ** 63 - 1, -(10 ** 12), 10 ** 12, 2 ** 31, -(2 ** 31), 10 ** 6})


def _floats() -> list[float]:
    values = {float(n) + d for n in _numbers() if abs(n) < 10 ** 7 for d in (-0.5, -1e-9, 0.0, 1e-9, 0.5)}
    values |= {0.0, -0.0, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308,
               89.99999999999999, 90.00000000000001, float("inf"), float("-inf"), 1e19, -1e19}
    return sorted(values) + [float("nan")]


def _dates() -> list[dt.date]:
    today = TODAY.date()
    days = {today + dt.timedelta(days=d) for d in range(-3, 4)}
    for year in (1678, 1900, 1999, 2000, 2001, 2023, today.year - 1, today.year, today.year + 1, 2200, 2261):
        for month in range(1, 13):
            first = dt.date(year, month, 1)
            days |= {first, first + dt.timedelta(days=1), first - dt.timedelta(days=1)}
    days |= {dt.date(2000, 2, 29), dt.date(2024, 2, 29), dt.date(1677, 9, 22), dt.date(2262, 4, 10)}
    return sorted(days)


VALUES = {"str": _text_values(), "int": _numbers(), "float": _floats(), "date": _dates(), "bool": [True, False]}
ARROW = {"str": pyarrow.large_string(), "int": pyarrow.int64(), "float": pyarrow.float64(),
         "date": pyarrow.date32(), "bool": pyarrow.bool_()}


def typed_series(type_: str, values: list) -> pd.Series:
    """``values`` as the loader types a column (``DTYPES``); a float NaN stays a value, not a blank."""
    if type_ == "float":
        return pd.Series(pd.arrays.FloatingArray(np.array(values, dtype=float), np.zeros(len(values), bool)))
    if type_ == "date":
        return pd.Series(pd.to_datetime([pd.Timestamp(v) for v in values]).astype(DTYPES["date"]))
    series = pd.Series(values, dtype=DTYPES[type_])
    assert not series.isna().any()
    return series


@pytest.fixture(scope="module")
def con():
    """One in-memory DuckDB with a table ``values_<type>`` (i, v) per catalogue type."""
    connection = duckdb.connect()
    for type_, values in VALUES.items():
        table = pyarrow.table({"i": pyarrow.array(range(len(values)), pyarrow.int64()),
                               "v": pyarrow.array(values, ARROW[type_])})
        connection.register(f"arrow_{type_}", table)
        connection.execute(f"CREATE TABLE values_{type_} AS SELECT i, CAST(v AS {DUCKDB_TYPES[type_]}) AS v "
                           f"FROM arrow_{type_}")
    yield connection
    connection.close()


def differences(con, name: str, type_: str, check: pa.Check) -> list[str]:
    """Where the SQL form and the pandera check answer differently, each named by its value."""
    expression = sql.predicate(check, '"v"', type_)
    assert expression is not None, f"{name}: no SQL form"
    got = [row[0] for row in con.execute(f"SELECT {expression} FROM values_{type_} ORDER BY i").fetchall()]
    assert None not in got, f"{name}: the SQL form is NULL for a value"
    values = VALUES[type_]
    found = []
    subsets = [range(len(values))]
    if type_ == "str":   # pandas runs some patterns with pyarrow unless a value holds a newline: both ways
        subsets.append([i for i, v in enumerate(values) if "\n" not in v])
    for subset in subsets:
        expected = check(typed_series(type_, [values[i] for i in subset])).check_output.tolist()
        found += [f"{name}: {values[i]!r}"[:200] + f": pandera {want}, SQL {got[i]}"
                  for i, want in zip(subset, expected) if bool(want) != got[i]]
    return found


def test_every_column_check_of_every_schema_has_an_sql_form():
    missing = [name for name, type_, check in SCHEMA_CHECKS if sql.predicate(check, '"v"', type_) is None]
    assert len(SCHEMA_CHECKS) > 50
    assert not missing, "column checks without an SQL form (record one in schemas/checks.py):\n" + "\n".join(missing)


@pytest.mark.parametrize("name,type_,check", SCHEMA_CHECKS, ids=[c[0] for c in SCHEMA_CHECKS])
def test_the_sql_form_answers_as_pandera_on_every_hostile_value(con, name, type_, check):
    assert differences(con, name, type_, check) == []


# --- the factories themselves, with awkward arguments --------------------------------------

AWKWARD_CODES = ["a'b", "it''s", "x\\y", "{0}", "{column}", "%s", "a b", ".*", "a|b", "(x)", "[", "^$", "\\E",
                 "\\Q", "tab\there", "ü", "E05", "school", "sch"]

FACTORY_CASES = {
    "known_code": [("str", checks.known_code(AWKWARD_CODES, "a code")), ("str", checks.known_code([], "a code")),
                   ("int", checks.known_code([2, 3, -(2 ** 63) + 1], "a level")),
                   ("float", checks.known_code([0.5, 2.0, -0.0], "a weight")),
                   ("bool", checks.known_code([True], "a flag"))],
    "known_codes": [("str", checks.known_codes(AWKWARD_CODES, "a code")),
                    ("str", checks.known_codes(["", "a"], "a code")), ("str", checks.known_codes([], "a code"))],
    "between": [("int", checks.between(-5, 2050, "n")), ("float", checks.between(0.5, 89.5, "x")),
                ("float", checks.between(-0.0, float("inf"), "x")), ("int", checks.between(1.5, 7.5, "n")),
                ("date", checks.between(pd.Timestamp("2001-01-01"), pd.Timestamp("2023-06-30 12:00"), "d"))],
    "one_of": [("int", checks.one_of((6, 8, 10, 12), "g")), ("float", checks.one_of((0.1, 1e308, 2), "x"))],
    "greater_than": [("int", checks.greater_than(-1, "n")), ("float", checks.greater_than(0, "x")),
                     ("float", checks.greater_than(float("-inf"), "x")),
                     ("date", checks.greater_than(pd.Timestamp("2023-01-31"), "d"))],
    "at_least": [("int", checks.at_least(2000, "n")), ("float", checks.at_least(0.1, "x")),
                 ("date", checks.at_least(pd.Timestamp("2000-01-01"), "d"))],
    "plausible_date": [("date", checks.plausible_date())],
    "plausible_year": [("int", checks.plausible_year())],
    "first_of_month": [("date", checks.first_of_month())],
    "ward_code": [("str", checks.ward_code())],
    "academic_year": [("str", checks.academic_year())],
    "term": [("str", checks.term())],
}
FACTORY_IDS = [f"{factory}[{n}] {type_}" for factory, cases in FACTORY_CASES.items() for n, (type_, _) in enumerate(cases)]


def test_every_check_factory_is_compared():
    factories = sorted(name for name, f in vars(checks).items()
                       if inspect.isfunction(f) and not name.startswith("_") and f.__module__ == checks.__name__
                       and inspect.signature(f).return_annotation == "pa.Check")
    assert factories == sorted(FACTORY_CASES), "a check factory without a case here (add one with its SQL form)"


@pytest.mark.parametrize("name,type_,check", [(i, t, c) for i, (t, c) in
                                              zip(FACTORY_IDS, [x for cases in FACTORY_CASES.values() for x in cases])],
                         ids=FACTORY_IDS)
def test_a_factory_with_awkward_arguments_answers_as_pandera(con, name, type_, check):
    assert differences(con, name, type_, check) == []


def test_codes_are_written_as_quoted_literals_that_cannot_break_out():
    expression = sql.predicate(checks.known_code(["it's", "a'; DROP TABLE x; --"], "a code"), '"v"', "str")
    assert expression == """coalesce(("v" IN ('it''s', 'a''; DROP TABLE x; --')), false)"""
    assert duckdb.sql(f"SELECT {expression} FROM (VALUES ('it''s'), ('it')) t(v)").fetchall() == [(True,), (False,)]


def test_today_is_read_when_the_sql_is_written(monkeypatch):
    tomorrow = TODAY + pd.Timedelta(days=1)
    monkeypatch.setattr(pd.Timestamp, "today", classmethod(lambda cls, tz=None: tomorrow))
    assert f"DATE '{tomorrow.date()}'" in sql.predicate(checks.plausible_date(), '"v"', "date")
    assert f"AND {tomorrow.year}" in sql.predicate(checks.plausible_year(), '"v"', "int")


def test_a_check_made_without_a_factory_or_judging_blanks_itself_has_no_sql_form():
    assert sql.predicate(pa.Check.isin([1, 2]), '"v"', "int") is None
    own_blanks = sql.record(pa.Check.isin([1, 2], ignore_na=False), sql.Form("{column} IN {0}", (1, 2)))
    assert sql.predicate(own_blanks, '"v"', "int") is None


def test_the_form_survives_a_deep_copy_and_leaves_check_equality_alone():
    schema = copy.deepcopy(schemas.get("neet").to_schema())   # as pipelines.ingest.validation copies it
    ward = schema.columns["ward_code"].checks[0]
    assert sql.predicate(ward, '"v"', "str") == sql.predicate(checks.ward_code(), '"v"', "str")
    assert checks.between(1, 5, "survey score") == checks.between(1, 5, "survey score")
    assert checks.known_code(["a"], "a code") != checks.known_code(["b"], "a code")
