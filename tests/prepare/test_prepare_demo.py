"""The demo can start from statutory returns: the generator writes the synthetic authority's
CIN census, Annex A and school census; ``oba prepare`` turns them into extracts; the
indicators computed from those equal the ones computed from the demo's own extracts for
every measure both can compute (docs/formats.md lists what each return cannot say).

The comparison is with the demo extracts as generated before fault injection (the rows
the loader keeps once the injected faults are quarantined)."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from indicator_fixtures import create_stg_tables
from indicators import catalogue as cat
from pipelines.ingest.extracts import read_extract
from pipelines.compute.assets import run_indicator
from pipelines.prepare import prepare
from pipelines.prepare.keys import Pseudonymiser, load_key
from pipelines.settings import Paths
from pipelines.ingest.validation import check
from sources import catalogue
from sources.generate import statutory

SCALE = 0.25


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("statutory")
    truth = statutory.truth(SCALE)
    returns = root / "returns"
    statutory.write(returns, t=truth)
    key = root / "private" / "key"
    social = Paths(root / "from_cin_and_schools")
    prepare("cin-census", sorted(returns.glob("cin_census_*.xml")), social, key_path=key)
    # The school census as a council holds it: the export folders, given whole, no flags.
    prepare("school-census", [returns / "school_census"], social, key_path=key,
            school_phases=returns / "school_phases.csv")
    annex = Paths(root / "from_annex_a")
    prepare("annex-a", [returns / "annex_a.xlsx"], annex, key_path=key)
    pz = Pseudonymiser(load_key(key, social))
    return truth, social, annex, pz, returns


def loaded(paths: Paths, name: str) -> pd.DataFrame:
    """A source's prepared files read and validated as the loader does: every row valid."""
    source = catalogue.get(name)
    frames = []
    for f in sorted(paths.landing.iterdir()):
        if source.match(f.name):
            result = check(read_extract(f, source), source)
            assert result.rows_quarantined == 0, (f.name, result.quarantine.head())
            frames.append(result.valid[source.column_names])
    assert frames, name
    return pd.concat(frames, ignore_index=True)


def indicator(frames: dict[str, pd.DataFrame], indicator_id: str, measures: list[str] | None = None
              ) -> pd.DataFrame:
    """An indicator's rows (those of ``measures``, else all) computed from staged frames."""
    con = duckdb.connect(":memory:")
    create_stg_tables(con, {k: v[catalogue.get(k).column_names] for k, v in frames.items()})
    ind = cat.indicator(indicator_id)
    run_indicator(con, ind)
    out = con.execute(f"select measure_id, period, breakdown, breakdown_value, numerator, denominator "
                      f"from {ind.table} where ?::varchar[] is null or list_contains(?, measure_id) "
                      f"order by all", [measures, measures]).df()
    con.close()
    return out


def test_school_census_gives_the_demo_exclusion_figures(demo):
    truth, social, _, _, _ = demo
    measures = ["eh04_suspensions_per_100", "eh04_perm_excl_per_100", "eh04_pupils_suspended_pct",
                "eh11_behaviour_semh_excl_per_100"]
    prepared = {"exclusions": loaded(social, "exclusions"), "pupil_population": loaded(social, "pupil_population")}
    assert len(prepared["exclusions"]) == len(truth.exclusions)
    assert prepared["pupil_population"]["headcount"].sum() == truth.pupil_population["headcount"].sum()
    for indicator_id in ("EH04", "EH11"):
        ours = indicator(prepared, indicator_id, measures)
        demo_figures = indicator({"exclusions": truth.exclusions, "pupil_population": truth.pupil_population},
                                 indicator_id, measures)
        assert len(ours) > 50
        pd.testing.assert_frame_equal(ours, demo_figures)


def test_cin_census_gives_the_demo_referrals_except_looked_after(demo):
    """Every referral, source, outcome and date; a child who became looked after shows no
    outcome (the CIN census cannot say it: docs/formats.md)."""
    truth, social, _, pz, _ = demo
    ours = loaded(social, "social_care_referrals")
    pid = truth.referrals["child_id"].map(dict(zip(truth.pop.people["child_id"], truth.pop.people.index)))
    expected = pd.DataFrame({
        "child_id": [pz.child(statutory.la_child_id(p)) for p in pid],
        "referral_date": pd.to_datetime(truth.referrals["referral_date"]),
        "referral_source": truth.referrals["referral_source"].to_numpy(),
        "outcome": truth.referrals["outcome"].where(truth.referrals["outcome"] != "looked_after"),
        "outcome_date": pd.to_datetime(truth.referrals["outcome_date"]).where(
            truth.referrals["outcome"] != "looked_after")})
    cols = list(expected.columns)
    a = ours[cols].astype(object).where(ours[cols].notna(), None).sort_values(cols[:2]).reset_index(drop=True)
    b = expected.astype(object).where(expected.notna(), None).sort_values(cols[:2]).reset_index(drop=True)
    assert len(a) == len(b) > 1000
    assert (truth.referrals["outcome"] == "looked_after").sum() > 10
    pd.testing.assert_frame_equal(a.astype(str), b.astype(str))


def test_annex_a_gives_the_demo_children_starting_early_help(demo):
    """From List 2: children starting Early Help per year, overall, by sex and by age band
    (Annex A has no level, locality or deprivation, and no closures)."""
    truth, _, annex, _, _ = demo
    measures = ["eh01_children_starting_count"]
    episodes = loaded(annex, "early_help_episodes")
    ours = indicator({"early_help_episodes": episodes}, "EH01")
    demo_figures = indicator({"early_help_episodes": truth.episodes}, "EH01", measures)
    comparable = ["all", "sex", "age_band"]
    ours_c = ours[ours["breakdown"].isin(comparable)].reset_index(drop=True)
    demo_c = demo_figures[demo_figures["breakdown"].isin(comparable)].reset_index(drop=True)
    assert len(ours_c) > 50
    pd.testing.assert_frame_equal(ours_c, demo_c)
    # What Annex A cannot say is 'unknown', never a guess.
    assert set(ours.loc[ours["breakdown"].isin(["level", "locality", "imd_quintile"]), "breakdown_value"]) == {"unknown"}
    # Without closures there is no step-up or outcome measure; without agencies no joint
    # working measure (not a 0%).
    assert ours["measure_id"].unique().tolist() == measures
    for indicator_id in ("EH02", "EH10"):
        assert indicator({"early_help_episodes": episodes}, indicator_id).empty


def test_annex_a_referral_outcomes_from_lists_6_to_8(demo):
    """Child protection plans and becoming looked after are dated from Lists 7 and 8; a
    child in need plan is known but undated; 'assessed, no plan' is not in Annex A."""
    truth, _, annex, pz, _ = demo
    ours = loaded(annex, "social_care_referrals")
    assert len(ours) == len(truth.referrals)
    pid = truth.referrals["child_id"].map(dict(zip(truth.pop.people["child_id"], truth.pop.people.index)))
    truth_ids = [pz.record("referral", pz.child(statutory.la_child_id(p)), pd.Timestamp(d).date().isoformat())
                 for p, d in zip(pid, truth.referrals["referral_date"])]
    t = truth.referrals.assign(referral_id=truth_ids).set_index("referral_id")
    o = ours.set_index("referral_id").loc[t.index]
    expected = t["outcome"].replace({"assessment_no_plan": np.nan})
    agree = (o["outcome"].fillna("-") == expected.fillna("-"))
    # A plan can start after the child's next referral: it is then that referral's outcome.
    assert agree.mean() > 0.99, o[~agree].head()
    dated = agree & t["outcome"].isin(["cp_plan", "looked_after"])
    same_day = pd.to_datetime(o.loc[dated, "outcome_date"]) == pd.to_datetime(t.loc[dated, "outcome_date"])
    assert dated.sum() > 100 and same_day.mean() > 0.99, same_day.value_counts()
    assert o.loc[agree & (t["outcome"] == "cin_plan"), "outcome_date"].isna().all()


def test_statutory_returns_carry_identifiers_and_prepared_extracts_do_not(demo):
    truth, social, annex, _, returns = demo
    cin = (returns / "cin_census_2025.xml").read_text()
    upns = {statutory.upn(p) for p in truth.pop.people.index[:50_000]}
    ids = {statutory.la_child_id(p) for p in truth.pop.people.index[:50_000]}
    assert any(u in cin for u in upns) and any(i in cin for i in ids)
    text = "\n".join(f.read_text() for d in (social, annex) for f in sorted(d.landing.iterdir()))
    hit_upn = {u for u in upns if u in text}
    hit_id = {i for i in ids if i in text}
    assert not hit_upn and not hit_id
    assert "Sam Taylor" not in text and "SUR" not in text


def test_one_pseudonym_per_child_across_formats(demo):
    """The same child has one child_id in the CIN census, Annex A and the school census
    extracts (the school census through the UPN the CIN census links to the child id)."""
    truth, social, annex, _, _ = demo
    cin = loaded(social, "social_care_referrals")
    annex_refs = loaded(annex, "social_care_referrals")
    assert set(cin["child_id"]) == set(annex_refs["child_id"])
    # Early Help and social care share children: the episodes' ids are the referrals' ids.
    pid = dict(zip(truth.pop.people["child_id"], truth.pop.people.index))
    both = set(truth.episodes["child_id"]) & set(truth.referrals["child_id"])
    episodes = set(loaded(annex, "early_help_episodes")["child_id"])
    assert len(episodes & set(annex_refs["child_id"])) == len(both) > 20
    assert len(pid) == len(truth.pop.people)
    # Pupils excluded who were also referred to social care: as many in the prepared
    # extracts as in the demo's own.
    excluded = set(loaded(social, "exclusions")["child_id"])
    both_demo = set(truth.exclusions["child_id"]) & set(truth.referrals["child_id"])
    assert len(both_demo) > 20
    assert len(excluded & set(cin["child_id"])) == len(both_demo)
    assert len(excluded) == truth.exclusions["child_id"].nunique()


def test_oba_generate_writes_the_returns_reproducibly(tmp_path, capsys):
    from pipelines.operations.cli import main

    for run in ("a", "b"):
        assert main(["--data-dir", str(tmp_path / run), "generate", "--scale", "0.01",
                     "--statutory", str(tmp_path / run / "returns")]) == 0
    assert "statutory returns" in capsys.readouterr().out
    a, b = (sorted(f for f in (tmp_path / r / "returns").rglob("*") if f.is_file()) for r in ("a", "b"))
    names = [f.name for f in a]
    assert names == [f.name for f in b]
    assert {"annex_a.xlsx", "cin_census_2017.xml", "cin_census_2026.xml", "school_phases.csv",
            "2026_autumn_termlyexclusionsonroll.csv", "2017_spring_pupilonroll.csv",
            "2017_spring_senneeds.csv", "2017_summer_termlyexclusionsoffroll.csv"} <= set(names)
    assert "2017_summer_senneeds.csv" not in names       # SEN type is collected in spring only
    # per term: pupils on and off roll, exclusions on and off roll, FSM, an unused and an empty table
    assert len(names) == 1 + 10 + 1 + 10 * 3 * 7 + 10
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))
    # The returns are never put in the landing folder.
    assert not any(f.suffix in (".xml", ".xlsx") and "annex" in f.name or "cin_census" in f.name
                   for f in (tmp_path / "a" / "landing").iterdir())


def test_prepare_then_oba_run_gives_the_demo_indicator_values(demo, monkeypatch):
    """The real pipeline on the prepared landing folder (CIN census and school census
    extracts only): ``indicator_values`` holds the demo's figures for the exclusion measures."""
    from pipelines.operations.runner import run

    truth, social, _, _, _ = demo
    monkeypatch.setenv("OBA_DATA_DIR", str(social.data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(social.data_dir / "dagster_home"))
    monkeypatch.setenv("OBA_AS_AT", "2026-10-31")
    run(social)
    measures = ["eh04_suspensions_per_100", "eh04_perm_excl_per_100", "eh04_pupils_suspended_pct",
                "eh11_behaviour_semh_excl_per_100"]
    with duckdb.connect(str(social.warehouse), read_only=True) as con:
        assert con.execute("select sum(rows_quarantined + rows_refused) from load_log").fetchone()[0] == 0
        ours = con.execute("select measure_id, period, breakdown, breakdown_value, numerator, denominator "
                           "from indicator_values where list_contains(?, measure_id) order by all",
                           [measures]).df()
    frames = {"exclusions": truth.exclusions, "pupil_population": truth.pupil_population}
    expected = pd.concat([indicator(frames, i, measures) for i in ("EH04", "EH11")])
    expected = expected.sort_values(list(expected.columns)).reset_index(drop=True)
    assert len(ours) > 100
    pd.testing.assert_frame_equal(ours, expected, check_dtype=False)


def test_prepared_referrals_beside_another_systems_episodes_are_flagged(demo, tmp_path):
    """The demo's own Early Help extract carries the generator's pseudonyms, not the key's:
    prepared referrals beside it share no child, and prepare says so (EH01's step-up would
    otherwise be silently 0%)."""
    truth, _, _, _, returns = demo
    paths = Paths(tmp_path / "mixed")
    paths.landing.mkdir(parents=True)
    episodes = truth.episodes[catalogue.get("early_help_episodes").column_names]
    episodes.to_csv(paths.landing / "early_help_episodes_2016-17.csv", index=False)
    result = prepare("cin-census", sorted(returns.glob("cin_census_*.xml")), paths, key_path=tmp_path / "k")
    assert len(result.run["warnings"]) == 1
    assert "social_care_referrals (prepared) and early_help_episodes" in result.report()
    # Episodes pseudonymised with the same key (here: Annex A prepared elsewhere): no warning.
    annex, same = Paths(tmp_path / "annex"), Paths(tmp_path / "same_key")
    prepare("annex-a", [returns / "annex_a.xlsx"], annex, key_path=tmp_path / "k")
    same.landing.mkdir(parents=True)
    for f in annex.landing.glob("early_help_episodes_*"):
        shutil.copy(f, same.landing)
    again = prepare("cin-census", sorted(returns.glob("cin_census_*.xml")), same, key_path=tmp_path / "k")
    assert again.run["warnings"] == []
