"""The event log storage of the project's instance (pipelines.operations.event_log): Dagster's
SQLite files and format with the connections kept open. Real runs on a real instance."""

import threading
import time
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log import SqliteEventLogStorage

from pipelines.operations.event_log import EventLogStorage

ROOT = Path(__file__).resolve().parents[2]


@dg.asset
def first():
    return 1


@dg.asset(deps=[first], check_specs=[dg.AssetCheckSpec("positive", asset="second")])
def second():
    yield dg.Output(2)
    yield dg.AssetCheckResult(check_name="positive", passed=True)


def _instance(home: Path, monkeypatch) -> dg.DagsterInstance:
    (home / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return dg.DagsterInstance.from_config(str(home))


def _run(instance):
    job = dg.Definitions(assets=[first, second], jobs=[dg.define_asset_job("j")]).resolve_job_def("j")
    return job.execute_in_process(instance=instance)


def test_runs_are_recorded_in_dagsters_own_files_and_format(tmp_path, monkeypatch):
    with _instance(tmp_path, monkeypatch) as instance:
        assert isinstance(instance.event_log_storage, EventLogStorage)
        result = _run(instance)
        assert result.success
        written = instance.all_logs(result.run_id)
    # Dagster's own storage, in a fresh object, reads every event back from the same files.
    stock = SqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    read = stock.get_logs_for_run(result.run_id)
    assert [e.dagster_event_type for e in read] == [e.dagster_event_type for e in written]
    assert stock.get_latest_materialization_events([dg.AssetKey("second")])[dg.AssetKey("second")] is not None
    check = stock.get_latest_asset_check_execution_by_key([dg.AssetCheckKey(dg.AssetKey("second"), "positive")])
    assert check[dg.AssetCheckKey(dg.AssetKey("second"), "positive")].status.value == "SUCCEEDED"
    stock.dispose()


def test_a_watcher_sees_events_written_while_the_writers_connection_is_open(tmp_path, monkeypatch):
    """The UI follows a running run by watching its file: events in the WAL reach it too."""
    with _instance(tmp_path, monkeypatch) as writer, _instance(tmp_path, monkeypatch) as reader:
        run_id = _run(writer).run_id
        seen, arrived = [], threading.Event()

        def callback(entry, cursor):
            seen.append(entry.message)
            if "hello from the run" in (entry.message or ""):
                arrived.set()

        reader.event_log_storage.watch(run_id, None, callback)
        try:
            time.sleep(0.5)
            writer.report_engine_event("hello from the run", writer.get_run_by_id(run_id))
            assert arrived.wait(20), seen
        finally:
            reader.event_log_storage.end_watch(run_id, callback)


def test_wipe_deletes_run_files_it_holds_open(tmp_path, monkeypatch):
    with _instance(tmp_path, monkeypatch) as instance:
        run_id = _run(instance).run_id
        instance.event_log_storage.wipe()
        assert not (tmp_path / "history" / "runs" / f"{run_id}.db").exists()
        assert instance.all_logs(run_id) == []


def test_a_home_seeded_by_oba_opens_without_dagster_home_set(tmp_path, monkeypatch):
    """``runner.dagster_home`` writes the home's own folder into its copy of dagster.yaml, so
    ``DagsterInstance.from_config(home)`` finds the event logs with DAGSTER_HOME unset."""
    from pipelines.operations.runner import HOME_FROM_ENV, dagster_home
    from pipelines.settings import paths

    assert HOME_FROM_ENV in (ROOT / "dagster.yaml").read_text()
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = dagster_home(paths(tmp_path))
    assert "DAGSTER_HOME" not in (home / "dagster.yaml").read_text().split("event_log_storage:")[1]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, EventLogStorage)
        assert Path(instance.event_log_storage._base_dir) == home / "history" / "runs"
        assert _run(instance).success
    assert list((home / "history" / "runs").glob("*.db"))
