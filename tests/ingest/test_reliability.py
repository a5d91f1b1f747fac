"""Reliability: what a night can throw at the pipeline, end to end on real DuckDB files.

Each test drops deliveries into a temporary landing folder and runs a real Dagster run of
the NEET ingest assets, their delivery checks and the publish step (the same definitions
the code location uses, restricted to one source so the suite stays fast). Each ends with
a clear message and a load log that reconciles.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
import duckdb
from pipelines.warehouse import Warehouse
from neet_runs import (  # noqa: F401  (baseline is a fixture)
    NEET, HEADER, neet_rows, write_neet, neet_defs, run_neet, check_results, digest, published_rows, assert_log_reconciles, baseline)


def test_reader_holding_the_published_warehouse_does_not_block_a_run(baseline):
    target = baseline / "warehouse" / "oba.duckdb"
    reader = duckdb.connect(str(target), read_only=True)
    try:
        assert reader.execute("select count(*) from stg_neet").fetchone()[0] == 80
        write_neet(baseline / "landing", "2026-09", 30, start=2000)
        started = time.perf_counter()
        result = run_neet(baseline)
        assert result.success and time.perf_counter() - started < 60
        # The officer's open connection still reads the file it opened, undisturbed...
        assert reader.execute("select count(*) from stg_neet").fetchone()[0] == 80
    finally:
        reader.close()
    # ...and the next connection sees the new publication.
    assert published_rows(baseline) == 110
    assert_log_reconciles(baseline)


def test_unchanged_run_does_not_touch_the_published_file(baseline):
    target = baseline / "warehouse" / "oba.duckdb"
    before = (digest(target), target.stat().st_ino, target.stat().st_mtime_ns)
    result = run_neet(baseline)
    assert result.success
    meta = result.asset_materializations_for_node("published_warehouse")[0].metadata
    assert meta["published"].value is False
    assert (digest(target), target.stat().st_ino, target.stat().st_mtime_ns) == before


def test_killed_run_leaves_the_published_warehouse_intact(baseline):
    target = baseline / "warehouse" / "oba.duckdb"
    before = digest(target)
    for i, month in enumerate(["2025-%02d" % m for m in range(1, 13)]):
        write_neet(baseline / "landing", month, 3000, start=10_000 * (i + 1))
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parents[1])!r})
        from pathlib import Path
        from neet_runs import run_neet
        run_neet(Path({str(baseline)!r}))
    """)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True, env=env,
                             cwd=Path(__file__).parents[2])
    try:
        for line in child.stderr:      # kill it once it is loading the new deliveries
            if 'Started execution of step "ingest_neet"' in line:
                time.sleep(0.5)
                break
        assert child.poll() is None, "the run finished before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert digest(target) == before                 # not a byte changed
    assert published_rows(baseline) == 80           # and it opens and answers queries
    result = run_neet(baseline)                     # the next run recovers the build and completes
    assert result.success
    assert published_rows(baseline) == 80 + 12 * 3000
    assert_log_reconciles(baseline)


def test_corrupt_or_truncated_extract(baseline):
    landing = baseline / "landing"
    # A binary file with a CSV name (a corrupt transfer) and a file cut off mid-record.
    (landing / "neet_2026-09.csv").write_bytes(b"\x00\x9f\x92\x96PK\x03\x04" * 200)
    truncated = "\n".join([HEADER, *neet_rows("2026-10", 20)])
    (landing / "neet_2026-10.csv").write_text(truncated[: len(truncated) - 25])
    result = run_neet(baseline)
    found = check_results(result)
    assert found["load_log_reconciles"].passed
    log = {r[0]: r for r in assert_log_reconciles(baseline)}
    assert log["neet_2026-09.csv"][1] in ("failed", "rejected")
    assert log["neet_2026-09.csv"][6]                            # says why
    assert not found["deliveries_accepted"].passed
    assert "neet_2026-09.csv" in found["deliveries_accepted"].description
    cut = log["neet_2026-10.csv"]
    assert cut[2] == 20 and cut[3] == 19 and cut[4] == 1     # the cut record is quarantined, not lost
    assert result.success                                    # warnings only: the rest is published
    assert published_rows(baseline) == 80 + 19


def test_duplicated_delivery(baseline):
    landing = baseline / "landing"
    (landing / "neet_2026-08_v1.csv").write_bytes((landing / "neet_2026-08.csv").read_bytes())
    result = run_neet(baseline)
    found = check_results(result)
    assert result.success
    assert "identical to neet_2026-08.csv" in found["deliveries_accepted"].description
    assert_log_reconciles(baseline)
    assert published_rows(baseline) == 80                    # not loaded twice


def test_empty_files(baseline):
    """A header-only or zero-byte file loses nothing: a warning, and the rest is published."""
    (baseline / "landing" / "neet_2026-09.csv").write_text(HEADER + "\n")
    (baseline / "landing" / "neet_2026-10.csv").write_bytes(b"")
    result = run_neet(baseline)
    found = check_results(result)
    assert result.success and found["no_empty_delivery"].passed
    text = found["deliveries_accepted"].description
    assert "neet_2026-09.csv (no records)" in text and "neet_2026-10.csv" in text
    assert_log_reconciles(baseline)
    assert published_rows(baseline) == 80


def test_empty_reissue_is_held_until_corrected(baseline):
    (baseline / "landing" / "neet_2026-08_v2.csv").write_text(HEADER + "\n")    # would blank out August
    result = run_neet(baseline)
    found = check_results(result)
    assert result.success                                     # the night publishes; the re-issue is held
    assert found["no_empty_delivery"].passed
    assert "neet_2026-08_v2.csv (held" in found["deliveries_accepted"].description
    assert "published_warehouse" in {e.asset_key.path[0] for e in result.get_asset_materialization_events()}
    assert published_rows(baseline) == 80                     # August keeps its 40 rows
    assert_log_reconciles(baseline)
    # The documented recovery: a corrected re-issue for the period unblocks the next run.
    write_neet(baseline / "landing", "2026-08", 25, suffix="_v3", start=5000)
    assert run_neet(baseline).success
    assert published_rows(baseline) == 65


def test_wrong_columns_are_refused_whole(baseline):
    (baseline / "landing" / "neet_2026-09.csv").write_text("pupil,score,comment\n1,2,three\n4,5,six\n")
    result = run_neet(baseline)
    found = check_results(result)
    log = {r[0]: r for r in assert_log_reconciles(baseline)}
    status, message = log["neet_2026-09.csv"][1], log["neet_2026-09.csv"][6]
    assert status == "rejected" and "column" in message.lower()
    assert not found["deliveries_accepted"].passed and "rejected" in found["deliveries_accepted"].description
    assert result.success and published_rows(baseline) == 80


def test_very_large_field(baseline):
    rows = neet_rows("2026-09", 10, start=3000)
    huge = rows[3].split(",")
    huge[9] = "M" * 5_000_000                                # a 5 MB "sex" value: a broken export
    rows[3] = ",".join(huge)
    (baseline / "landing" / "neet_2026-09.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    result = run_neet(baseline)
    found = check_results(result)
    log = {r[0]: r for r in assert_log_reconciles(baseline)}
    status = log["neet_2026-09.csv"][1]
    # One broken record is quarantined with a short reason; the other nine rows load.
    assert status == "loaded" and log["neet_2026-09.csv"][2:5] == (10, 9, 1)
    con = duckdb.connect(str(baseline / "warehouse" / "build" / "oba.duckdb"), read_only=True)
    reason, value = con.execute("select reason, failure_value from quarantine "
                                "where check_name = 'field_too_long'").fetchone()
    con.close()
    assert reason == "sex is 5,000,000 characters long (limit 10,000)" and len(value) < 100
    assert found["quarantine_share"].passed       # 1 of 10, within the small-source allowance
    assert result.success and published_rows(baseline) == 89


def test_oba_run_refuses_politely_while_another_process_writes_the_build(baseline):
    from pipelines.operations.runner import run
    from pipelines.settings import paths

    p = paths(baseline)
    script = (f"import duckdb, time; c = duckdb.connect({str(p.build)!r}); print('locked', flush=True); "
              f"time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        write_neet(baseline / "landing", "2026-09", 10, start=7000)
        summary = run(p)
        assert not summary.ok and "another run is writing it" in summary.report()
    finally:
        holder.kill()
        holder.wait()
    assert published_rows(baseline) == 80


def test_duckdb_memory_in_a_run_is_bounded_and_can_be_set(tmp_path, monkeypatch):
    """DuckDB's own default is 80% of the machine; the pipeline's connections to the build
    file hold at most ``MEMORY_LIMIT`` (then DuckDB spills to disk), or ``OBA_DUCKDB_MEMORY``."""
    from pipelines.warehouse import MEMORY_LIMIT

    monkeypatch.delenv("OBA_DUCKDB_MEMORY", raising=False)
    wh = Warehouse(data_dir=str(tmp_path))

    def limit() -> int:
        with wh.connect() as con:
            return con.execute("select current_setting('memory_limit')").fetchone()[0]

    assert limit() == duckdb.connect(config={"memory_limit": MEMORY_LIMIT}).execute(
        "select current_setting('memory_limit')").fetchone()[0]
    assert MEMORY_LIMIT.endswith("MB") and int(MEMORY_LIMIT[:-2]) <= 2048
    monkeypatch.setenv("OBA_DUCKDB_MEMORY", "3GB")
    assert limit() == duckdb.connect(config={"memory_limit": "3GB"}).execute(
        "select current_setting('memory_limit')").fetchone()[0] != duckdb.connect().execute(
        "select current_setting('memory_limit')").fetchone()[0]
