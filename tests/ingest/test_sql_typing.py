"""Typing in DuckDB SQL (``sql_typing.lookup_sql``) against the definition, ``parsing.parse_text``:
every cell SQL decides gets exactly parse_text's value (same number, day, word, stripped text;
NULL for blank), on a hostile corpus, on random digit-and-separator strings, and on a generated
delivery, where nearly every cell the demo writes is decided in SQL."""

from __future__ import annotations

import math
import random

import duckdb
import pandas as pd
import pytest

from pipelines.ingest.parsing import DATE_FORMATS, parse_text
from pipelines.ingest.sql_typing import lookup_sql, steps

SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\u00a0", "\u2003", "\u3000", "\u200b", "\ufeff",
          "\u0085", "\u2028"]
NUMBERS = ["0", "7", "-7", "+7", "-0", "+0", "-0.0", "007", "0007.50", "1,000", "1,2,3", ",5", "5,", ",", ",,", "-,5",
           ",-5", "+,5", "1,,000", "1.0", "1.00", "1.000000", "1.0000000", "1.", ".0", ".5", "-.5", "5.", "1.5",
           "78.25", "232.5", "104.5", "0.1", "0.3", "-2.675", "1e3", "1E3", "1e-3", "inf", "-inf", "Infinity", "nan",
           "NaN", "0x10", "1_000", "1 000", "1, 000", "+-1", "--1", "-", "+", ".", "1.2.3", "1,5.2", "1.5,2",
           "\uff15", "\u0663", "\u0967", "\u00b2", "\u2155",
           "123456789012345", "999999999999999", "-999999999999999", "1234567890123456", "9007199254740993",
           "1234567890123456789", "12345678901234567890", "99999999999999999999999", "12345678901.2345",
           "1234567890.12345", "0.000000000000001", "0.0000000000000001", "1.0000000000000001",
           "99999999999999.9", "1,234,567,890,123,45", "100%", "£5", "5 ", " 5", "\t5\t", "5\u00a0", "\u00a05"]
DATES = ([f"{d}/{m}/{y}" for d in ("1", "01", "9", "31", "00", "32") for m in ("2", "02", "12", "13", "0")
          for y in ("2024", "24", "0024", "69", "68", "99", "00")]
         + ["29/02/2024", "29/02/2023", "29/02/1900", "29/02/2000", "29/2/00", "31/04/2024", "30/04/2024", "31/12/2024",
            "01/01/1677", "31/12/1677", "01/01/1678", "31/12/2261", "01/01/2262", "11/04/2262", "12/04/2262",
            "31/12/9999", "01/01/0001", "01/01/10000",
            "2024-01-05", "2024-1-5", "2024-01-5", "2024-13-01", "2024-02-30", "2024-00-10", "1677-12-31", "1678-01-01",
            "2261-12-31", "2262-01-01", "9999-12-31", "24-01-05", "20240105", "2024-001-05", "2024/01/05",
            "2024/1/5", "2024/13/5", "05-01-2024", "5-1-2024", "31-04-2024", "05-01-24", "05.01.2024",
            "05/01/2024 23:59:59", "05/01/2024 00:00:00", "05/01/2024 24:00", "05/01/2024 24:00:00",
            "05/01/2024 23:59", "05/01/2024 9:05", "05/01/2024 09:05", "05/01/2024 9:5", "05/01/2024 23:59:60",
            "05/01/2024 23:60:00", "05/01/2024T10:00:00", "05/01/2024  10:00", "05/01/2024 10:00:00.5",
            "2024-01-05 00:00:00", "2024-01-05 23:59:59", "2024-01-05 9:05:00", "2024-01-05T09:05:00",
            "2024-01-05T9:05:00", "2024-01-05 09:05", "2024-01-05T09:05", "2024-01-05 09:05:60", "2024-01-05 24:00:00",
            "2024-01-05 09:05:00.5", "2024-01-05 09:05:00Z", "2024-01-05 09:05:00+01:00", "2024-01-05 09",
            "05-01-2024 10:00:00", "5-1-2024 9:00:00", "05-01-2024 10:00", "05-01-2024T10:00:00",
            "2024/01/05 10:00:00", "05/ 1/2024", "05/01/ 2024", " 5/01/2024", "5/01/2024 ", "\u00a005/01/2024",
            "05/01/2024\u3000", "\uff10\uff15/01/2024", "05/01/\u0662\u0660\u0662\u0664", "5 Jan 2024", "today",
            "01/04/2016x", "2024-01-05x", "13/25/2024", "03/25/2026"])
BOOLS = [w for word in ("y", "yes", "true", "t", "1", "n", "no", "false", "f", "0")
         for w in (word, word.upper(), word.capitalize(), f"{word} ", f" {word}\t", f"\u00a0{word}")] + \
        ["ja", "nein", "2", "-1", "01", "1.0", "on", "off", "yes.", "y es", "\u0130", "\u212a", "YES\u00a0", "ｙｅｓ"]
TEXT = ["a", " a ", "Total", "EH0123456", "SX133140", "a b", "x\tx", "Drop-in at the family café – follow up next term",
        "Interpreter booked (Português)", "é", "café", "\u00a0c", "c\u00a0", "\u3000c", "c\u2003", "\u200bc", "c\ufeff",
        "\x1cc\x1f", "'quoted'", '"q"', "a\nb", "\x00a", "~", "!", "\u0085a"]
BLANKS = ["", None] + SPACES + ["".join(SPACES), " \t\r\n", "\u00a0\u00a0"]

CORPUS = {"int": NUMBERS, "float": NUMBERS, "date": DATES, "bool": BOOLS + NUMBERS[:10], "str": TEXT + NUMBERS[:10]}


def _with_spaces(cells: list) -> list:
    """Each cell, and each padded by an ASCII and a Unicode space, plus every blank."""
    out = list(cells) + BLANKS
    out += [f" {c}\t" for c in cells if c] + [f"\u00a0{c}" for c in cells[::7] if c]
    return list(dict.fromkeys(out))


def _sql(con, cells: list, type_: str) -> pd.DataFrame:
    """The cells typed by ``lookup_sql`` (each distinct cell once, each typing step a column of
    a nested select), as validation types them, in the order given."""
    given = 'SELECT unnest($cells) AS "cell", generate_subscripts($cells, 1) AS n'
    rows = con.execute(f'SELECT g."cell", l.value, l.decided FROM ({given}) g JOIN '
                       f'({lookup_sql(f"SELECT DISTINCT cell FROM ({given})", type_)}) l '
                       f'ON l.cell IS NOT DISTINCT FROM g."cell" ORDER BY n', {"cells": cells}).fetchall()
    return pd.DataFrame(rows, columns=["cell", "value", "decided"], dtype=object)


def _same(type_: str, sql_value, want) -> bool:
    if want is pd.NA or want is pd.NaT or want is None:
        return sql_value is None or sql_value is pd.NaT or (isinstance(sql_value, float) and math.isnan(sql_value))
    if type_ == "date":
        return pd.Timestamp(sql_value) == want
    if type_ == "float":
        return float(sql_value) == float(want) and math.copysign(1, sql_value) == math.copysign(1, want)
    if type_ == "int":
        return int(sql_value) == int(want)
    if type_ == "bool":
        return bool(sql_value) is bool(want)
    return sql_value == want and type(want) is str


def _wrong(type_: str, cells: list, got: pd.DataFrame, context: list | None = None) -> list[str]:
    """The decided cells whose SQL value is not parse_text's, typed within ``context`` (the
    cells typed together, as ``parse_column`` types one column's distinct cells)."""
    context = cells if context is None else context
    want, _ = parse_text(pd.Series(context, dtype="string"), type_)
    answer = dict(zip(context, want.astype(object)))
    return [f"{type_} {c!r}: SQL {v!r}, parse_text {answer[c]!r}"
            for c, v, d in zip(got["cell"], got["value"], got["decided"])
            if d and not _same(type_, v, answer[c])]


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as c:
        yield c


@pytest.mark.parametrize("type_", sorted(CORPUS))
def test_every_decided_cell_of_the_hostile_corpus_is_parse_texts(con, type_):
    cells = _with_spaces(CORPUS[type_])
    got = _sql(con, cells, type_)
    assert _wrong(type_, cells, got) == []
    decided = got[got["decided"].astype(bool)]
    assert sum(v is None for v in decided["value"]) == sum(c is None or c.strip(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f") == ""
                                                for c in decided["cell"])       # NULL only for a blank cell
    assert all(v is None for v, d in zip(got["value"], got["decided"]) if not d), "an undecided cell has no value"


@pytest.mark.parametrize("type_", ["int", "float"])
def test_decided_numbers_do_not_depend_on_the_cells_beside_them(con, type_):
    """pandas types a column at once (int64 or float64 by what else it holds): each decided
    number is the same alone, beside a fraction, and beside an integer beyond 2**64."""
    got = _sql(con, _with_spaces(NUMBERS), type_)
    decided = [c for c, d in zip(got["cell"], got["decided"]) if d and c is not None]
    for c in decided:
        row = got[got["cell"] == c]
        for context in ([c], [c, "1.5"], [c, "99999999999999999999999"], [c, "-1", "18446744073709551615"]):
            assert _wrong(type_, [c], row, context) == [], context


def test_every_date_format_is_decided(con):
    """One cell written with each of DATE_FORMATS is decided in SQL; the shapes were written for
    the catalogue's formats as they stand (a changed list decides no date until they are looked at)."""
    from pipelines.ingest.sql_typing import SHAPES_WRITTEN_FOR

    assert DATE_FORMATS == SHAPES_WRITTEN_FOR
    day = pd.Timestamp("2024-03-07 09:05:04")
    cells = [day.strftime(f) for f in DATE_FORMATS]
    got = _sql(con, cells, "date")
    assert got["decided"].all(), [c for c, d in zip(got["cell"], got["decided"]) if not d]
    assert (pd.to_datetime(got["value"]) == day.normalize()).all()


def test_a_changed_list_of_date_formats_decides_no_date(con, monkeypatch):
    import pipelines.ingest.sql_typing as sql_typing

    monkeypatch.setattr(sql_typing, "DATE_FORMATS", ("%m/%d/%Y", *DATE_FORMATS))
    got = _sql(con, ["01/02/2024", "2024-02-01", "", None], "date")
    assert got["decided"].tolist() == [False, False, True, True] and got["value"].isna().all()


def _random_cells(rng: random.Random, alphabet: str, n: int, longest: int) -> list[str]:
    return list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest)))
                              for _ in range(n)))


def _number(rng: random.Random, lo: int, hi: int) -> str:
    return str(rng.randint(lo, hi)).zfill(rng.choice([1, 2, 2, 2, 3]))


def _random_dates(rng: random.Random, n: int) -> list[str]:
    """Day, month and year numbers near and past their limits, in either order, joined by any of
    the separators, with or without a time of day near and past its limits."""
    cells = []
    for _ in range(n):
        day, month = _number(rng, 0, 32), _number(rng, 0, 13)
        year = rng.choice([_number(rng, 0, 99), str(rng.randint(1600, 2300)), str(rng.randint(1, 9999))])
        seps = rng.choice(["//", "--", "//", "-/", ".."])
        cell = (f"{day}{seps[0]}{month}{seps[1]}{year}" if rng.random() < 0.6
                else f"{year}{seps[0]}{month}{seps[1]}{day}")
        if rng.random() < 0.4:
            cell += rng.choice([" ", "T", "  "]) + _number(rng, 0, 25) + ":" + _number(rng, 0, 61)
            cell += rng.choice(["", ":" + _number(rng, 0, 61)])
        cells.append(cell)
    return list(dict.fromkeys(cells))


def _random_words(rng: random.Random, n: int) -> list[str]:
    words = ["y", "yes", "true", "t", "1", "n", "no", "false", "f", "0", "ja", "nee", "2", "yes!", "o"]
    return list(dict.fromkeys(
        rng.choice(["", " ", "\t", "\u00a0"]) + "".join(ch.upper() if rng.random() < 0.5 else ch
                                                       for ch in rng.choice(words)) + rng.choice(["", " ", "\r"])
        for _ in range(n)))


RANDOM = {
    "int digits, signs, commas, points, spaces": ("int", "0123456789,.+- ", 18),
    "int mostly zeros, up to 19 digits": ("int", "0000123456789,,.-", 19),
    "float digits, signs, commas, points, spaces": ("float", "0123456789,.+- ", 18),
    "float digits and points": ("float", "0123456789.", 16),
    "float zeros and nines": ("float", "0000000009.,-", 17),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_numbers_agree(con, name):
    type_, alphabet, longest = RANDOM[name]
    cells = _random_cells(random.Random(name), alphabet, 3000, longest)
    got = _sql(con, cells, type_)
    assert sum(v is not None for v in got["value"]) > 300      # the test reaches the SQL grammar
    assert _wrong(type_, cells, got) == []


def test_random_dates_agree(con):
    cells = _random_dates(random.Random(2026), 4000)
    got = _sql(con, cells, "date")
    assert sum(v is not None for v in got["value"]) > 250
    assert _wrong("date", cells, got) == []


def test_random_words_agree(con):
    cells = _random_words(random.Random(1), 2000)
    got = _sql(con, cells, "bool")
    assert sum(v is not None for v in got["value"]) > 300
    assert _wrong("bool", cells, got) == []


def test_random_decimals_round_as_pandas_does(con):
    """Decimals of up to 15 digits, every place of the point: DuckDB's cast and pandas' to_numeric
    give the same double (the mantissa and its power of ten are exact; one rounding)."""
    rng = random.Random(27)
    cells = []
    for _ in range(4000):
        digits = str(rng.randint(1, 10 ** rng.randint(1, 15) - 1))
        at = rng.randint(0, len(digits))
        cells.append(rng.choice(["", "-", "+"]) + digits[:at] + "." + digits[at:])
    cells = list(dict.fromkeys(cells))
    got = _sql(con, cells, "float")
    assert got["decided"].astype(bool).mean() > 0.95
    assert _wrong("float", cells, got) == []


def test_typing_refuses_an_unknown_type():
    with pytest.raises(ValueError):
        steps("money")


def _column_cells(paths) -> dict[tuple[str, str, str], pd.Series]:
    """Each (source, column, type) of these CSV files: how many rows hold each of its distinct
    cells, over every file, read as the loader decodes it (every cell text; records of the
    wrong width left out)."""
    import io

    from pipelines.ingest.extracts import _catalogue_names, decode
    from pipelines.ingest.landing import nearest

    counts: dict[tuple[str, str, str], pd.Series] = {}
    for path in sorted(paths):
        source, _ = nearest(path.name)
        frame = pd.read_csv(io.StringIO(decode(path.read_bytes())[0]), dtype=str, keep_default_na=False,
                            on_bad_lines="skip")
        frame.columns = _catalogue_names(list(frame.columns), source)[0]
        for col in source.columns:
            if col.name in frame:
                key = (source.name, col.name, col.type)
                here = frame[col.name].value_counts()
                counts[key] = here if key not in counts else counts[key].add(here, fill_value=0)
    return counts


def _typed_in_sql(con, columns: dict[tuple[str, str, str], pd.Series]) -> tuple[dict, dict, list[str]]:
    """Per type: non-blank rows, rows decided in SQL; and every decided cell that is not what
    parse_text makes of its column."""
    rows, decided, wrong = {}, {}, []
    for (source, column, type_), counts in columns.items():
        cells = counts.index.tolist()
        got = _sql(con, cells, type_)
        wrong += [f"{source}.{column}: {w}" for w in _wrong(type_, cells, got)]
        weight = counts.to_numpy()
        blank = counts.index.str.strip().to_numpy() == ""
        rows[type_] = rows.get(type_, 0) + int(weight[~blank].sum())
        decided[type_] = decided.get(type_, 0) + int(weight[~blank & got["decided"].to_numpy(dtype=bool)].sum())
    return rows, decided, wrong


def test_the_validation_corpus_hostile_files_agree(con, tmp_path):
    """The hand-made hostile files of the validation corpus (every spelling of numbers, dates
    and flags; spaces; quoted fields): every cell SQL decides is parse_text's."""
    from tests.ingest.validation_corpus import hostile_files

    for name, content in hostile_files().items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    rows, decided, wrong = _typed_in_sql(con, _column_cells(tmp_path.glob("*.csv")))
    assert wrong == []
    assert sum(decided.values()) > 0.5 * sum(rows.values())


@pytest.fixture(scope="module")
def demo_columns(tmp_path_factory) -> dict[tuple[str, str, str], pd.Series]:
    """The columns of a small generated delivery (every CSV file of the demo generator)."""
    from sources.generate import generate

    landing = tmp_path_factory.mktemp("typing-sql") / "landing"
    generate(landing, scale=0.01, seed=5)
    return _column_cells(landing.glob("*.csv"))


def test_the_demo_is_typed_in_sql(con, demo_columns):
    """Nearly every non-blank cell the demo writes is decided in SQL (so the SQL path carries the
    load), and every decided one is what parse_text makes of its column."""
    rows, decided, wrong = _typed_in_sql(con, demo_columns)
    assert wrong == []
    share = {t: decided[t] / rows[t] for t in rows}
    print("non-blank demo cells decided in SQL:", {t: f"{decided[t]:,} of {rows[t]:,}" for t in rows})
    assert set(share) == {"str", "int", "float", "date", "bool"}
    assert all(s >= 0.99 for s in share.values()), share


def test_no_other_character_lowers_to_a_letter_of_the_words(con):
    """SQL lowers a cell before looking it up among TRUE_WORDS / FALSE_WORDS, pandas too; they
    agree on ASCII, and DuckDB lowers no other character into a letter of those words."""
    from pipelines.ingest.parsing import FALSE_WORDS, TRUE_WORDS

    into_ascii = con.execute("""SELECT c, lower(chr(c::INT)) FROM (SELECT * FROM range(128, 55296)
                                UNION ALL SELECT * FROM range(57344, 1114112)) r(c)
                                WHERE regexp_full_match(lower(chr(c::INT)), '[\\x00-\\x7f]*')""").fetchall()
    letters = set("".join(TRUE_WORDS | FALSE_WORDS))
    assert [(hex(c), low) for c, low in into_ascii if set(low) & letters] == []
