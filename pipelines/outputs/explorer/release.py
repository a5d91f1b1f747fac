"""What the explorer and the Power BI pack read: the shareable tables only
(``pipelines.release.shareable``), copied into a private in-memory database, so nothing
downstream can reach a record or an exact count (``indicator_values``, ``stg_`` / ``raw_``
tables, ``quarantine``) even by mistake.

The nightly run and ``oba explorer`` give ``read`` the shareable file itself
(``shareable.connect``); given a warehouse instead, it makes the same protected tables from it.
"""

from __future__ import annotations

import duckdb

from pipelines.release import shareable

SHAREABLE = shareable.TABLES


def read(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding the shareable tables of ``con`` (the shareable file, or made
    from a warehouse by ``shareable.frames``); the caller closes it."""
    return shareable.protected(con)
