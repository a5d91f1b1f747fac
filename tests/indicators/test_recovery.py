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
    # Headline "all" rows are hidden only as a last resort: a headline of at least 20 whose
    # parts are not all small keeps its figures. (A small headline, or one whose every part is
    # 1-5, can need hiding to leave each part its band of 1 to 5.)
    exact = values.reset_index(drop=True)
    parts = exact[exact["breakdown"] != "all"]
    all_small = (parts["numerator"] <= 5).groupby([parts["measure_id"], parts["period"]]).all()
    is_all = exact["breakdown"] == "all"
    big_total = (is_all & (exact["numerator"] >= 20) & (exact["denominator"] >= 20)
                 & ~pd.Series(list(zip(exact["measure_id"], exact["period"]))).map(all_small).fillna(True).astype(bool))
    if case != "averaged counts":   # counts of a few people averaged over months: all tiny
        assert big_total.any() and not published.loc[big_total.to_numpy(), "is_suppressed"].any()


def test_relations_are_found_from_the_data_not_listed_by_hand():
    know = recovery.relations(neet_like())
    assert "x_eet_pct.numerator + x_neet_nk_pct.numerator = x_eet_pct.denominator" in know.templates
    assert "x_neet_pct.numerator + x_not_known_pct.numerator = x_neet_nk_pct.numerator" in know.templates
    assert "x_eet_pct.denominator = x_neet_pct.denominator" in know.templates
    gap = recovery.relations(gap_and_sides()).templates
    assert any("z_gap_pp.value" in t and "z_nonfsm_pct.value" in t for t in gap)
    assert "y_took_up_count.numerator = y_took_up_pct.numerator" in recovery.relations(count_and_pct()).templates


def across_indicators():
    """Three measures of three indicators: children whose need is known (EHA), not known (EHB),
    and the cohort (EHC) they add up to; nothing in their names says so."""
    rng = np.random.default_rng(9)
    rows = []
    for period in ("2022", "2023", "2024"):
        known = rng.integers(20, 40, 5)
        unknown = rng.integers(0, 5, 5)
        rows += _rows("a_known_count", "count", period, WARDS, list(known), None, indicator="EHA")
        rows += _rows("b_unknown_count", "count", period, WARDS, list(unknown), None, indicator="EHB")
        rows += _rows("c_cohort_count", "count", period, WARDS, list(known + unknown), None, indicator="EHC")
    return pd.DataFrame(rows)


def test_sums_across_indicators_are_found_and_protected():
    values = across_indicators()
    know = recovery.relations(values)
    assert "a_known_count.numerator + b_unknown_count.numerator = c_cohort_count.numerator" in know.templates
    # Within-breakdown suppression alone leaves the not-known counts to a cohort minus known.
    assert attack(values, weak(values)).failed
    published = disclosure.publishable(values)
    found = attack(values, published)
    assert found.tried > 0 and found.failed == []


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


# ------------------------------------------------------------------------------------------
# Hierarchies from the lookups, the band, and releases protected together
# ------------------------------------------------------------------------------------------

LOOKUP = pd.DataFrame({"ward_code": ["n", "s", "f", "b1", "b2", "b3", "c1", "c2"],
                       "ward_name": ["North", "South", "Saltford", "B1", "B2", "B3", "C1", "C2"],
                       "locality": ["k", "k", "k", "b", "b", "b", "c", "c"],
                       "locality_name": ["Keynsham", "Keynsham", "Keynsham", "Bath", "Bath", "Bath", "Chew", "Chew"]})


def nested(wards: dict[str, list[int]], periods=("2022", "2023", "2024"), den=60):
    """One measure by ward and by locality (wards nest in localities through ``LOOKUP``), an
    "all" row, each period's ward counts given."""
    rows = []
    loc_of = dict(zip(LOOKUP["ward_code"], LOOKUP["locality"]))
    for i, period in enumerate(periods):
        counts = {w: v[i] for w, v in wards.items()}
        def add(breakdown, bv, n, d):
            rows.append(dict(indicator_id="EHW", measure_id="w_step_up_pct", unit="pct", period=period,
                             breakdown=breakdown, breakdown_value=bv, numerator=float(n), denominator=float(d),
                             value=n / d * 100, ci_lower=n / d * 100, ci_upper=n / d * 100))
        add("all", "all", sum(counts.values()), den * len(counts))
        for loc in sorted(set(loc_of.values())):
            members = [w for w in counts if loc_of[w] == loc]
            add("locality", loc, sum(counts[w] for w in members), den * len(members))
        for w, n in counts.items():
            add("ward", w, n, den)
    return pd.DataFrame(rows)


WARD_COUNTS = {"n": [13, 14, 12], "s": [17, 9, 8], "f": [1, 8, 9], "b1": [20, 22, 25], "b2": [30, 28, 26],
               "b3": [11, 12, 13], "c1": [9, 10, 2], "c2": [8, 7, 12]}


def attack_with(values, published, lookups=None, earlier=()):
    values = values.reset_index(drop=True)
    know = recovery.relations(values, disclosure.n_only_rows(values), lookups)
    aligned = values[disclosure.RELEASE_KEY].merge(published, on=disclosure.RELEASE_KEY, how="left")
    _, known = disclosure.across_releases(values, earlier)
    return recovery.attack(values, recovery.hidden_cells(aligned) & ~known, know)


def test_wards_within_localities_are_found_from_the_lookup_and_break_within_breakdown_suppression():
    values = nested(WARD_COUNTS)
    lookups = {"lookup_wards": LOOKUP}
    assert ("ward", "locality", {"n": "k", "s": "k", "f": "k", "b1": "b", "b2": "b", "b3": "b", "c1": "c",
                                 "c2": "c"}) in recovery.groupings(values, lookups)
    # Suppression within each breakdown (the rule before) gives Saltford's 1 away through Keynsham.
    old = weak(values)
    assert attack_with(values, old).recovered == []           # blind to the nesting
    found = attack_with(values, old, lookups)
    assert ("f" in {values.at[r, "breakdown_value"] for r, _, _ in found.failed})
    published = disclosure.publishable(values, lookups)
    again = attack_with(values, published, lookups)
    assert again.tried > 0 and again.failed == []


def test_the_band_fails_a_count_narrowed_below_five():
    """Two hidden wards adding up to 4: each is 1 to 3, never 4 or 5: narrowed below the band."""
    rows = _rows("q_count", "count", "2024", ["a", "b", "c", "d"], [1, 3, 20, 30], None)
    values = pd.DataFrame(rows)
    published = values.astype(object).copy()
    published.loc[published["breakdown_value"].isin(["a", "b"]), ["numerator", "value"]] = "c"
    found = attack(values, published)
    assert found.recovered == [] and {(v, lo, hi) for _, _, v, lo, hi in found.narrowed} == {(1.0, 1.0, 3.0),
                                                                                           (3.0, 1.0, 3.0)}
    protected = disclosure.publishable(values)
    assert attack(values, protected).failed == []
    # The fewest extra cells: one big enough (20) rather than a chain of small ones.
    assert (protected["numerator"] == "c").sum() == 3


def test_a_small_total_of_several_hidden_parts_admits_the_whole_band():
    """Chew locality of 3 = C1 2 + C2 1 (wards hidden): were zeros always shown a reader would know
    Chew is at least 2. Every part of a hidden total of 1 to 5 is hidden, zeros included, so a "c"
    there may be 0: Chew admits 1 again, and nothing is narrowed below the band."""
    counts = {**WARD_COUNTS, "c1": [2, 0, 3], "c2": [1, 0, 0]}
    values = nested(counts)
    lookups = {"lookup_wards": LOOKUP}
    published = disclosure.publishable(values, lookups)
    result = attack_with(values, published, lookups)
    assert result.tried > 0 and result.failed == []
    at = published.set_index(["period", "breakdown", "breakdown_value"])
    assert at.loc[("2022", "locality", "c"), "numerator"] == "c"
    # 2024: Chew 3 = C1 3 + C2 0; the zero is hidden with its row's percentage.
    assert at.loc[("2024", "ward", "c2"), "numerator"] == "c" and at.loc[("2024", "ward", "c2"), "value"] == "c"
    # 2023: Chew 0 (both wards 0): nothing small, zeros shown.
    assert at.loc[("2023", "ward", "c2"), "numerator"] == 0
    # Under the old band (a total of k hidden non-zero parts at least k allowed) with zeros shown,
    # the 2022 locality would be at least 2: the band now fails that.
    assert recovery.narrower_than_band(2.0, 9.0)


def reissue(values, ward, period, change):
    """``values`` after a re-issue that changes one ward's count in one period (locality and
    total follow)."""
    out = values.copy()
    loc = dict(zip(LOOKUP["ward_code"], LOOKUP["locality"]))[ward]
    hit = (out["period"] == period) & (((out["breakdown"] == "ward") & (out["breakdown_value"] == ward))
                                       | ((out["breakdown"] == "locality") & (out["breakdown_value"] == loc))
                                       | (out["breakdown"] == "all"))
    out.loc[hit, "numerator"] += change
    out["value"] = out["numerator"] / out["denominator"] * 100
    out["ci_lower"] = out["ci_upper"] = out["value"]
    return out


def test_a_reissue_is_protected_together_with_the_release_before():
    lookups = {"lookup_wards": LOOKUP}
    first_values = nested(WARD_COUNTS)
    first = disclosure.publishable(first_values, lookups)
    second_values = reissue(first_values, "f", "2022", -1)   # Saltford 1 -> 0 in 2022 (a record withdrawn)
    earlier = [(first_values, first)]
    # Published on its own, the re-issue would show what the first release hid, or a reader
    # holding both could work a hidden count out by differencing.
    alone = disclosure.publishable(second_values, lookups)
    carried, _ = disclosure.across_releases(second_values, earlier)
    shown_alone = ~recovery.hidden_cells(alone.reset_index(drop=True))
    assert (carried & shown_alone).any() or attack_with(second_values, alone, lookups, earlier).failed
    second = disclosure.publishable(second_values, lookups, earlier)
    assert attack_with(second_values, second, lookups, earlier).failed == []
    assert not (carried & ~recovery.hidden_cells(second.reset_index(drop=True))).any()
    # And the certificate says so.
    from indicators import releases
    cert = releases.certify(second_values, second, lookups,
                            [releases.Release("r1", None, first_values, first)], "r2")
    assert cert["passed"] and cert["releases_included"] == ["r1", "r2"]
    assert cert["relations"]["groupings_from_lookups"] == ["ward within locality"]
    assert cert["cells"]["by_reason"]["carried: hidden in an earlier release still public"] > 0
    bad = releases.certify(second_values, alone, lookups, [releases.Release("r1", None, first_values, first)], "r2")
    assert not bad["passed"]


def test_a_held_revision_keeps_the_earlier_figures_and_is_certified_as_published():
    from indicators import releases
    lookups = {"lookup_wards": LOOKUP}
    first_values = nested(WARD_COUNTS)
    first = disclosure.publishable(first_values, lookups)
    second_values = reissue(first_values, "c1", "2024", 1)
    shown, rows = disclosure.hold(second_values, [(first_values, first)], {("EHW", "2024")})
    assert rows.sum() == (second_values["period"] == "2024").sum()
    pd.testing.assert_series_equal(shown.loc[rows, "numerator"].astype(float).reset_index(drop=True),
                                   first_values.loc[first_values["period"] == "2024", "numerator"]
                                   .astype(float).reset_index(drop=True), check_names=False)
    published = disclosure.publishable(shown, lookups, [(first_values, first)])
    published[disclosure.HELD] = rows
    earlier = [releases.Release("r1", None, first_values, first)]
    assert releases.effective(second_values, published, earlier).loc[rows, "numerator"].tolist() == \
        shown.loc[rows, "numerator"].tolist()
    cert = releases.certify(second_values, published, lookups, earlier, "r2")
    assert cert["passed"] and cert["cells"]["revisions_held"] == ["w_step_up_pct 2024"]
