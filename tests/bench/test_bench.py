"""Smoke test of the benchmark machinery at a tiny scale (not a timed test: no speed asserted)."""

import json

import pytest

from bench import baselines, measure, report, stages
from indicators import catalogue as cat
from sources.catalogue import SOURCES

LANDING_ROWS = {
    "adult_referrals_2024-25.csv": "referral_id,referral_date,referring_service,parent_took_up_support\n"
                                   "AR1,01/05/2024,housing,Y\nAR2,02/05/2024,probation,N\nAR3,31/02/2024,housing,Y\n",
    "adult_referrals_2023-24.csv": "referral_id,referral_date,referring_service,parent_took_up_support\n"
                                   "AR9,01/05/2023,housing,N\n",
}


@pytest.fixture
def landing(tmp_path):
    d = tmp_path / "gen" / "landing"
    d.mkdir(parents=True)
    for name, text in LANDING_ROWS.items():
        (d / name).write_text(text, encoding="utf-8")
    files = [{"file": n, "encoding": "utf-8", "format": "csv", "rows": t.count("\n") - 1} for n, t in LANDING_ROWS.items()]
    (d.parent / "demo_manifest.json").write_text(json.dumps({"files": files, "total_rows": 4}))
    return d


def test_baselines_and_engine_ingest_count_the_same_rows(landing, tmp_path):
    duck = baselines.duckdb_only(str(landing), str(tmp_path / "a.duckdb"))
    assert duck["rows_loaded"] == 4 and duck["xlsx_files_skipped"] == 0
    plain = baselines.plain_pandas(str(landing), str(tmp_path / "b.duckdb"))
    assert plain["rows_read"] == 4 and plain["rows_loaded"] == 3  # 31/02 does not parse
    data = tmp_path / "data"
    data.mkdir()
    (data / "landing").symlink_to(landing, target_is_directory=True)
    eng = stages.engine_ingest(str(data))
    assert (eng["rows_read"], eng["rows_loaded"], eng["rows_quarantined"]) == (4, 3, 1)
    assert set(eng["per_source"]) == {s.name for s in SOURCES}


def test_child_process_reports_time_and_memory(landing, tmp_path):
    out = measure.run_stage("duckdb_only", {"landing": str(landing), "db": str(tmp_path / "c.duckdb")}, timeout=120)
    assert out["ok"], out.get("error")
    assert out["rows_loaded"] == 4 and out["wall_s"] > 0 and out["peak_rss_mb"] > 10


def test_failed_child_is_reported_not_raised(tmp_path):
    out = measure.run_stage("duckdb_only", {"landing": str(tmp_path / "missing"), "db": str(tmp_path / "d.duckdb")},
                            timeout=120)
    assert not out["ok"] and out["error"]


def test_stage_classification():
    assert stages.stage_of("raw_neet", "ingest") == "ingest"
    assert stages.stage_of("stg_neet", "ingest") == "ingest"
    assert stages.stage_of("ingest_neet", None) == "ingest"  # the step making raw_neet and stg_neet
    assert stages.stage_of(cat.indicators()[0].table, "indicators") == "indicators"
    assert stages.stage_of("scorecard", "outputs") == "indicators"
    assert stages.stage_of("board_paper", "outputs") == "board_paper"
    assert stages.stage_of("pub_values", "published") == "other:published"
    assert stages.stage_of("scorecard_workbook", "outputs") == "board_paper"
    assert stages.stage_of("stg_neet_quarantine_share", None) == "other:asset checks"


def test_summary_table_with_ratios_and_absent_stages():
    m = {
        "duckdb_only": {"ok": True, "seconds": 1.0, "peak_rss_mb": 100.0, "xlsx_files_skipped": 0},
        "plain_pandas": {"ok": True, "seconds": 20.0, "peak_rss_mb": 500.0},
        "engine_ingest": {"ok": True, "seconds": 2.5, "peak_rss_mb": 300.0, "rows_loaded": 9},
        "pipeline": {"ok": True, "import_s": 1.0, "runs": [
            {"seconds": 9.0, "success": True, "materialized": 34, "dagster_overhead_s": 1.0, "peak_rss_mb": 400.0,
             "stages": {"ingest": {"seconds": 4.0, "steps": 34, "peak_rss_mb": 350.0}}},
            {"seconds": 2.0, "success": True, "materialized": 34, "peak_rss_mb": 300.0, "stages": {}}]},
    }
    result = {"scale": 10, "rows_delivered": 1000, "files_delivered": 2, "bytes_delivered": 2**20,
              "machine": {"cpu": "x", "usable_cpus": 2, "ram_gib": 8, "git_commit": "abc"}, "measurements": m}
    result["summary"] = report.summarise(result)
    ratios = result["summary"]["ratios"]
    assert ratios["pipeline_ingest_vs_duckdb"] == 4.0 and ratios["plain_pandas_vs_pipeline_ingest"] == 5.0
    text = report.table(result)
    assert "absent" in text and "indicators" in text and "plain pandas" in text
    met = {t["target"]: t["met"] for t in result["summary"]["targets"]}
    assert met["pipeline beats plain pandas by >= 5x"] and not met["ingest+validate <= 3x DuckDB-only load"]


def test_nightly_run_is_reported_with_its_own_target_at_1x():
    night = {"ok": True, "import_s": 1.0, "new_file": "neet_2026-09.csv", "setup_s": 30.0, "runs": [
        {"seconds": 15.0, "success": True, "materialized": 58, "peak_rss_mb": 400.0,
         "stages": {"ingest": {"seconds": 3.0, "steps": 17, "peak_rss_mb": 350.0}}}]}
    cold = {"ok": True, "import_s": 1.0, "runs": [
        {"seconds": 30.0, "success": True, "materialized": 58, "peak_rss_mb": 500.0, "stages": {}}]}
    result = {"scale": 1, "rows_delivered": 1000, "files_delivered": 2, "bytes_delivered": 2**20,
              "machine": {"cpu": "x", "usable_cpus": 2, "ram_gib": 8, "git_commit": "abc"},
              "measurements": {"pipeline": cold, "nightly": night}}
    result["summary"] = report.summarise(result)
    met = {t["target"]: (t["measured"], t["met"]) for t in result["summary"]["targets"]}
    assert met["full nightly run at 1x < 20 s (cold: all files new)"] == (31.0, False)
    assert met["full nightly run at 1x < 20 s (one new file)"] == (15.0, True)
    assert "neet_2026-09.csv" in report.table(result)
