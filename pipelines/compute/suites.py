"""What the Great Expectations suites expect: made from the tables' definitions, not restated.

A table's ``tables.yaml`` entry says what it holds (``pipelines/tables.py``): its columns, its
``key`` and, under ``expect``, the columns its suite reads, their row order, and the rules its
values keep (a code list, the range of the row's unit, a minimum, one column at least another).
``declared_suite`` turns that into a suite:

- every key column not NULL, and the key unique;
- ``rows: measures``: one row per catalogue measure;
- each rule, in the order written: ``in`` a named list (``VALUE_LISTS``) or a literal list;
  ``within: unit_range`` (each column inside the range its row's unit allows, ``UNIT_RANGES``);
  ``between: [lower, upper]``; ``min`` / ``max``; ``at_least: other column``; any of them
  ``where`` a column is in a list.

``staged_suites`` checks the loading itself: row counts against ``load_log``, repeated keys,
code lists and required columns of every ``stg_<source>``, from the source catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from pipelines import tables
# The loader's own definitions: statuses of a delivery in force, every status, malformed records.
from pipelines.ingest.loading import LIVE, MALFORMED_CHECK, STATUSES
from pipelines.warehouse import table_exists

# What a value in each unit can be. Means and points (scores) have no bound.
UNIT_RANGES = {"pct": (0, 100), "pp": (-100, 100), "count": (0, None), "per_100": (0, None),
               "per_1000": (0, None), "per_100k": (0, None), "ratio": (0, None)}
# Units whose numerator counts people or events (a mean's or a score's numerator is a sum of scores,
# which can be negative: eh08_mean_score_change).
COUNTED_UNITS = ("pct", "count", "per_100", "per_1000", "per_100k", "ratio")
RAG = ["green", "amber", "red"]
COMPARISONS = ["better", "similar", "worse", "higher", "lower", "not compared"]
BANDS = ["A", "B", "C", "D"]
# The tables with a declared suite, in the order their Data Docs pages are made.
DECLARED = ("indicator_values", "scorecard", "benchmark_values")


def _trend_judgements() -> list[str]:
    """Every judgement indicators.stats.judge_trend can make (all directions, all polarities)."""
    from indicators.stats.trends import DIRECTIONS, judge_trend

    return sorted({judge_trend(d, p) for d in DIRECTIONS for p in ("higher", "lower", "none")})


TRENDS = _trend_judgements()


@dataclass
class Suite:
    """One expectation suite: how to read the frame it validates, how to build its expectations,
    and what its result depends on (``reads``, ``extra``: its reuse digest, ``expectations.check_warehouse``).
    The frame is read from the warehouse only when the suite runs."""
    name: str
    read: Callable[[], pd.DataFrame]
    expectations: list = field(default_factory=list)   # callables gx -> expectation, built after import
    reads: tuple[str, ...] = ()    # the warehouse tables the frame is made from
    extra: tuple = ()              # anything else the frame or expectations are made from (the catalogue)
    _frame: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self.read()
        return self._frame


def value_lists(cat: pd.DataFrame) -> dict[str, list]:
    """The lists a rule's ``in`` (or ``where``) may name."""
    return {"measures": list(cat["measure_id"]), "units": list(UNIT_RANGES.keys() | set(cat["unit"])),
            "counted_units": list(COUNTED_UNITS), "rag": RAG, "trends": TRENDS, "comparisons": COMPARISONS,
            "bands": BANDS}


def with_unit_range(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with a ``unit`` column) plus ``unit_min`` / ``unit_max``, the range its unit allows."""
    low = {u: r[0] for u, r in UNIT_RANGES.items()}
    high = {u: r[1] for u, r in UNIT_RANGES.items()}
    return frame.assign(unit_min=frame["unit"].map(low).astype("Float64"),
                        unit_max=frame["unit"].map(high).astype("Float64"))


def _in_set(column: str, values, condition: str | None = None) -> callable:
    extra = {"row_condition": condition, "condition_parser": "pandas"} if condition else {}
    return lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), **extra)


def _at_least(a: str, b: str, **extra) -> callable:
    """Column ``a`` >= column ``b`` wherever both are known."""
    return lambda gx: gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing", **extra)


def _where(rule: dict, lists: dict[str, list]) -> dict:
    """GX's row condition for a rule's ``where: {column: list name or values}``."""
    if "where" not in rule:
        return {}
    (column, wanted), = rule["where"].items()
    values = lists[wanted] if isinstance(wanted, str) else wanted
    return {"row_condition": " or ".join(f'{column}=="{v}"' for v in values), "condition_parser": "pandas"}


def _rule(rule: dict, lists: dict[str, list]) -> list:
    """The expectations of one declared rule."""
    columns = rule.get("columns") or [rule["column"]]
    where = _where(rule, lists)
    out = []
    for c in columns:
        if "in" in rule:
            values = lists[rule["in"]] if isinstance(rule["in"], str) else rule["in"]
            out.append(lambda gx, c=c, v=list(values): gx.expectations.ExpectColumnValuesToBeInSet(
                column=c, value_set=v, **where))
        if rule.get("within") == "unit_range":
            out += [_at_least(c, "unit_min", **where), _at_least("unit_max", c, **where)]
        if "between" in rule:
            lower, upper = rule["between"]
            out += [_at_least(c, lower, **where), _at_least(upper, c, **where)]
        if "min" in rule or "max" in rule:
            bounds = {k: rule[k.split("_")[0]] for k in ("min_value", "max_value") if k.split("_")[0] in rule}
            out.append(lambda gx, c=c, b=bounds: gx.expectations.ExpectColumnValuesToBeBetween(
                column=c, **b, **where))
        if "at_least" in rule:
            out.append(_at_least(c, rule["at_least"], **where))
    return out


def _frame(con, sql: str, params: list | None = None) -> pd.DataFrame:
    """A query's result as a frame, on a cursor so no unfinished result is left on ``con``."""
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def declared_suite(con, name: str, cat: pd.DataFrame) -> Suite:
    """The suite of table ``name`` from its definition (``key`` and ``expect`` in its tables.yaml)."""
    table = tables.table(name)
    expect = table.expect
    rules = expect.get("rules", [])

    def read() -> pd.DataFrame:
        frame = _frame(con, f"select {', '.join(map(_q, expect['columns']))} from {_q(name)} "
                            f"order by {expect.get('order', 'all')}")
        if any(r.get("within") == "unit_range" for r in rules):
            if "unit" not in frame.columns:     # the unit of the measure, from the catalogue
                frame = frame.merge(cat[["measure_id", "unit"]], on="measure_id", how="left")
            frame = with_unit_range(frame)
        return frame

    lists = value_lists(cat)
    key = list(table.key)
    out = [lambda gx, c=c: gx.expectations.ExpectColumnValuesToNotBeNull(column=c) for c in key]
    if len(key) == 1:
        out.append(lambda gx: gx.expectations.ExpectColumnValuesToBeUnique(column=key[0]))
    elif key:
        out.append(lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=key))
    if expect.get("rows") == "measures":
        rows = len(cat)
        out.append(lambda gx, n=rows: gx.expectations.ExpectTableRowCountToEqual(value=n))
    for rule in rules:
        out += _rule(rule, lists)
    return Suite(name, read, out, reads=(name,), extra=(cat[["measure_id", "unit"]].values.tolist(),))


# --- the loading itself ------------------------------------------------------------------------

def multi_code_columns(source) -> set[str]:
    """Columns whose schema takes several ``;``-separated codes (schemas/checks.known_codes)."""
    import schemas

    model = schemas.get(source.name).to_schema()
    return {name for name, col in model.columns.items()
            if any("(;-separated)" in (check.name or "") for check in col.checks)}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _deliveries(con, sources) -> pd.DataFrame:
    """Per staged source: its rows against load_log's, repeated keys, quarantined records."""
    live = ", ".join(f"'{s}'" for s in LIVE)
    counts = []
    for s in sources:
        stg, raw = f"stg_{s.name}", f"raw_{s.name}"
        key = ", ".join(_q(k) for k in (*s.key, "file_hash"))
        in_force = f"select file_hash from load_log where source = ? and status in ({live})"
        # raw_<source> keeps held deliveries aside too, and never a malformed record (quarantined
        # as it was read): raw rows in force = rows read - malformed records.
        counts.append(_frame(con,
            f"select ? as source, (select count(*) from {stg}) as stg_rows, "
            f"(select count(*) from {raw} where file_hash in ({in_force})) as raw_rows, "
            f"(select count(*) - count(distinct ({key})) from {stg}) as repeated_keys, "
            f"(select count(distinct (file_hash, source_row)) from quarantine where source = ? "
            f"   and file_hash in ({in_force})) as quarantined_records, "
            f"coalesce(sum(rows_loaded), 0) as rows_loaded, "
            f"coalesce(sum(rows_read), 0) - (select count(distinct (file_hash, source_row)) from quarantine "
            f"   where source = ? and check_name = ? and file_hash in ({in_force})) as rows_read, "
            f"coalesce(sum(rows_quarantined), 0) as rows_quarantined "
            f"from load_log where source = ? and status in ({live})",
            [s.name, s.name, s.name, s.name, s.name, MALFORMED_CHECK, s.name, s.name]))
    return pd.concat(counts, ignore_index=True)


def _code_lists(con, sources) -> pd.DataFrame:
    """Every value of a coded column of a staged source, with its rows."""
    codes = []
    for s in sources:
        multi = multi_code_columns(s)
        for c in s.columns:
            if c.codes:
                token = (f"trim(unnest(string_split({_q(c.name)}::varchar, ';')))" if c.name in multi
                         else f"{_q(c.name)}::varchar")
                codes.append(_frame(con,
                    f"select ? as code_list, value, count(*) as rows from (select {token} as value "
                    f"from stg_{s.name}) where value is not null group by all order by value",
                    [f"{s.name}.{c.name}"]))
    return pd.concat(codes, ignore_index=True)


def _required(con, sources) -> pd.DataFrame:
    """The NULLs in each required column of a staged source."""
    nulls = []
    for s in sources:
        required = [c.name for c in s.columns if not c.nullable]
        if required:
            counted = ", ".join(f"count(*) - count({_q(n)})" for n in required)
            nulls.append(_frame(con, f"select ? as source, unnest(?::varchar[]) as column_name, unnest(n) as nulls "
                                     f"from (select [{counted}] as n from stg_{s.name})", [s.name, required]))
    return pd.concat(nulls, ignore_index=True)


def staged_suites(con) -> list[Suite]:
    """Row counts against load_log, repeated keys, and code lists, for every staged source."""
    from sources.catalogue import SOURCES

    staged = [s for s in SOURCES if table_exists(con, f"stg_{s.name}") and table_exists(con, f"raw_{s.name}")]
    if not staged:
        return []
    coded = [s for s in staged if any(c.codes for c in s.columns)]
    required = [s for s in staged if any(not c.nullable for c in s.columns)]
    known = [(f"{s.name}.{c.name}", code) for s in coded for c in s.columns if c.codes for code in c.codes]

    def equal(a, b):
        return lambda gx: gx.expectations.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b)

    def files() -> pd.DataFrame:
        return _frame(con, "select source, source_file, status, rows_read, rows_loaded + rows_quarantined + "
                           "rows_refused + rows_superseded + rows_held as rows_accounted "
                           "from load_log order by source, source_file")

    frames = [
        Suite("staged_deliveries", lambda: _deliveries(con, staged), [
            equal("stg_rows", "rows_loaded"), equal("raw_rows", "rows_read"),
            equal("quarantined_records", "rows_quarantined"),
            lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="repeated_keys", min_value=0,
                                                                     max_value=0)],
              reads=("load_log", "quarantine", *(f"{p}_{s.name}" for s in staged for p in ("stg", "raw")))),
        Suite("load_log", files, [equal("rows_read", "rows_accounted"), _in_set("status", list(STATUSES)),
                                  lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="rows_read",
                                                                                           min_value=0)],
              reads=("load_log",)),
    ]
    if coded:
        frames.append(Suite("staged_code_lists", lambda: _code_lists(con, coded), [
            lambda gx: gx.expectations.ExpectColumnPairValuesToBeInSet(
                column_A="code_list", column_B="value", value_pairs_set=known)],
            reads=tuple(f"stg_{s.name}" for s in coded)))
    if required:
        frames.append(Suite("staged_required_columns", lambda: _required(con, required), [
            lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="nulls", min_value=0, max_value=0)],
            reads=tuple(f"stg_{s.name}" for s in required)))
    return frames
