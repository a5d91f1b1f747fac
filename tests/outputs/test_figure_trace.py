"""Figure to rows and "since the last board", on two real releases of the demo (1/20 scale) with a
re-issue between them: every figure id the paper prints is explained; one figure is traced to the
exact delivery records that make it and made again from them alone; the second release's paper
lists the figures the re-issue revised with their old and new values, and never a value of a
figure hidden in either release."""

import csv
import datetime as dt
import re

import duckdb
import pandas as pd
import pytest

from indicators import catalogue as cat
from indicators import releases
from pipelines.operations import cli
from pipelines.operations.runner import run
from pipelines.outputs import explain, figure_ids, figure_report, gather, render, trace
from tests.release_runs import demo_folder, keys_without

PERIOD = "2024-25"
KEY = ["measure_id", "period", "breakdown", "breakdown_value"]


def reissue_without(landing, period=PERIOD, share=0.1):
    """``early_help_episodes_<period>_v2.csv``: the delivery again without every tenth episode
    (a re-issue large enough that its revisions are published, not held)."""
    src = landing / f"early_help_episodes_{period}.csv"
    with src.open(newline="") as f:
        rows = list(csv.reader(f))
    keep = [r for i, r in enumerate(rows[1:]) if i % round(1 / share) != 0]
    with (landing / f"early_help_episodes_{period}_v2.csv").open("w", newline="") as f:
        csv.writer(f).writerows([rows[0], *keep])


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    p, mp = demo_folder(tmp_path_factory.mktemp("since"))
    keys = keys_without("board_paper", "scorecard_workbook", "explorer")
    first = run(p, keys)
    assert first.ok, first.report()
    reissue_without(p.landing)
    second = run(p, keys)
    assert second.ok, second.report()
    con = duckdb.connect(str(p.warehouse), read_only=True)
    data = gather.gather(con, data_dir=p.data_dir, today=dt.date(2026, 11, 15))
    page, _ = render.html(data, dt.date(2026, 11, 15))
    yield p, con, data, page
    con.close()
    mp.undo()


def test_each_release_keeps_its_judgements_and_deliveries(released):
    p, *_ = released
    kept = releases.public(p.data_dir)
    assert len(kept) == 2
    for r in kept:
        assert {"measure_id", "trend", "rag", "quartile_band"} <= set(releases.kept(r, "judgements").columns)
        assert releases.kept(r, "deliveries")["file_hash"].str.len().eq(64).all()


def test_since_the_last_board_shows_revised_figures_old_and_new(released):
    p, con, data, page = released
    old, new = (r.published for r in releases.public(p.data_dir))
    both = old.merge(new, on=KEY, suffixes=("_o", "_n"))
    moved = both[both["value_o"].astype(str) != both["value_n"].astype(str)]
    assert len(moved) > 0
    since = data.since
    assert since["previous"] == releases.public(p.data_dir)[0].release_id
    listed = {r["id"]: r for r in since["revised"]}
    shown_both = moved[~moved[["value_o", "value_n", "numerator_o", "numerator_n", "denominator_o",
                               "denominator_n"]].isin(["c"]).any(axis=1)]
    head = shown_both[shown_both["breakdown"] == "all"]
    assert len(head) > 0
    for r in head.itertuples():
        fid = figure_ids.make(r.measure_id, r.period, r.breakdown, r.breakdown_value)
        assert fid in listed, fid
        assert listed[fid]["old"] is not None and listed[fid]["old"] != listed[fid]["new"]
        assert float(listed[fid]["old"].replace(",", "").rstrip("%")) == pytest.approx(float(r.value_o), abs=0.06)
        assert float(listed[fid]["new"].replace(",", "").rstrip("%")) == pytest.approx(float(r.value_n), abs=0.06)
    # A figure hidden in either release is listed without either value.
    hidden = moved[moved[["value_o", "value_n", "numerator_o", "numerator_n"]].isin(["c"]).any(axis=1)]
    for r in since["revised"]:
        k = figure_ids.parse(r["id"])
        row = hidden[(hidden["measure_id"] == k.measure_id) & (hidden["period"] == k.period)
                     & (hidden["breakdown"] == k.breakdown) & (hidden["breakdown_value"] == k.breakdown_value)]
        if len(row):
            assert r["old"] is None and r["new"] is None and r["text"] == "revised (suppressed)"
    # The re-issue is a new delivery and the delivery it replaced is named.
    assert any(d["file"] == f"early_help_episodes_{PERIOD}_v2.csv" for d in since["new_deliveries"])
    assert any(d["file"] == f"early_help_episodes_{PERIOD}.csv" and d["replaced_by"] for d in since["gone_deliveries"])
    # Printed near the front, before the scorecard, and in the contents.
    assert page.index('id="since-last-board"') < page.index('id="scorecard-page"')
    first = since["revised"][0]
    assert first["id"] in page


def test_every_printed_figure_id_names_a_figure_the_sql_makes(released):
    p, con, data, page = released
    ids = sorted(set(re.findall(r'<span class="fid">(?:Figure id: )?([^<]+)</span>', page)))
    assert len(ids) > 40
    t = trace.connect(p.warehouse)
    try:
        for fid in ids:
            key = figure_ids.parse(fid)
            assert figure_ids.make(key.measure_id, key.period, key.breakdown, key.breakdown_value) == fid
            assert figure_report.published_row(t, key) is not None, fid
            made = trace.figure(t, trace.indicator_of(key.measure_id), key, missing=None)
            assert made is not None, fid
    finally:
        t.close()


def test_oba_explain_prints_definition_sql_deliveries_run_and_never_a_small_count(released, capsys):
    p, con, data, page = released
    fid = data.rows[data.rows["is_headline"].astype(bool) & data.rows["period"].notna()].iloc[0]
    fid = figure_ids.make(fid["measure_id"], fid["period"])
    assert cli.main(["--data-dir", str(p.data_dir), "explain", fid]) == 0
    out = capsys.readouterr().out
    key = figure_ids.parse(fid)
    ind = trace.indicator_of(key.measure_id)
    assert "Definition" in out and "numerator:" in out
    assert explain.explained(ind).strip() in out                      # the SQL with its parameters
    assert re.search(r"SHA-256 [0-9a-f]{64}", out) and "rows loaded" in out
    run_id = con.execute("select run_id from meta_publish order by published_at desc limit 1").fetchone()[0]
    assert run_id in out and "code " in out and "Disclosure:" in out
    # Never a count of 1 to 5 in what explain says about rows and figures.
    for line in out.split("SQL that made it")[0].splitlines():
        for n in re.findall(r"(?:numerator|denominator|count|rows loaded|rows quarantined) ([0-9,]+)\b", line):
            assert not 1 <= int(n.replace(",", "")) <= 5, line
    assert cli.main(["--data-dir", str(p.data_dir), "explain", "EH01.nonsense"]) == 1


def test_a_suppressed_figure_is_explained_with_c(released, capsys):
    p, con, *_ = released
    r = con.execute("select measure_id, period, breakdown, breakdown_value from indicator_values_published "
                    "where numerator = 'c' and breakdown <> 'all' and measure_id like 'eh01_%' limit 1").fetchone()
    fid = figure_ids.make(*r)
    assert cli.main(["--data-dir", str(p.data_dir), "explain", fid, "--no-sql"]) == 0
    out = capsys.readouterr().out
    assert "Disclosure: suppressed" in out
    for line in out.splitlines():
        if "contributing:" in line:
            assert re.search(r"numerator c\b|count c\b", line), line


def test_one_figure_traced_to_its_delivery_rows_and_made_again_from_them(released, tmp_path):
    p, con, *_ = released
    # A ward's step-up rate: episodes closed in the year in the ward (denominator), those followed
    # by a statutory social care outcome (numerator).
    pub = con.execute("select measure_id, period, breakdown, breakdown_value, numerator, denominator "
                      "from indicator_values_published where measure_id = 'eh01_step_up_pct' and breakdown = 'ward' "
                      "and numerator <> 'c' and denominator <> 'c' order by try_cast(denominator as double) "
                      "limit 1").fetchone()
    key = figure_ids.FigureKey(*pub[:4])
    t = trace.connect(p.warehouse)
    try:
        tr = trace.trace(t, key)
        rows = trace.rows(t, tr)
        assert trace.recompute(t, tr, rows) == (tr.numerator, tr.denominator)
        # A record needed alone changes the figure when it is left out.
        for r in rows[rows["role"] == "alone"].head(3).itertuples():
            t.execute("insert into _out values (?, ?, ?)", [r.source, r.file_hash, r.source_row])
            assert trace.figure(t, tr.indicator, key) != (tr.numerator, tr.denominator)
            t.execute("delete from _out")
    finally:
        t.close()
    assert set(rows["role"]) <= {"alone", "group", "together"} and (rows["role"] == "alone").any()
    assert (tr.numerator, tr.denominator) == (float(pub[4]), float(pub[5]))
    # The records counted in the denominator, found independently of the trace.
    fy_start, fy_end = dt.date(int(key.period[:4]), 4, 1), dt.date(int(key.period[:4]) + 1, 3, 31)
    episodes = con.execute("select file_hash, source_row from stg_early_help_episodes where ward_code = ? "
                           "and closure_date between ? and ?", [key.breakdown_value, fy_start, fy_end]).df()
    traced = rows[rows["source"] == "early_help_episodes"]
    assert len(episodes) == float(pub[5])
    assert set(zip(episodes["file_hash"], episodes["source_row"])) <= set(zip(traced["file_hash"], traced["source_row"]))
    # Made again from those records alone: a new database holding only the traced records of
    # every source they come from (the other tables whole) and the SQL as officers read it.
    db = duckdb.connect(str(tmp_path / "again.duckdb"))
    db.execute(f"attach '{p.warehouse}' as wh (read_only)")
    ind = cat.indicator("EH01")
    for s in ind.sources:
        db.execute(f"create table stg_{s} as select * from wh.main.stg_{s}")
        mine = rows[rows["source"] == s]
        if len(mine):
            db.register("keep", mine[["file_hash", "source_row"]])
            db.execute(f"delete from stg_{s} where not exists (select 1 from keep as k where k.file_hash = "
                       f"stg_{s}.file_hash and k.source_row = stg_{s}.source_row)")
            db.unregister("keep")
    again = db.execute(f"select numerator, denominator from ({explain.explained(ind).rstrip().rstrip(';')}) "
                       "where measure_id = ? and period = ? and breakdown = ? and breakdown_value = ?",
                       list(pub[:4])).fetchone()
    db.close()
    assert again == (float(pub[4]), float(pub[5]))
    # Every traced record is a record of a delivery in force, named in load_log with its SHA-256.
    live = con.execute("select file_hash from load_log where status = 'loaded'").df()["file_hash"]
    assert set(rows["file_hash"]) <= set(live)


def test_paper_has_the_provenance_annex_and_the_workbook_the_ids(released, tmp_path):
    p, con, data, page = released
    assert 'id="provenance"' in page and "early_<wbr>help_<wbr>episodes_<wbr>2024-25_<wbr>v2.csv" in page
    from pipelines.outputs import workbook
    book = tmp_path / "book.xlsx"
    workbook.write(con, book, data=data)
    sheet = pd.read_excel(book, sheet_name="EH01")
    assert sheet["figure_id"].str.startswith("EH01.").all()
    score = pd.read_excel(book, sheet_name="Scorecard")
    assert score["Figure id (oba explain)"].dropna().map(figure_ids.parse).map(lambda k: k.breakdown).eq("all").all()
