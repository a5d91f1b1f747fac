"""Typing delivered text in DuckDB SQL, for the cells whose typing SQL can prove.

``parsing.parse_text`` stays the definition of what a cell means. ``lookup_sql`` gives, for one
catalogue type, the SQL that types a VARCHAR cell exactly as ``parse_text`` would, for the
spellings real extracts use, and says which cells it has decided: every other cell is left to
``parse_text`` in Python. Undecided is always safe; a decided cell is always parse_text's answer
(tests/ingest/test_sql_typing.py runs a hostile corpus through both).

What is decided, per type (``core``: the cell with ASCII whitespace trimmed from both ends):

- every type: a missing cell, or one of nothing but ASCII whitespace, is blank (NULL).
- str: ``core`` whose first and last characters are printable ASCII (so Python's Unicode
  strip could take nothing more off); anything may lie between them.
- int: ``core`` with its commas removed (parse_text removes them wherever they stand)
  written ``[+-]digits`` with 1 to 15 digits, optionally ``.`` and up to six zeros. Fifteen
  digits keep the value exact: parse_text goes through a double (2**53 is 16 digits).
- float: the same text written ``[+-]digits[.digits]`` or ``[+-].digits``, at most 15
  digits, not a negative zero (pandas gives -0.0 or 0.0 depending on the rest of the column).
  With at most 15 digits the mantissa and its power of ten are exact doubles, so pandas'
  ``precise_xstrtod`` (mantissa / 10**k, one rounding) and DuckDB's correctly rounded cast agree.
- date: the day-first, ISO and year-first shapes of ``sources.catalogue.DATE_FORMATS`` with one-
  or two-digit day and month (pandas' ``%d`` and ``%m`` take both), two-digit years pivoting at
  69 as Python's ``%y`` does, and the times those formats allow (hour 0-23, minutes and seconds
  00-59: pandas carries a 60th second into the next day, so it is left to Python). The day
  must exist (``try_cast``) and the year lie in 1678-2261, inside pandas' nanosecond range.
- bool: ``core`` in ``TRUE_WORDS`` / ``FALSE_WORDS``, in any case.
"""

from __future__ import annotations

from pipelines.ingest.parsing import DUCKDB_TYPES, FALSE_WORDS, TRUE_WORDS
from sources.catalogue import DATE_FORMATS

# The ASCII characters pandas' strip (pyarrow's utf8_trim_whitespace) takes off the ends of a cell:
# tab, line feed, vertical tab, form feed, carriage return, the four separators 0x1c-0x1f, space.
ASCII_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
_WS_SQL = " || ".join(f"chr({ord(c)})" for c in ASCII_WHITESPACE)

_MOST_DIGITS = 15        # 10**15 < 2**53: every such integer is an exact double
_INT = rf"[+-]?[0-9]{{1,{_MOST_DIGITS}}}(\.0{{0,6}})?"
_FLOAT = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)"
_NEGATIVE_ZERO = r"-[0.]*"

_D = "([0-9]{1,2})"      # a day or month, as pandas' %d and %m read them
_Y = "([0-9]{4})"
_HM = "(?:[01]?[0-9]|2[0-3]):[0-5][0-9]"
_HMS = _HM + ":[0-5][0-9]"
# The shapes of DATE_FORMATS decided in SQL: (pattern, replacement making yyyy-m-d of it).
# Each shape is one format family, so no cell matches two shapes with different dates.
DATE_SHAPES = (
    (rf"{_D}/{_D}/{_Y}(?: (?:{_HMS}|{_HM}))?", r"\3-\2-\1"),   # %d/%m/%Y [%H:%M[:%S]]
    (rf"{_Y}-{_D}-{_D}(?: {_HMS}|T{_HMS}| {_HM})?", r"\1-\2-\3"),  # %Y-%m-%d [ %H:%M:%S|T%H:%M:%S| %H:%M]
    (rf"{_D}-{_D}-{_Y}(?: {_HMS})?", r"\3-\2-\1"),                 # %d-%m-%Y [%H:%M:%S]
    (rf"{_Y}/{_D}/{_D}", r"\1-\2-\3"),                             # %Y/%m/%d
)
TWO_DIGIT_YEAR = (rf"{_D}/{_D}/([0-9]{{2}})", r"\3-\2-\1")         # %d/%m/%y
FIRST_YEAR, LAST_YEAR = 1678, 2261     # whole years inside pandas' Timestamp range
# The formats, in their order, the shapes were written for: a format added before one of them
# could read a cell otherwise, so if the catalogue's list changes no date is decided in SQL
# (tests/ingest/test_sql_typing.py fails, to have the shapes looked at again).
SHAPES_WRITTEN_FOR = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
                      "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%d-%m-%Y %H:%M:%S")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _match(expr: str, pattern: str) -> str:
    return f"regexp_full_match({expr}, {_quote(pattern)})"


# Each type's typing as steps, each an expression over the steps before it (``<<name>>``; the
# cell is ``<<cell>>``), ending with ``value``. ``lookup_sql`` computes each step once per cell,
# as a column of a nested select (an expression written out in one repeats its inner steps: a
# date's trim and shapes ran ~20 times a cell, 13x slower).
_CORE = ("core", f"trim(<<cell>>, {_WS_SQL})")


def _int() -> list[tuple[str, str]]:
    return [("digits", "replace(<<core>>, ',', '')"),
            ("value", f"CASE WHEN {_match('<<digits>>', _INT)} THEN CAST(split_part(<<digits>>, '.', 1) AS BIGINT) END")]


def _float() -> list[tuple[str, str]]:
    # How many digits: the length less a sign and a point (the pattern allows one of each).
    count = "length(<<digits>>) - (left(<<digits>>, 1) IN ('+', '-'))::INT - contains(<<digits>>, '.')::INT"
    return [("digits", "replace(<<core>>, ',', '')"),
            ("value", f"CASE WHEN {_match('<<digits>>', _FLOAT)} AND {count} <= {_MOST_DIGITS} "
                      f"AND NOT {_match('<<digits>>', _NEGATIVE_ZERO)} THEN CAST(<<digits>> AS DOUBLE) END")]


def _date() -> list[tuple[str, str]]:
    if tuple(DATE_FORMATS) != SHAPES_WRITTEN_FOR:
        return [("value", "NULL")]
    whens = [f"WHEN {_match('<<core>>', p)} THEN regexp_replace(<<core>>, {_quote('^' + p + '$')}, {_quote(r)})"
             for p, r in DATE_SHAPES]
    p, r = TWO_DIGIT_YEAR
    whens.append(f"WHEN {_match('<<core>>', p)} THEN regexp_replace(<<core>>, {_quote('^' + p + '$')}, "
                 f"{_quote(r)})")
    short = f"{_match('<<core>>', p)}"
    return [("written", f"CASE {' '.join(whens)} END"),
            # a two-digit year pivots at 69, as Python's %y does
            ("iso", f"CASE WHEN {short} THEN (CASE WHEN left(<<written>>, 2) < '69' THEN '20' ELSE '19' END) "
                    f"|| <<written>> ELSE <<written>> END"),
            ("day", "try_cast(<<iso>> AS DATE)"),
            ("value", f"CASE WHEN year(<<day>>) BETWEEN {FIRST_YEAR} AND {LAST_YEAR} THEN <<day>> END")]


def _bool() -> list[tuple[str, str]]:
    # The word's place in one list picks its truth from another: one lookup, no repeated lower().
    # DuckDB's lower() takes no non-ASCII character to a letter of these words (the test goes
    # through every code point), so it lowers them exactly as pandas' str.lower() does.
    words = sorted(TRUE_WORDS) + sorted(FALSE_WORDS)
    truth = ", ".join(["true"] * len(TRUE_WORDS) + ["false"] * len(FALSE_WORDS))
    return [("value", f"[{truth}][list_position([{', '.join(map(_quote, words))}], lower(<<core>>))]")]


def _str() -> list[tuple[str, str]]:
    return [("value", "CASE WHEN ord(left(<<core>>, 1)) BETWEEN 33 AND 126 AND ord(right(<<core>>, 1)) "
                      "BETWEEN 33 AND 126 THEN <<core>> END")]


_TYPERS = {"str": _str, "int": _int, "float": _float, "date": _date, "bool": _bool}
_DECIDED = "(<<value>> IS NOT NULL OR <<cell>> IS NULL OR <<core>> = '')"


def steps(type_: str) -> list[tuple[str, str]]:
    """The typing of ``type_`` as (name, expression) steps over ``<<cell>>`` and the steps
    before; the last two are ``value`` (cast to the DuckDB type) and ``decided``."""
    if type_ not in _TYPERS:
        raise ValueError(f"unknown type {type_!r}")
    *inner, (_, value) = _TYPERS[type_]()
    return [_CORE, *inner, ("value", f"CAST(({value}) AS {DUCKDB_TYPES[type_]})"), ("decided", _DECIDED)]


def lookup_sql(cells: str, type_: str) -> str:
    """A select of ``cell, value, decided`` for the cells of the query ``cells`` (one column,
    ``cell``), each step computed once per cell."""
    query, names = f"select cell from ({cells})", {"cell": "cell"}
    for name, template in steps(type_):
        names[name] = f"_{name}"
        query = f"select *, {_fill(template, names)} as _{name} from ({query})"
    return f"select cell, _value as value, _decided as decided from ({query})"


def _fill(template: str, names: dict[str, str]) -> str:
    for name, text in names.items():
        template = template.replace(f"<<{name}>>", text)
    if "<<" in template:
        raise ValueError(f"a typing step names a step not before it: {template}")
    return template
