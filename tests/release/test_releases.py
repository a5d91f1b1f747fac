"""Two successive releases of a real pipeline run (the demo at 1/20 scale), with a re-issue
between them that changes a small ward count: the attack over every relation the outputs
expose, with both releases, finds nothing; every release has its certificate; the shareable
file holds no record and no count of 1 to 5."""

import csv
import json

import duckdb
import pandas as pd
import pytest

from indicators import disclosure, recovery, releases
from pipelines.operations.runner import run
from pipelines.release import shareable
from pipelines.settings import paths as resolve_paths
from sources.generate import generate

KEY = disclosure.RELEASE_KEY


def _read(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (con.execute("select * from indicator_values").df(),
                con.execute("select * from indicator_values_published").df(), releases.read_lookups(con))
    finally:
        con.close()


def reissue_small_ward(landing, period="2024-25"):
    """Write ``early_help_episodes_<period>_v2.csv``: the delivery again without one episode of
    the ward with the fewest (a record withdrawn), so that ward's small counts change."""
    src = landing / f"early_help_episodes_{period}.csv"
    with src.open(newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    ward = header.index("ward_code")
    counts = pd.Series([r[ward] for r in body if r[ward]]).value_counts()
    target = counts.index[-1]
    drop = next(i for i, r in enumerate(body) if r[ward] == target)
    out = landing / f"early_help_episodes_{period}_v2.csv"
    with out.open("w", newline="") as f:
        csv.writer(f).writerows([header, *body[:drop], *body[drop + 1:]])
    return target


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory):
    root = tmp_path_factory.mktemp("releases")
    mp = pytest.MonkeyPatch()
    mp.setenv("OBA_DATA_DIR", str(root / "data"))
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    mp.setenv("OBA_AS_AT", "2026-10-31")
    (root / "dagster_home").mkdir()
    p = resolve_paths(root / "data").ensure()
    generate(p.landing, scale=0.05, seed=11)
    from pipelines.definitions import defs
    keys = [k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()
            if k.to_user_string() not in ("board_paper", "scorecard_workbook")]
    first = run(p, keys)
    assert first.ok, first.report()
    one = _read(p.warehouse)
    ward = reissue_small_ward(p.landing)
    second = run(p, keys)
    assert second.ok, second.report()
    two = _read(p.warehouse)
    yield p, one, two, ward
    mp.undo()


def test_every_release_is_kept_with_a_passed_certificate(two_releases):
    p, *_ = two_releases
    kept = releases.public(p.data_dir)
    assert len(kept) == 2
    for r in kept:
        cert = json.loads((r.folder / "certificate.json").read_text())
        assert cert["passed"] and cert["release_id"] == r.release_id
        assert cert["attack"]["recovered"] == 0 and cert["attack"]["narrowed_below_band"] == 0
        assert cert["attack"]["counts_tried"] > 50
        assert "ward within locality" in cert["relations"]["groupings_from_lookups"]
        assert "PASSED" in (r.folder / "certificate.md").read_text()
    second = json.loads((kept[1].folder / "certificate.json").read_text())
    assert second["releases_included"] == [kept[0].release_id, kept[1].release_id]


def test_the_reissue_changed_a_small_ward_count(two_releases):
    _, (v1, _, _), (v2, _, _), ward = two_releases
    cols = [*KEY, "numerator"]
    both = v1[cols].merge(v2[cols], on=KEY, suffixes=("_1", "_2"))
    changed = both[(both["breakdown"] == "ward") & (both["breakdown_value"] == ward)
                   & (both["numerator_1"] != both["numerator_2"])]
    small = changed[changed[["numerator_1", "numerator_2"]].le(5).any(axis=1)
                    & changed[["numerator_1", "numerator_2"]].gt(0).any(axis=1)]
    assert len(small) > 0


def test_attack_over_both_releases_finds_nothing(two_releases):
    p, (v1, pub1, lookups), (v2, pub2, _), _ = two_releases
    # Each release alone, and the second with the first still public (what a reader holding
    # both papers has), by every relation the outputs expose, with whole counts.
    kept = releases.public(p.data_dir)
    for values, published, earlier in ((v1, pub1, []), (v2, pub2, kept[:1])):
        current = values.reset_index(drop=True)
        know = recovery.relations(current, disclosure.n_only_rows(current), lookups)
        assert recovery.groupings(current, lookups)
        # A revision held back is shown with the earlier release's figures (is_revision_held):
        # attacked with the figures shown, the relations the revision broke there left out.
        values = releases.effective(current, published, earlier)
        know = recovery.holding(know, recovery.exact_cells(values))
        earlier = releases.pairs(earlier)
        aligned = values[KEY].merge(published, on=KEY, how="left")
        _, known = disclosure.across_releases(values, earlier)
        result = recovery.attack(values, recovery.hidden_cells(aligned) & ~known, know)
        assert result.tried > 50
        assert result.recovered == [] and result.narrowed == []
    # Once hidden, always hidden: nothing the first release hid is shown by the second.
    carried, _ = disclosure.across_releases(v2.reset_index(drop=True), [(v1, pub1)])
    aligned2 = v2.reset_index(drop=True)[KEY].merge(pub2, on=KEY, how="left")
    assert carried.any() and not (carried & ~recovery.hidden_cells(aligned2)).any()


def test_the_shareable_file_holds_no_record_and_no_small_count(two_releases):
    p, _, (v2, pub2, _), _ = two_releases
    path = shareable.shareable_path(p)
    assert path.exists() and path.parent == p.warehouse.parent
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert tables == set(shareable.TABLES)
        assert not {t for t in tables if t.startswith(("raw_", "stg_", "ind_")) or t in ("quarantine",
                                                                                          "indicator_values")}
        for table in tables:
            frame = con.execute(f"select * from {table}").df()
            for col in shareable.COUNT_COLUMNS:
                if col not in frame.columns:
                    continue
                x = pd.to_numeric(frame[col], errors="coerce").astype(float)
                scores = (frame["unit"].map(disclosure.is_n_only).astype(bool) if col == "numerator"
                          else pd.Series(False, index=frame.index))
                assert not ((x > 0) & (x <= 5) & ~scores).any(), f"{table}.{col}"
        # The scorecards hold no local figure of their own; a row whose published value is hidden
        # says so (is_suppressed), and its forecasts are blank.
        for table in shareable.SCORECARDS:
            columns = {c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()}
            assert not set(shareable.LOCAL_FIGURES) & columns, table
        card = con.execute("select measure_id, period, is_suppressed, forecast_value from scorecard_periods").df()
        heads = pub2[pub2["breakdown"] == "all"][["measure_id", "period", "value"]]
        merged = card.merge(heads, on=["measure_id", "period"])
        assert len(merged) and (merged["is_suppressed"] == merged["value"].eq("c")).all()
        assert merged["is_suppressed"].any() and merged.loc[merged["is_suppressed"], "forecast_value"].isna().all()
        # The delivery log: typed counts, none of 1 to 5, hidden ones flagged; messages carry no count.
        log = con.execute("select * from load_log").df()
        assert pd.api.types.is_integer_dtype(log["rows_read"]) and log["rows_read_suppressed"].dtype == bool
        assert not log["message"].dropna().str.contains(r"\d").any()
        cert = json.loads(con.execute("select certificate from disclosure_certificate").fetchone()[0])
        assert cert["passed"] and cert["release_id"] == releases.public(p.data_dir)[-1].release_id
    finally:
        con.close()


def test_the_outputs_are_made_from_the_shareable_file_alone(two_releases):
    """The paper, the workbook and the explorer are made with the officers' warehouse and the build
    file gone (moved aside): they read the shareable file and nothing else, and show the same
    protected figures as read from the warehouse."""
    import dagster as dg

    from pipelines.outputs import assets as reports, gather, quality_annex
    from pipelines.warehouse import Warehouse

    p, *_ = two_releases
    with duckdb.connect(str(p.warehouse), read_only=True) as con:
        direct = gather.gather(con, data_dir=p.data_dir)
    aside = [(f, f.with_name(f.name + ".aside")) for f in (p.build, p.warehouse)]
    for f, moved in aside:
        f.rename(moved)
    try:
        result = dg.materialize(reports.assets, resources={"warehouse": Warehouse(data_dir=str(p.data_dir))},
                                run_config={"ops": {"board_paper": {"config": {"pdf": False}}}},
                                raise_on_error=False)
        assert not p.warehouse.exists()
    finally:
        for f, moved in aside:
            if f.exists():   # the run's resource opens (so makes) an empty build file: nothing is read from it
                with duckdb.connect(str(f), read_only=True) as con:
                    assert con.execute("select count(*) from information_schema.tables").fetchone()[0] == 0
                f.unlink()
                f.with_name(f.name + ".wal").unlink(missing_ok=True)
            moved.rename(f)
    assert result.success, [e.step_failure_data.error.message[-300:] for e in result.all_events
                            if e.event_type_value == "STEP_FAILURE"]
    label = direct.period.label
    assert (p.papers / label / f"board_paper_{label}.html").exists()
    assert (p.exports / f"oba_scorecard_{label}.xlsx").exists()
    assert (p.papers / label / f"explorer_{label}.html").exists()
    with shareable.connect(p) as con:
        shared = gather.gather(con, data_dir=p.data_dir)
    # Identical where the warehouse's reading was already protected: every figure, the history,
    # the breakdowns, the judgements of shown rows and the quality annex.
    cols = ["measure_id", "period", *gather.FIGURES, "previous_value", "trend", "rag", "forecast_value"]
    pd.testing.assert_frame_equal(shared.rows[cols], direct.rows[cols])
    pd.testing.assert_frame_equal(shared.history.reset_index(drop=True), direct.history.reset_index(drop=True))
    pd.testing.assert_frame_equal(shared.breakdowns, direct.breakdowns)
    assert quality_annex.annex_rows(shared.load_log, shared.quarantine) == \
        quality_annex.annex_rows(direct.load_log, direct.quarantine)
    assert quality_annex.held_notes(shared.load_log, shared.catalogue) == \
        quality_annex.held_notes(direct.load_log, direct.catalogue)
    assert shared.data_as_at == direct.data_as_at


def test_nothing_is_sent_out_without_a_shareable_file(tmp_path):
    p = resolve_paths(tmp_path / "data").ensure()
    with pytest.raises(shareable.NoShareableFile, match="oba run"):
        shareable.connect(p)
