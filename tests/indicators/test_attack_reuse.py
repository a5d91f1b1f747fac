"""The disclosure attack reused per group of hidden cells (indicators/recovery.py ``attack(memo=)``,
``pipelines.reuse.Parts``, ``indicators.releases.certify``): a group whose problem is unchanged since
the last attack (its cells, their figures and flags, what the earlier releases held for them, the
relations linking them, the band and the code) keeps its result; a changed group is attacked
again. Small constructed tables (wards within localities, three periods: at least one group each),
the results kept in a real DuckDB file."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from indicators import disclosure, recovery, releases
from pipelines import reuse

LOOKUP = pd.DataFrame({"ward_code": ["n", "s", "f", "b1", "b2", "b3", "c1", "c2"],
                       "locality": ["k", "k", "k", "b", "b", "b", "c", "c"]})
LOOKUPS = {"lookup_wards": LOOKUP}
PERIODS = ("2022", "2023", "2024")
COUNTS = {"n": [13, 14, 12], "s": [17, 9, 8], "f": [1, 8, 9], "b1": [20, 22, 25], "b2": [30, 28, 26],
          "b3": [11, 3, 13], "c1": [9, 10, 2], "c2": [8, 7, 12]}


def table(counts=COUNTS, den=60) -> pd.DataFrame:
    """One percentage by ward, by locality and in all, per period (wards nest in localities)."""
    loc_of = dict(zip(LOOKUP["ward_code"], LOOKUP["locality"]))
    rows = []
    for i, period in enumerate(PERIODS):
        at = {w: v[i] for w, v in counts.items()}
        cells = [("all", "all", list(at))] + [("locality", loc, [w for w in at if loc_of[w] == loc])
                                              for loc in sorted(set(loc_of.values()))] + \
                [("ward", w, [w]) for w in at]
        for breakdown, bv, wards in cells:
            n, d = float(sum(at[w] for w in wards)), float(den * len(wards))
            rows.append(dict(indicator_id="EHW", measure_id="w_pct", unit="pct", period=period, breakdown=breakdown,
                             breakdown_value=bv, numerator=n, denominator=d, value=n / d * 100,
                             ci_lower=n / d * 100, ci_upper=n / d * 100))
    return pd.DataFrame(rows)


def changed(period: str, ward: str, by: int) -> pd.DataFrame:
    counts = {w: list(v) for w, v in COUNTS.items()}
    counts[ward][PERIODS.index(period)] += by
    return table(counts)


def weak(values: pd.DataFrame) -> pd.DataFrame:
    """Suppression within each breakdown only: blind to wards within localities, so it leaks."""
    return disclosure.suppress_indicator_values(values)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as c:
        yield c


def _attack(con, values, published, memo=True):
    """(Attack, memo) over the relations of ``values`` and its lookups; with ``memo``, the groups
    kept in ``con`` by the last attack with one are reused and this attack's are kept."""
    values = values.reset_index(drop=True)
    know = recovery.relations(values, disclosure.n_only_rows(values), LOOKUPS)
    aligned = values[disclosure.RELEASE_KEY].merge(published, on=disclosure.RELEASE_KEY, how="left")
    parts = reuse.Parts(con, reuse.CERTIFICATE, None) if memo else None
    result = recovery.attack(values, recovery.hidden_cells(aligned), know, memo=parts)
    if parts is not None:
        parts.keep()
    return result


def _same_attack(a, b):
    assert (a.tried, a.hidden, a.relations) == (b.tried, b.hidden, b.relations)
    assert sorted(a.recovered) == sorted(b.recovered)
    assert sorted(a.narrowed) == sorted(b.narrowed)      # every cell's least and greatest value too
    assert a.safe == b.safe


def _content(cert: dict) -> dict:
    """A certificate without when it was made, how long the attack took and how many groups it reused."""
    attack = {k: v for k, v in cert["attack"].items() if k not in ("seconds", "groups")}
    return {**{k: v for k, v in cert.items() if k != "made_at"}, "attack": attack}


def _certify(con, values, published, earlier=(), memo=True):
    parts = reuse.Parts(con, reuse.CERTIFICATE, None) if memo else None
    cert = releases.certify(values, published, LOOKUPS, list(earlier), "r", memo=parts)
    if parts is not None:
        parts.keep()
    return cert


def test_an_attack_after_one_group_changed_equals_a_cold_attack(con):
    first = table()
    found = _attack(con, first, weak(first))
    assert found.failed and found.groups_attacked >= 3 and found.groups_reused == 0
    again = _attack(con, first, weak(first))           # nothing changed: every group kept
    assert (again.groups_attacked, again.groups_reused) == (0, found.groups_attacked)
    _same_attack(again, found)

    second = changed("2024", "c1", 1)                  # 2024's counts change; 2022 and 2023 do not
    night = _attack(con, second, weak(second))
    cold = _attack(con, second, weak(second), memo=False)
    assert night.groups_attacked >= 1 and night.groups_reused >= 2
    assert night.groups_attacked + night.groups_reused == cold.groups_attacked
    _same_attack(night, cold)
    values = second.reset_index(drop=True)
    # The kept groups carry failures of their own (2022's Saltford, worked out through Keynsham).
    assert {values.at[r, "period"] for r, *_ in night.failed} >= {"2022"}
    # The store holds this attack's groups, no older ones.
    assert con.execute("select count(*) from meta_reuse_parts").fetchone()[0] == cold.groups_attacked


def test_the_certificate_of_an_incremental_attack_is_the_cold_one(con):
    first = table()
    _certify(con, first, disclosure.publishable(first, LOOKUPS))
    second = changed("2023", "b3", 1)
    published = disclosure.publishable(second, LOOKUPS)
    night = _certify(con, second, published)
    cold = _certify(con, second, published, memo=False)
    assert night["passed"] and night["attack"]["counts_tried"] > 0
    assert night["attack"]["groups"]["reused"] >= 1 and night["attack"]["groups"]["attacked"] >= 1
    assert _content(night) == _content(cold)
    assert "unchanged since the last attack" in releases.certificate_text(night)


def test_a_change_in_an_earlier_release_re_attacks_its_group(con):
    values = table()
    first = disclosure.publishable(values, LOOKUPS)
    earlier = [releases.Release("r1", None, values, first)]
    published = disclosure.publishable(values, LOOKUPS, releases.pairs(earlier))
    cold = _certify(con, values, published, earlier, memo=False)
    assert _certify(con, values, published, earlier)["attack"]["groups"]["reused"] == 0
    # A second release repeating the first's figures: nothing a reader holds changed.
    repeat = releases.Release("r2", None, values, first)
    same = _certify(con, values, published, [*earlier, repeat])
    assert same["attack"]["groups"] == {"attacked": 0, "reused": cold["attack"]["groups"]["attacked"]}
    # The earlier release's exact figure of a count hidden then and now, in 2023, is changed: the
    # reader's problem is the same, but what the group depends on is not, so it is attacked again.
    hidden_2023 = np.flatnonzero((first["period"] == "2023").to_numpy() & (first["numerator"] == "c").to_numpy())
    assert len(hidden_2023)
    exact = values.copy()
    exact.loc[hidden_2023[0], "numerator"] += 1
    moved = _certify(con, values, published, [releases.Release("r1", None, exact, first)])
    assert moved["attack"]["groups"]["attacked"] >= 1 and moved["attack"]["groups"]["reused"] >= 1
    assert _content(moved) == _content(cold)


def test_a_recoverable_cell_in_a_changed_group_is_still_found(con):
    values = table()
    safe = disclosure.publishable(values, LOOKUPS)
    assert _certify(con, values, safe)["passed"]
    # 2024 published as within-breakdown suppression would: Chew's C1 (2) follows from Chew and C2.
    leaky = pd.concat([safe[safe["period"] != "2024"], weak(values)[lambda f: f["period"] == "2024"]])
    night = _certify(con, values, leaky)
    cold = _certify(con, values, leaky, memo=False)
    assert not night["passed"] and night["attack"]["groups"]["reused"] >= 1
    failed = {(f["period"], f["breakdown_value"]) for f in night["failures"]}
    assert ("2024", "c1") in failed
    assert _content(night) == _content(cold)


def test_results_kept_by_other_code_are_not_reused(con):
    values = table()
    _attack(con, values, weak(values))
    parts = reuse.Parts(con, reuse.CERTIFICATE, None)
    parts.salt = "another version of the code"
    values = values.reset_index(drop=True)
    know = recovery.relations(values, disclosure.n_only_rows(values), LOOKUPS)
    aligned = values[disclosure.RELEASE_KEY].merge(weak(values), on=disclosure.RELEASE_KEY, how="left")
    result = recovery.attack(values, recovery.hidden_cells(aligned), know, memo=parts)
    assert result.groups_reused == 0 and result.groups_attacked >= 3
