"""Figure ids, the provenance annex and "since the last board" on small constructed tables."""

import pandas as pd
import pytest

from indicators import releases
from pipelines.outputs import figure_ids, figure_report, provenance, since


@pytest.mark.parametrize("key", [("eh01_step_up_pct", "2024-25", "ward", "E05001234"),
                                 ("eh03_ks2_rwm_gap_pp", "2025/26", "all", "all"),
                                 ("eh10_parents_took_up_count", "2016-17", "service", "a/b%c"),
                                 ("eh07_neet_nk_pct", "2026-03", "age_band", "16-17")])
def test_an_id_reads_back_as_the_figure_it_was_made_from(key):
    fid = figure_ids.make(*key)
    assert figure_ids.parse(fid) == figure_ids.FigureKey(*key)
    assert fid.count("/") == (2 if key[2] == "all" else 3)


def test_ids_look_as_printed():
    assert figure_ids.make("eh01_step_up_pct", "2024-25", "ward", "E05001234") == "EH01.step_up_pct/2024-25/ward/E05001234"
    assert figure_ids.make("eh01_step_up_pct", "2024-25") == "EH01.step_up_pct/2024-25/all"
    assert figure_ids.make("eh03_ks2_rwm_gap_pp", "2025/26") == "EH03.ks2_rwm_gap_pp/2025_26/all"
    assert figure_ids.maybe("eh01_step_up_pct", None) is None


@pytest.mark.parametrize("bad", ["EH01", "EH01.step_up_pct/2024-25", "eh01_step_up_pct/2024-25/all",
                                 "EH01.step_up_pct/2024-25/ward", "EH01.step_up_pct/2024-25/all/all",
                                 "EH01.step_up_pct//all"])
def test_a_malformed_id_is_refused_with_the_form_expected(bad):
    with pytest.raises(ValueError, match="is not a figure id"):
        figure_ids.parse(bad)


def test_explain_never_prints_a_count_of_one_to_five():
    assert [figure_report.count(v) for v in (0, 1, 5, -3, 6, 1234.0)] == ["0", "c", "c", "c", "6", "1,234"]
    assert figure_report.count(40, hidden=True) == "c"


def test_provenance_lists_each_source_once_with_the_indicators_behind_it():
    cat = pd.DataFrame({"indicator_id": ["EH01", "EH01", "EH02"],
                        "sources": ["episodes, referrals", "episodes", "episodes, audits"]})
    log = pd.DataFrame({"source": ["episodes", "episodes", "referrals", "audits"],
                        "source_file": ["episodes_2024-25.csv", "episodes_2024-25_v2.csv", "referrals_2024-25.csv",
                                        "audits_2024-25.csv"],
                        "period": ["2024-25"] * 4, "version": [1, 2, 1, 1],
                        "file_hash": ["a" * 64, "b" * 64, "c" * 64, "d" * 64],
                        "received_at": pd.to_datetime(["2026-01-02"] * 4),
                        "rows_loaded": [100, 99, 3, 40], "status": ["superseded", "loaded", "loaded", "loaded"]})
    got = provenance.annex(cat, log)
    assert got["indicators"] == [("EH01", "episodes, referrals"), ("EH02", "episodes, audits")]
    by = {s["source"]: s for s in got["sources"]}
    assert by["episodes"]["indicators"] == "EH01, EH02"
    assert by["episodes"]["rows"] == [["episodes_2024-25_v2.csv", "2", "02 Jan 2026", "b" * 10, "99"]]
    assert by["referrals"]["rows"][0][-1] == "c"


def _release(tmp_path, name, published, judgements=None, deliveries=None):
    folder = tmp_path / "releases" / name
    folder.mkdir(parents=True)
    published.to_parquet(folder / "published.parquet")
    published.to_parquet(folder / "exact.parquet")
    for k, f in (("judgements", judgements), ("deliveries", deliveries)):
        if f is not None:
            f.to_parquet(folder / f"{k}.parquet")


def _pub(values, nums):
    return pd.DataFrame({"measure_id": "eh01_step_up_pct", "period": ["2023-24", "2024-25", "2024-25", "2024-25"],
                         "breakdown": ["all", "all", "ward", "ward"],
                         "breakdown_value": ["all", "all", "W1", "W2"],
                         "numerator": nums, "denominator": ["100", "200", "50", "40"], "value": values})


def test_since_lists_revisions_old_and_new_but_never_a_suppressed_value(tmp_path):
    _release(tmp_path, "20260101T000000Z-aaaaaaaa", _pub(["11.0", "12.0", "10.0", "c"], ["11", "24", "5", "c"]),
             pd.DataFrame({"measure_id": ["eh01_step_up_pct"], "period": ["2024-25"], "trend": ["no significant change"],
                           "rag": ["green"], "quartile_band": ["B"]}),
             pd.DataFrame({"source": ["episodes"], "source_file": ["episodes_2024-25.csv"], "period": ["2024-25"],
                           "version": [1], "file_hash": ["a" * 64], "received_at": [None], "rows_loaded": [10]}))
    _release(tmp_path, "20260201T000000Z-bbbbbbbb", _pub(["11.0", "13.0", "c", "20.0"], ["11", "26", "c", "8"]))
    new = _pub([11.0, 13.0, "c", 20.0], [11.0, 26.0, "c", 8.0]).astype({"value": object})
    new = pd.concat([new, new.iloc[[1]].assign(period="2025-26")], ignore_index=True)
    rows = pd.DataFrame({"measure_id": ["eh01_step_up_pct"], "title": ["Step-up"], "unit": ["pct"],
                         "period": ["2025-26"], "value": [13.0], "trend": ["getting worse"], "rag": ["green"],
                         "quartile_band": ["B"]})
    log = pd.DataFrame({"source": ["episodes"], "source_file": ["episodes_2024-25_v2.csv"], "period": ["2024-25"],
                        "version": [2], "file_hash": ["b" * 64], "status": ["loaded"]})
    got = since.changes(new, rows, log, tmp_path, "bbbbbbbb" + "0" * 56, ("loaded",))
    assert got["previous"] == "20260101T000000Z-aaaaaaaa"
    by = {r["id"]: r for r in got["revised"]}
    assert by["EH01.step_up_pct/2024-25/all"]["old"] == "12.0%" and by["EH01.step_up_pct/2024-25/all"]["new"] == "13.0%"
    for w in ("W1", "W2"):
        r = by[f"EH01.step_up_pct/2024-25/ward/{w}"]
        assert r["old"] is None and r["new"] is None and r["text"] == "revised (suppressed)"
    assert "EH01.step_up_pct/2023-24/all" not in by
    assert got["new_periods"] == [dict(measure="eh01_step_up_pct", title="Step-up", period="2025-26")]
    assert [j["judgements"] for j in got["judgements"]] == [["trend"]]
    assert got["judgements"][0]["text"] == "trend no significant change (2024-25) to getting worse (2025-26)"
    assert got["new_deliveries"][0]["file"] == "episodes_2024-25_v2.csv"
    assert got["gone_deliveries"][0]["replaced_by"] == "episodes_2024-25_v2.csv"


def test_a_judgement_of_a_hidden_figure_is_never_compared(tmp_path):
    _release(tmp_path, "20260101T000000Z-aaaaaaaa", _pub(["11.0", "c", "10.0", "9.0"], ["11", "c", "5", "4"]),
             pd.DataFrame({"measure_id": ["eh01_step_up_pct"], "period": ["2024-25"], "trend": ["x"],
                           "rag": ["red"], "quartile_band": ["B"]}))
    _release(tmp_path, "20260201T000000Z-bbbbbbbb", _pub(["11.0", "c", "10.0", "9.0"], ["11", "c", "5", "4"]))
    rows = pd.DataFrame({"measure_id": ["eh01_step_up_pct"], "title": ["Step-up"], "unit": ["pct"],
                         "period": ["2024-25"], "value": [14.0], "trend": ["x"], "rag": ["green"], "quartile_band": ["B"]})
    got = since.changes(_pub(["11.0", "c", "10.0", "9.0"], ["11", "c", "5", "4"]), rows, pd.DataFrame(), tmp_path,
                        None, ("loaded",))
    assert [j["text"] for j in got["judgements"]] == [
        "shown again after being hidden (c): its judgements are not compared"]
    now_hidden = since.changes(_pub(["11.0", "c", "10.0", "9.0"], ["11", "c", "5", "4"]),
                               rows.assign(value="c", rag="c", trend="c"), pd.DataFrame(), tmp_path, None, ("loaded",))
    assert now_hidden["judgements"] == []    # hidden in both: nothing said, not even that the RAG moved
    assert releases.public(tmp_path)[-1].release_id == got["current"]


def test_a_delivery_log_without_file_identities_lists_no_delivery():
    cat = pd.DataFrame({"indicator_id": ["EH01"], "sources": ["episodes"]})
    dates_only = pd.DataFrame({"source": ["episodes"], "period": ["2024-25"], "status": ["loaded"],
                               "received_at": pd.to_datetime(["2026-01-02"])})
    assert provenance.annex(cat, dates_only)["sources"] == [dict(source="episodes", indicators="EH01", rows=[])]
    assert provenance.annex(cat, pd.DataFrame())["sources"][0]["rows"] == []
