"""A partition whose authority's run fails: the partition fails with the run's reason, is not
retried (the data would fail the same way), and the pool is still made from the others.
Real runs: the authority's ``oba run`` in its own process finds its build locked by another
writer (this test holds the lock), says so and exits 1, as any failed run does."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines.region import authorities as places
from pipelines.region.assets import authority, regional_pool
from pipelines.warehouse import release_lock, writer_lock


def test_a_failed_authority_fails_its_partition_alone_without_retry(tmp_path, monkeypatch):
    monkeypatch.setenv("OBA_REGION_DIR", str(tmp_path))
    places.write_settings(tmp_path, [("800", "Bath and North East Somerset"), ("801", "Bristol, City of")])
    bath = places.authority(tmp_path, "800")
    bath.paths.ensure()
    assert writer_lock(bath.paths)
    try:
        with dg.instance_for_test() as instance:
            instance.add_dynamic_partitions(places.PARTITIONS, ["800", "801"])
            result = dg.materialize([authority], partition_key="800", instance=instance, raise_on_error=False)
            assert not result.success
            failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
            assert "oba run failed (exit 1)" in failure.event_specific_data.error.message
            assert "another run is writing it" in failure.event_specific_data.error.message
            assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
            # The pool goes on with what there is: neither has published, both named, nothing pooled.
            pooled = dg.materialize([regional_pool], instance=instance, raise_on_error=False)
            assert pooled.success
    finally:
        release_lock(bath.paths)
    with duckdb.connect(str(tmp_path / "pool" / "oba_region.duckdb"), read_only=True) as con:
        assert con.execute("select la_code, status from region_authorities order by 1").fetchall() == [
            ("800", "missing"), ("801", "missing")]
    assert "Not in the pool" in (tmp_path / "pool" / "region.html").read_text()
