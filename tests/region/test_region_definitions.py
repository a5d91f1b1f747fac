"""The region's code location: its assets, jobs, sensor (a new authority becomes a partition)
and nightly schedule (a run per authority), evaluated on a real (ephemeral) instance."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.region import authorities as places
from pipelines.region.definitions import AUTHORITY_JOB, POOL_JOB, defs


def test_authority_is_partitioned_by_la_code_and_the_pool_follows_it():
    graph = defs.resolve_asset_graph()
    authority = graph.get(dg.AssetKey("authority"))
    assert isinstance(authority.partitions_def, dg.DynamicPartitionsDefinition)
    assert authority.partitions_def.name == places.PARTITIONS
    pool = graph.get(dg.AssetKey("regional_pool"))
    assert dg.AssetKey("authority") in pool.parent_keys and pool.automation_condition is not None
    assert defs.resolve_job_def(AUTHORITY_JOB).partitions_def == authority.partitions_def
    assert defs.resolve_job_def(POOL_JOB)


def test_a_new_authority_becomes_a_partition_and_gets_a_run(tmp_path, monkeypatch):
    monkeypatch.setenv("OBA_REGION_DIR", str(tmp_path))
    places.write_settings(tmp_path, [("800", "Bath and North East Somerset")])
    (tmp_path / "authorities" / "801" / "landing").mkdir(parents=True)      # a landing folder appeared
    sensor = defs.resolve_sensor_def("authority_folders")
    with dg.instance_for_test() as instance:
        result = sensor(dg.build_sensor_context(instance=instance))
        assert sorted(r.partition_key for r in result.run_requests) == ["800", "801"]
        [request] = result.dynamic_partitions_requests
        assert request.partitions_def_name == places.PARTITIONS and sorted(request.partition_keys) == ["800", "801"]
        instance.add_dynamic_partitions(places.PARTITIONS, ["800", "801"])
        again = sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(again, dg.SkipReason)
        schedule = defs.resolve_schedule_def("region_nightly")
        when = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.timezone.utc)
        requests = schedule.evaluate_tick(dg.build_schedule_context(instance=instance, scheduled_execution_time=when,
                                                                     repository_def=defs.get_repository_def()))
        assert sorted(r.partition_key for r in requests.run_requests) == ["800", "801"]
        assert len({r.run_key for r in requests.run_requests}) == 2


def test_the_regions_instance_queues_runs_two_at_once_never_two_of_one_authority(tmp_path, monkeypatch):
    from pipelines.operations.region import region_instance

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    instance = region_instance(tmp_path)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)          # region_instance set it for this process
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    queue = instance.get_concurrency_config().run_queue_config
    assert queue.max_concurrent_runs == 2
    assert queue.tag_concurrency_limits == [{"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True},
                                             "limit": 1}]
    assert (tmp_path / "dagster_home" / "dagster.yaml").read_text().startswith("# Dagster instance settings")
