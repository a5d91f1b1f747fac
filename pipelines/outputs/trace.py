"""Where one printed figure comes from: the deliveries and rows behind it (``oba explain ID``).

A figure is named by its id (``figure_ids``). Its indicator's SQL, as ``explain.explained``
writes it out (parameters filled in, helpers written out), is run on the warehouse with the
staged rows of one delivery left out at a time: a delivery is **used** when leaving it out
changes the figure's numerator or denominator, and the change is what its rows contribute.
Rows quarantined from a used delivery are put back (typed as far as they can be from
``raw_<source>``) to see whether they **would have counted**. ``rows`` goes down to single
records: it halves a used delivery's rows until every part left out changes the figure (records
needed "alone"), then finds the few other records of those sources the figure needs with them
("together": an extract is dated by its latest records, and any of several may do), so that the
figure computed from those records alone (every other source whole) is the figure printed.

Nothing is written: the warehouse is attached read-only to an in-memory database, which holds
the lists of rows left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from indicators import catalogue as cat
from pipelines.ingest.holding import LIVE
from pipelines.outputs import explain
from pipelines.outputs.figure_ids import FigureKey

ROW = "source_row"
# Dates in raw_<source> are text as delivered; quarantined rows are typed with the formats the
# loader accepts (sources.catalogue.DATE_FORMATS), anything else with try_cast (NULL when it fails).
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y")


class FigureNotFound(ValueError):
    """The id names no figure of the warehouse."""


@dataclass
class Used:
    """One delivery of a source the figure's indicator reads, and what it gives the figure."""
    source: str
    source_file: str
    version: int | None
    file_hash: str
    received_at: object
    rows_loaded: int
    numerator: float = 0.0         # how much leaving its rows out takes off the numerator
    denominator: float = 0.0       # ... and off the denominator
    quarantined: int = 0           # its records in quarantine
    tried: int = 0                 # of which found in raw_<source> and tried
    would_numerator: float = 0.0   # what putting them back adds to the numerator
    would_denominator: float = 0.0
    needed: bool = False           # without it the figure is not made at all (no rows, or its period not complete)

    @property
    def used(self) -> bool:
        return bool(self.numerator or self.denominator or self.needed)


@dataclass
class Trace:
    key: FigureKey
    indicator: cat.Indicator
    numerator: float | None
    denominator: float | None
    deliveries: list[Used] = field(default_factory=list)


def connect(warehouse) -> duckdb.DuckDBPyConnection:
    """An in-memory database with ``warehouse`` attached read-only as the default catalog."""
    con = duckdb.connect()
    con.execute(f"attach '{str(warehouse).replace(chr(39), chr(39) * 2)}' as wh (read_only)")
    con.execute("use wh")
    con.execute("create temp table _out (src varchar, file_hash varchar, source_row bigint)")
    con.execute("create temp table _back (src varchar, file_hash varchar, source_row bigint)")
    con.execute("create temp table _keep (src varchar, file_hash varchar, source_row bigint)")
    return con


def indicator_of(measure_id: str) -> cat.Indicator:
    for ind in cat.indicators():
        if any(m["id"] == measure_id for m in ind.measures):
            return ind
    raise FigureNotFound(f"{measure_id} is not a measure of the catalogue (indicators/catalogue.yaml)")


def _typed_raw(con, source: str) -> str:
    """``raw_<source>``'s rows put back (``_back``), typed like ``stg_<source>``."""
    cols = con.execute("select column_name, data_type from information_schema.columns where table_catalog = 'wh' "
                       "and table_name = ? order by ordinal_position", [f"stg_{source}"]).fetchall()
    raw = {r[0] for r in con.execute("select column_name from information_schema.columns where table_catalog = 'wh' "
                                     "and table_name = ?", [f"raw_{source}"]).fetchall()}
    out = []
    for name, kind in cols:
        q = f'r."{name}"'
        if name not in raw:
            out.append(f'null::{kind} as "{name}"')
        elif kind == "DATE":
            tries = ", ".join(f"try_strptime({q}, '{f}')::date" for f in _DATE_FORMATS)
            out.append(f'coalesce(try_cast({q} as date), {tries}) as "{name}"')
        elif kind == "BOOLEAN":
            out.append(f"case lower(trim({q})) when 'true' then true when 'yes' then true when 'y' then true "
                       f"when '1' then true when 'false' then false when 'no' then false when 'n' then false "
                       f"when '0' then false end as \"{name}\"")
        else:
            out.append(f'try_cast({q} as {kind}) as "{name}"')
    return (f"select {', '.join(out)} from raw_{source} as r semi join (select file_hash, source_row from _back "
            f"where src = '{source}') as b using (file_hash, source_row)")


def _staged(con, source: str, with_back: bool, only_kept: bool = False) -> str:
    if only_kept:
        return (f"(select s.* from stg_{source} as s semi join (select file_hash, source_row from _keep where src = "
                f"'{source}') as k using (file_hash, source_row))")
    rows = (f"(select s.* from stg_{source} as s anti join (select file_hash, source_row from _out where src = "
            f"'{source}') as o on o.file_hash = s.file_hash and (o.source_row is null or o.source_row = s.source_row))")
    if not with_back:
        return rows
    return f"(select * from {rows} union all by name {_typed_raw(con, source)})"


def figure_sql(con, ind: cat.Indicator, with_back: frozenset = frozenset(), kept: frozenset = frozenset()) -> str:
    """The indicator's SQL as written out for officers, reading each staged table through the
    lists of rows left out (``_out``) and put back (``_back``), or for the sources in ``kept``
    only the rows listed in ``_keep``; narrowed to one figure."""
    sql = explain.expand(explain.fill_parameters(cat.sql_text(ind)))
    view = explain.code_view(sql)
    names = "|".join(re.escape(s) for s in ind.sources)
    out, last = [], 0
    for m in re.finditer(rf"\bstg_({names})\b", view):
        out += [sql[last:m.start()], _staged(con, m.group(1), m.group(1) in with_back, m.group(1) in kept)]
        last = m.end()
    body = "".join(out + [sql[last:]])
    return (f"select numerator, denominator from ({body}) as f where measure_id = ? and period = ? "
            f"and breakdown = ? and breakdown_value = ?")


def figure(con, ind: cat.Indicator, key: FigureKey, with_back: frozenset = frozenset(), missing=(0.0, 0.0),
           kept: frozenset = frozenset()):
    """(numerator, denominator) of the figure as the SQL makes it now (``missing`` when it has no row)."""
    got = con.execute(figure_sql(con, ind, with_back, kept),
                      [key.measure_id, key.period, key.breakdown, str(key.breakdown_value)]).fetchall()
    if len(got) > 1:
        raise ValueError(f"{key}: the SQL returns {len(got)} rows for one figure")
    if not got:
        return missing
    return tuple(0.0 if v is None else float(v) for v in got[0])


def _set(con, table: str, rows: pd.DataFrame) -> None:
    con.execute(f"delete from {table}")
    if len(rows):
        con.register("_rows", rows[["src", "file_hash", "source_row"]])
        con.execute(f"insert into {table} select src, file_hash, source_row::bigint from _rows")
        con.unregister("_rows")


def _deliveries(con, ind: cat.Indicator) -> list[Used]:
    log = con.execute(
        "select source, source_file, version, file_hash, received_at, rows_loaded from load_log "
        f"where source in ({', '.join('?' * len(ind.sources))}) and status in ({', '.join('?' * len(LIVE))}) "
        "order by source, period, version", [*ind.sources, *LIVE]).fetchall()
    return [Used(s, f, None if v is None else int(v), h, r, int(n or 0)) for s, f, v, h, r, n in log]


def _quarantined(con, d: Used) -> pd.DataFrame:
    return con.execute("select distinct ? as src, file_hash, source_row from quarantine where file_hash = ?",
                       [d.source, d.file_hash]).df()


def trace(con, key: FigureKey) -> Trace:
    """The figure's deliveries, each left out in turn, and its quarantined records put back."""
    ind = indicator_of(key.measure_id)
    _set(con, "_out", pd.DataFrame(columns=["src", "file_hash", "source_row"]))
    _set(con, "_back", pd.DataFrame(columns=["src", "file_hash", "source_row"]))
    base = figure(con, ind, key, missing=None)
    if base is None:
        raise FigureNotFound(f"{key.measure_id} {key.period} {key.breakdown}={key.breakdown_value}: the SQL makes "
                             f"no such figure")
    result = Trace(key, ind, *base)
    for d in _deliveries(con, ind):
        _set(con, "_out", pd.DataFrame({"src": [d.source], "file_hash": [d.file_hash], "source_row": [None]}))
        without = figure(con, ind, key, missing=None)
        d.needed = without is None
        without = without or (0.0, 0.0)
        d.numerator, d.denominator = base[0] - without[0], base[1] - without[1]
        _set(con, "_out", pd.DataFrame(columns=["src", "file_hash", "source_row"]))
        q = _quarantined(con, d)
        d.quarantined = len(q)
        if d.used and len(q):
            _set(con, "_back", q)
            present = con.execute(f"select count(*) from raw_{d.source} semi join _back using (file_hash, source_row)"
                                  ).fetchone()[0] if _has(con, f"raw_{d.source}") else 0
            d.tried = int(present)
            if present:
                back = figure(con, ind, key, frozenset([d.source]))
                d.would_numerator, d.would_denominator = back[0] - base[0], back[1] - base[1]
                _set(con, "_back", pd.DataFrame(columns=["src", "file_hash", "source_row"]))
        result.deliveries.append(d)
    return result


def _has(con, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_catalog = 'wh' "
                            "and table_name = ?", [table]).fetchone()[0])


def _changes(con, ind, key, base, src: str, rows: pd.DataFrame) -> bool:
    _set(con, "_out", rows.assign(src=src))
    return figure(con, ind, key) != base


def _halve(con, ind, key, base, src: str, rows: pd.DataFrame, found: list[pd.DataFrame]) -> None:
    """Rows of ``rows`` (every one of which, left out together, changes the figure) the figure needs:
    a half that changes nothing when left out is dropped; a part that changes it only as a whole
    (two episodes of one child counted once) is kept whole (role ``group``)."""
    if len(rows) == 1:
        found.append(rows.assign(role="alone"))
        return
    halves = [rows.iloc[:len(rows) // 2], rows.iloc[len(rows) // 2:]]
    moving = [h for h in halves if _changes(con, ind, key, base, src, h)]
    if not moving:
        found.append(rows.assign(role="group"))
        return
    for h in moving:
        _halve(con, ind, key, base, src, h, found)


ROLES = {"alone": "leaving it out changes the figure",
         "group": "leaving these out together changes the figure, no one of them alone",
         "together": "needed with the others: e.g. the latest dates, which make the period complete"}


def _made_from(con, t: Trace, keep: pd.DataFrame, sources: frozenset):
    """The figure made from the records ``keep`` (src, file_hash, source_row) alone of the ``sources``,
    the other sources whole."""
    _set(con, "_keep", keep)
    return figure(con, t.indicator, t.key, missing=None, kept=sources)


def _together(con, t: Trace, fixed: pd.DataFrame, cand: pd.DataFrame, sources: frozenset) -> pd.DataFrame:
    """A small part of ``cand`` that, with ``fixed``, makes the figure (``fixed`` and ``cand`` together do):
    halved as long as one half is enough; both halves searched, each given the other, when neither is."""
    base = (t.numerator, t.denominator)
    if cand.empty or _made_from(con, t, fixed, sources) == base:
        return cand.iloc[:0]
    if len(cand) == 1:
        return cand
    a, b = cand.iloc[:len(cand) // 2], cand.iloc[len(cand) // 2:]
    for half in (a, b):
        if _made_from(con, t, pd.concat([fixed, half], ignore_index=True), sources) == base:
            return _together(con, t, fixed, half, sources)
    need_a = _together(con, t, pd.concat([fixed, b], ignore_index=True), a, sources)
    return pd.concat([need_a, _together(con, t, pd.concat([fixed, need_a], ignore_index=True), b, sources)],
                     ignore_index=True)


def rows(con, t: Trace) -> pd.DataFrame:
    """The staged records that make the figure: (source, source_file, file_hash, source_row, role) of
    every record of a used delivery without which the figure changes (role ``alone``; ``group``
    for records that change it only left out together), and of the
    few other records of those sources the figure needs together with them (``together``: the
    records that date an extract, when several do); from these records alone (every other source
    whole) the indicator's SQL makes the figure."""
    ind, key, base = t.indicator, t.key, (t.numerator, t.denominator)
    found: list[pd.DataFrame] = []
    for d in t.deliveries:
        if not d.used:
            continue
        mine = con.execute(f"select file_hash, source_row from stg_{d.source} where file_hash = ? order by source_row",
                           [d.file_hash]).df()
        parts: list[pd.DataFrame] = []
        _halve(con, ind, key, base, d.source, mine, parts)
        found += [p.assign(src=d.source) for p in parts]
    _set(con, "_out", pd.DataFrame(columns=["src", "file_hash", "source_row"]))
    alone = (pd.concat(found, ignore_index=True) if found
             else pd.DataFrame(columns=["src", "file_hash", "source_row", "role"]))
    sources = sorted(set(alone["src"]))
    rest = pd.concat([con.execute(f"select '{s}' as src, file_hash, source_row from stg_{s} order by file_hash, "
                                  "source_row").df() for s in sources], ignore_index=True) if sources else alone
    rest = rest.merge(alone[["src", "file_hash", "source_row"]], how="left", indicator=True)
    rest = rest[rest["_merge"] == "left_only"].drop(columns="_merge")
    together = _together(con, t, alone.drop(columns="role"), rest, frozenset(sources)) if len(rest) else rest
    out = pd.concat([alone, together.assign(role="together")], ignore_index=True)
    files = con.execute("select file_hash, any_value(source_file) as source_file from load_log group by file_hash").df()
    out = out.merge(files, on="file_hash", how="left").rename(columns={"src": "source"})
    return out[["source", "source_file", "file_hash", "source_row", "role"]]


def recompute(con, t: Trace, traced: pd.DataFrame) -> tuple[float, float] | None:
    """The figure made again from the traced records alone of every source they come from."""
    keep = traced.rename(columns={"source": "src"})[["src", "file_hash", "source_row"]]
    return _made_from(con, t, keep, frozenset(keep["src"]))
