"""The provenance annex reads the shareable file's delivery log: a hidden row count is "c"."""

import pandas as pd

from pipelines.outputs import provenance


def _log(rows_loaded, suppressed):
    return pd.DataFrame(dict(source=["cme", "cme"], status=["loaded", "loaded"],
                             source_file=["cme_2023-24.csv", "cme_2024-25.csv"], version=[1, 2],
                             received_at=pd.to_datetime(["2026-01-05", "2026-02-05"]),
                             file_hash=["a" * 64, "b" * 64], rows_loaded=pd.array(rows_loaded, dtype="Int64"),
                             rows_loaded_suppressed=suppressed))


def test_hidden_row_counts_print_as_c_and_shown_ones_as_numbers():
    catalogue = pd.DataFrame(dict(indicator_id=["EH04"], sources=["cme"]))
    got = provenance.annex(catalogue, _log([None, 281], [True, False]))
    rows = got["sources"][0]["rows"]
    assert [r[-1] for r in rows] == ["c", "281"]
    assert [r[0] for r in rows] == ["cme_2023-24.csv", "cme_2024-25.csv"]


def test_a_small_count_in_an_exact_log_is_still_c():
    catalogue = pd.DataFrame(dict(indicator_id=["EH04"], sources=["cme"]))
    got = provenance.annex(catalogue, _log([3, 281], [False, False]).drop(columns="rows_loaded_suppressed"))
    assert [r[-1] for r in got["sources"][0]["rows"]] == ["c", "281"]
