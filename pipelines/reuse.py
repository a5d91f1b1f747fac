"""Steps made again only when what they read changed: the rest is reused from the last run.

A step (an indicator's table, ``indicator_values``, its published twin, the disclosure attack,
the forecasts and the scorecard) names the tables it reads and anything else its result
depends on (a setting, the day, the earlier releases). Its **inputs digest** is the digest of

* the content of every table it reads (columns, types, row count and the sum of DuckDB's hash of
  every row: a changed, added or removed row changes it, whatever the order);
* the code and definitions (``pipelines.settings.definitions_digest``: every source file of the
  project and the authority's settings folder), so a changed SQL file, target or function is a
  change like any other;
* the step's own extras.

After a step has run it records, in ``meta_reuse``, its inputs digest, the digest of the tables it
wrote and its result. The next run reuses the result, without running the step, only when the
inputs digest is the same **and** the tables it wrote still hold exactly what it wrote then (so a
table changed by hand, or a build file swapped for an older one, is made again). A night with
one new NEET month remakes what reads ``stg_neet`` and what reads that, and reuses the rest; a
night where nothing changed redoes nothing but the digests. The outputs are those of a full
recompute (tests/compute/test_reuse.py compares an incremental night with a cold run).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading

import duckdb

from pipelines import tables
from pipelines.settings import definitions_digest
from pipelines.warehouse import table_exists

META = "meta_reuse"
REUSED = "reused_unchanged"   # a step's Dagster metadata: True when nothing it reads changed and its result was kept
META_SQL = f"""
create table if not exists {META} (step varchar primary key, inputs varchar, outputs varchar, result varchar,
                                  made_at timestamp);
"""
_CODE: dict[str, str] = {}          # run id -> the code digest, computed once per run
_CODE_LOCK = threading.Lock()


def code_digest(run_id: str | None) -> str:
    """``definitions_digest()``, once per run (``run_id``; None: computed every time)."""
    if run_id is None:
        return definitions_digest()
    with _CODE_LOCK:
        if run_id not in _CODE:
            _CODE.clear()             # one run at a time: the last run's entry is done with
            _CODE[run_id] = definitions_digest()
        return _CODE[run_id]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Content digest of one table: columns and types, rows, and the sum of every row's hash
    (order-free; a repeated row counts twice). "absent" for a table that does not exist."""
    return table_digests(con, [table])[table]


def table_digests(con: duckdb.DuckDBPyConnection, names) -> dict[str, str]:
    """``table_digest`` of each of ``names``, in three queries for all of them."""
    names = sorted(set(names))
    if not names:
        return {}
    existing = {r[0] for r in con.execute("select distinct table_name from information_schema.tables "
                                          "where table_name in (select unnest(?::varchar[]))", [names]).fetchall()}
    layouts: dict[str, list] = {}
    for t, column, kind in con.execute("select table_name, column_name, data_type from duckdb_columns() "
                                       "where table_name in (select unnest(?::varchar[])) and schema_name = 'main' "
                                       "and not internal order by table_name, column_index", [names]).fetchall():
        layouts.setdefault(t, []).append((column, kind))
    present = [t for t in names if t in existing]
    counted = {}
    if present:
        sql = " union all ".join(f"select {i}, count(*), coalesce(sum(hash(t)::hugeint), 0)::varchar "
                                 f"from {_quoted(t)} t" for i, t in enumerate(present))
        counted = {present[i]: (rows, total) for i, rows, total in con.execute(sql).fetchall()}
    return {t: f"{t}:{layouts.get(t, [])}:{counted[t][0]}:{counted[t][1]}" if t in counted else f"{t}:absent"
            for t in names}


def sql_reads(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The tables of the warehouse a SQL text may read: every word of it that names one (more
    rather than fewer: a column named like a table only makes a step run when it need not)."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql))
    existing = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main' "
                                          "and not temporary").fetchall()}
    return sorted(words & existing)


def inputs_digest(con: duckdb.DuckDBPyConnection, step: str, reads, run_id: str | None, *extra,
                  known: dict[str, str] | None = None) -> str:
    """The digest of what ``step`` is made from: the tables it ``reads``, the code, and ``extra``.
    ``known`` (table -> its digest), when given, keeps each table's digest for the next step that
    reads it: several steps digested together read each table once."""
    h = hashlib.sha256(step.encode())
    h.update(code_digest(run_id).encode())
    known = {} if known is None else known
    known.update(table_digests(con, [t for t in reads if t not in known]))
    for t in sorted(set(reads)):
        h.update(known[t].encode())
    h.update(json.dumps(list(extra), sort_keys=True, default=str).encode())
    return h.hexdigest()


def _outputs_digest(con: duckdb.DuckDBPyConnection, writes) -> str:
    digests = table_digests(con, writes)
    return hashlib.sha256("\n".join(digests[t] for t in sorted(digests)).encode()).hexdigest()


def reused(con: duckdb.DuckDBPyConnection, step: str, inputs: str, writes) -> dict | None:
    """The recorded result of ``step`` when it was made from these inputs and the tables it
    ``writes`` are as it left them (all present); otherwise None: make it again."""
    if not table_exists(con, META) or not all(table_exists(con, t) for t in writes):
        return None
    row = con.execute(f"select inputs, outputs, result from {META} where step = ?", [step]).fetchone()
    if row is None or row[0] != inputs or row[1] != _outputs_digest(con, writes):
        return None
    return json.loads(row[2])


def remember(con: duckdb.DuckDBPyConnection, step: str, inputs: str, writes, result: dict | None = None) -> None:
    """Record that ``step`` was made from ``inputs``, what it wrote, and its (JSON) ``result``."""
    con.execute(META_SQL)
    tables.ensure_comments(con, META)
    con.execute(f"insert or replace into {META} values (?, ?, ?, ?, current_localtimestamp())",
                [step, inputs, _outputs_digest(con, writes), json.dumps(result or {}, default=str)])


def folder_digest(folder) -> str:
    """Digest of the files under ``folder`` (names and content; dot-files, being written, left out):
    the earlier releases a publication is protected with."""
    from pathlib import Path

    h = hashlib.sha256()
    base = Path(folder)
    if base.is_dir():
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                h.update(str(rel).encode())
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def made_or_reused(con: duckdb.DuckDBPyConnection, step: str, reads, writes, run_id: str | None, make,
                   *extra) -> tuple[dict, bool]:
    """(result, reused): the recorded result of ``step`` when nothing it ``reads`` (nor the code,
    nor ``extra``) changed and the tables it ``writes`` are as it left them; else ``make()`` (which
    writes them and returns a JSON-able result), recorded for the next run."""
    key = inputs_digest(con, step, reads, run_id, *extra)
    got = reused(con, step, key, writes)
    if got is not None:
        return got, True
    result = make()
    remember(con, step, key, writes, result)
    return result, False


PARTS = "meta_reuse_parts"
PARTS_SQL = f"""
create table if not exists {PARTS} (step varchar, part varchar, result varchar, made_at timestamp,
                                    primary key (step, part));
"""


class Parts:
    """The parts of one step (the disclosure attack's groups of hidden cells) kept from its last
    making, by the digest of everything each part's result depends on (the step works that out;
    ``salt``, the code digest, is part of it). ``get`` gives a kept result and counts it as used,
    ``put`` records one made now; ``keep`` writes the parts used this time in place of the last
    time's (so the table holds one making's parts, never an ever-growing history)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, step: str, run_id: str | None):
        self.con, self.step = con, step
        self.salt = code_digest(run_id)
        self._kept: dict[str, str] = {}
        if table_exists(con, PARTS):
            self._kept = dict(con.execute(f"select part, result from {PARTS} where step = ?", [step]).fetchall())
        self.used: dict[str, str] = {}

    def get(self, digest: str) -> dict | None:
        got = self._kept.get(digest)
        if got is None:
            return None
        self.used[digest] = got
        return json.loads(got)

    def put(self, digest: str, result: dict) -> None:
        self.used[digest] = json.dumps(result)

    def keep(self) -> None:
        self.con.execute(PARTS_SQL)
        tables.ensure_comments(self.con, PARTS)
        self.con.execute("begin")
        try:
            self.con.execute(f"delete from {PARTS} where step = ?", [self.step])
            if self.used:
                self.con.executemany(f"insert into {PARTS} values (?, ?, ?, current_localtimestamp())",
                                     [[self.step, d, r] for d, r in self.used.items()])
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise


CERTIFICATE = "certificate"


def certificate(con: duckdb.DuckDBPyConnection, run_id: str | None, reads, releases_folder, certify) -> tuple[dict, bool]:
    """(certificate, reused): the disclosure certificate of the build's published table, made by
    ``certify(parts)`` only when the tables it ``reads`` or the earlier releases (``releases_folder``)
    changed. The blocking check and the publication read the same one, so a run attacks its
    published table once. When it is made, ``parts`` (``Parts``) holds the results of the groups
    of hidden cells the last attack solved: ``recovery.attack`` solves again only the groups whose
    problem changed, and the groups of this attack are kept for the next."""
    def make() -> dict:
        parts = Parts(con, CERTIFICATE, run_id)
        cert = certify(parts)
        parts.keep()
        return cert

    return made_or_reused(con, CERTIFICATE, reads, [], run_id, make, folder_digest(releases_folder))
