"""Nights that do only what changed (pipelines/reuse.py), with real runs.

One demo is run twice into one data folder: first without the newest NEET month, then with it
(the incremental night). The same files are run once, cold, into another folder holding the
same earlier releases. The night remakes what reads stg_neet and what reads that, reuses the
other indicators' tables, and publishes exactly what the cold run publishes (bench.identical).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from bench import identical
from pipelines import reuse
from pipelines.settings import paths as resolve_paths

SCALE, SEED = 0.05, 11


def _reuse_flags(home: Path, run_id: str) -> dict[str, bool]:
    """asset key -> whether the run reused it (the ``reused_unchanged`` metadata)."""
    os.environ["DAGSTER_HOME"] = str(home)
    out = {}
    for entry in dg.DagsterInstance.get().all_logs(run_id):
        ev = entry.dagster_event
        if ev is not None and ev.event_type_value == "ASSET_MATERIALIZATION":
            meta = ev.event_specific_data.materialization.metadata
            if reuse.REUSED in meta:
                out[ev.asset_key.to_user_string()] = bool(meta[reuse.REUSED].value)
    return out


def _run(root: Path, force: bool = False):
    from pipelines.operations.runner import run

    os.environ["OBA_DATA_DIR"] = str(root / "data")
    os.environ["DAGSTER_HOME"] = str(root / "home")
    summary = run(resolve_paths(root / "data"), force=force)
    assert summary.ok, summary.report()
    return summary


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    from sources.generate import generate

    saved = {k: os.environ.get(k) for k in ("OBA_DATA_DIR", "DAGSTER_HOME", "OBA_AS_AT")}
    os.environ["OBA_AS_AT"] = "2026-10-31"
    try:
        files = tmp_path_factory.mktemp("files")
        generate(files, scale=SCALE, seed=SEED)
        newest = max(files.glob("neet_*.csv"), key=lambda f: f.name)
        inc, cold = tmp_path_factory.mktemp("incremental"), tmp_path_factory.mktemp("cold")
        for root in (inc, cold):
            resolve_paths(root / "data").ensure()
        for f in files.iterdir():
            if f != newest:
                shutil.copy2(f, inc / "data" / "landing" / f.name)
        first = _run(inc)
        # The cold run knows the releases the incremental one had made before its night.
        shutil.copytree(inc / "data" / "releases", cold / "data" / "releases")
        shutil.copy2(newest, inc / "data" / "landing" / newest.name)
        night = _run(inc)
        for f in files.iterdir():
            shutil.copy2(f, cold / "data" / "landing" / f.name)
        _run(cold)
        yield {"inc": inc, "cold": cold, "first": first, "night": night,
               "night_flags": _reuse_flags(inc / "home", night.run_id),
               "first_flags": _reuse_flags(inc / "home", first.run_id)}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_the_first_night_makes_everything(nights):
    flags = nights["first_flags"]
    assert flags and not any(flags.values()), flags


def test_a_night_with_one_neet_month_remakes_only_what_depends_on_neet(nights):
    """EH07 (NEET) is made again; every indicator that reads neither stg_neet nor what the NEET
    file adds to (the quarantine) is kept. What is built from EH07 is made again only if EH07's
    table changed (a month outside a complete December-February window changes no figure)."""
    from indicators import catalogue as cat
    from pipelines.compute.assets import indicator_reads

    flags = nights["night_flags"]
    assert flags.get(cat.indicator("EH07").table) is False
    kept = {k for k, v in flags.items() if v}
    with duckdb.connect(str(nights["inc"] / "data" / "warehouse" / "oba.duckdb"), read_only=True) as con:
        for ind in cat.indicators():
            reads = indicator_reads(con, ind)
            if not {"stg_neet", "quarantine", "raw_neet"} & set(reads):
                assert ind.table in kept, (ind.table, reads)
    assert len(kept) >= 8, flags


def test_the_incremental_night_publishes_what_a_cold_run_publishes(nights, tmp_path):
    ref = tmp_path / "cold_dump"
    identical.dump(nights["cold"] / "data" / "warehouse" / "oba.duckdb", ref)
    problems = identical.check(nights["inc"] / "data" / "warehouse" / "oba.duckdb", ref)
    assert problems == []


def test_steps_where_nothing_changed_are_reused(nights, tmp_path):
    """After the night, nothing has changed: each indicator step, run again on the build (as the
    next run would), keeps what it made. (The published table and its certificate are made again
    once: the night's publication is one more earlier release to protect.)"""
    from indicators import catalogue as cat
    from pipelines.compute.assets import make_indicator

    build = tmp_path / "build.duckdb"
    shutil.copy2(nights["inc"] / "data" / "warehouse" / "build" / "oba.duckdb", build)
    with duckdb.connect(str(build)) as con:
        assert not any(make_indicator(con, ind) for ind in cat.indicators())


def test_a_table_changed_by_hand_is_made_again(nights, tmp_path):
    """The reuse is refused when a table a step wrote is not as the step left it."""
    from indicators import catalogue as cat

    table = cat.indicator("EH05").table
    build = tmp_path / "build.duckdb"
    shutil.copy2(nights["inc"] / "data" / "warehouse" / "build" / "oba.duckdb", build)
    with duckdb.connect(str(build)) as con:
        row = con.execute("select inputs from meta_reuse where step = ?", [table]).fetchone()
        assert reuse.reused(con, table, row[0], [table]) is not None
        con.execute(f"update {table} set numerator = numerator + 1 where rowid = 0")
        assert reuse.reused(con, table, row[0], [table]) is None
        assert reuse.reused(con, table, "another digest", [table]) is None


def test_the_next_attack_solves_only_the_groups_that_changed(nights, tmp_path):
    """The night's blocking check kept its groups of hidden cells (meta_reuse_parts); attacking
    the build again, now beside the night's own release too, solves only the groups whose cells
    a release changed and gives the certificate a cold attack gives."""
    from indicators import releases

    build = tmp_path / "build.duckdb"
    shutil.copy2(nights["inc"] / "data" / "warehouse" / "build" / "oba.duckdb", build)
    data = nights["inc"] / "data"
    with duckdb.connect(str(build)) as con:
        kept = con.execute("select count(*) from meta_reuse_parts where step = ?", [reuse.CERTIFICATE]).fetchone()[0]
        parts = reuse.Parts(con, reuse.CERTIFICATE, None)
        again = releases.certify_warehouse(con, data, parts)
        cold = releases.certify_warehouse(con, data)
    groups = again["attack"]["groups"]
    assert kept > 0 and groups["reused"] > 0
    assert groups["attacked"] + groups["reused"] == cold["attack"]["groups"]["attacked"]
    for cert in (again, cold):
        cert.pop("made_at")
        cert["attack"].pop("seconds")
        cert["attack"].pop("groups")
    assert again == cold


def test_table_digest_sees_every_change(tmp_path):
    with duckdb.connect() as con:
        con.execute("create table t as select range as a, range::varchar as b from range(100)")
        before = reuse.table_digest(con, "t")
        con.execute("insert into t values (1, '1')")                # a repeated row counts
        repeated = reuse.table_digest(con, "t")
        con.execute("delete from t where rowid = (select max(rowid) from t)")
        assert reuse.table_digest(con, "t") == before != repeated
        con.execute("update t set b = 'x' where a = 50")
        assert reuse.table_digest(con, "t") != before
        assert reuse.table_digest(con, "absent_table").endswith(":absent")


def test_table_digests_of_views_temp_tables_and_odd_names():
    with duckdb.connect() as con:
        con.execute("create table t as select range as a, range::varchar as b from range(100)")
        con.execute("create table \"odd name\" (x double, y varchar[])")
        con.execute("create view v as select a from t where a < 10")
        con.execute("create temp table tmp as select 1 as z")
        names = ["t", "odd name", "v", "tmp", "absent_table", "t"]
        before = reuse.table_digests(con, names)
        assert sorted(before) == sorted(set(names)) and before["absent_table"].endswith(":absent")
        assert before["odd name"].startswith("odd name:[('x', 'DOUBLE'), ('y', 'VARCHAR[]')]:0:")
        con.execute("insert into \"odd name\" values (1.5, ['a'])")
        con.execute("update t set b = 'x' where a = 5")            # inside the view's rows? no: b is not in it
        con.execute("insert into tmp values (2)")
        after = reuse.table_digests(con, names)
        assert [n for n in sorted(set(names)) if after[n] != before[n]] == ["odd name", "t", "tmp"]
        con.execute("update t set a = 1000 where a = 3")           # a row of the view changes
        assert reuse.table_digests(con, ["v"])["v"] != after["v"]
        assert reuse.table_digests(con, []) == {}