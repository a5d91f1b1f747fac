"""The whole code location, end to end through ``oba run`` and ``oba status``, on small demo data."""

import hashlib

import duckdb
import pytest

from pipelines.operations import cli
from pipelines.operations.runner import run
from pipelines.settings import paths as resolve_paths
from pipelines.settings import PROJECT_ROOT
from sources.generate import generate


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("ops")
    mp = pytest.MonkeyPatch()
    mp.setenv("OBA_DATA_DIR", str(root / "data"))
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    mp.setenv("OBA_AS_AT", "2026-10-31")
    p = resolve_paths(root / "data").ensure()
    generate(p.landing, scale=0.05, seed=11)
    first = run(p)
    yield p, first
    mp.undo()


def test_full_run_publishes_and_passes_every_blocking_check(demo):
    p, first = demo
    assert first.ok, first.report()
    assert first.published is True and p.warehouse.exists()
    assert not [w for w in first.warnings if w[0].endswith(":fresh")]      # the demo is fresh on its date
    con = duckdb.connect(str(p.warehouse), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert {"load_log", "quarantine", "meta_runs", "meta_publish", "meta_run_sources"} <= tables
        run_row = con.execute("select status, triggered_by, published, assets_materialised from meta_runs "
                              "where run_id = ?", [first.run_id]).fetchone()
        assert run_row[:3] == ("publishing", "oba run", True) and run_row[3] >= 34
        assert con.execute("select sum(files_received) from meta_run_sources where run_id = ?",
                           [first.run_id]).fetchone()[0] > 100
        if "indicator_values" in tables:
            assert (p.quality / "data_docs" / "index.html").exists()
    finally:
        con.close()


def test_unchanged_oba_run_is_quick_and_changes_nothing(demo, capsys):
    p, _ = demo
    before = (digest(p.warehouse), p.warehouse.stat().st_ino)
    assert cli.main(["run"]) == 0
    out = capsys.readouterr().out
    assert "Nothing to do" in out and str(p.warehouse) in out
    # Forced through Dagster, the publish step still finds nothing new to publish.
    forced = run(p, ["raw_neet", "stg_neet", "published_warehouse"])
    assert forced.ok and forced.published is False, forced.report()
    assert (digest(p.warehouse), p.warehouse.stat().st_ino) == before


def test_failed_run_exits_non_zero_and_keeps_the_published_warehouse(demo, capsys):
    p, _ = demo
    before = digest(p.warehouse)
    # A local targets file naming a measure that does not exist stops the run (a bad delivery
    # would only be held: tests/operations/test_held_deliveries.py).
    targets = p.settings / "targets.csv"
    targets.parent.mkdir(parents=True, exist_ok=True)
    packaged = (PROJECT_ROOT / "indicators" / "targets.csv").read_text()
    header = next(ln for ln in packaged.splitlines() if ln and not ln.startswith("#"))
    targets.write_text(header + "\n" + ",".join(["eh99_no_such_measure"] + ["1"] * (header.count(","))) + "\n")
    try:
        assert cli.main(["run"]) == 1
        out = capsys.readouterr().out
        assert "FAILED" in out and "eh99_no_such_measure" in out and "NOT updated" in out
        assert digest(p.warehouse) == before
        assert cli.main(["status"]) == 0
        status = capsys.readouterr().out
        assert "FAILURE" in status                                       # the failed run, from the instance
        assert "neet" in status and "Freshness on 2026-10-31" in status
    finally:
        targets.unlink()
