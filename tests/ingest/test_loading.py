"""Loading deliveries: nothing lost, counts reconcile, re-issues replace, re-runs change nothing."""

import dataclasses
import os

from pipelines.ingest.loading import load_raw, stage
from sources.catalogue import get

ADULT = get("adult_referrals")
HEADER = "referral_id,referral_date,referring_service,parent_took_up_support\n"
GOOD = "AR1,01/05/2024,housing,Y\nAR2,02/05/2024,probation,N\nAR3,03/05/2024,adult_mental_health,Y\n"


def drop(landing, name, text, mtime=None):
    f = landing / name
    f.write_text(text, encoding="utf-8")
    if mtime:
        os.utime(f, (mtime, mtime))
    return f


def ingest(con, landing, source=ADULT):
    return load_raw(con, source, landing), stage(con, source)


def log(con):
    return con.execute("select source_file, status, rows_read, rows_loaded, rows_quarantined, rows_refused "
                       "from load_log order by received_at, source_file").fetchall()


def count(con, table):
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def assert_reconciles(con):
    bad = con.execute("select source_file from load_log "
                      "where rows_read <> rows_loaded + rows_quarantined + rows_refused + rows_superseded and status <> 'pending'").fetchall()
    assert bad == []


def test_good_and_bad_rows_are_loaded_or_quarantined(con, data_dir):
    landing = data_dir / "landing"
    drop(landing, "adult_referrals_2024-25.csv",
         HEADER + GOOD + "AR4,31/02/2024,housing,Y\nAR5,05/05/2024,astrology,Y\n,06/05/2024,housing,N\n"
         "AR1,01/05/2024,housing,Y\nTotal,,,\nAR6,07/05/2024\n")
    # 6 of 9 quarantined would hold the delivery (holding.py); here every record's fate is the point
    ingest(con, landing, dataclasses.replace(ADULT, max_quarantine_share=1.0))
    assert log(con) == [("adult_referrals_2024-25.csv", "loaded", 9, 3, 6, 0)]
    assert count(con, "stg_adult_referrals") == 3
    q = con.execute("select source_row, column_name, check_name, failure_value, reason from quarantine "
                    "order by source_row").fetchall()
    rows = {r[0] for r in q}
    assert rows == {5, 6, 7, 8, 9, 10}
    by_row = {r[0]: r for r in q}
    assert by_row[5][1] == "referral_date" and by_row[5][3] == "31/02/2024"
    assert by_row[6][1] == "referring_service" and "astrology" in by_row[6][3]
    assert by_row[9][2] == "summary_row"
    assert by_row[10][2] == "record_shape"
    # The failing value of a field check is kept; the whole record as delivered never is.
    assert "record" not in [c[0] for c in con.execute("describe quarantine").fetchall()]
    assert by_row[10][3] is None   # a malformed record: no raw text
    assert_reconciles(con)


def test_rerun_on_same_files_changes_nothing(con, data_dir):
    landing = data_dir / "landing"
    drop(landing, "adult_referrals_2024-25.csv", HEADER + GOOD + "AR9,01/05/2024,bogus,Y\n")
    ingest(con, landing)
    before = (log(con), count(con, "stg_adult_referrals"), count(con, "quarantine"), count(con, "raw_adult_referrals"))
    raw, staged = ingest(con, landing)
    assert raw == [] and staged == []
    assert (log(con), count(con, "stg_adult_referrals"), count(con, "quarantine"),
            count(con, "raw_adult_referrals")) == before


def test_reissue_replaces_earlier_delivery(con, data_dir):
    landing = data_dir / "landing"
    drop(landing, "adult_referrals_2024-25.csv", HEADER + GOOD + "AR9,01/05/2024,bogus,Y\n")
    ingest(con, landing)
    drop(landing, "adult_referrals_2024-25_v2.csv", HEADER + GOOD + "AR4,04/05/2024,housing,N\n")
    ingest(con, landing)
    assert [(r[0], r[1]) for r in log(con)] == [("adult_referrals_2024-25.csv", "superseded"),
                                              ("adult_referrals_2024-25_v2.csv", "loaded")]
    assert count(con, "stg_adult_referrals") == 4       # not 7: the re-issue replaced, not added
    assert count(con, "quarantine") == 0                # v1's bad row went with v1
    assert count(con, "raw_adult_referrals") == 4
    v1 = con.execute("select rows_read, rows_loaded, rows_quarantined, rows_superseded from load_log "
                     "where source_file = 'adult_referrals_2024-25.csv'").fetchone()
    assert v1 == (4, 0, 0, 4)
    assert_reconciles(con)


def test_file_overwritten_in_place_replaces_itself(con, data_dir):
    landing = data_dir / "landing"
    f = drop(landing, "adult_referrals_2024-25.csv", HEADER + GOOD)
    ingest(con, landing)
    f.write_text(HEADER + GOOD + "AR4,04/05/2024,housing,N\n")
    ingest(con, landing)
    assert count(con, "stg_adult_referrals") == 4
    assert [r[1] for r in log(con)] == ["superseded", "loaded"]


def test_older_version_arriving_late_is_not_loaded(con, data_dir):
    landing = data_dir / "landing"
    drop(landing, "adult_referrals_2024-25_v2.csv", HEADER + GOOD)
    ingest(con, landing)
    drop(landing, "adult_referrals_2024-25.csv", HEADER + "AR7,01/05/2024,housing,Y\n")
    ingest(con, landing)
    assert count(con, "stg_adult_referrals") == 3
    assert dict((r[0], r[1]) for r in log(con))["adult_referrals_2024-25.csv"] == "superseded"


def test_file_with_personal_identifiers_is_refused_and_nothing_reaches_the_warehouse(con, data_dir):
    landing = data_dir / "landing"
    drop(landing, "adult_referrals_2024-25.csv", HEADER + GOOD)
    drop(landing, "adult_referrals_2023-24.csv",
         "referral_id,referral_date,referring_service,parent_took_up_support,date_of_birth\n"
         "AR8,01/05/2024,housing,Y,03/04/1990\n")
    ingest(con, landing)
    rows = {r[0]: r for r in log(con)}
    assert rows["adult_referrals_2023-24.csv"][1:] == ("refused", 1, 0, 0, 1)
    msg = con.execute("select message from load_log where status = 'refused'").fetchone()[0]
    assert "date_of_birth" in msg and "date of birth" in msg
    assert con.execute("select count(*) from raw_adult_referrals where referral_id = 'AR8'").fetchone()[0] == 0
    assert con.execute("select count(*) from quarantine where failure_value like '%1990%'").fetchone()[0] == 0
    assert rows["adult_referrals_2024-25.csv"][1] == "loaded"   # the rest still loads
    assert_reconciles(con)


def test_empty_and_wrong_columns_are_logged_with_reason(con, data_dir):
    landing = data_dir / "landing"
    drop(landing, "adult_referrals_2023-24.csv", HEADER)
    drop(landing, "adult_referrals_2024-25.csv", "id,when\n1,2\n")
    ingest(con, landing)
    got = {r[0]: r for r in con.execute("select source_file, status, message from load_log").fetchall()}
    assert got["adult_referrals_2023-24.csv"][1] == "empty"
    assert got["adult_referrals_2024-25.csv"][1] == "rejected"
    assert "referral_date" in got["adult_referrals_2024-25.csv"][2]
    assert_reconciles(con)


def test_files_of_other_sources_are_left_alone_and_unknown_names_recorded_unread(con, data_dir):
    landing = data_dir / "landing"
    drop(landing, "adult_referrals_notes.txt", "hello")
    drop(landing, "neet_2024-03.csv", "x\n")
    raw, _ = ingest(con, landing)
    assert [(o.file, o.status) for o in raw] == [("adult_referrals_notes.txt", "unrecognised")]
    assert "nearest source adult_referrals" in raw[0].message
    assert log(con) == [("adult_referrals_notes.txt", "unrecognised", 0, 0, 0, 0)]
    assert ingest(con, landing)[0] == []          # recorded once, not on every run


def test_summary_rows_are_recognised_in_any_case_and_nothing_else():
    import pandas as pd

    from pipelines.ingest.validation import _summary_rows

    cells = [" grand TOTAL ", "Sub Total", "SUBTOTAL", "Totals", "total", "Totally", "total cost",
             "ＴＯＴＡＬ", "", None, "AR1"]
    frame = pd.DataFrame({"a": pd.array(cells, dtype="string"), "b": pd.array(["x"] * len(cells), dtype="string")})
    got = _summary_rows(frame, ["a", "b"]).tolist()
    expected = [str(c).strip().lower() in {"total", "totals", "grand total", "sub total", "subtotal"}
                if c is not None else False for c in cells]
    assert got == expected == [True] * 5 + [False] * 6


def test_a_warehouse_made_before_the_rule_loses_the_whole_record_column(con, data_dir):
    con.execute("create table quarantine (source varchar not null, source_file varchar not null, "
                "file_hash varchar not null, source_row bigint, column_name varchar, check_name varchar not null, "
                "failure_value varchar, reason varchar not null, record varchar, quarantined_at timestamp not null)")
    con.execute("insert into quarantine values ('adult_referrals', 'f.csv', 'h', 2, null, 'record_shape', null, "
                "'has 5 fields', '{\"raw\": \"AR1,ring 07700 900123\"}', now())")
    drop(data_dir / "landing", "adult_referrals_2024-25.csv", HEADER + GOOD)
    ingest(con, data_dir / "landing")
    assert "record" not in [c[0] for c in con.execute("describe quarantine").fetchall()]
    assert con.execute("select count(*) from quarantine where reason = 'has 5 fields'").fetchone()[0] == 1


def test_a_date_too_far_off_to_hold_is_quarantined_with_its_reason_not_a_crash(con, data_dir):
    """Some systems write an open end as 31/12/9999: beyond what the typing holds, so the record is
    quarantined saying so (the rest of the file loads), never an error that stops the source."""
    landing = data_dir / "landing"
    drop(landing, "adult_referrals_2024-25.csv", HEADER + GOOD + "AR4,31/12/9999,housing,Y\nAR5,0001-01-01,housing,N\n")
    ingest(con, landing)
    assert log(con) == [("adult_referrals_2024-25.csv", "loaded", 5, 3, 2, 0)]
    q = con.execute("select source_row, column_name, failure_value, reason from quarantine order by source_row").fetchall()
    assert [(r[0], r[1], r[2]) for r in q] == [(5, "referral_date", "31/12/9999"), (6, "referral_date", "0001-01-01")]
    assert all("outside the years" in r[3] and "open end date" in r[3] for r in q)
    assert_reconciles(con)


def test_no_batch_but_a_single_large_delivery_passes_the_bound(con, data_dir, monkeypatch):
    """New deliveries are validated and written a batch at a time: a batch is written before a
    delivery that would take it past ``BATCH_ROWS`` joins it, so only a delivery larger than
    the bound on its own makes a larger batch; what is loaded is the same whatever the bound."""
    from pipelines.ingest import loading

    landing = data_dir / "landing"
    sizes = {"2019-20": 4, "2020-21": 4, "2021-22": 7, "2022-23": 2, "2023-24": 3}
    for n, (period, rows) in enumerate(sizes.items()):
        body = "".join(f"AR{n}{i:03d},15/05/{period[:4]},housing,Y\n" for i in range(rows))
        drop(landing, f"adult_referrals_{period}.csv", HEADER + body)
    written = []
    real = loading._write

    def spy(con, source, batch, stage_now, releases):
        written.append([len(a.extract.frame) for a in batch])
        return real(con, source, batch, stage_now, releases)

    monkeypatch.setattr(loading, "_write", spy)
    monkeypatch.setattr(loading, "BATCH_ROWS", 6)
    loading.ingest(con, ADULT, landing)
    assert written == [[4], [4], [7], [2, 3]]
    assert count(con, "stg_adult_referrals") == sum(sizes.values())
    assert_reconciles(con)
