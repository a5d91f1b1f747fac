"""One definition per output table: its columns (name, DuckDB type, description), its
description and its row order, written once in a ``tables.yaml`` beside the SQL that makes it.

Everything else is made from that one list, so the four places a column used to be written
cannot drift apart: the final typed ``select`` of the table (``create_sql``), its DuckDB
comments (``comment_sql``; both at once from a frame: ``write``), the Python column lists (``columns``) and the column tables of
``docs/warehouse.md`` (``python -m pipelines.tables --docs``; ``--check`` says whether they
are up to date, and a test fails when they are not).

A ``tables.yaml`` maps a table name to::

    description: what one row is (the table's comment)
    order: the row order, a SQL order-by list (optional)
    like: another table whose columns it has (optional; then ``comments`` overrides a few)
    columns:
      column_name: [TYPE, description]
    key: the columns that name one row (optional; its Great Expectations suite checks them)
    expect: what its Great Expectations suite reads and the rules the values keep (optional;
            ``pipelines/compute/suites.py`` says what a rule can say)

The ``ind_<indicator>`` entry is the layout every indicator's own table shares; its
description is a template filled with the indicator (``{indicator}``, ``{title}``,
``{sql_file}``). ``raw_<source>`` and ``stg_<source>`` are defined by the source catalogue
(``sources/catalogue.py``), not here. The names themselves follow ``GRAMMAR``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from pipelines.settings import PROJECT_ROOT
from pipelines.warehouse import registered, sql_literal

ROOT = PROJECT_ROOT
# Each layer's definitions, beside the SQL that makes its tables.
DEFINITION_FILES = (
    ROOT / "pipelines" / "ingest" / "sql" / "tables.yaml",
    ROOT / "pipelines" / "reference" / "sql" / "benchmarks" / "tables.yaml",
    ROOT / "pipelines" / "reference" / "sql" / "lookups" / "tables.yaml",
    ROOT / "indicators" / "sql" / "tables.yaml",
    ROOT / "pipelines" / "release" / "sql" / "tables.yaml",
)
DOCS = ROOT / "docs" / "warehouse.md"
INDICATOR_TABLE = "ind_<indicator>"

# The naming grammar of tables and assets: (pattern, what a name of that form is). Every table
# of the warehouse and every asset key matches one; docs/warehouse.md's "Names" is made from it.
GRAMMAR = (
    (r"raw_<source>", "a source extract as delivered: every column text, with each row's origin; a cell that failed validation is blank (its value is in quarantine)"),
    (r"stg_<source>", "the same records validated and typed (those that failed are in `quarantine`)"),
    (r"ind_<indicator>", "one indicator's numerators and denominators per measure, period and breakdown"),
    (r"indicator_*", "every indicator together: the catalogue, the long table of values and intervals, forecasts"),
    (r"scorecard*", "judgements per measure: trend, forecast, target and RAG, benchmarks, commentary"),
    (r"pub_*", "open data as others (DfE, ONS) publish it, loaded long"),
    (r"benchmark_*", "our measures beside the published figures (England, region, statistical neighbours)"),
    (r"lookup_*", "names and dates for the codes in the other tables"),
    (r"meta_*", "run bookkeeping: runs, publications, quality results"),
    (r"*_published", "after disclosure control: what this pipeline lets leave the building"),
    (r"load_log", "ingestion's record of every file seen in the landing folder"),
    (r"quarantine", "ingestion's record of every record that failed validation"),
    (r"reconciliation", "our values against the authority's own published ones"),
)
# Assets that write files rather than a table are named after what they make.
PRODUCTS = ("board_paper", "scorecard_workbook", "explorer", "explained_sql", "published_warehouse")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    order: str | None = None
    view: bool = False
    source: Path | None = None   # the tables.yaml it is defined in
    like: str | None = None      # the table whose columns it has
    key: tuple[str, ...] = ()    # the columns that name one row
    expect: dict | None = field(default=None, hash=False, compare=False)   # its suite (pipelines/compute/suites.py)


def _column(name: str, spec) -> Column:
    if not (isinstance(spec, list) and len(spec) == 2 and all(isinstance(s, str) for s in spec)):
        raise ValueError(f"column {name}: expected [TYPE, description], got {spec!r}")
    return Column(name, spec[0].upper(), spec[1])


def load(path: Path) -> dict[str, Table]:
    """The tables one ``tables.yaml`` defines (``like`` resolved within the file)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, Table] = {}
    for name, spec in raw.items():
        unknown = set(spec) - {"description", "columns", "order", "like", "comments", "view", "key", "expect"}
        if unknown:
            raise ValueError(f"{path}: {name}: unknown keys {sorted(unknown)}")
        if "like" in spec:
            base = out[spec["like"]]
            overrides = spec.get("comments", {})
            if set(overrides) - {c.name for c in base.columns}:
                raise ValueError(f"{path}: {name}: comments for columns {spec['like']} does not have")
            columns = tuple(Column(c.name, c.type, overrides.get(c.name, c.description)) for c in base.columns)
        else:
            columns = tuple(_column(c, s) for c, s in spec["columns"].items())
        _check_declared(path, name, {c.name for c in columns}, spec)
        out[name] = Table(name, spec["description"], columns, spec.get("order"), bool(spec.get("view")), path,
                          spec.get("like"), tuple(spec.get("key", ())), spec.get("expect"))
    return out


def _check_declared(path: Path, name: str, declared: set[str], spec: dict) -> None:
    """The key and the columns a suite reads are columns the table declares."""
    named = set(spec.get("key", ())) | set((spec.get("expect") or {}).get("columns", ()))
    if named - declared:
        raise ValueError(f"{path}: {name}: key or expect names columns it does not declare: {sorted(named - declared)}")


@cache
def definitions() -> dict[str, Table]:
    """Every defined table, by name, in the order of the files."""
    out: dict[str, Table] = {}
    for path in DEFINITION_FILES:
        for name, table in load(path).items():
            if name in out:
                raise ValueError(f"{name} is defined in both {out[name].source} and {path}")
            out[name] = table
    return out


def table(name: str) -> Table:
    """The definition of table ``name``; an indicator's table (``ind_ehNN``) gets the shared one."""
    defs = definitions()
    if name in defs:
        return defs[name]
    if name.startswith("ind_"):
        shared = defs[INDICATOR_TABLE]
        return Table(name, shared.description, shared.columns, shared.order, False, shared.source)
    raise KeyError(f"no definition for table {name!r} (see pipelines/tables.py)")


def columns(name: str) -> list[str]:
    """Column names of ``name`` in table order: the Python column lists."""
    return [c.name for c in table(name).columns]


def select_list(name: str, present: set[str] | None = None) -> str:
    """``cast(c as TYPE) as c, ...`` for every column of ``name``; a column not in ``present``
    (when given) is a typed NULL, for queries that may leave optional columns out."""
    return ", ".join(f"cast({c.name} as {c.type}) as {c.name}" if present is None or c.name in present
                     else f"cast(null as {c.type}) as {c.name}" for c in table(name).columns)


def create_sql(name: str, source: str, present: set[str] | None = None) -> str:
    """``create or replace table name as`` the typed columns of ``source`` (a table name or a
    parenthesised query) in the defined order."""
    order = table(name).order
    return (f"create or replace table {name} as select {select_list(name, present)} from {source}"
            + (f" order by {order}" if order else ""))


def comments(name: str, **fields: str) -> list[tuple[str, str, str | None, str]]:
    """(kind, table, column or None for the table itself, text) of every comment of ``name``;
    ``fields`` fill the description template (``ind_<indicator>``)."""
    t = table(name)
    description = t.description.format(**fields) if fields else t.description
    return [("view" if t.view else "table", name, None, description),
            *(("column", name, c.name, c.description) for c in t.columns)]


def _comment_statement(kind: str, name: str, column: str | None, text: str) -> str:
    target = f'"{name}"."{column}"' if column else f'"{name}"'
    return f"comment on {'column' if column else kind} {target} is {sql_literal(text)}"


def comment_sql(name: str, **fields: str) -> str:
    """The ``comment on`` statements of ``name`` (table and every column), as one batch."""
    return ";\n".join(_comment_statement(*c) for c in comments(name, **fields))


def stale_comment_sql(con, wanted: list[tuple[str, str, str | None, str]]) -> str:
    """The statements of the ``wanted`` comments (as ``comments`` gives them) that the
    database does not already hold, as one batch ('' when none). Each comment written costs
    DuckDB a catalogue change (~0.5 ms each, ~30 ms a table), so a table that outlives the
    run (load_log, the raw and staged tables, meta tables) is only commented when its text changed."""
    names = sorted({w[1] for w in wanted})
    have = {(t, c): text for t, c, text in con.execute(
        "select table_name, null, comment from duckdb_tables() where table_name in (select unnest($1::varchar[])) "
        "union all select view_name, null, comment from duckdb_views() where view_name in (select unnest($1::varchar[])) "
        "union all select table_name, column_name, comment from duckdb_columns() "
        "where table_name in (select unnest($1::varchar[]))", [names]).fetchall()}
    return ";\n".join(_comment_statement(*w) for w in wanted if have.get((w[1], w[2])) != w[3])


def ensure_comments(con, *names: str) -> None:
    """Give the tables (or views) ``names`` their defined comments, writing only those the
    database does not already hold (``stale_comment_sql``)."""
    stale = stale_comment_sql(con, [c for name in names for c in comments(name)])
    if stale:
        con.execute(stale)


def write(con, name: str, frame, **fields: str) -> None:
    """Write ``frame`` as table ``name``: its defined columns, types, order and comments."""
    with registered(con, "_frame", frame):
        con.execute(create_sql(name, "_frame"))
    con.execute(comment_sql(name, **fields))


# ------------------------------------------------------------------------------------------
# The naming grammar
# ------------------------------------------------------------------------------------------

def name_pattern(form: str, sources: list[str], indicators: list[str]) -> re.Pattern:
    """The regular expression of one form of ``GRAMMAR``."""
    alternatives = {"<source>": "|".join(map(re.escape, sources)),
                    "<indicator>": "|".join(map(re.escape, indicators))}
    text = re.escape(form).replace(r"\*", "[a-z0-9_]*")
    for word, options in alternatives.items():
        text = text.replace(re.escape(word), f"(?:{options})")
    return re.compile(f"^{text}$")


def name_form(name: str, sources: list[str], indicators: list[str]) -> str | None:
    """The first form of ``GRAMMAR`` that ``name`` follows, or None."""
    return next((form for form, _ in GRAMMAR if name_pattern(form, sources, indicators).match(name)), None)


# ------------------------------------------------------------------------------------------
# docs/warehouse.md: the marked sections are made from the definitions
# ------------------------------------------------------------------------------------------

_SECTION = re.compile(r"(<!-- (?P<what>columns: (?P<name>[\w<>]+)|names) \(made by python -m pipelines\.tables "
                      r"--docs\) -->\n)(?P<body>.*?)(<!-- end -->)", re.S)


class _Placeholder(dict):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "\\<").replace("\n", " ")


def columns_markdown(name: str) -> str:
    """The table's description and a markdown table of its columns."""
    t = table(name)
    lines = [_cell(t.description.format_map(_Placeholder())), ""]
    shown = t.columns
    if t.like:
        base = {c.name: c.description for c in table(t.like).columns}
        shown = [c for c in t.columns if c.description != base[c.name]]
        lines += [f"The columns of `{t.like}`, in the same order and types; these read differently:", ""]
    lines += ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type.lower()} | {_cell(c.description)} |" for c in shown]
    return "\n".join(lines) + "\n"


def names_markdown() -> str:
    """The naming grammar as a markdown table."""
    lines = ["| name | what it is |", "|---|---|"]
    lines += [f"| `{form}` | {_cell(meaning)} |" for form, meaning in GRAMMAR]
    return "\n".join(lines) + "\n"


def render_docs(text: str) -> str:
    """``text`` (docs/warehouse.md) with every marked section made afresh."""
    def section(m: re.Match) -> str:
        body = names_markdown() if m["what"] == "names" else columns_markdown(m["name"])
        return m.group(1) + body + m.group(5)
    return _SECTION.sub(section, text)


def documented(text: str) -> set[str]:
    """Tables with a marked column section in ``text``."""
    return {m["name"] for m in _SECTION.finditer(text) if m["name"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.tables", description=__doc__.split("\n\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--docs", action="store_true", help=f"rewrite the marked sections of {DOCS.name}")
    what.add_argument("--check", action="store_true", help=f"exit 1 if {DOCS.name} disagrees with the definitions")
    args = parser.parse_args(argv)
    text = DOCS.read_text(encoding="utf-8")
    made = render_docs(text)
    missing = sorted(set(definitions()) - documented(text))
    if args.docs:
        DOCS.write_text(made, encoding="utf-8")
        print(f"{DOCS}: {len(documented(made))} column sections made" +
              (f"; no section for {', '.join(missing)}" if missing else ""))
        return 0
    if made != text or missing:
        print(f"{DOCS} disagrees with the table definitions: run python -m pipelines.tables --docs" +
              (f" (and add sections for {', '.join(missing)})" if missing else ""))
        return 1
    print(f"{DOCS} agrees with the table definitions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
