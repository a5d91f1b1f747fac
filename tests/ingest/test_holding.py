"""The hold rules (pipelines/ingest/holding.py), and issue 23's "nothing replaces more than it
brings" on a real DuckDB file: a partial year held, the summary's reason naming the period's rows
and coverage before and after."""

from __future__ import annotations

import dataclasses

import pytest

from pipelines.ingest import holding
from pipelines.ingest.holding import Delivery, judge
from pipelines.ingest.loading import ingest
from sources.catalogue import get

ADULT = get("adult_referrals")
HEADER = "referral_id,referral_date,referring_service,parent_took_up_support\n"


def year(months: list[str], per_month: int, start: int = 0) -> str:
    """Adult referrals of 2024-25, ``per_month`` in each of ``months`` (MM/YYYY)."""
    lines, i = [], start
    for m in months:
        for d in range(per_month):
            lines.append(f"AR{i:06d},{d % 28 + 1:02d}/{m},housing,Y")
            i += 1
    return HEADER + "\n".join(lines) + "\n"


FULL = [f"{m:02d}/2024" for m in range(4, 13)] + [f"{m:02d}/2025" for m in range(1, 4)]


def test_rules_in_order():
    old = Delivery("a_v1.csv", 120, 120, 0, [f"2024-{m:02d}" for m in range(1, 13)])
    assert judge(ADULT, dataclasses.replace(old, source_file="a_v2.csv"), old) is None
    assert judge(ADULT, Delivery("b.csv", 100, 90, 10, old.months), old)[0] == "quarantine_share"
    assert judge(ADULT, Delivery("b.csv", 100, 95, 5, old.months), old) is None      # 5 records: a handful
    assert judge(ADULT, Delivery("b.csv", 0, 0, 0, []), old)[0] == "empty_reissue"
    assert judge(ADULT, Delivery("b.csv", 0, 0, 0, []), None) is None                 # a first empty delivery
    rule, reason = judge(ADULT, Delivery("b.csv", 50, 50, 0, old.months[:3]), old)
    assert rule == "fewer_rows" and "120 rows of a_v1.csv with 50" in reason
    assert "2024-01 to 2024-12 (12 months) before" in reason and "2024-01 to 2024-03 (3 months) after" in reason
    rule, reason = judge(ADULT, Delivery("b.csv", 110, 110, 0, old.months[:11]), old)
    assert rule == "shorter_coverage" and "(11 months)" in reason and "(12 months)" in reason


def test_the_share_is_a_setting(monkeypatch):
    old = Delivery("a.csv", 100, 100, 0, ["2024-01"])
    new = Delivery("b.csv", 40, 40, 0, ["2024-01"])
    assert judge(ADULT, new, old)[0] == "fewer_rows"
    monkeypatch.setenv("OBA_MIN_REISSUE_SHARE", "0.3")
    assert judge(ADULT, new, old) is None
    monkeypatch.setenv("OBA_MIN_REISSUE_SHARE", "2")
    with pytest.raises(ValueError, match="OBA_MIN_REISSUE_SHARE"):
        holding.min_reissue_share()


def test_a_partial_year_reissue_is_held_and_the_full_year_stays(con, data_dir):
    landing = data_dir / "landing"
    (landing / "adult_referrals_2024-25.csv").write_text(year(FULL, 10))
    ingest(con, ADULT, landing)
    # a prepared part of the year (three months), as `oba prepare --partial-years` writes it
    (landing / "adult_referrals_2024-25_v2.csv").write_text(year(FULL[:3], 10, 5000))
    loaded, staged = ingest(con, ADULT, landing)
    held = [o for o in staged if o.status == holding.HELD]
    assert [o.file for o in held] == ["adult_referrals_2024-25_v2.csv"]
    assert "120 rows of adult_referrals_2024-25.csv with 30" in held[0].message
    assert "2024-04 to 2025-03 (12 months) before, 2024-04 to 2024-06 (3 months) after" in held[0].message
    assert con.execute("select count(*) from stg_adult_referrals").fetchone()[0] == 120
    # the same number of rows but fewer months: still held, by coverage
    (landing / "adult_referrals_2024-25_v3.csv").write_text(year(FULL[:6], 20, 6000))
    _, staged = ingest(con, ADULT, landing)
    assert staged[0].status == holding.HELD and "shorter coverage" in staged[0].message
    log = dict(con.execute("select source_file, status from load_log").fetchall())
    assert log == {"adult_referrals_2024-25.csv": "loaded", "adult_referrals_2024-25_v2.csv": "held",
                   "adult_referrals_2024-25_v3.csv": "held"}
    assert con.execute("select count(*) from load_log where rows_read <> rows_loaded + rows_quarantined "
                       "+ rows_refused + rows_superseded + rows_held").fetchone()[0] == 0
    held_now = holding.held(con)
    assert [h.source_file for h in held_now] == ["adult_referrals_2024-25_v2.csv", "adult_referrals_2024-25_v3.csv"]
    assert all(h.in_force == "adult_referrals_2024-25.csv" and "_v4" in h.send for h in held_now[1:])
    # a whole corrected year replaces the period and both held deliveries
    (landing / "adult_referrals_2024-25_v4.csv").write_text(year(FULL, 11, 7000))
    _, staged = ingest(con, ADULT, landing)
    assert staged[0].status == "loaded"
    log = dict(con.execute("select source_file, status from load_log").fetchall())
    assert log["adult_referrals_2024-25_v4.csv"] == "loaded" and sorted(log.values()).count("superseded") == 3
    assert con.execute("select count(*) from stg_adult_referrals").fetchone()[0] == 132
    assert con.execute("select count(*) from raw_adult_referrals").fetchone()[0] == 132   # held rows gone too
    assert holding.held(con) == []


def test_versions_read_in_one_run_and_staged_later_keep_the_highest(con, data_dir):
    from pipelines.ingest.loading import load_raw, stage

    landing = data_dir / "landing"
    (landing / "adult_referrals_2024-25.csv").write_text(year(FULL, 10))
    (landing / "adult_referrals_2024-25_v2.csv").write_text(year(FULL, 9, 3000))
    load_raw(con, ADULT, landing)
    stage(con, ADULT, releases={})
    log = dict(con.execute("select source_file, status from load_log").fetchall())
    assert log == {"adult_referrals_2024-25.csv": "superseded", "adult_referrals_2024-25_v2.csv": "loaded"}
    assert con.execute("select count(*) from stg_adult_referrals").fetchone()[0] == 108
