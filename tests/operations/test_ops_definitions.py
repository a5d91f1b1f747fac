"""The code location loads and holds every asset, check, schedule and sensor operations rely on."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines.ingest.delivery_checks import BLOCKING, WARNINGS
from pipelines.definitions import defs
from pipelines.release.publish import KEY as PUBLISH
from sources.catalogue import SOURCES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def test_every_ingest_asset_and_the_publish_step_are_present(graph):
    keys = {k.to_user_string() for k in graph.materializable_asset_keys}
    for s in SOURCES:
        assert {f"raw_{s.name}", f"stg_{s.name}"} <= keys, s.name
    assert PUBLISH in keys


def test_publish_depends_on_every_other_asset(graph):
    """Everything except the outputs layer, wired after publishing (papers read the build)."""
    from pipelines import outputs

    after = {k for a in outputs.definitions().assets for k in a.keys}
    others = {k for k in graph.materializable_asset_keys if k.to_user_string() != PUBLISH} - after
    parents = set(graph.get(dg.AssetKey(PUBLISH)).parent_keys)
    assert parents == others
    assert {k.to_user_string() for k in parents} >= {f"stg_{s.name}" for s in SOURCES}


def test_every_delivery_check_is_present_and_blocking_where_it_must_be(graph):
    specs = {(c.asset_key.to_user_string(), c.name): graph.get_check_spec(c) for c in graph.asset_check_keys}
    for s in SOURCES:
        for name in BLOCKING:
            assert specs[(f"stg_{s.name}", name)].blocking, (s.name, name)
        for name in WARNINGS:
            assert not specs[(f"stg_{s.name}", name)].blocking, (s.name, name)
    if dg.AssetKey("scorecard") in graph.materializable_asset_keys:
        assert specs[("scorecard", "great_expectations_suite")].blocking


def test_schedule_and_sensor(graph):
    nightly = defs.resolve_schedule_def("nightly")
    assert nightly.cron_schedule == "0 2 * * *" and nightly.execution_timezone == "Europe/London"
    assert nightly.job_name == "everything"
    assert nightly.default_status == dg.DefaultScheduleStatus.RUNNING
    sensor = defs.resolve_sensor_def("landing_folder")
    assert sensor.job_name == "everything"


def test_job_runs_in_process(graph):
    job = defs.resolve_job_def("everything")
    assert job.executor_def.name == dg.in_process_executor.name


def test_dagster_definitions_validate_passes(tmp_path):
    """The check the CLI runs before the UI and the daemon load the code location."""
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path), OBA_DATA_DIR=str(tmp_path / "data"))
    (tmp_path / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    out = subprocess.run([str(Path(sys.executable).parent / "dagster"), "definitions", "validate",
                          "-m", "pipelines.definitions"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Validation successful" in out.stdout + out.stderr


def test_instance_config_suits_a_single_writer(tmp_path, monkeypatch):
    (tmp_path / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))   # as oba, the UI and the daemon load it
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        events = instance.event_log_storage
        assert type(events).__name__ == "EventLogStorage"   # pipelines.operations.event_log
        assert Path(events._base_dir) == tmp_path / "history" / "runs"   # Dagster's own place
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 1
        assert not instance.telemetry_enabled
    finally:
        instance.dispose()


def test_nightly_schedule_requests_the_whole_job_at_two_in_the_morning_uk_time():
    import datetime as dt
    from zoneinfo import ZoneInfo

    nightly = defs.resolve_schedule_def("nightly")
    when = dt.datetime(2026, 7, 1, 2, 0, tzinfo=ZoneInfo("Europe/London"))   # BST: 01:00 UTC
    ctx = dg.build_schedule_context(scheduled_execution_time=when)
    requests = nightly.evaluate_tick(ctx).run_requests
    assert len(requests) == 1 and requests[0].asset_selection is None          # everything
    from dagster._utils.schedules import cron_string_iterator   # what the daemon uses to place ticks

    ticks = cron_string_iterator(dt.datetime(2026, 6, 30, 12, tzinfo=dt.timezone.utc).timestamp(),
                                 nightly.cron_schedule, nightly.execution_timezone)
    first = next(ticks)
    assert first.astimezone(dt.timezone.utc) == dt.datetime(2026, 7, 1, 1, 0, tzinfo=dt.timezone.utc)


def test_great_expectations_is_imported_in_the_background_from_the_run_start():
    """The resource starts the slow GX import when a run begins; the check waits for it."""
    code = ("import sys, dagster as dg\n"
            "from pipelines.compute.expectations import GreatExpectations\n"
            "assert 'great_expectations' not in sys.modules\n"
            "r = GreatExpectations()\n"
            "r.setup_for_execution(dg.build_init_resource_context())\n"
            "assert r._importing.name == 'import-great-expectations'\n"
            "r.ready()\n"
            "assert not r._importing.is_alive() and 'great_expectations' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
