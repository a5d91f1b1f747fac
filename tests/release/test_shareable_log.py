"""The shareable file's delivery log keeps a held delivery's rule (what the paper says of it) and
drops every count and value the loader's message carried."""

import pandas as pd

from pipelines.release import deliveries


def _log(messages, statuses):
    n = len(messages)
    return pd.DataFrame(dict(source=["adult_referrals"] * n, source_file=[f"f{i}.csv" for i in range(n)],
                             period=["2023-24"] * n, version=range(1, n + 1), file_hash=["a" * 64] * n,
                             status=statuses, received_at=pd.Timestamp("2026-01-05"), encoding="utf-8",
                             message=messages, rows_read=[16] * n, rows_loaded=[0] * n,
                             rows_quarantined=[6] * n, rows_refused=[10] * n))


def test_the_hold_rule_is_kept_and_the_counts_are_not():
    got = deliveries.shareable_log(_log(
        ["held (quarantine_share): 6 of 16 records quarantined (37.5%), over the 5% threshold",
         "held (empty_reissue): empty re-issue: no records, would replace 11 rows of x.csv",
         "f2.csv: held (empty_reissue) would replace 11 rows", "loaded 16 rows"],
        ["held", "held", "held", "loaded"]))
    assert list(got["message"].fillna("")) == ["held (quarantine_share)", "held (empty_reissue)",
                                    "f2.csv: held (empty_reissue)", ""]
    assert not got["message"].fillna("").str.contains(r"\d+ ", regex=True).any()
    assert "file_hash" in got.columns
