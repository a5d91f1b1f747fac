"""End to end on the real pipeline: synthetic extracts for a deliberately small area
(scale 0.02, so small numbers are everywhere), every asset materialised, then the paper,
workbook, notebooks and querying guide checked against what it produced.

The demo warehouse is built once per test session (it takes a minute or two).
"""

import datetime as dt
import re
import shutil

import dagster as dg
import duckdb
import openpyxl
import pandas as pd
import pytest

from indicators.disclosure import SUPPRESSED
from pipelines.outputs import browser
from pipelines.outputs import charts
from pipelines.outputs import gather
from pipelines.outputs import labels
from pipelines.settings import paths as resolve_paths
from notebook_runs import NOTEBOOKS, run_notebook
from test_reports import IDS, INDICATOR_PAGE, check_printed_paper, pdf_pages, tables_of
from querying_guide import examples
from sample_warehouse import write_shareable

SCALE = 0.02


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pipelines.ingest import assets as ingest
    from pipelines.compute import assets as indicators
    from pipelines.compute import drafts
    from pipelines.reference import lookups
    from pipelines.reference import benchmarks as published
    from pipelines.outputs import assets as reports
    from pipelines.warehouse import Warehouse
    from sources.generate import generate

    root = tmp_path_factory.mktemp("demo")
    mp = pytest.MonkeyPatch()
    mp.setenv("OBA_DATA_DIR", str(root / "data"))
    mp.setenv("DAGSTER_HOME", str(root))
    p = resolve_paths().ensure()
    generate(p.landing, scale=SCALE, seed=2026)
    # The asset modules themselves rather than the code location, so the test does not
    # depend on what else is wired into definitions (publishing, schedules, sensors).
    # The outputs read only the shareable file, which publishing writes from the build.
    for assets in ([*ingest.assets, *published.assets, *indicators.assets, *drafts.assets, *lookups.assets], reports.assets):
        result = dg.materialize(assets, resources={"warehouse": Warehouse(data_dir=str(p.data_dir))},
                                raise_on_error=False)
        failures = [(e.step_key, e.step_failure_data.error.message.strip()[-300:])
                    for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert not failures, failures
        if assets is not reports.assets:
            write_shareable(p.build)
    # What the publish step does: officers read a copy of the build file.
    shutil.copyfile(p.build, p.warehouse)
    yield p
    mp.undo()


@pytest.fixture(scope="module")
def latest(demo):
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        data = gather.gather(con)
    html = demo.papers / data.period.label / f"board_paper_{data.period.label}.html"
    return data, html, html.with_suffix(".pdf")


def test_latest_paper_html_and_pdf_exist(latest):
    data, html, pdf = latest
    assert html.exists() and pdf.exists() and pdf.stat().st_size > 100_000
    assert data.rows["is_headline"].sum() == len(IDS)


def test_printed_demo_paper_is_one_a_board_would_accept(demo, latest):
    """The default paper as printed: numbered pages, a contents list whose numbers are right, a
    summary of two to four pages with a scorecard that fits, a turn-the-curve section per indicator
    ("awaited" where the demo has no text), a spine chart and wards by name."""
    from sources.lookups import ward_names

    data, html, pdf = latest
    pages = check_printed_paper(pdf, html.read_text(encoding="utf-8"), len(data.awaited()))
    text = "\n".join(pages)
    assert data.period.end <= data.data_as_at <= dt.date.today()
    assert f"Data as at\n{data.data_as_at:%d %B %Y}" in text or f"{data.data_as_at:%d %B %Y} (the newest data" in text
    spine = next(p for p in pages if p.startswith("How we compare: spine chart"))
    assert "Worst" in spine and "Best" in spine and "England" in spine
    assert sum(name in text for name in ward_names().values()) >= 10
    # The demo's EH07 entry is complete; other indicators show what is awaited.
    eh07 = next(p for p in pages if p.startswith("EH07:"))
    assert "Share the monthly NEET list" in eh07 and "awaited" not in eh07
    assert data.awaited() and "awaited" in text


def test_a_past_period_paper_is_written_and_a_future_one_refused(demo, tmp_path, capsys):
    from pipelines.operations.cli import main

    assert main(["--data-dir", str(demo.data_dir), "paper", "--period", "2025-Q4"]) == 0
    pdf = demo.papers / "2025-Q4" / "board_paper_2025-Q4.pdf"
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        data = gather.gather(con, "2025-Q4")
    head = data.rows[data.rows["is_headline"] & data.rows["period"].notna()]
    assert len(head) >= 10 and (pd.to_datetime(head["period_end"]) <= pd.Timestamp("2025-12-31")).all()
    assert head["target"].notna().sum() >= 10     # targets set for each measure's own period
    check_printed_paper(pdf, pdf.with_suffix(".html").read_text(encoding="utf-8"), len(data.awaited()))
    assert main(["--data-dir", str(demo.data_dir), "paper", "--period", "2031-Q1"]) == 1
    assert "not complete yet" in capsys.readouterr().err


def test_pdf_has_a_page_for_each_indicator_section(latest):
    pages = pdf_pages(latest[2])
    starts = [p.split(":")[0] for p in pages if re.match(INDICATOR_PAGE + " ", p)]
    assert sorted(set(starts)) == sorted(IDS)


def test_paper_renders_in_chromium_with_every_chart_drawn(latest):
    html = latest[1]
    report = browser.inspect(html)
    n_divs = len(re.findall(r'<div id="(ttc-[^"]+|bd-[^"]+|spine)" class="plotly-graph-div"', html.read_text()))
    assert len(report.charts) == n_divs >= 12
    assert report.undrawn == [] and report.errors == []


def test_no_count_from_one_to_five_in_the_paper(demo, latest):
    data, html, _ = latest
    tables = tables_of(html.read_text(encoding="utf-8"))
    cells = [v for rows in tables.values() for row in rows[1:] for h, v in zip(rows[0], row)
             if h in ("Numerator", "Denominator", "Rows read", "Rows loaded", "Rows quarantined", "Rows refused")]
    shown = [float(v.replace(",", "")) for v in cells if re.fullmatch(r"[\d,]+(\.\d+)?", v)]
    assert cells and not [v for v in shown if 0 < v <= 5]
    # Every breakdown group shown whose exact count is 1 to 5 reads "c".
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        small = con.execute("select measure_id, period, breakdown, breakdown_value from indicator_values "
                            "where breakdown <> 'all' and (numerator between 1 and 5 or denominator between 1 and 5)"
                            ).df()
    current = data.rows[data.rows["is_headline"]].set_index("measure_id")["period"]  # charted measures
    checked = 0
    for r in small.itertuples():
        if current.get(r.measure_id) != r.period or charts.pick_breakdown(data.breakdowns, r.measure_id) != r.breakdown:
            continue
        shown_as = labels.label(r.breakdown, r.breakdown_value)   # the paper names groups in words
        row = next(x for x in tables[f"bd-{r.measure_id}"][1:] if x[0] == shown_as)
        assert row[1] == SUPPRESSED, (r, row)
        checked += 1
    assert checked > 0, "a scale-0.02 area should have small breakdown groups"


def test_no_count_from_one_to_five_in_the_workbook(demo, latest):
    book = demo.exports / f"oba_scorecard_{latest[0].period.label}.xlsx"
    wb = openpyxl.load_workbook(book, read_only=True)
    assert set(IDS) <= set(wb.sheetnames)
    seen_c = False
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows or ws.title == "Notes":
            continue
        header = [str(h).lower() for h in rows[0]]
        units = header.index("unit") if "unit" in header else None
        for name in ("numerator", "denominator", "value"):
            if name not in header:
                continue
            i = header.index(name)
            for r in rows[1:]:
                if name == "value" and (units is None or r[units] != "count"):
                    continue    # only a count-unit value is itself a count
                seen_c |= r[i] == SUPPRESSED
                assert not (isinstance(r[i], (int, float)) and 0 < r[i] <= 5), (ws.title, name, r)
    assert seen_c


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_execute_against_the_demo_warehouse(demo, path, tmp_path, monkeypatch):
    monkeypatch.setenv("OBA_DATA_DIR", str(demo.data_dir))
    run_notebook(path, tmp_path)


def test_querying_examples_run_against_the_demo_warehouse(demo):
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        answers = [con.execute(sql).fetchall() for sql in examples()]
    assert len(answers[0]) == len(IDS) and answers[2] and answers[3]


def test_awaited_turn_the_curve_parts_are_listed_for_officers(demo, latest, tmp_path):
    """What `oba status` and the end of `oba run` print: the parts the paper shows as awaited."""
    from pipelines.settings import Paths
    from pipelines.operations.status import awaited_report

    data = latest[0]
    text = awaited_report(demo)
    assert f"awaited for the {data.period.label} paper" in text
    lines = [ln.strip() for ln in text.splitlines()[1:]]
    from indicators.turn_the_curve import describe_awaited
    assert lines == describe_awaited(data.awaited())
    # Written in the authority's own file, a part is no longer listed.
    ind, period, _ = next(a for a in data.awaited() if a[1])
    own = demo.settings / "turn_the_curve" / f"{ind}.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    try:
        own.write_text(f"indicator: {ind}\nperiods:\n  '{period}':\n    story: Demand fell.\n"
                       f"    partners: [Schools]\n    what_works: [Early contact]\n"
                       f"    actions: [{{action: Review, owner: Head of service, due: 2027-01-31}}]\n")
        after = awaited_report(demo)
        assert not any(ln.strip().startswith(f"{ind} {period}:") for ln in after.splitlines())
    finally:
        own.unlink()
    assert awaited_report(Paths(tmp_path)) == ""   # no warehouse yet: nothing to say


def test_the_paper_scorecard_is_the_warehouse_scorecard(demo, latest):
    """One scorecard: every headline row of the default paper's scorecard table (rendered by
    the real run) has the period, value, interval, trend, forecast and RAG of the warehouse's
    ``scorecard`` row for the measure, and the two count the same reds, ambers and greens."""
    from pipelines.outputs import fmt

    data, html, _ = latest
    printed = tables_of(html.read_text(encoding="utf-8"))["scorecard"][1:]
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        score = con.execute("select * from scorecard where is_headline").df().set_index("indicator_id")
        assert con.execute("select count(*) from scorecard_periods where is_latest and not is_complete"
                           ).fetchall()[0][0] == 0
    assert len(printed) == len(score) == len(IDS)
    for row in printed:
        ind = row[0].split()[0]
        s = score.loc[ind]
        unit = s["unit"]
        # The period, with its months where its key does not name them (NEET's 2026).
        assert row[1] == fmt.period(s["period"], s["period_type"], s["period_start"], s["period_end"]), ind
        assert row[1].split(" (")[0] == (fmt.MISSING if pd.isna(s["period"]) else s["period"]), (ind, row[1])
        if row[2].split()[0] == SUPPRESSED:     # a small number: value, verdicts and forecast all "c"
            assert row[3].endswith(SUPPRESSED) and row[6] == SUPPRESSED, ind
            continue
        assert row[2] == " ".join(fmt.value_ci(s["value"], s["ci_lower"], s["ci_upper"], unit)).strip(), ind
        assert row[3].endswith(s["trend_judgement"] if isinstance(s["trend_judgement"], str) else "not assessed"), ind
        assert row[4] == fmt.value(gather.guard(s["forecast_value"], unit), unit), ind
        assert row[6] == (s["rag"].capitalize() if isinstance(s["rag"], str) else fmt.MISSING), ind
    # The rows the paper was made from are the scorecard's, figure for figure.
    head = data.rows[data.rows["is_headline"]].set_index("indicator_id")
    for ind, s in score.iterrows():
        assert (None if pd.isna(head.at[ind, "period"]) else str(head.at[ind, "period"])) == \
            (None if pd.isna(s["period"]) else str(s["period"])), ind
        if head.at[ind, "value"] != SUPPRESSED and not pd.isna(s["value"]):
            assert float(head.at[ind, "value"]) == s["value"]
            assert head.at[ind, "trend"] == s["trend_judgement"] and head.at[ind, "rag"] == s["rag"]
    # The same count of each colour, once the ratings of values shown as "c" are left out of
    # both (a RAG of a suppressed value would say something about it).
    shown = head.index[head["value"] != SUPPRESSED]
    for colour in ("red", "amber", "green"):
        assert (head.loc[shown, "rag"] == colour).sum() == (score.loc[shown, "rag"] == colour).sum(), colour
    # docs/querying.md's first question gives officers the same rows as the paper.
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        answer = con.execute(examples()[0]).df().set_index("indicator_id")
    for row in printed:
        ind = row[0].split()[0]
        assert row[1].split(" (")[0] == (fmt.MISSING if pd.isna(answer.at[ind, "period"]) else answer.at[ind, "period"])
        if row[2].split()[0] == SUPPRESSED:
            continue
        assert row[6] == (answer.at[ind, "rag"].capitalize() if isinstance(answer.at[ind, "rag"], str) else fmt.MISSING)


def test_every_indicator_section_prints_what_the_data_show(demo, latest):
    """Each indicator's section has its "What the data show (drafted from the data)" paragraph,
    the one indicator_drafts holds for its reported period, apart from the officers' story; every
    part it names is published (no "c") in both periods it compares."""
    import html as html_lib
    import re

    data, html, _ = latest
    page = html_lib.unescape(re.sub(r"<[^>]+>", " ", html.read_text(encoding="utf-8")))
    page = re.sub(r"\s+", " ", page)
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        drafts = con.execute("select * from indicator_drafts").df()
        named = con.execute("select d.measure_id, d.period, d.previous_period, d.breakdown, d.breakdown_value, "
                            "p.is_suppressed from indicator_decomposition d join indicator_values_published p "
                            "on p.measure_id = d.measure_id and p.breakdown = d.breakdown "
                            "and p.breakdown_value = d.breakdown_value "
                            "and p.period in (d.period, d.previous_period) where d.is_named").df()
    head = data.rows[data.rows["is_headline"]]
    sections = page.split("Headline measure:")[1:]
    assert len(sections) == len(head) == len(IDS)
    for (_, r), text in zip(head.iterrows(), sections):
        assert "What the data show (drafted from the data)" in text, r["indicator_id"]
        mine = drafts[(drafts["measure_id"] == r["measure_id"]) & (drafts["period"] == str(r["period"]))]
        if len(mine):
            drafted = " ".join(mine["drafted"].iloc[0].split())
            assert drafted in text, r["indicator_id"]
            assert text.index(drafted) < text.index("Turn the curve"), r["indicator_id"]
    assert not named["is_suppressed"].any()
    assert (named.groupby(["measure_id", "period", "breakdown", "breakdown_value"]).size() == 2).all()


def test_trends_forecasts_and_bands_recomputed_independently_agree_on_every_row(demo):
    """The independent check (tests/independent_check.py: numpy / scipy from the published
    methods, not indicators.stats) over every complete row of scorecard_periods and every
    stored forecast."""
    import independent_check

    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        done = independent_check.check_warehouse(con)
    assert done["trend"] >= 300 and done["trend_significant"] >= 3, done
    assert done["forecast"] >= 150 and done["forecast_interval"] >= 100, done
    assert done["band"] >= 20 and done["forecast_rows"] >= 100, done


def test_no_figure_is_shown_twice_with_two_values_unless_both_are_labelled(demo, latest):
    """Every (measure, period, area) the rendered paper and its workbook show: at most one
    unlabelled value; our own and a published figure of the same key differ only labelled."""
    import shown_values

    data, html, _ = latest
    tables = tables_of(html.read_text(encoding="utf-8"))
    shown = shown_values.paper(tables, data.catalogue, data.rows, data.region, data.cover["authority_short"])
    shown_values.workbook(demo.exports / f"oba_scorecard_{data.period.label}.xlsx", data.catalogue, shown)
    where = {w for seen in shown.values() for _, _, w in seen}
    assert {"scorecard", "spine", "supporting", "workbook Scorecard"} <= where
    assert any(w.startswith("ttc-") for w in where) and any(w.startswith("sn-") for w in where)
    assert sum(len(v) for v in shown.values()) > 300
    assert not shown_values.conflicts(shown)


def test_every_scorecard_verdict_has_its_reason_beside_it(latest):
    """Under each headline row of the rendered scorecard: the trend's reason, the RAG's, and
    why a comparator is missing; the officers' instructions are not in the board's annexes."""
    data, html, _ = latest
    text = html.read_text(encoding="utf-8")
    tables = tables_of(text)
    rows, why = tables["scorecard"], tables["scorecard/why"]
    why = why + [[]] * (len(rows) - len(why))      # rows after the last reasons have none
    head = data.rows[data.rows["is_headline"].astype(bool)].set_index("indicator_id")
    for row, reasons in zip(rows[1:], why[1:]):
        r = head.loc[row[0].split()[0]]
        if r["value"] == SUPPRESSED:
            continue
        assert reasons, row[0]
        said = reasons[0]
        if pd.isna(r["period"]):
            assert said.startswith("No complete period yet, so no verdict"), (row[0], said)
            continue
        assert said.startswith("Trend: " + str(r["trend_reason"]).split(": chi-square")[0]), (row[0], said)
        if isinstance(r["rag"], str) and not str(r["rag_reason"]).lower().startswith("no rag"):
            assert "RAG: " + str(r["rag_reason"]).split("; ", 1)[-1] in said, (row[0], said)
        if row[7] == "–" or row[8] == "–":
            assert "Comparators: no " in said, (row[0], said)
    assert "officers add them" not in text and "preparing again brings" not in text
