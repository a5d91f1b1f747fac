"""Each indicator's SQL as an officer can read it and run it as it is.

``indicators/sql/ind_ehNN.sql`` is written for the pipeline: it takes bound parameters
(``$step_up_window_months``) and calls the period and banding helpers of ``_macros.sql``
(``fy_of(closure_date)``), neither of which exists in a console. ``explained`` fills in every
parameter as a literal and writes every helper out where it is called, under a header that
says, measure by measure, how the numerator and denominator are made (from
``indicators/catalogue.yaml``). The ``explained_sql`` asset writes one file per indicator to
``<data dir>/sql/ehNN.sql``, always in step with the SQL that made the published figures; an
officer runs one with ``oba sql < data/sql/eh01.sql`` (or ``.read data/sql/eh01.sql``) and
gets the rows of the indicator's table (``Indicator.table``).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import dagster as dg

from indicators import catalogue as cat
from pipelines.warehouse import Warehouse

_MACRO = re.compile(r"create\s+or\s+replace\s+temp\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(.*?);", re.S | re.I)
# What is not code: '...' literals, "..." identifiers and -- comments (an apostrophe in a comment is not a quote).
_NOT_CODE = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*""")


def code_view(sql: str) -> str:
    """``sql`` with literals, quoted identifiers and comments blanked out (same length, same offsets)."""
    return _NOT_CODE.sub(lambda m: " " * len(m.group(0)), sql)


def macros(text: str | None = None) -> dict[str, tuple[list[str], str]]:
    """name -> (parameter names, body) of every helper in ``_macros.sql`` and every source's
    ``<source>_as_at()``."""
    text = _drop_comments(text if text is not None else cat.macros_sql() + cat.as_at_macros())
    found = {}
    for name, params, body in _MACRO.findall(text):
        body = " ".join(body.split())
        if body.lower().startswith("table "):   # a table macro: the select it stands for, on its table argument
            body = re.sub(r"\bquery_table\((\w+)\)", r"\1", body[len("table "):])
        found[name] = ([p.strip() for p in params.split(",") if p.strip()], body)
    return found


def _drop_comments(sql: str) -> str:
    return _NOT_CODE.sub(lambda m: "" if m.group(0).startswith("--") else m.group(0), sql)


def _arguments(view: str, open_at: int) -> tuple[list[str], int]:
    """Spans of the comma-separated arguments of the call whose '(' is at ``open_at`` in the code
    view, and the index after its ')'."""
    depth, spans, start = 0, [], open_at + 1
    for i in range(open_at, len(view)):
        ch = view[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                spans.append((start, i))
                return spans, i + 1
        elif ch == "," and depth == 1:
            spans.append((start, i))
            start = i + 1
    raise ValueError(f"unbalanced parentheses after {view[max(0, open_at - 30):open_at + 1]!r}")


def _substitute(body: str, values: dict[str, str]) -> str:
    """``body`` with each parameter name (in code, not in literals) replaced by its argument."""
    if not values:     # a helper without parameters (a source's <source>_as_at())
        return body
    view = code_view(body)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, values)) + r")\b")
    out, last = [], 0
    for m in pattern.finditer(view):
        out += [body[last:m.start()], f"({values[m.group(1)]})"]
        last = m.end()
    return "".join(out + [body[last:]])


def expand(sql: str, defs: dict[str, tuple[list[str], str]] | None = None) -> str:
    """``sql`` with every call of a helper replaced by the helper's body (repeatedly: helpers call helpers).
    Calls are found in code only, never inside literals or comments."""
    defs = macros() if defs is None else defs
    call = re.compile(r"\b(" + "|".join(sorted(map(re.escape, defs), key=len, reverse=True)) + r")\s*\(")
    for _ in range(10_000):
        view = code_view(sql)
        m = call.search(view)
        if m is None:
            return sql
        name = m.group(1)
        params, body = defs[name]
        spans, end = _arguments(view, m.end() - 1)
        args = [sql[a:b].strip() for a, b in spans]
        if args == [""]:
            args = []
        if len(args) != len(params):
            raise ValueError(f"{name} takes {len(params)} argument(s), called with {len(args)}: {sql[m.start():end]}")
        sql = sql[:m.start()] + f"({_substitute(body, dict(zip(params, args)))})" + sql[end:]
    raise ValueError("helpers expand without end (a helper calls itself?)")


def literal(value) -> str:
    """A parameter value as SQL text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def fill_parameters(sql: str) -> str:
    """Every ``$name`` in code replaced by its value (``indicators.catalogue.PARAMETERS``) as a literal."""
    params = cat.sql_parameters(sql)
    view = code_view(sql)
    out, last = [], 0
    for m in re.finditer(r"\$([a-z_][a-z0-9_]*)", view):
        out += [sql[last:m.start()], literal(params[m.group(1)])]
        last = m.end()
    return "".join(out + [sql[last:]])


def _wrapped(label: str, text: str | None) -> list[str]:
    if not text:
        return []
    return textwrap.wrap(" ".join(str(text).split()), 96, initial_indent=f"--     {label}: ",
                         subsequent_indent="--         ")


def explained(ind: cat.Indicator) -> str:
    """The indicator's SQL with parameters filled in and helpers written out, under a header."""
    sql = cat.sql_text(ind)
    used = cat.sql_parameters(sql)
    head = [f"-- {ind.id} {ind.title}",
            f"-- Made from indicators/sql/{ind.sql_file.name}: parameters filled in, the period and banding",
            "-- helpers of indicators/sql/_macros.sql written out, so it runs as it is on the published",
            f"-- warehouse (oba sql < data/sql/{ind.id.lower()}.sql) and returns the rows of {ind.table}:",
            "-- one per measure x period x breakdown value, with the numerator and denominator.",
            "--", "-- How each measure is made (indicators/catalogue.yaml):"]
    for m in ind.measures:
        head.append(f"--   {m['id']}: {m['title']} ({m['unit']})")
        head += _wrapped("numerator", m.get("numerator")) + _wrapped("denominator", m.get("denominator"))
        head += _wrapped("rules", m.get("rules"))
    if used:
        head += ["--", "-- Parameters, filled in below:"]
        head += [f"--   ${k} = {literal(v)}" for k, v in used.items()]
    return "\n".join(head) + "\n\n" + expand(fill_parameters(sql)) + ";\n"


def write(folder: Path) -> list[Path]:
    """``folder/ehNN.sql`` for every indicator; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for ind in cat.indicators():
        path = folder / f"{ind.id.lower()}.sql"
        path.write_text(explained(ind), encoding="utf-8")
        written.append(path)
    return written


@dg.asset(group_name="lookups", kinds={"sql"},
          description="Each indicator's SQL as an officer can read and run it (parameters filled in, helpers "
                      "written out, how each numerator and denominator is made): <data dir>/sql/ehNN.sql.")
def explained_sql(warehouse: Warehouse) -> dg.MaterializeResult:
    folder = warehouse.paths().data_dir / "sql"
    files = write(folder)
    return dg.MaterializeResult(metadata={"folder": dg.MetadataValue.path(str(folder)), "files": len(files)})


assets = [explained_sql]
