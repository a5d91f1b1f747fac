"""Moving deliveries from the landing folder into the warehouse, one source at a time.

``load_raw``: new files (by content hash) are read, checked for personal identifiers and
written as delivered to ``raw_<source>``; a re-issue for the same period supersedes the
earlier delivery everywhere. ``stage``: pending deliveries are typed and validated into
``stg_<source>``, failures into ``quarantine``. Each file is handled in its own
transaction, so a killed run never leaves half a delivery behind, and a file already
seen (same hash) is never read twice: re-running on the same files changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.extracts import ROW, Extract, ExtractError, file_hash, read_extract
from pipelines.parsing import DUCKDB_TYPES
from pipelines.validation import check
from sources.catalogue import Source

ORIGIN = {"source_file": "VARCHAR", "file_hash": "VARCHAR", ROW: "BIGINT",
          "delivery_period": "VARCHAR", "loaded_at": "TIMESTAMP"}
LIVE = ("pending", "loaded", "empty")  # statuses of the delivery currently in force for a period


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def ensure_tables(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    con.execute(resources.files("pipelines").joinpath("sql/ingest_tables.sql").read_text())
    raw_cols = ", ".join(f'"{c}" VARCHAR' for c in source.column_names)
    stg_cols = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in source.columns)
    origin = ", ".join(f'"{k}" {v}' for k, v in ORIGIN.items())
    con.execute(f'create table if not exists "raw_{source.name}" ({raw_cols}, {origin})')
    con.execute(f'create table if not exists "stg_{source.name}" ({stg_cols}, {origin})')
    title = source.title.replace("'", "''")  # e.g. "Children's social care referrals"
    con.execute(f"comment on table \"raw_{source.name}\" is "
                f"'{title}: current deliveries exactly as delivered (text), with each row''s origin'")
    con.execute(f"comment on table \"stg_{source.name}\" is "
                f"'{title}: typed, validated rows of the current deliveries ({source.grain})'")
    for c in source.columns:
        text = c.description.replace("'", "''")
        con.execute(f'comment on column "stg_{source.name}"."{c.name}" is \'{text}\'')


@dataclass
class FileOutcome:
    file: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""


def deliveries(source: Source, landing: Path) -> list[tuple[Path, str, int]]:
    """Files of ``source`` in the landing folder, oldest delivery first: (path, period, version)."""
    found = []
    if landing.exists():
        for path in landing.iterdir():
            hit = source.match(path.name) if path.is_file() else None
            if hit:
                found.append((path, hit[0], hit[1]))
    return sorted(found, key=lambda f: (f[1], f[2], f[0].stat().st_mtime, f[0].name))


def _log(con, source, path, digest, period, version, status, *, rows_read=0, rows_refused=0,
         encoding=None, message="", when=None):
    con.execute(
        "insert into load_log (source, source_file, file_hash, period, version, status, rows_read, "
        "rows_refused, encoding, message, file_modified_at, received_at) values (?,?,?,?,?,?,?,?,?,?,?,?)",
        [source.name, path.name, digest, period, version, status, rows_read, rows_refused, encoding, message,
         dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0), when or now()],
    )


def _remove_delivery(con, source: Source, digest: str) -> None:
    for table in (f"raw_{source.name}", f"stg_{source.name}"):
        con.execute(f'delete from "{table}" where file_hash = ?', [digest])
    con.execute("delete from quarantine where source = ? and file_hash = ?", [source.name, digest])


def _quarantine_malformed(con, source, extract: Extract, when) -> None:
    if not extract.malformed:
        return
    rows = pd.DataFrame({
        "source": source.name, "source_file": extract.path.name, "file_hash": extract.file_hash,
        ROW: [m[0] for m in extract.malformed], "column_name": None, "check_name": "record_shape",
        "failure_value": None, "reason": [m[1] for m in extract.malformed],
        "record": [json.dumps({"raw": m[2]}) for m in extract.malformed], "quarantined_at": when,
    })
    con.register("malformed_rows", rows)
    con.execute("insert into quarantine by name select * from malformed_rows")
    con.unregister("malformed_rows")


def load_raw(con: duckdb.DuckDBPyConnection, source: Source, landing: Path) -> list[FileOutcome]:
    """Read new deliveries of ``source`` into ``raw_<source>``; returns what happened to each new file."""
    ensure_tables(con, source)
    seen = {r[0] for r in con.execute("select file_hash from load_log where source = ?", [source.name]).fetchall()}
    outcomes = []
    for path, period, version in deliveries(source, landing):
        digest = file_hash(path)
        if digest in seen:
            continue
        seen.add(digest)
        when = now()
        current = con.execute(
            "select file_hash, version, source_file from load_log where source = ? and period = ? "
            "and status in (?, ?, ?) order by received_at desc limit 1", [source.name, period, *LIVE]).fetchone()
        if current and version < current[1]:
            _log(con, source, path, digest, period, version, "superseded",
                 message=f"older version than {current[2]}, which is already loaded for {period}")
            outcomes.append(FileOutcome(path.name, "superseded", message="older version; not loaded"))
            continue
        try:
            extract = read_extract(path, source)
        except ExtractError as exc:
            _log(con, source, path, digest, period, version, exc.status, message=exc.message)
            outcomes.append(FileOutcome(path.name, exc.status, message=exc.message))
            continue
        if extract.pii:
            message = "refused: personal identifiers found: " + "; ".join(str(f) for f in extract.pii)
            _log(con, source, path, digest, period, version, "refused", rows_read=extract.rows_read,
                 rows_refused=extract.rows_read, encoding=extract.encoding, message=message)
            outcomes.append(FileOutcome(path.name, "refused", extract.rows_read, message=message))
            continue
        notes = []
        if extract.renamed_columns:
            notes.append("renamed: " + ", ".join(f"{a} -> {b}" for a, b in extract.renamed_columns.items()))
        if extract.dropped_columns:
            notes.append("columns not in the catalogue, not loaded: " + ", ".join(extract.dropped_columns))
        status = "pending" if extract.rows_read else "empty"
        if status == "empty":
            notes.append("empty delivery: the file has a header but no records")
        con.execute("begin transaction")
        try:
            frame = extract.frame.assign(source_file=path.name, file_hash=digest, delivery_period=period,
                                         loaded_at=when)
            con.register("incoming_rows", frame)
            con.execute(f'insert into "raw_{source.name}" by name select * from incoming_rows')
            con.unregister("incoming_rows")
            _quarantine_malformed(con, source, extract, when)
            _log(con, source, path, digest, period, version, status, rows_read=extract.rows_read,
                 encoding=extract.encoding, message="; ".join(notes), when=when)
            if current:
                _remove_delivery(con, source, current[0])
                # Its rows leave the warehouse, so the log moves them to rows_superseded.
                con.execute("update load_log set status = 'superseded', superseded_by = ?, "
                            "rows_superseded = rows_read - rows_refused, rows_loaded = 0, rows_quarantined = 0 "
                            "where source = ? and file_hash = ?", [digest, source.name, current[0]])
                notes.append(f"replaces {current[2]}")
                con.execute("update load_log set message = ? where source = ? and file_hash = ?",
                            ["; ".join(notes), source.name, digest])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        outcomes.append(FileOutcome(path.name, status, extract.rows_read, message="; ".join(notes)))
    return outcomes


def stage(con: duckdb.DuckDBPyConnection, source: Source) -> list[FileOutcome]:
    """Validate pending deliveries of ``source`` into ``stg_<source>`` and ``quarantine``."""
    ensure_tables(con, source)
    pending = con.execute(
        "select file_hash, source_file, period, rows_read, encoding from load_log "
        "where source = ? and status = 'pending' order by received_at, source_file", [source.name]).fetchall()
    outcomes = []
    cols = ", ".join(f'"{c}"' for c in [ROW, *source.column_names])
    for digest, name, period, rows_read, encoding in pending:
        frame = con.execute(f'select {cols} from "raw_{source.name}" where file_hash = ? order by "{ROW}"',
                            [digest]).df()
        frame = frame.astype({c: "string" for c in source.column_names}).astype({ROW: "Int64"})
        extract = Extract(path=Path(name), file_hash=digest, encoding=encoding, frame=frame)
        result = check(extract, source)
        when = now()
        con.execute("begin transaction")
        try:
            valid = result.valid.assign(source_file=name, file_hash=digest, delivery_period=period, loaded_at=when)
            con.register("valid_rows", valid)
            con.execute(f'insert into "stg_{source.name}" by name select * from valid_rows')
            con.unregister("valid_rows")
            if len(result.quarantine):
                records = frame.set_index(ROW)
                bad = result.quarantine
                wanted = records.loc[records.index.isin(bad[ROW].dropna().astype(int))]
                as_json = {int(k): json.dumps({c: (None if pd.isna(v) else v) for c, v in row.items()})
                           for k, row in wanted.iterrows()}
                q = bad.assign(source=source.name, source_file=name, file_hash=digest, quarantined_at=when,
                               record=bad[ROW].map(lambda r: as_json.get(int(r)) if pd.notna(r) else None))
                con.register("bad_rows", q)
                con.execute("insert into quarantine by name select * from bad_rows")
                con.unregister("bad_rows")
            quarantined = con.execute(
                "select count(distinct source_row) from quarantine where source = ? and file_hash = ?",
                [source.name, digest]).fetchone()[0]
            con.execute("update load_log set status = 'loaded', rows_loaded = ?, rows_quarantined = ?, "
                        "validated_at = ? where source = ? and file_hash = ?",
                        [result.rows_loaded, quarantined, when, source.name, digest])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        outcomes.append(FileOutcome(name, "loaded", rows_read, result.rows_loaded, quarantined))
    return outcomes
