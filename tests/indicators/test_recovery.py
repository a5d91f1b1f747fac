"""Disclosure control across every set of published cells that add up, and the blocking check
that tries to work hidden counts out again (indicators/recovery.py, indicators/disclosure.py)."""

import hashlib

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from indicators import disclosure, recovery
from pipelines.compute import assets as ind_assets
from pipelines.release import publish
from pipelines.warehouse import Warehouse, write_frame
from pipelines.operations.runner import run
from pipelines.settings import paths as resolve_paths
from sources.generate import generate

WARDS = ["w1", "w2", "w3", "w4", "w5"]


def _rows(measure, unit, period, parts, nums, dens, scale=100.0, indicator="EHX", **extra):
    rows = []
    for bv, n, d in [("all", sum(nums), None if dens is None else sum(dens)), *zip(parts, nums, dens or [None] * 5)]:
        value = n if d is None else (n / d * scale if d else None)
        rows.append(dict(indicator_id=indicator, measure_id=measure, unit=unit, period=period,
                         breakdown="all" if bv == "all" else "ward", breakdown_value=bv, numerator=float(n),
                         denominator=None if d is None else float(d), value=value, ci_lower=value, ci_upper=value,
                         **extra))
    return rows


def neet_like(step=1.0):
    """EH07's four measures over a cohort: EET + NEET-or-not-known = cohort; NEET + not known =
    NEET-or-not-known; three periods, five wards, small NEET and not-known counts."""
    rng = np.random.default_rng(3)
    rows = []
    for period in ("2022", "2023", "2024"):
        cohort = rng.integers(30, 60, 5) * step
        neet = rng.integers(0, 5, 5) * step
        nk = rng.integers(0, 4, 5) * step
        for measure, num in (("x_eet_pct", cohort - neet - nk), ("x_neet_nk_pct", neet + nk),
                             ("x_neet_pct", neet), ("x_not_known_pct", nk)):
            rows += _rows(measure, "pct", period, WARDS, list(num), list(cohort))
    return pd.DataFrame(rows)


def count_and_pct():
    """A count measure and a percentage whose numerator it is (EH10's referrals taken up)."""
    rng = np.random.default_rng(5)
    rows = []
    for period in ("2022", "2023", "2024"):
        den = rng.integers(20, 40, 5)
        num = rng.integers(1, 9, 5)
        rows += _rows("y_took_up_count", "count", period, WARDS, list(num), None)
        rows += _rows("y_took_up_pct", "pct", period, WARDS, list(num), list(den))
    return pd.DataFrame(rows)


def gap_and_sides():
    """A gap in percentage points published beside both of its sides (EH03)."""
    rng = np.random.default_rng(8)
    rows = []
    for period in ("2022", "2023", "2024"):
        fn, fd = rng.integers(6, 15, 5), rng.integers(20, 30, 5)
        cn, cd = rng.integers(1, 6, 5), rng.integers(8, 12, 5)
        rows += _rows("z_fsm_pct", "pct", period, WARDS, list(fn), list(fd))
        rows += _rows("z_nonfsm_pct", "pct", period, WARDS, list(cn), list(cd))
        gap = _rows("z_gap_pp", "pp", period, WARDS, list(fn), list(fd))
        for g, a, b in zip(gap, [sum(cn), *cn], [sum(cd), *cd]):
            g.update(comparator_numerator=float(a), comparator_denominator=float(b))
            g["value"] = g["numerator"] / g["denominator"] * 100 - a / b * 100
            g["ci_lower"] = g["ci_upper"] = g["value"]
        rows += gap
    frame = pd.DataFrame(rows)
    return frame


def weak(values):
    """Suppression as it was: within each breakdown only, a gap's other group not protected."""
    return disclosure.suppress_indicator_values(
        values.drop(columns=[c for c in disclosure.COMPARATOR_COUNTS if c in values.columns]))


def attack(values, published):
    values = values.reset_index(drop=True)
    know = recovery.relations(values, disclosure.n_only_rows(values))
    return recovery.attack(values, recovery.hidden_cells(published.reset_index(drop=True)), know)


CASES = {"complements": neet_like, "averaged counts": lambda: neet_like(1 / 3), "count and pct": count_and_pct,
         "gap and sides": gap_and_sides}


@pytest.mark.parametrize("case", ["complements", "averaged counts", "gap and sides"])
def test_weak_suppression_gives_small_counts_away(case):
    values = CASES[case]()
    found = attack(values, weak(values))
    assert found.tried > 0 and found.recovered, case
    for row, series, value in found.recovered:
        assert 0 < value <= 5 and values.reset_index(drop=True).at[row, series] == value


@pytest.mark.parametrize("case", sorted(CASES))
def test_publishable_leaves_nothing_small_recoverable(case):
    values = CASES[case]()
    published = disclosure.publishable(values)
    found = attack(values, published)
    assert found.tried > 0 and found.recovered == []
    shown = pd.to_numeric(published["numerator"].where(published["numerator"] != "c"), errors="coerce")
    assert not ((shown > 0) & (shown <= 5)).any()
    assert "comparator_numerator" not in published.columns
    # Every row with a hidden count hides its derived figures too.
    assert (published.loc[published["is_suppressed"], "value"] == "c").all()
    # Headline "all" rows keep their figures unless they are small themselves.
    exact = values.reset_index(drop=True)
    big_total = (exact["breakdown"] == "all") & (exact["numerator"] > 5) & ~(exact["denominator"] <= 5)
    assert not published.loc[big_total.to_numpy(), "is_suppressed"].any()


def test_relations_are_found_from_the_data_not_listed_by_hand():
    know = recovery.relations(neet_like())
    assert "x_eet_pct.numerator + x_neet_nk_pct.numerator = x_eet_pct.denominator" in know.templates
    assert "x_neet_pct.numerator + x_not_known_pct.numerator = x_neet_nk_pct.numerator" in know.templates
    assert "x_eet_pct.denominator = x_neet_pct.denominator" in know.templates
    gap = recovery.relations(gap_and_sides()).templates
    assert any("z_gap_pp.value" in t and "z_nonfsm_pct.value" in t for t in gap)
    assert "y_took_up_count.numerator = y_took_up_pct.numerator" in recovery.relations(count_and_pct()).templates


def test_hidden_ones_adding_up_to_a_shown_total_are_found():
    """Two hidden cells of 1 and a shown total of 2: zeros are shown, so each must be 1."""
    rows = _rows("q_count", "count", "2024", ["a", "b", "c"], [1, 1, 0], None)
    values = pd.DataFrame(rows)
    published = values.astype(object).copy()
    published.loc[published["breakdown_value"].isin(["a", "b"]), ["numerator", "value"]] = "c"
    assert len(attack(values, published).recovered) == 2


# ------------------------------------------------------------------------------------------
# The blocking check, on a real run of the demo and on a deliberately weak suppression
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("recovery")
    mp = pytest.MonkeyPatch()
    mp.setenv("OBA_DATA_DIR", str(root / "data"))
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    p = resolve_paths(root / "data").ensure()
    generate(p.landing, scale=0.05, seed=11)
    from pipelines.definitions import defs
    keys = [k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()
            if k.to_user_string() not in ("board_paper", "scorecard_workbook")]
    first = run(p, keys)
    yield p, first
    mp.undo()


def test_check_passes_on_the_demo_and_the_warehouse_is_published(demo):
    p, first = demo
    assert first.ok, first.report()
    assert first.published is True
    con = duckdb.connect(str(p.warehouse), read_only=True)
    try:
        values = con.execute("select * from indicator_values").df()
        shown = con.execute("select * from indicator_values_published").df()
    finally:
        con.close()
    key = ["measure_id", "period", "breakdown", "breakdown_value"]
    found = attack(values, values[key].merge(shown, on=key, how="left"))
    assert found.tried > 50 and found.recovered == []
    # The same demo under the old rule gives counts away: the check has something to find.
    assert attack(values, weak(values)).recovered


def test_weak_suppression_blocks_publication(demo):
    p, _ = demo
    before = hashlib.sha256(p.warehouse.read_bytes()).hexdigest()

    @dg.asset(name="indicator_values_published")
    def weak_published(warehouse: Warehouse) -> None:
        with warehouse.connect() as con:
            values = con.execute("select * from indicator_values").df()
            published = weak(values)
            published["is_suppressed"] = published["numerator"].eq("c") | published["denominator"].eq("c")
            for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper"):
                published[c] = published[c].map(ind_assets._publish_text)
            write_frame(con, "indicator_values_published", published)

    location = [weak_published, publish.build_asset([dg.AssetKey("indicator_values_published")])]
    result = dg.materialize([*location, *ind_assets.asset_checks],
                            resources={"warehouse": Warehouse(data_dir=str(p.data_dir))}, raise_on_error=False)
    evaluation = next(e for e in result.get_asset_check_evaluations()
                      if e.check_name == "no_hidden_count_recoverable")
    assert not evaluation.passed
    meta = evaluation.metadata
    assert meta["cells_recovered"].value > 0 and meta["cells_tried"].value >= meta["cells_recovered"].value
    assert "eh07" in meta["recovered_cells"].value
    # Publication was held back: the warehouse officers open is unchanged.
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey("indicator_values_published") in materialised
    assert dg.AssetKey("published_warehouse") not in materialised
    assert hashlib.sha256(p.warehouse.read_bytes()).hexdigest() == before
