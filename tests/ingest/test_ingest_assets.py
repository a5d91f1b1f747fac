"""A real Dagster run of every ingest asset over generated demo extracts, into a temporary DuckDB."""

import duckdb
import dagster as dg
import pytest

from pipelines.ingest import assets as ingest
from pipelines.warehouse import Warehouse
from sources.catalogue import SOURCES
from sources.generate import generate


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    generate(data / "landing", scale=0.05, seed=7)
    # A file carrying personal identifiers dropped among the real deliveries.
    (data / "landing" / "adult_referrals_2015-16.csv").write_text(
        "referral_id,referral_date,referring_service,parent_took_up_support,upn\n"
        "AR1,01/05/2015,housing,Y,A12345678901B\n")
    result = dg.materialize(ingest.assets, resources={"warehouse": Warehouse(data_dir=str(data))})
    return data, result


def test_run_succeeds_and_every_source_is_staged(ingested):
    data, result = ingested
    assert result.success
    con = duckdb.connect(str(data / "warehouse" / "build" / "oba.duckdb"), read_only=True)
    for s in SOURCES:
        assert con.execute(f"select count(*) from stg_{s.name}").fetchone()[0] > 0, s.name
    con.close()


def test_quarantine_holds_the_demo_faults_and_load_log_reconciles(ingested):
    data, _ = ingested
    con = duckdb.connect(str(data / "warehouse" / "build" / "oba.duckdb"), read_only=True)
    assert con.execute("select count(*) from quarantine").fetchone()[0] > 0
    assert con.execute("select count(*) from load_log where status = 'pending'").fetchone()[0] == 0
    unreconciled = con.execute(
        "select source_file from load_log where rows_read <> rows_loaded + rows_quarantined + rows_refused + rows_superseded").fetchall()
    assert unreconciled == []
    # every staged row is accounted for by a loaded delivery
    for s in SOURCES:
        staged = con.execute(f"select count(*) from stg_{s.name}").fetchone()[0]
        logged = con.execute("select sum(rows_loaded) from load_log where source = ? and status = 'loaded'",
                             [s.name]).fetchone()[0]
        assert staged == logged, s.name
    con.close()


def test_pii_file_refused_and_reported_in_metadata(ingested):
    data, result = ingested
    con = duckdb.connect(str(data / "warehouse" / "build" / "oba.duckdb"), read_only=True)
    status, message = con.execute(
        "select status, message from load_log where source_file = 'adult_referrals_2015-16.csv'").fetchone()
    assert status == "refused" and "upn" in message.lower()
    assert con.execute("select count(*) from raw_adult_referrals where source_file = 'adult_referrals_2015-16.csv'"
                       ).fetchone()[0] == 0
    con.close()
    mats = [m for m in result.asset_materializations_for_node("ingest_adult_referrals")
            if m.asset_key == dg.AssetKey("raw_adult_referrals")]
    assert "adult_referrals_2015-16.csv" in mats[0].metadata["refused_files"].value


def test_raw_and_stg_can_each_be_materialised_alone(tmp_path):
    """One step makes both assets, but a user can still ask for either: raw alone leaves the new
    deliveries pending; stg alone then validates them, as the fused step would have."""
    generate(tmp_path / "landing", scale=0.02, seed=3)
    wh = Warehouse(data_dir=str(tmp_path))
    adult = [a for a in ingest.assets if dg.AssetKey("raw_adult_referrals") in a.keys]
    raw_only = dg.materialize(adult, selection="raw_adult_referrals", resources={"warehouse": wh})
    assert raw_only.success
    assert {e.asset_key.path[0] for e in raw_only.get_asset_materialization_events()} == {"raw_adult_referrals"}
    db = tmp_path / "warehouse" / "build" / "oba.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from load_log where status = 'pending'").fetchone()[0] > 0
        assert con.execute("select count(*) from stg_adult_referrals").fetchone()[0] == 0
    # The checks alone judge the warehouse as it is, and change nothing: here they find the
    # deliveries loaded but not yet validated, and block.
    checks_only = dg.materialize(adult, selection=dg.AssetSelection.checks_for_assets("stg_adult_referrals"),
                                 resources={"warehouse": wh}, raise_on_error=False)
    evaluations = {e.event_specific_data.check_name: e.event_specific_data
                   for e in checks_only.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert not evaluations["load_log_reconciles"].passed
    assert "not validated" in evaluations["load_log_reconciles"].description
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from stg_adult_referrals").fetchone()[0] == 0
    stg_only = dg.materialize(adult, selection="stg_adult_referrals", resources={"warehouse": wh})
    assert stg_only.success
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from load_log where status = 'pending'").fetchone()[0] == 0
        staged, loaded = con.execute("select (select count(*) from stg_adult_referrals), "
                                     "(select sum(rows_loaded) from load_log)").fetchone()
        assert staged == loaded > 0
