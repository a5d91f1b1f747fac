"""Moving deliveries from the landing folder into the warehouse, one source at a time.

``load_raw``: new files (by content hash) are read, checked for personal identifiers and
written as delivered to ``raw_<source>``; a re-issue for the same period supersedes the
earlier delivery everywhere. ``stage``: pending deliveries are typed and validated into
``stg_<source>``, failures into ``quarantine``. ``ingest`` does both in one pass, validating
the frames just read instead of reading them back. New files are written a batch at a time
(at most ``BATCH_ROWS`` rows, or one larger delivery alone), each batch in one transaction,
so a killed run never leaves half a delivery behind, and a file already seen (same hash) is
never read twice: re-running on the same files changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.ingest import decisions, holding, pii, sql_validation, workbook
from pipelines.ingest.extracts import ROW, Extract, ExtractError, file_hash, read_extract
from pipelines.ingest.landing import DELIVERY, UNRECOGNISED, Entry, NotARegularFile, read_regular, scan, shown
from pipelines.ingest.parsing import DUCKDB_TYPES
from pipelines.ingest.validation import check_many
from pipelines import tables
from pipelines.warehouse import read_sql
from sources.catalogue import Source

SQL = Path(__file__).parent / "sql"

ORIGIN = {"source_file": "VARCHAR", "file_hash": "VARCHAR", ROW: "BIGINT",
          "delivery_period": "VARCHAR", "loaded_at": "TIMESTAMP"}
LIVE = holding.LIVE  # statuses of the delivery currently in force for a period
# Every status a load_log row can have (load_log.status in tables.yaml says what each means): the
# one list the Great Expectations suite on load_log checks against.
STATUSES = (*LIVE, "superseded", "refused", "rejected", "failed", holding.HELD, UNRECOGNISED)
# Records of a delivery as the loader keeps them in raw_<source>: those read but the malformed
# ones (a wrong field count, a cut last line: quarantined as ``record_shape`` and never in raw).
MALFORMED_CHECK = "record_shape"
_STRING_TYPES = {pa.string(): pd.StringDtype(na_value=pd.NA), pa.large_string(): pd.StringDtype(na_value=pd.NA)}
BATCH_ROWS = 1_000_000  # pending deliveries validated together, at most this many rows (bounds memory)


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def ensure_tables(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    # One transaction for the ~60 DDL / comment statements: one commit instead of one each.
    con.execute("begin transaction")
    try:
        _ensure_tables(con, source)
        con.execute("commit")
    except Exception:
        rollback(con)
        raise


def _ensure_tables(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    con.execute(read_sql(SQL / "ingest_tables.sql"))
    raw_cols = ", ".join(f'"{c}" VARCHAR' for c in source.column_names)
    stg_cols = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in source.columns)
    origin = ", ".join(f'"{k}" {v}' for k, v in ORIGIN.items())
    con.execute(f'create table if not exists "raw_{source.name}" ({raw_cols}, {origin})')
    con.execute(f'create table if not exists "stg_{source.name}" ({stg_cols}, {origin})')
    raw, stg = f"raw_{source.name}", f"stg_{source.name}"
    wanted = [*tables.comments("load_log"), *tables.comments("quarantine"),
              ("table", raw, None, f"{source.title}: current deliveries as delivered (text), with each row's "
                                   f"origin; a cell that failed validation is blank (its value is in quarantine)"),
              ("table", stg, None, f"{source.title}: typed, validated rows of the current deliveries ({source.grain})"),
              *(("column", stg, c.name, c.description) for c in source.columns)]
    stale = tables.stale_comment_sql(con, wanted)
    if stale:
        con.execute(stale)


@dataclass
class FileOutcome:
    file: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""


def deliveries(source: Source, landing: Path, entries: list[Entry] | None = None) -> list[tuple[Path, str, int]]:
    """Regular files of ``source`` in the landing folder, oldest delivery first: (path, period, version).
    Links, folders, FIFOs, devices and names with control characters are never deliveries."""
    found = []
    for e in scan(landing) if entries is None else entries:
        hit = source.match(e.path.name) if e.kind != "refused" else None
        if hit:
            found.append((e.path, hit[0], hit[1], e.mtime))
    return [f[:3] for f in sorted(found, key=lambda f: (f[1], f[2], f[3], f[0].name))]


def not_delivered(source: Source, entries: list[Entry]) -> list[Entry]:
    """Landing entries that are not deliveries (unrecognised names, links, folders, ...) and
    whose name belongs to ``source`` or is nearest to it: recorded in its load_log."""
    return [e for e in entries if e.kind != DELIVERY and e.source.name == source.name
            and not (e.kind != "refused" and source.match(e.path.name))]


reissue_key = decisions.reissue_key


LOG_COLUMNS = ["source", "source_file", "file_hash", "period", "version", "status", "rows_read", "rows_refused",
               "encoding", "message", "file_modified_at", "received_at"]


class _Log:
    """load_log rows of new files, written together (one insert, not one per file). ``flush``
    before anything reads or updates load_log."""

    def __init__(self, source: Source):
        self.source, self.rows = source, []

    def add(self, path, digest, period, version, status, *, rows_read=0, rows_refused=0, encoding=None,
            message="", when=None, name=None, modified=None) -> None:
        # lstat: the time of the landing entry itself, never of what a link points to
        modified = path.lstat().st_mtime if modified is None else modified
        # What the log publishes about a file is escaped and its identifiers masked (landing.shown).
        self.rows.append((self.source.name, shown(name or path.name), digest, period, version, status, rows_read,
                          rows_refused, encoding, shown(message), dt.datetime.fromtimestamp(modified).replace(microsecond=0),
                          when or now()))

    def flush(self, con) -> None:
        if self.rows:
            frame = pd.DataFrame(self.rows, columns=LOG_COLUMNS).astype({"encoding": "string"})
            con.register("new_log_rows", frame)
            con.execute(f"insert into load_log ({', '.join(LOG_COLUMNS)}) select * from new_log_rows")
            con.unregister("new_log_rows")
            self.rows = []


def _insert(con, table: str, frames: list[pd.DataFrame], origins: list[dict]) -> pa.Table | None:
    """Insert ``frames`` (one per delivery) into ``table`` in one statement, each row stamped with
    its delivery's ``origins`` columns by a join (not by repeating them into every row here).
    Returns the rows inserted as Arrow, with ``_delivery`` (the frame each came from)."""
    if not frames:
        return None
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    rows = rows.assign(_delivery=np.repeat(np.arange(len(frames)), [len(f) for f in frames]))
    # As Arrow: DuckDB scans Arrow columns directly (the pandas scan of the same frame is slower).
    arrow = pa.Table.from_pandas(rows, preserve_index=False)
    con.register("incoming_rows", arrow)
    con.register("incoming_origins", pd.DataFrame(origins).assign(_delivery=np.arange(len(origins))))
    con.execute(f'insert into "{table}" by name select r.* exclude (_delivery), o.* exclude (_delivery) '
                f'from incoming_rows r join incoming_origins o using (_delivery)')
    con.unregister("incoming_rows")
    con.unregister("incoming_origins")
    return arrow


def _remove_delivery(con, source: Source, digest: str) -> None:
    for table in (f"raw_{source.name}", f"stg_{source.name}"):
        con.execute(f'delete from "{table}" where file_hash = ?', [digest])
    con.execute("delete from quarantine where source = ? and file_hash = ?", [source.name, digest])


def _quarantine_malformed(con, source, extract: Extract, when) -> None:
    if not extract.malformed:
        return
    rows = pd.DataFrame({
        "source": source.name, "source_file": extract.path.name, "file_hash": extract.file_hash,
        ROW: [m[0] for m in extract.malformed], "column_name": None, "check_name": MALFORMED_CHECK,
        "failure_value": None, "reason": [m[1] for m in extract.malformed], "quarantined_at": when,
    })
    con.register("malformed_rows", rows)
    con.execute("insert into quarantine by name select * from malformed_rows")
    con.unregister("malformed_rows")


def _live(con, source: Source) -> dict[str, tuple[str, int, str]]:
    """The delivery in force for each period: period -> (file_hash, version, source_file)."""
    rows = con.execute(
        "select period, file_hash, version, source_file from load_log where source = ? and status in (?, ?, ?) "
        "order by version, received_at, source_file", [source.name, *LIVE]).fetchall()
    return {period: (digest, version, name) for period, digest, version, name in rows}


@dataclass
class _Accepted:
    """A delivery read in this run, waiting to be written to raw (and staged) with its batch."""
    digest: str
    name: str
    period: str
    extract: Extract
    when: dt.datetime
    status: str


def load_raw(con: duckdb.DuckDBPyConnection, source: Source, landing: Path) -> list[FileOutcome]:
    """Read new deliveries of ``source`` into ``raw_<source>``; returns what happened to each new file.

    Their rows wait in ``raw_<source>`` as *pending* until ``stage`` validates them."""
    return _load(con, source, landing, stage_now=False)[0]


def ingest(con: duckdb.DuckDBPyConnection, source: Source,
           landing: Path) -> tuple[list[FileOutcome], list[FileOutcome]]:
    """``load_raw`` and ``stage`` in one pass: each batch of new deliveries is validated from the
    frames just read (not read back from ``raw_<source>``) and written, raw, staged, quarantined
    and logged, in one transaction. Deliveries left pending by an earlier run are staged too.
    Returns (what happened to each new file, what staging did to each delivery)."""
    loaded, staged = _load(con, source, landing, stage_now=True)
    return loaded, staged + stage(con, source, tables_ready=True, releases=releases_for(landing))


def _read_one(path: Path, source: Source, known: set[str]) -> tuple[str, Extract | ExtractError | None]:
    """(content hash, the file read as an extract or why it cannot be), reading its bytes once;
    a file whose content was loaded before (``known``) is hashed but not parsed. A landing
    entry that turned out not to be a regular file is refused unread (hash of its name)."""
    try:
        if why := workbook.over_size(os.lstat(path).st_size):   # hashed a chunk at a time, never held
            return file_hash(path), ExtractError(path, why, "refused")
        raw = read_regular(path)
    except NotARegularFile as exc:
        return hashlib.sha256(f"refused\0{path.name}".encode()).hexdigest(), \
            ExtractError(path, exc.strerror.split(": ", 1)[-1], "refused")
    except FileNotFoundError:
        return "", None                   # removed since the scan: nothing to record
    except OSError as exc:                # permissions, an I/O error: this file fails, the others load
        return hashlib.sha256(f"unreadable\0{path.name}".encode()).hexdigest(), \
            ExtractError(path, f"cannot be read: {exc.strerror or exc}", "failed")
    digest = hashlib.sha256(raw).hexdigest()
    if digest in known:
        return digest, None
    try:
        return digest, read_extract(path, source, raw=raw, digest=digest)
    except ExtractError as exc:
        if exc.status == "empty":   # no bytes, or no header: an empty delivery, in force like any other
            frame = pd.DataFrame({c: pd.array([], dtype="string") for c in source.column_names})
            frame.insert(0, ROW, pd.array([], dtype="Int64"))
            return digest, Extract(path=path, file_hash=digest, encoding=None, frame=frame)
        return digest, exc


def rollback(con) -> None:
    """Roll back after a failure without hiding it: a rollback that fails too (the disk is full,
    the connection is gone) must not replace the error that explains what happened."""
    try:
        con.execute("rollback")
    except duckdb.Error:
        pass


def _supersede(con, source: Source, period: str, by: str, notes: list[str]) -> None:
    """Every other delivery in force for ``period`` (or held for it) leaves the warehouse; the
    log moves its rows to rows_superseded. Only the newest delivery applied is ever in force."""
    statuses = (*LIVE, holding.HELD)
    old = con.execute(f"select file_hash, source_file from load_log where source = ? and period = ? "
                      f"and status in ({', '.join('?' * len(statuses))}) and file_hash <> ?",
                      [source.name, period, *statuses, by]).fetchall()
    for digest, name in old:
        _remove_delivery(con, source, digest)
        con.execute("update load_log set status = 'superseded', superseded_by = ?, "
                    "rows_superseded = rows_read - rows_refused, rows_loaded = 0, rows_quarantined = 0, "
                    "rows_held = 0 where source = ? and file_hash = ?", [by, source.name, digest])
        notes.append(f"replaces {name}")


def _months(con, source: Source, digest: str) -> list[str]:
    sql = holding.months_sql(source, f"stg_{source.name}")
    return list(con.execute(sql, {"file_hash": digest}).fetchall()[0][0]) if sql else []


def _delivery(con, source: Source, row: tuple, months: bool = True) -> holding.Delivery:
    """``months``: look up the months it covers (only a comparison with a delivery in force reads them)."""
    digest, name, rows_read, rows_loaded, rows_quarantined = row
    return holding.Delivery(name, rows_read, rows_loaded, rows_quarantined,
                            _months(con, source, digest) if months else [])


def settle(con, source: Source, digest: str, releases: dict[str, dict]) -> str | None:
    """A delivery just staged (or empty) either replaces the delivery in force for its period or
    is held (``pipelines.ingest.holding``): returns the reason it is held, None if it applies.
    The caller holds the transaction."""
    cols = "file_hash, source_file, rows_read, rows_loaded, rows_quarantined"
    mine = con.execute(f"select {cols}, period, message, version from load_log where source = ? and file_hash = ?",
                       [source.name, digest]).fetchall()[0]
    period, message, version = mine[5], mine[6] or "", mine[7]
    live = f"status in ({', '.join('?' * len(LIVE))})"
    newer = con.execute(f"select file_hash from load_log where source = ? and period = ? and file_hash <> ? and {live} "
                        f"and version > ? order by version desc limit 1",
                        [source.name, period, digest, *LIVE, version]).fetchall()
    if newer:        # staged together with a higher version of its period (``stage`` alone): that one wins
        _remove_delivery(con, source, digest)
        con.execute("update load_log set status = 'superseded', superseded_by = ?, rows_superseded = rows_read "
                    "- rows_refused, rows_loaded = 0, rows_quarantined = 0 where source = ? and file_hash = ?",
                    [newer[0][0], source.name, digest])
        return None
    old = con.execute(f"select {cols} from load_log where source = ? and period = ? and file_hash <> ? and {live} "
                      f"order by version desc, received_at desc limit 1",
                      [source.name, period, digest, *LIVE]).fetchall()
    old = old[0] if old else None
    verdict = None
    if digest not in releases:
        verdict = holding.judge(source, _delivery(con, source, mine[:5], months=old is not None),
                                old and _delivery(con, source, old))
    notes = [message] if message else []
    if verdict:
        rule, reason = verdict
        con.execute(f'delete from "stg_{source.name}" where file_hash = ?', [digest])
        con.execute("update load_log set status = ?, rows_held = rows_read - rows_refused, rows_loaded = 0, "
                    "rows_quarantined = 0, message = ? where source = ? and file_hash = ?",
                    [holding.HELD, "; ".join([f"held ({rule}): {reason}", *notes]), source.name, digest])
        return reason
    if digest in releases:
        r = releases[digest]
        notes.append(f"released by {r.get('released_by') or 'an officer'} on {r.get('released_at')}")
    _supersede(con, source, period, digest, notes)
    con.execute("update load_log set message = ? where source = ? and file_hash = ?",
                ["; ".join(notes), source.name, digest])
    return None


def release_held(con, source: Source, releases: dict[str, dict]) -> list[str]:
    """Held deliveries an officer released go back to pending, to be validated and applied by
    ``stage``: the records validation accepted (those in ``raw_<source>``) are judged again; the
    failed ones stay quarantined as they were (raw_ no longer holds their failing values)."""
    held = con.execute("select file_hash, source_file from load_log where source = ? and status = ?",
                       [source.name, holding.HELD]).fetchall()
    out = []
    for digest, name in held:
        if digest in releases:
            con.execute("update load_log set status = 'pending', rows_held = 0, validated_at = null, "
                        "message = 'was ' || message where source = ? and file_hash = ?", [source.name, digest])
            out.append(name)
    return out


def releases_for(landing: Path) -> dict[str, dict]:
    """The deliveries officers released (``oba release``), from the settings folder beside ``landing``."""
    return holding.released(landing.parent / "settings")


class _BatchWriter:
    """New deliveries waiting to be written, a batch at a time (at most ``BATCH_ROWS`` rows, or
    one delivery that is larger on its own; one insert each), each batch in one transaction: a
    killed run leaves no delivery half-loaded, and NEET's ~126 monthly files cost one insert
    and one commit rather than one each. The caller has begun the first transaction."""

    def __init__(self, con, source: Source, log: _Log, stage_now: bool, releases: dict[str, dict]):
        self.con, self.source, self.log, self.stage_now, self.releases = con, source, log, stage_now, releases
        self.waiting: dict[str, _Accepted] = {}
        self.staged: list[FileOutcome] = []

    def rows(self) -> int:
        return sum(len(a.extract.frame) for a in self.waiting.values())

    def make_room(self, period: str, rows: int) -> None:
        """Before a delivery joins: if it would take the batch past its bound, or an earlier
        version of its period waits in it, the batch is written (and judged) first, so each
        version is judged against the one before it, and a held re-issue leaves the earlier
        one in force."""
        if self.waiting and (self.rows() + rows > BATCH_ROWS or any(a.period == period for a in self.waiting.values())):
            self.write()

    def add(self, accepted: _Accepted) -> None:
        self.waiting[accepted.digest] = accepted

    def write_if_full(self) -> None:
        if self.rows() >= BATCH_ROWS:
            self.write()

    def write(self, last: bool = False) -> None:
        self.log.flush(self.con)
        self.staged.extend(_write(self.con, self.source, list(self.waiting.values()), self.stage_now, self.releases))
        self.waiting.clear()
        self.con.execute("commit")
        if not last:
            self.con.execute("begin transaction")


def _arrival(path: Path, period: str, version: int, extract: Extract | ExtractError) -> decisions.Arrival:
    if isinstance(extract, ExtractError):
        return decisions.Arrival(path.name, period, version, problem_status=extract.status, problem=extract.message)
    return decisions.Arrival(path.name, period, version, identifiers=tuple(str(f) for f in extract.pii),
                             rows_read=extract.rows_read, has_encoding=bool(extract.encoding))


def _load_notes(extract: Extract, decision: decisions.Decision) -> str:
    notes = list(extract.notes)
    if extract.renamed_columns:
        notes.append("renamed: " + ", ".join(f"{a} -> {b}" for a, b in extract.renamed_columns.items()))
    if extract.dropped_columns:
        notes.append("columns not in the catalogue, not loaded: " + ", ".join(extract.dropped_columns))
    if decision.reason:
        notes.append(decision.reason)
    return "; ".join(notes)


def _load(con, source: Source, landing: Path, stage_now: bool) -> tuple[list[FileOutcome], list[FileOutcome]]:
    """Every new landing file of ``source`` read once, decided (``decisions``), logged, and its
    records written by the batch writer. Returns (what happened to each new file, what staging
    did to each delivery staged)."""
    ensure_tables(con, source)
    logged = con.execute("select source_file, file_hash from load_log where source = ?", [source.name]).fetchall()
    seen = {h for _, h in logged}
    handled = set(logged)             # (file name, key): this file, with this content, is already in the log
    live = {p: decisions.InForce(*v) for p, v in _live(con, source).items()}
    log = _Log(source)
    outcomes = []
    entries = scan(landing)
    releases = releases_for(landing)
    con.execute("begin transaction")
    writer = _BatchWriter(con, source, log, stage_now, releases)
    try:
        release_held(con, source, releases)
        for path, period, version in deliveries(source, landing, entries):
            digest, extract = _read_one(path, source, seen)
            admission = decisions.admit(path.name, digest, version, live.get(period), handled, seen)
            if admission.outcome == decisions.SKIP:
                continue
            key = admission.key
            if admission.reread:
                _, extract = _read_one(path, source, set())
                if isinstance(extract, Extract):
                    extract.file_hash = key
            if extract is None:       # removed since it was hashed
                continue
            seen.add(key)
            outcome = _decided(path, period, version, key, extract, live, log, writer, con, source)
            outcomes.append(outcome)
        for e in not_delivered(source, entries):
            if e.key not in seen:      # recorded once while it stays as it is
                seen.add(e.key)
                log.add(e.path, e.key, e.period, e.version, e.kind, message=e.message, name=e.name,
                        modified=e.mtime)
                outcomes.append(FileOutcome(e.name, e.kind, message=e.message))
        writer.write(last=True)
    except Exception:
        rollback(con)
        raise
    return outcomes, writer.staged


def _decided(path: Path, period: str, version: int, key: str, extract: Extract | ExtractError,
             live: dict[str, decisions.InForce], log: _Log, writer: _BatchWriter, con, source: Source) -> FileOutcome:
    """Record what ``decisions.decide`` says of one file read; a delivery to load joins the batch."""
    when = now()
    decision = decisions.decide(_arrival(path, period, version, extract), live.get(period))
    if decision.outcome == decisions.SUPERSEDE:
        log.add(path, key, period, version, decision.status, message=decision.reason)
        return FileOutcome(path.name, decision.status, message="older version; not loaded")
    if decision.outcome == decisions.REFUSE and isinstance(extract, ExtractError):
        log.add(path, key, period, version, decision.status, message=decision.reason)
        return FileOutcome(path.name, decision.status, message=decision.reason)
    if decision.outcome == decisions.REFUSE:
        log.add(path, key, period, version, decision.status, rows_read=extract.rows_read,
                rows_refused=extract.rows_read, encoding=extract.encoding, message=decision.reason)
        return FileOutcome(path.name, decision.status, extract.rows_read, message=decision.reason)
    message = _load_notes(extract, decision)
    writer.make_room(period, len(extract.frame))
    writer.add(_Accepted(key, path.name, period, extract, when, decision.status))
    live[period] = decisions.InForce(key, version, path.name)
    _quarantine_malformed(con, source, extract, when)
    log.add(path, key, period, version, decision.status, rows_read=extract.rows_read,
            encoding=extract.encoding, message=message, when=when)
    # The delivery in force is replaced only once this one is staged and judged (``settle``).
    writer.write_if_full()
    return FileOutcome(path.name, decision.status, extract.rows_read, message=message)


def _write(con, source: Source, batch: list[_Accepted], stage_now: bool,
           releases: dict[str, dict]) -> list[FileOutcome]:
    """Insert a batch's rows into ``raw_<source>`` in one statement; validate and stage them if
    asked. Empty deliveries are judged at once (``settle``), the others once staged."""
    written = [a for a in batch if len(a.extract.frame)]
    rows = _insert(con, f"raw_{source.name}", [a.extract.frame for a in written],
                   [{"source_file": a.name, "file_hash": a.digest, "delivery_period": a.period, "loaded_at": a.when}
                    for a in written])
    out = []
    for a in batch:
        if a.status == "empty" and settle(con, source, a.digest, releases):
            out.append(FileOutcome(a.name, holding.HELD, message=_message(con, source, a.digest)))
    pending = [a for a in batch if a.status == "pending"]
    if not stage_now or not pending:
        return out
    # Exactly what ``stage`` would read back from raw: the frame alone (malformed records are
    # already in quarantine, written by the load).
    def extracts() -> list[Extract]:
        return [Extract(path=Path(a.name), file_hash=a.digest, encoding=a.extract.encoding,
                        frame=a.extract.frame) for a in pending]
    meta = [(a.digest, a.name, a.period, a.extract.rows_read, a.extract.encoding) for a in pending]
    # The rows just written, as validation would read them back from raw_ (when they are exactly
    # the pending deliveries, in order, as they are unless a delivery was empty).
    same = [a.digest for a in written] == [a.digest for a in pending]
    return out + _stage_batch(con, source, meta, extracts, releases, rows if same else None)


def _message(con, source: Source, digest: str) -> str:
    return con.execute("select message from load_log where source = ? and file_hash = ?",
                       [source.name, digest]).fetchall()[0][0] or ""


def _batches(pending: list[tuple], limit: int = BATCH_ROWS) -> list[list[tuple]]:
    batches, current, size = [], [], 0
    for p in pending:
        rows = p[3] or 0
        if current and size + rows > limit:
            batches.append(current)
            current, size = [], 0
        current.append(p)
        size += rows
    return batches + ([current] if current else [])


def stage(con: duckdb.DuckDBPyConnection, source: Source, tables_ready: bool = False,
          releases: dict[str, dict] | None = None) -> list[FileOutcome]:
    """Validate pending deliveries of ``source`` into ``stg_<source>`` and ``quarantine``.

    Pending deliveries are read back and validated together, a batch at a time (one pandera
    pass per batch; keys still judged per delivery), and each batch is written in one
    transaction: a delivery is always staged whole or not at all. ``tables_ready``: the caller
    has just made sure the source's tables exist (``ensure_tables``).
    """
    if not tables_ready:
        ensure_tables(con, source)
    if releases is None:
        from pipelines.settings import paths

        releases = releases_for(paths().landing)
    pending = con.execute(
        "select file_hash, source_file, period, rows_read, encoding from load_log "
        "where source = ? and status = 'pending' order by received_at, source_file", [source.name]).fetchall()
    outcomes = []
    for batch in _batches(pending):
        con.execute("begin transaction")
        try:
            outcomes += _stage_batch(con, source, batch, lambda b=batch: _read_back(con, source, b), releases)
            con.execute("commit")
        except Exception:
            rollback(con)
            raise
    return outcomes


def _read_back(con, source: Source, batch: list[tuple]) -> list[Extract]:
    """The pending deliveries of ``batch`` read back from ``raw_<source>`` as text frames (for
    ``check_many``)."""
    hashes = [p[0] for p in batch]
    cols = ", ".join(f'"{c}"' for c in [ROW, *source.column_names])
    # A record already quarantined (a released held delivery's failed records) is not judged
    # again: raw_ holds only its accepted cells.
    rows = con.sql(f'select file_hash, {cols} from "raw_{source.name}" anti join (select file_hash, "{ROW}" '
                   f'from quarantine where source = $source) using (file_hash, "{ROW}") where file_hash in '
                   f'(select unnest($hashes::varchar[])) order by file_hash, "{ROW}"',
                   params={"hashes": hashes, "source": source.name}).to_arrow_table()
    frame_all = rows.to_pandas(types_mapper=_STRING_TYPES.get)
    frame_all = frame_all.astype({c: "string" for c in source.column_names}).astype({ROW: "Int64"})
    by_hash = dict(tuple(frame_all.groupby("file_hash", sort=False)))
    extracts = []
    for digest, name, _period, _rows_read, encoding in batch:
        frame = by_hash.get(digest, frame_all.iloc[:0]).drop(columns="file_hash").reset_index(drop=True)
        extracts.append(Extract(path=Path(name), file_hash=digest, encoding=encoding, frame=frame))
    return extracts


# Checks about a record, not about one cell's own value: the record's cells each passed their
# own checks and stay in raw_ (a key repeated, a summary row, a record of the wrong shape).
RECORD_CHECKS = ("unique key", "summary_row", MALFORMED_CHECK)


def masked_values(values: pd.Series) -> pd.Series:
    """Quarantine failure values as stored: every identifier or person's name in one masked
    (``pii.masked``), each distinct value judged once."""
    distinct = values.dropna().unique()
    shown_as = {v: pii.masked(str(v)) for v in distinct}
    return values.map(lambda v: shown_as.get(v, v) if isinstance(v, str) else v).astype("string")


def _blank_failed_cells(con, source: Source, bad: pd.DataFrame) -> None:
    """``raw_<source>`` keeps only what validation accepted: a cell that failed a check of its
    own value (type, code list, range, format, length) is blanked there; the value, masked where
    it is an identifier, is kept only in quarantine with its row, column and reason. Cells of
    a record that failed a rule across columns (date order, a repeated key) each passed their
    own checks and stay, so counts still reconcile (raw rows = rows read less malformed)."""
    cells = bad[bad["column_name"].isin(source.column_names).fillna(False).to_numpy(dtype=bool)
                & ~bad["check_name"].isin(RECORD_CHECKS).fillna(False).to_numpy(dtype=bool)]
    if cells.empty:
        return
    # One update for the batch (one scan of raw_), each record with the list of its failed cells.
    failed = (cells.astype({ROW: "int64", "column_name": "object"})
              .groupby(["file_hash", ROW], sort=False)["column_name"].agg(lambda c: sorted(set(c))).reset_index())
    columns = sorted(set(cells["column_name"]))
    blank = ", ".join(f'"{c}" = case when list_contains(f.failed, \'{c}\') then null else r."{c}" end' for c in columns)
    con.register("failed_cells", failed.rename(columns={"column_name": "failed"}))
    con.execute(f'update "raw_{source.name}" as r set {blank} from failed_cells as f '
                f'where r.file_hash = f.file_hash and r."{ROW}" = f."{ROW}"')
    con.unregister("failed_cells")


def _stage_batch(con, source: Source, batch: list[tuple], extracts,
                 releases: dict[str, dict], rows: pa.Table | None = None) -> list[FileOutcome]:
    """Validate the pending deliveries of ``batch`` (their load-log rows; their records are in
    ``raw_<source>``), write the valid rows, the quarantined ones and the counts, then apply or
    hold each (``settle``). Validation runs in DuckDB (``sql_validation``; ``rows``: the records
    just written to raw_, as Arrow, read instead of raw_); where it declines, ``check_many``
    judges ``extracts()`` (the same records as text frames). The caller holds the transaction."""
    hashes = [p[0] for p in batch]
    when = now()
    origins = [{"source_file": p[1], "file_hash": p[0], "delivery_period": p[2], "loaded_at": when} for p in batch]
    done = sql_validation.validate(con, source, hashes, origins, rows) if sql_validation.engine() == "duckdb" \
        else None
    if done is None:
        results = check_many(extracts(), source)
        _insert(con, f"stg_{source.name}", [r.valid for r in results], origins)
        parts = [r.quarantine.assign(_delivery=d) for d, r in enumerate(results)]
        done = sql_validation.Validated(quarantine=pd.concat(parts, ignore_index=True),
                                        rows_loaded=[r.rows_loaded for r in results])
    if len(done.quarantine):
        # File, row, column, check, the failing value and why: never the whole record.
        at = done.quarantine["_delivery"].to_numpy()
        bad = done.quarantine.drop(columns="_delivery").assign(
            source=source.name, source_file=[batch[d][1] for d in at], file_hash=[batch[d][0] for d in at],
            quarantined_at=when)
        bad["failure_value"] = masked_values(bad["failure_value"])
        con.register("bad_rows", bad)
        con.execute("insert into quarantine by name select * from bad_rows")
        con.unregister("bad_rows")
        _blank_failed_cells(con, source, bad)
    counts = pd.DataFrame({"file_hash": hashes, "rows_loaded": done.rows_loaded})
    con.register("batch_counts", counts)
    con.execute(
        "update load_log set status = 'loaded', rows_loaded = c.rows_loaded, "
        "rows_quarantined = coalesce(q.n, 0), validated_at = ? "
        "from batch_counts c left join (select file_hash, count(distinct source_row) n from quarantine "
        "where source = ? group by file_hash) q on q.file_hash = c.file_hash "
        "where load_log.source = ? and load_log.file_hash = c.file_hash", [when, source.name, source.name])
    con.unregister("batch_counts")
    quarantined = dict(con.execute(
        "select file_hash, rows_quarantined from load_log where source = ? and file_hash in "
        "(select unnest(?::varchar[]))", [source.name, hashes]).fetchall())
    out = []
    for (digest, name, _period, rows_read, _), rows_loaded in zip(batch, done.rows_loaded):
        held = settle(con, source, digest, releases)
        out.append(FileOutcome(name, holding.HELD if held else "loaded", rows_read,
                               0 if held else rows_loaded, quarantined[digest],
                               message=_message(con, source, digest) if held else ""))
    return out
