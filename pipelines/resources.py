"""The warehouse resource: every asset reads and writes DuckDB through this one place.

Assets write the *build* file (private to the pipeline); the ``publish`` step copies it
atomically to the published file that performance officers open read-only. DuckDB
allows one writer process, so runs execute in-process and one at a time.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines.settings import Paths, paths


class Warehouse(dg.ConfigurableResource):
    """DuckDB warehouse under the data directory (``OBA_DATA_DIR``, default ``./data``)."""

    data_dir: str = ""  # empty: resolved from OBA_DATA_DIR at run time, else ./data
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _own_lock: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # The single writer: `oba run` took the lock before the run started; a run started by the
        # daemon or the UI takes it here, and fails with a clear message if another run holds it.
        from pipelines.runner import holds_lock, lock_holder, writer_lock

        self._own_lock = not holds_lock(self.paths())
        if self._own_lock and not writer_lock(self.paths()):
            self._own_lock = False
            holder = lock_holder(self.paths())
            raise dg.Failure(f"another run is writing the build file{' (' + holder + ')' if holder else ''}; "
                             f"nothing was changed: run again when it has finished")
        # One connection held open for the whole run: DuckDB shares an open database with every
        # later connect() to it in this process, so a step's connect() costs ~1 ms instead of
        # opening the file again (~30 ms, ~100 times a run). Closed when the run ends.
        self._held = duckdb.connect(str(self.paths().build))

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
        if self._own_lock:
            from pipelines.runner import release_lock

            release_lock(self.paths())
            self._own_lock = False

    def paths(self) -> Paths:
        return paths(self.data_dir or None).ensure()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the private build file."""
        con = duckdb.connect(str(self.paths().build))
        try:
            yield con
        finally:
            con.close()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [name]
    ).fetchone()[0] > 0
