"""The warehouse resource: every asset reads and writes DuckDB through this one place.

Assets write the *build* file (private to the pipeline); the ``publish`` step copies it
atomically to the published file that performance officers open read-only. DuckDB
allows one writer process, so runs execute in-process and one at a time.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
import pandas as pd
from pydantic import PrivateAttr

from pipelines.settings import Paths, paths


MEMORY_LIMIT = "1536MB"  # DuckDB's own memory in a run (its default is 80% of the machine's)


def engine_config() -> dict:
    """DuckDB settings of the pipeline's connections to the build file. ``memory_limit``
    (``OBA_DUCKDB_MEMORY``, default ``MEMORY_LIMIT``): what DuckDB may hold before it spills
    to a temporary folder beside the file. Without it DuckDB keeps up to 80% of the
    machine's memory, and a region's counts of distinct keys (34x: 16M rows) took the run
    past 4 GiB."""
    return {"memory_limit": os.environ.get("OBA_DUCKDB_MEMORY") or MEMORY_LIMIT}


class Warehouse(dg.ConfigurableResource):
    """DuckDB warehouse under the data directory (``OBA_DATA_DIR``, default ``./data``)."""

    data_dir: str = ""  # empty: resolved from OBA_DATA_DIR at run time, else ./data
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _own_lock: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # The single writer: `oba run` took the lock before the run started; a run started by the
        # daemon or the UI takes it here, and fails with a clear message if another run holds it.
        self._own_lock = not holds_lock(self.paths())
        if self._own_lock and not writer_lock(self.paths()):
            self._own_lock = False
            holder = lock_holder(self.paths())
            raise dg.Failure(f"another run is writing the build file{' (' + holder + ')' if holder else ''}; "
                             f"nothing was changed: run again when it has finished")
        # One connection held open for the whole run: DuckDB shares an open database with every
        # later connect() to it in this process, so a step's connect() costs ~1 ms instead of
        # opening the file again (~30 ms, ~100 times a run). Closed when the run ends.
        self._held = duckdb.connect(str(self.paths().build), config=engine_config())

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
        if self._own_lock:
            release_lock(self.paths())
            self._own_lock = False

    def paths(self) -> Paths:
        return paths(self.data_dir or None).ensure()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the private build file."""
        con = duckdb.connect(str(self.paths().build), config=engine_config())
        try:
            yield con
        finally:
            con.close()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table (or view) ``name`` exists, in any schema (a temp table counts)."""
    # fetchall, not fetchone: the result is finished, so a frame can be registered next.
    return con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [name]
    ).fetchall()[0][0] > 0


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, view: str, frame) -> Iterator[None]:
    """``frame`` (pandas or Arrow) readable by SQL as ``view`` while the block runs, and
    unregistered after it even if the SQL fails: the one way SQL reads a frame."""
    con.register(view, frame)
    try:
        yield
    finally:
        con.unregister(view)


def write_frame(con: duckdb.DuckDBPyConnection, name: str, frame, temp: bool = False) -> None:
    """Write ``frame`` as table ``name`` (replacing it), column for column; ``temp``: a temp
    table, private to this connection. ``name`` is a table name from the code, never from data."""
    with registered(con, "_frame", frame):
        con.execute(f"create or replace {'temp ' if temp else ''}table {name} as select * from _frame")


LOCK_NAME = "oba.lock"
_HELD: dict[str, int] = {}   # lock file -> descriptor, for locks this process holds


def writer_lock(paths: Paths) -> bool:
    """Take the single-writer lock of the build file (non-blocking); False if another process
    holds it. The kernel drops an flock when its process dies: a killed run never leaves it."""
    lock = paths.build.parent / LOCK_NAME
    if str(lock) in _HELD:
        return True
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _HELD[str(lock)] = fd
    return True


def holds_lock(paths: Paths) -> bool:
    return str(paths.build.parent / LOCK_NAME) in _HELD


def release_lock(paths: Paths) -> None:
    fd = _HELD.pop(str(paths.build.parent / LOCK_NAME), None)
    if fd is not None:
        os.close(fd)     # closing the descriptor releases the flock


def lock_holder(paths: Paths) -> str:
    """Who holds the lock, for the message: 'process N', or '' if unknown."""
    try:
        pid = (paths.build.parent / LOCK_NAME).read_text().strip()
    except OSError:
        return ""
    return f"process {pid}" if pid.isdigit() else ""


def read_sql(path: Path) -> str:
    """The text of one of the project's SQL files: the one way SQL is loaded."""
    return Path(path).read_text(encoding="utf-8")


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (for DDL such as COMMENT ON, which takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _preview(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.to_markdown(index=False) if len(frame) else "empty")


def frame_metadata(frame: pd.DataFrame, preview: pd.DataFrame | None = None) -> dict:
    """Dagster metadata of an indicator-shaped frame an asset just wrote: rows, measures,
    periods and a small markdown preview (``preview``, else the first 8 rows)."""
    return {
        "dagster/row_count": len(frame),
        "measures": int(frame["measure_id"].nunique()) if "measure_id" in frame else 0,
        "periods": int(frame["period"].nunique()) if "period" in frame else 0,
        "preview": _preview(frame.head(8) if preview is None else preview),
    }


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, preview_sql: str | None = None,
                   params: list | None = None) -> dict:
    """Dagster metadata of a warehouse table: rows, its columns (name, type, comment) and a
    markdown preview (``preview_sql`` with ``params``, else the first 8 rows)."""
    preview = con.execute(preview_sql or f"select * from {table} limit 8", params or []).df()
    rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    columns = con.execute("select column_name, data_type, comment from duckdb_columns() where table_name = ? "
                          "order by column_index", [table]).fetchall()
    return {"dagster/row_count": rows,
            "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(n, t, c) for n, t, c in columns]),
            "preview": _preview(preview)}
