"""The landing sensor's first tick (no cursor: the UI or daemon started for the first time)
after a real `oba run`, on the real Dagster instance that run recorded in."""

import json
import os
import shutil
import time

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.ingest.landing import landing_state


def first_tick(home):
    """The sensor evaluated as the daemon would on its first tick: no cursor yet."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        ctx = dg.build_sensor_context(instance=instance, cursor=None, definitions=defs)
        result = defs.resolve_sensor_def("landing_folder").evaluate_tick(ctx)
        return result, ctx.cursor, instance.get_runs_count()


@pytest.fixture
def copy_of(demo_run, tmp_path, monkeypatch):
    """The demo's landing folder and published warehouse copied (times kept), as OBA_DATA_DIR."""
    p, _, home = demo_run
    data = tmp_path / "data"
    shutil.copytree(p.landing, data / "landing")
    (data / "warehouse").mkdir()
    shutil.copy2(p.warehouse, data / "warehouse" / "oba.duckdb")
    monkeypatch.setenv("OBA_DATA_DIR", str(data))
    monkeypatch.setenv("OBA_SENSOR_SETTLE_SECONDS", "0")
    return data, home


def test_first_tick_after_oba_run_starts_nothing_on_unchanged_files(demo_run, monkeypatch):
    p, _, home = demo_run
    monkeypatch.setenv("OBA_DATA_DIR", str(p.data_dir))
    monkeypatch.setenv("OBA_SENSOR_SETTLE_SECONDS", "0")
    runs_before = dg.DagsterInstance.from_config(str(home)).get_runs_count()
    assert runs_before >= 1                                   # the real run is on this instance
    result, cursor, runs_after = first_tick(home)
    assert not result.run_requests, [r.tags for r in result.run_requests]
    assert "no new or changed files" in result.skip_message
    assert json.loads(cursor) == landing_state(p.landing)[0]   # the next tick compares with these
    assert runs_after == runs_before


def test_first_tick_knows_files_by_content_when_only_their_times_changed(copy_of):
    data, home = copy_of
    later = time.time() - 3600
    for f in (data / "landing").iterdir():
        os.utime(f, (later, later))
    result, cursor, _ = first_tick(home)
    assert not result.run_requests
    assert len(json.loads(cursor)) == len(list((data / "landing").iterdir()))


def test_first_tick_starts_only_the_sources_whose_files_changed(copy_of):
    data, home = copy_of
    neet = sorted((data / "landing").glob("neet_*.csv"))[-1]
    neet.write_bytes(neet.read_bytes() + neet.read_bytes().splitlines(keepends=True)[-1])
    result, _, _ = first_tick(home)
    (request,) = result.run_requests
    keys = {k.to_user_string() for k in request.asset_selection}
    assert {"raw_neet", "stg_neet", "published_warehouse"} <= keys
    assert not {k for k in keys if k.startswith(("raw_", "stg_")) and not k.endswith("_neet")}
    assert request.tags["oba/sources"] == "neet"


def test_first_tick_without_a_published_warehouse_loads_everything(copy_of):
    data, home = copy_of
    (data / "warehouse" / "oba.duckdb").unlink()
    result, _, _ = first_tick(home)
    (request,) = result.run_requests
    assert len(request.tags["oba/sources"].split(",")) > 10
