"""Is a change behaviour-neutral? Compare a warehouse with a reference dump, table by table.

    python -m bench.identical dump  WAREHOUSE.duckdb DIR     # before the change: every table to DIR/<table>.parquet
    python -m bench.identical check WAREHOUSE.duckdb DIR     # after it: exit 0 when every table is identical

``check`` compares each table's columns (names, order, types) and rows with ``EXCEPT ALL`` both
ways, and the tables' and columns' DuckDB comments. Run bookkeeping that differs between any two
runs is left out: load and run times, run ids, the publication record, and the data folder's
path inside ``meta_quality.result``. Restructurings (issue 11) and speed work (issue 18) use it
on two demos made before and after, from the same seed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

# Columns whose values are times or ids of a particular run, not data.
VOLATILE = {"loaded_at", "file_modified_at", "validated_at", "received_at", "quarantined_at", "run_id",
            "published_at", "started_at", "finished_at", "fingerprint", "bytes", "seconds", "inputs"}
# Tables that are the record of particular runs (meta_reuse: what the last run made each step from).
RUN_TABLES = {"meta_runs", "meta_publish", "meta_run_sources", "meta_reuse", "meta_reuse_parts"}
COMMENTS = "_comments.parquet"


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [r[0] for r in con.execute("select table_name from duckdb_tables() where database_name = ? "
                                      "order by table_name", [database]).fetchall()]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dump(warehouse: Path, folder: Path) -> int:
    """Every table of ``warehouse`` to ``folder/<table>.parquet``, and its comments; returns the count."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("attach ? as w (read_only)", [str(warehouse)])
    tables = _tables(con, "w")
    for t in tables:
        con.execute(f"copy (select * from w.{_quoted(t)}) to '{folder / (t + '.parquet')}' (format parquet)")
    con.execute(f"""copy (select table_name, column_name, comment from duckdb_columns() where database_name = 'w'
                         union all select table_name, null, comment from duckdb_tables() where database_name = 'w')
                    to '{folder / COMMENTS}' (format parquet)""")
    con.close()
    return len(tables)


def _select(table: str, columns: list[str]) -> str:
    out = []
    for c in columns:
        if c in VOLATILE:
            continue
        if (table, c) == ("meta_quality", "result"):      # holds the path of the data folder's Data Docs
            out.append("""regexp_replace(result, '"docs": "[^"]*"', '') as result""")
        else:
            out.append(_quoted(c))
    return ", ".join(out)


def check(warehouse: Path, folder: Path) -> list[str]:
    """The differences between ``warehouse`` and the dump in ``folder`` (empty: identical)."""
    con = duckdb.connect()
    con.execute("attach ? as w (read_only)", [str(warehouse)])
    new = set(_tables(con, "w")) - RUN_TABLES
    old = {p.stem for p in folder.glob("*.parquet") if p.name != COMMENTS} - RUN_TABLES
    problems = [f"{t}: missing" for t in sorted(old - new)] + [f"{t}: not in the reference" for t in sorted(new - old)]
    for t in sorted(old & new):
        ref = f"read_parquet('{folder / (t + '.parquet')}')"
        now = con.execute("select column_name, data_type from duckdb_columns() where database_name = 'w' "
                          "and table_name = ? order by column_index", [t]).fetchall()
        was = [(r[0], r[1]) for r in con.execute(f"describe select * from {ref}").fetchall()]
        if [c for c, _ in now] != [c for c, _ in was]:
            problems.append(f"{t}: columns {[c for c, _ in was]} became {[c for c, _ in now]}")
            continue
        # Parquet keeps a timestamp's precision but not always its name (TIMESTAMP vs TIMESTAMP_NS).
        types = [(c, a, b) for (c, a), (_, b) in zip(now, was) if a != b and not a.startswith("TIMESTAMP")]
        if types:
            problems.append(f"{t}: types changed {types}")
        cols = _select(t, [c for c, _ in now])
        if not cols:
            continue
        added = con.execute(f"select count(*) from (select {cols} from w.{_quoted(t)} except all "
                            f"select {cols} from {ref})").fetchone()[0]
        lost = con.execute(f"select count(*) from (select {cols} from {ref} except all "
                           f"select {cols} from w.{_quoted(t)})").fetchone()[0]
        if added or lost:
            problems.append(f"{t}: {added} row(s) only now, {lost} only in the reference")
    if (folder / COMMENTS).exists():
        changed = con.execute(f"""
            with now as (select table_name, column_name, comment from duckdb_columns() where database_name = 'w'
                         union all select table_name, null, comment from duckdb_tables() where database_name = 'w'),
                 was as (select * from read_parquet('{folder / COMMENTS}'))
            select table_name, column_name from ((select * from now except select * from was)
                                                 union all (select * from was except select * from now))
            group by all order by all""").fetchall()
        problems += [f"{t}{'.' + c if c else ''}: comment changed" for t, c in changed if t not in RUN_TABLES]
    con.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.identical", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["dump", "check"])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    if args.action == "dump":
        print(f"{dump(args.warehouse, args.folder)} tables written to {args.folder}")
        return 0
    problems = check(args.warehouse, args.folder)
    for p in problems:
        print(p)
    compared = len({p.stem for p in args.folder.glob('*.parquet')} - {COMMENTS.removesuffix('.parquet')} - RUN_TABLES)
    print("identical" if not problems else f"{len(problems)} difference(s)", f"({compared} tables in the reference)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
