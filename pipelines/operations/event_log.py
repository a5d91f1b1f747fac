"""Dagster's SQLite event log with its connections kept open, instead of one per event.

Dagster's ``SqliteEventLogStorage`` opens a new SQLite connection for every event it writes
and closes it afterwards. In WAL mode each commit syncs the log to disk, and each close of
the last connection checkpoints the log into the database file and syncs again: 10-30 ms
an event on this project's VMs, and a 1x run writes ~580 events to its own file plus ~400
copies (materialisations, checks) to the index every run shares.

``EventLogStorage`` is the same storage (same files, tables and schema; the UI, the daemon
and ``oba status`` read it as before) with one connection per database kept open, the few
run files most recently used and the index, and ``synchronous=NORMAL``: a commit is
written to the WAL without a sync, and the WAL is synced at checkpoints. A killed process
loses nothing committed; a power cut may lose the last events written, never corrupt the
files (SQLite's guarantee for WAL with NORMAL), and the warehouse keeps its own run record
(meta_runs) either way.

The UI follows a running run by watching its ``<run>.db`` file; with the connection open
the writes land in ``<run>.db-wal`` until a checkpoint, so the watch follows that file too.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextlib import contextmanager

import sqlalchemy as sa
from dagster._config import StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.sqlite import create_db_conn_string
from sqlalchemy.pool import StaticPool
from watchdog.observers import Observer

HISTORY = os.path.join("history", "runs")   # Dagster's own place for the event logs, under $DAGSTER_HOME
OPEN_RUN_FILES = 4                           # run files kept open besides the index (the UI reads several)
BUSY_TIMEOUT_S = 30                          # as Dagster's: another process (the UI) may hold the write lock


def _pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.execute("pragma synchronous=NORMAL")


class EventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with open connections; configured by ``home`` ($DAGSTER_HOME)."""

    def __init__(self, home: str, inst_data=None):
        self._home = home
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(os.path.join(home, HISTORY), inst_data)

    @classmethod
    def config_type(cls):
        return {"home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _open_engine(self, shard: str) -> sa.Engine:
        """The open engine of a shard (one connection, reused), creating the database the first time."""
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = sa.create_engine(create_db_conn_string(self._base_dir, shard), poolclass=StaticPool,
                                      connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
            sa.event.listen(engine, "connect", _pragmas)
            self._engines[shard] = engine
            runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
            for old in runs[:-OPEN_RUN_FILES]:
                self._engines.pop(old).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str):
        # Dagster's lock: one connection in use at a time, whatever the thread (the UI's are many).
        with self._db_lock:
            engine = self._open_engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def close_files(self) -> None:
        """Close every open database (each close checkpoints its WAL into the file)."""
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def upgrade(self) -> None:
        self.close_files()
        super().upgrade()

    def wipe(self) -> None:
        self.close_files()   # the run files are deleted: no connection may keep one alive
        super().wipe()

    def dispose(self) -> None:
        self.close_files()
        super().dispose()

    def watch(self, run_id: str, cursor, callback) -> None:
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = _Watchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (watchdog, self._obs.schedule(watchdog, self._base_dir, recursive=True))


class _Watchdog(SqliteEventLogStorageWatchdog):
    """Reads a run's new events when its database file or its WAL file changes."""

    def __init__(self, storage, run_id, callback, cursor):
        super().__init__(storage, run_id, callback, cursor)
        self._patterns = [self._log_path, self._log_path + "-wal"]

    def on_modified(self, event) -> None:
        self._process_log()
