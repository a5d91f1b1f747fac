"""What the data show, drafted from the data: Kitagawa's decomposition on constructed cases
where the answer is known, and the rule that a suppressed part is never named."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from indicators.disclosure import SUPPRESSED
from indicators.stats import decomposition as dec
from pipelines.compute import drafts

PLACES = {("ward", "W1"): "Northgate", ("ward", "W2"): "Eastfield", ("ward", "W3"): "Southdown",
          ("ward", "W4"): "Westmoor"}
CATALOGUE = pd.DataFrame([dict(measure_id="eh01_step_up_pct", is_headline=True, ci_method="wilson", multiplier=100.0,
                               title="Step-ups", unit="pct")])
NO_BENCH = pd.DataFrame(columns=["measure_id", "period", "period_end", "england_value", "sn_mean"])


def _row(period: str, start: str, breakdown: str, value: str, n, d, suppressed=False) -> dict:
    return dict(indicator_id="EH01", measure_id="eh01_step_up_pct", is_headline=True, period=period,
                period_type="financial_year", period_start=pd.Timestamp(start), period_end=pd.Timestamp(start)
                + pd.DateOffset(years=1, days=-1), breakdown=breakdown, breakdown_value=value,
                numerator=SUPPRESSED if suppressed else str(n), denominator=str(d),
                value=SUPPRESSED if suppressed else str(100 * n / d), ci_lower=None, ci_upper=None,
                unit="pct", polarity="lower", is_suppressed=suppressed, is_revision_held=False)


def published(wards_before: dict, wards_after: dict, hidden: set = frozenset()) -> pd.DataFrame:
    """Two years of a percentage by ward (n, d per ward), with the total, as the published
    table holds them; ``hidden`` wards are "c" in the second year."""
    rows = []
    for period, start, wards in (("2024-25", "2024-04-01", wards_before), ("2025-26", "2025-04-01", wards_after)):
        n, d = sum(w[0] for w in wards.values()), sum(w[1] for w in wards.values())
        rows.append(_row(period, start, "all", "all", n, d))
        rows += [_row(period, start, "ward", k, *w, suppressed=(k in hidden and period == "2025-26"))
                 for k, w in wards.items()]
    return pd.DataFrame(rows)


BEFORE = {"W1": (50, 1000), "W2": (50, 1000), "W3": (50, 1000), "W4": (50, 1000)}


def _draft(pub):
    parts, made = drafts.draft(pub, CATALOGUE, NO_BENCH, PLACES)
    return parts, made.set_index("period").loc["2025-26"]


def test_one_wards_rise_drives_the_change_and_only_that_ward_is_named():
    after = {**BEFORE, "W3": (150, 1000)}         # Southdown 5% -> 15%; the rest unchanged
    parts, row = _draft(published(BEFORE, after))
    text = row["drafted"]
    assert "Southdown" in text
    assert not any(name in text for name in ("Northgate", "Eastfield", "Westmoor"))
    assert row["named_parts"] == "ward=W3"
    # The whole rose 5.0% -> 7.5%: Southdown's own rate accounts for all of it, the mix for none.
    south = parts.set_index("breakdown_value").loc["W3"]
    assert south["contribution"] == pytest.approx(2.5)
    assert south["rate_effect"] == pytest.approx(2.5) and south["mix_effect"] == pytest.approx(0.0)
    assert south["contribution_lower"] > 0
    assert parts["contribution"].sum() == pytest.approx(row["change"])
    assert "5.0% in 2024-25 to 7.5% in 2025-26" in text


def test_a_suppressed_driving_ward_is_not_named_nor_given_figures():
    after = {**BEFORE, "W3": (150, 1000)}
    parts, row = _draft(published(BEFORE, after, hidden={"W3"}))
    text = row["drafted"]
    assert "Southdown" not in text and pd.isna(row["named_parts"])
    south = parts.set_index("breakdown_value").loc["W3"]
    assert bool(south["is_suppressed"]) and not bool(south["is_named"])
    assert all(math.isnan(south[c]) for c in ("contribution", "rate_effect", "mix_effect", "value"))
    assert "too small to publish" in text


def test_a_change_in_mix_is_told_apart_from_a_change_in_rates():
    """Every ward keeps its rate; the population moves into the ward with the high rate."""
    before = {"W1": (20, 1000), "W2": (200, 1000)}
    after = {"W1": (10, 500), "W2": (300, 1500)}
    pub = published(before, after)
    form, parts = dec.decompose(
        pd.DataFrame({"part": ["W1", "W2"], "n1": [20, 200], "d1": [1000, 1000], "n2": [10, 300], "d2": [500, 1500]}),
        dict(n1=220, d1=2000, n2=310, d2=2000), "wilson", 100)
    assert form == "partition"
    assert parts["rate_effect"].abs().max() == pytest.approx(0.0)
    assert parts["mix_effect"].sum() == pytest.approx(100 * (310 / 2000 - 220 / 2000))
    _, row = _draft(pub)
    assert "mostly the change in its share of the whole" in row["drafted"]


def test_parts_that_overlap_are_not_decomposed():
    form, parts = dec.decompose(pd.DataFrame({"part": ["a", "b"], "n1": [60, 60], "d1": [100, 100],
                                              "n2": [70, 70], "d2": [100, 100]}),
                                dict(n1=80, d1=100, n2=90, d2=100), "wilson", 100)
    assert form == "overlapping" and not parts["is_significant"].any()


def test_counts_and_shared_denominators():
    form, parts = dec.decompose(pd.DataFrame({"part": ["a", "b"], "n1": [100, 100], "d1": [math.nan] * 2,
                                              "n2": [300, 100], "d2": [math.nan] * 2}),
                                dict(n1=200, d1=math.nan, n2=400, d2=math.nan), "byar")
    assert form == "count" and list(parts["contribution"]) == [200, 0] and list(parts["is_significant"]) == [True, False]
    form, parts = dec.decompose(pd.DataFrame({"part": ["a", "b"], "n1": [10, 10], "d1": [1000, 1000],
                                              "n2": [40, 10], "d2": [1000, 1000]}),
                                dict(n1=20, d1=1000, n2=50, d2=1000), "rate", 1000)
    assert form == "numerator_split" and parts["contribution"].tolist() == pytest.approx([30, 0])


def test_the_gap_to_england_is_said_to_widen():
    after = {**BEFORE, "W3": (150, 1000)}
    bench = pd.DataFrame({"measure_id": ["eh01_step_up_pct"] * 2, "period": ["2024-25", "2025-26"],
                          "period_end": pd.to_datetime(["2025-03-31", "2026-03-31"]),
                          "england_value": [5.5, 6.0], "sn_mean": [None, None]})
    _, made = drafts.draft(published(BEFORE, after), CATALOGUE, bench, PLACES)
    row = made.set_index("period").loc["2025-26"]
    assert row["england_gap"] == pytest.approx(1.5) and row["england_previous_gap"] == pytest.approx(-0.5)
    assert row["england_gap_change"] == "widened" and "the gap widened" in row["drafted"]


def test_the_asset_writes_both_tables_into_the_warehouse_and_the_paper_screen_reads_them(tmp_path):
    """A real Dagster run of ``indicator_drafts`` on a real DuckDB file holding the
    constructed case: the tables carry the named ward, and the paper's screen holds back a
    drafted paragraph that would name a small number of people."""
    import dagster as dg
    import duckdb

    from pipelines.outputs import screening
    from pipelines.settings import paths
    from pipelines.warehouse import Warehouse

    wh = Warehouse(data_dir=str(tmp_path))
    target = paths(tmp_path).build          # the file the pipeline's assets write
    target.parent.mkdir(parents=True, exist_ok=True)
    pub = published(BEFORE, {**BEFORE, "W3": (150, 1000)})
    wards = pd.DataFrame({"ward_code": ["W1", "W2", "W3", "W4"],
                          "ward_name": [PLACES[("ward", w)] for w in ["W1", "W2", "W3", "W4"]],
                          "locality": "L1", "locality_name": "Somewhere"})
    con = duckdb.connect(str(target))
    for name, frame in (("indicator_values_published", pub), ("indicator_catalogue", CATALOGUE),
                        ("lookup_wards", wards)):
        con.register("_f", frame)
        con.execute(f"create table {name} as select * from _f")
        con.unregister("_f")
    con.close()
    result = dg.materialize([drafts.indicator_drafts], resources={"warehouse": wh})
    assert result.success
    con = duckdb.connect(str(target), read_only=True)
    named = con.execute("select part_label from indicator_decomposition where is_named").fetchall()
    text = con.execute("select drafted from indicator_drafts where period = '2025-26'").fetchone()[0]
    con.close()
    assert named == [("Southdown",)] and "Southdown" in text
    frame = pd.DataFrame({"indicator_id": ["EH01"], "period": ["2025-26"], "drafted": [text + " Three children moved."]})
    with pytest.raises(screening.DisclosiveText, match="drafted from the data"):
        screening.hold_if_disclosive(screening.drafted_text(frame))
