"""Safe publishing: the private build file becomes the warehouse officers open, atomically.

Every asset writes ``paths.build``. ``published_warehouse`` depends on every other asset
of the code location, so it runs last and only when nothing upstream failed and no
blocking check failed. It checkpoints the build, copies it next to ``paths.warehouse``,
proves the copy opens, and ``os.replace``s it into place: a reader holding the old file
open keeps reading the old inode and never blocks the run, and a run that fails or is
killed before the replace leaves the published file exactly as it was.

A content fingerprint (deliveries in load_log + indicator definitions, targets, SQL and
code) is stored in ``meta_publish``; when it matches the published one the replace is
skipped, so an unchanged run changes nothing that officers see.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from indicators import releases
from pipelines import reuse
from pipelines.ingest.holding import LIVE
from pipelines.release import column_docs, shareable
from pipelines.warehouse import Warehouse, engine_config, table_exists
from pipelines.settings import PROJECT_ROOT, Paths, definitions_digest
from pipelines.release.run_log import ensure_meta_tables, record_runs

KEY = "published_warehouse"
INPUTS_TAG = "oba/inputs"
GROUP = "publish"
ROOT = PROJECT_ROOT


def fingerprint(con: duckdb.DuckDBPyConnection, asset_keys: list[str], root: Path = ROOT) -> str:
    """Digest of what the published content depends on: deliveries, definitions, the asset list."""
    h = hashlib.sha256()
    if table_exists(con, "load_log"):
        for row in con.execute("select source, source_file, file_hash, status, rows_loaded, rows_quarantined "
                               "from load_log order by source, file_hash").fetchall():
            h.update(repr(row).encode())
    h.update("\n".join(sorted(asset_keys)).encode())
    h.update(definitions_digest(root).encode())
    return h.hexdigest()


def inputs_digest(landing: Path, root: Path = ROOT) -> str:
    """Digest of what a run would start from: landing files (name, mtime, size) and definitions."""
    from pipelines.ingest.landing import landing_state

    state, _ = landing_state(landing)
    return hashlib.sha256((json.dumps(state, sort_keys=True) + definitions_digest(root)).encode()).hexdigest()


def last_publication(target: Path) -> dict | None:
    """The newest meta_publish row of the file officers have now; None if missing or unreadable."""
    if not target.exists():
        return None
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error:
        return None
    try:
        if not table_exists(con, "meta_publish"):
            return None
        cur = con.execute("select * from meta_publish order by published_at desc limit 1")
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row)) if row else None
    finally:
        con.close()


def published_fingerprint(target: Path) -> str | None:
    """The fingerprint of the file officers have now; None if missing or unreadable (then publish)."""
    last = last_publication(target)
    return last["fingerprint"] if last else None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Publication:
    published: bool
    fingerprint: str
    target: Path
    bytes: int = 0
    tables: int = 0
    seconds: float = 0.0
    undocumented: list = None         # (table, column) still without a DuckDB comment
    release: str | None = None        # the release recorded (indicators.releases), with its certificate


def copy_into_place(build: Path, target: Path) -> int:
    """Copy the (checkpointed, closed) build file over ``target`` atomically; returns its size."""
    wal = build.with_name(build.name + ".wal")
    if wal.exists() and wal.stat().st_size:
        raise RuntimeError(f"{wal} still holds changes after CHECKPOINT; not publishing a partial file")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.publishing")
    tmp.unlink(missing_ok=True)           # left behind by a run killed mid-copy
    try:
        shutil.copyfile(build, tmp)
        check = duckdb.connect(str(tmp), read_only=True)   # a copy that does not open is never published
        try:
            check.execute("select count(*) from meta_publish").fetchone()
        finally:
            check.close()
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)       # a full disk must not also keep half a copy
        raise
    _fsync(target.parent)                 # make the rename itself durable
    return target.stat().st_size


def certify_release(con: duckdb.DuckDBPyConnection, paths: Paths, digest: str, started: dt.datetime,
                    run_id: str | None = None):
    """(exact values, published table, certificate, the shareable file's tables) of the release this publication makes, with
    every earlier release still public; None when the build holds no published indicator table.
    Raises (so nothing is published) when the certificate fails."""
    if not (table_exists(con, "indicator_values_published") and table_exists(con, "indicator_values")):
        return None
    values = con.execute("select * from indicator_values").df()
    published = con.execute("select * from indicator_values_published").df()
    release_id = started.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + digest[:8]
    earlier = releases.public(paths.data_dir)
    # The certificate the blocking check made of these tables in this run, unless they changed since.
    cert, _ = reuse.certificate(con, run_id, releases.CERTIFIED_TABLES, releases.folder(paths.data_dir),
                                lambda parts: releases.certify_warehouse(con, paths.data_dir, parts))
    cert = releases.named(cert, release_id)
    values = releases.effective(values, published, earlier)   # what this release was made from
    if not cert["passed"]:
        raise RuntimeError(f"release {release_id} refused: its disclosure certificate failed "
                           f"({len(cert['failures'])} failure(s), e.g. {cert['failures'][0]})")
    return values, published, cert, shareable.frames(con), releases.read_kept(con, LIVE)


def publish(paths: Paths, asset_keys: list[str], run_id: str | None, instance: dg.DagsterInstance | None = None,
            force: bool = False, inputs: str | None = None) -> Publication:
    """Record the run history in the build, then publish it unless its fingerprint is unchanged."""
    started = dt.datetime.now()
    with duckdb.connect(str(paths.build), config=engine_config()) as con:
        ensure_meta_tables(con)
        if instance is not None and run_id:
            record_runs(con, instance, run_id)
        # Comments are not content: documenting a column never changes the fingerprint.
        bare = column_docs.document(con)
        digest = fingerprint(con, asset_keys)
        if not force and digest == published_fingerprint(paths.warehouse):
            return Publication(False, digest, paths.warehouse, undocumented=bare)
        release = certify_release(con, paths, digest, started, run_id)
        tables = con.execute("select count(*) from information_schema.tables where table_schema = 'main'"
                             ).fetchone()[0]
        con.execute("insert into meta_publish by name select ? as fingerprint, ? as run_id, ? as published_at, "
                    "? as tables, ? as bytes, ? as inputs",
                    [digest, run_id, started.replace(microsecond=0), tables, paths.build.stat().st_size, inputs])
        con.execute("checkpoint")
    if release is not None:
        # Kept before anything leaves: a release recorded but not published only makes the next stricter.
        values, published, cert, shared, kept = release
        releases.record(paths.data_dir, cert["release_id"], values, published, cert, kept)
        shareable.write(shared, shareable.shareable_path(paths), cert)
    size = copy_into_place(paths.build, paths.warehouse)
    return Publication(True, digest, paths.warehouse, size, tables, (dt.datetime.now() - started).total_seconds(),
                       bare, release[2]["release_id"] if release else None)


def build_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish asset, depending on ``upstream`` (every other asset in the code location)."""
    keys = sorted(k.to_user_string() for k in upstream)

    @dg.asset(name=KEY, group_name=GROUP, deps=upstream, kinds={"duckdb"},
              description="The warehouse performance officers open (read-only): the build file, copied and "
                          "swapped in atomically after every blocking check passed; unchanged content is not "
                          "re-published.")
    def published_warehouse(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        paths = warehouse.paths()
        # `oba run` tags its runs with the inputs digest it started from (see runner.run).
        result = publish(paths, keys, context.run_id, context.instance, inputs=context.run.tags.get(INPUTS_TAG))
        if result.published:
            context.log.info(f"published {paths.warehouse} ({result.bytes / 1e6:.1f} MB, {result.tables} tables)")
        else:
            context.log.info(f"nothing changed since the last publication; {paths.warehouse} left as it is")
        if result.undocumented:
            context.log.warning(f"{len(result.undocumented)} column(s) have no DuckDB comment: " + ", ".join(
                f"{t}.{c}" for t, c in result.undocumented[:20]))
        return dg.MaterializeResult(metadata={
            "published": result.published, "path": dg.MetadataValue.path(str(paths.warehouse)),
            "fingerprint": result.fingerprint, "bytes": result.bytes, "tables": result.tables,
            "seconds": round(result.seconds, 2), "undocumented_columns": len(result.undocumented or []),
            "release": result.release or "none"})

    return published_warehouse


def with_publish(assets: list) -> list:
    """``assets`` plus the publish asset, which depends on every asset key they define."""
    # External assets (AssetSpec, observable sources) are never materialised by a run,
    # so depending on them would only make the publish step wait for nothing.
    upstream = sorted({key for a in assets if isinstance(a, dg.AssetsDefinition) and a.is_materializable
                       for key in a.keys}, key=lambda k: k.path)
    return [*assets, build_asset(upstream)]
