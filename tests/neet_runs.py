"""NEET deliveries and one-source Dagster runs for the reliability and delivery tests."""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.ingest import assets as ingest
from pipelines.release import publish
from pipelines.warehouse import Warehouse
from sources.catalogue import get

NEET = get("neet")
HEADER = "extract_month,child_id,academic_age,activity_code,send,care_leaver,young_parent,youth_justice,ward_code,sex"


def neet_rows(month: str, n: int, start: int = 0) -> list[str]:
    """``n`` valid NEET records for ``month`` (YYYY-MM), as a sender's CSV lines."""
    y, m = month.split("-")
    return [f"01/{m}/{y},{start + i:016x},{16 + i % 3},{('140', '130', '540')[i % 3]},0,{i % 2},0,0,E05012437,"
            f"{'MF'[i % 2]}" for i in range(n)]


def write_neet(landing: Path, month: str, n: int, suffix: str = "", start: int = 0) -> Path:
    path = landing / f"neet_{month}{suffix}.csv"
    path.write_text("\n".join([HEADER, *neet_rows(month, n, start)]) + "\n")
    return path


def neet_defs(data_dir: Path) -> dg.Definitions:
    assets = [a for a in ingest.assets if dg.AssetKey("stg_neet") in a.keys]
    return dg.Definitions(assets=publish.with_publish(assets),
                          resources={"warehouse": Warehouse(data_dir=str(data_dir))},
                          executor=dg.in_process_executor)


def run_neet(data_dir: Path) -> dg.ExecuteInProcessResult:
    job = neet_defs(data_dir).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(raise_on_error=False, instance=dg.DagsterInstance.ephemeral())


def check_results(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.event_specific_data.check_name: e.event_specific_data for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_rows(data_dir: Path) -> int:
    con = duckdb.connect(str(data_dir / "warehouse" / "oba.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from stg_neet").fetchone()[0]
    finally:
        con.close()


def assert_log_reconciles(data_dir: Path) -> list[tuple]:
    """Every file in the build's load log accounts for its records; returns the log."""
    con = duckdb.connect(str(data_dir / "warehouse" / "build" / "oba.duckdb"), read_only=True)
    try:
        log = con.execute("select source_file, status, rows_read, rows_loaded, rows_quarantined, "
                          "rows_refused + rows_superseded + rows_held, message from load_log order by source_file").fetchall()
        staged = con.execute("select count(*) from stg_neet").fetchone()[0]
    finally:
        con.close()
    for name, status, read, loaded, quarantined, gone, _ in log:      # gone = refused + superseded + held
        assert status != "pending", name
        assert read == loaded + quarantined + gone, (name, status, read, loaded, quarantined, gone)
    assert staged == sum(r[3] for r in log if r[1] == "loaded")
    return log


@pytest.fixture
def baseline(data_dir):
    """A landing folder with two good months, run and published once."""
    landing = data_dir / "landing"
    write_neet(landing, "2026-07", 40)
    write_neet(landing, "2026-08", 40, start=1000)
    result = run_neet(data_dir)
    assert result.success
    assert published_rows(data_dir) == 80
    return data_dir
