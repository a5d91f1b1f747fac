"""Board paper and workbook on the small hand-made warehouse (test_reports_sample.py)."""

import datetime as dt
import re
from html.parser import HTMLParser

import duckdb
import openpyxl
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from indicators.catalogue import indicators, measures_frame
from pipelines.outputs import charts
from pipelines.outputs import content
from pipelines.outputs import gather
from pipelines.outputs import period
from pipelines.outputs import render
from pipelines.outputs import workbook
from sample_warehouse import build_sample

TODAY = dt.date(2026, 10, 5)
IDS = [ind.id for ind in indicators()]
# A printed page that starts an indicator's section: "EH07: ..."
INDICATOR_PAGE = "(" + "|".join(IDS) + "):"


class Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts, keyed by id / data-chart. The reasons
    printed under a row (``<tr class="why">``) are kept apart, under "<key>/why", one per
    row they follow (empty where a row has none)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._key, self._row = {}, None, None, None
        self._count = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._key = a.get("id") or a.get("data-chart") or f"table{self._count}"
            self._count += 1
            self.tables[self._key] = []
        elif tag == "tr" and self._key:
            if "why" in (a.get("class") or "").split():
                why = self.tables.setdefault(f"{self._key}/why", [])
                why += [[] for _ in range(len(self.tables[self._key]) - 1 - len(why))] + [[]]
                self._row = why
            else:
                self._row = self.tables[self._key]
                self._row.append([])
        elif tag in ("td", "th") and self._key:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")   # a line break separates; <wbr> (a place to wrap) does not

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._key and self._row:
            self._row[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._key = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> dict:
    p = Tables()
    p.feed(html)
    return p.tables


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return build_sample(tmp_path_factory.mktemp("sample") / "oba.duckdb")


@pytest.fixture(scope="module")
def paper_html(sample):
    with duckdb.connect(str(sample), read_only=True) as con:
        return render.html(gather.gather(con), TODAY)[0]


def test_period_labels_quarters_and_months():
    q = period.parse("2026-q1")
    assert (q.label, q.start, q.end, q.title) == ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31),
                                                 "January to March 2026")
    m = period.parse("2024-02")
    assert (m.end, m.title) == (dt.date(2024, 2, 29), "February 2024")
    for bad in ("2026-Q5", "2026-13", "2025-26", "2026"):
        with pytest.raises(ValueError):
            period.parse(bad)
    # The default is the last quarter complete by the date of the newest data.
    assert period.default(dt.date(2026, 9, 30)).label == "2026-Q3"
    assert period.default(dt.date(2026, 10, 31)).label == "2026-Q3"
    assert period.default(dt.date(2026, 12, 30)).label == "2026-Q3"
    assert period.default(dt.date(2027, 1, 1)).label == "2026-Q4"
    assert period.resolve("2026-08", dt.date(2026, 8, 31)).label == "2026-08"
    for future in ("2026-Q4", "2026-10", "2031-Q1"):
        with pytest.raises(ValueError, match="not complete yet. The latest complete period is 2026-Q3"):
            period.resolve(future, dt.date(2026, 9, 30))


def test_data_as_at_is_the_newest_data_never_the_future():
    log = pd.DataFrame({"source": ["neet", "exclusions", "early_help_episodes", "neet"],
                        "period": ["2026-09", "2025-26", "2026-27", "2026-10"],
                        "status": ["loaded", "loaded", "loaded", "refused"],
                        "received_at": pd.to_datetime(["2026-10-20", "2026-10-01", "2026-10-25", "2026-11-20"])})
    # neet 2026-09 ends 30 Sep; the running 2026-27 year is as at the day it was received;
    # a refused delivery says nothing about the data.
    assert period.data_as_at(log, pd.Series(dtype=object), dt.date(2026, 11, 30)) == dt.date(2026, 10, 25)
    assert period.data_as_at(log.iloc[:2], pd.Series(dtype=object), dt.date(2026, 11, 30)) == dt.date(2026, 9, 30)
    assert period.data_as_at(log, pd.Series(dtype=object), dt.date(2026, 10, 10)) == dt.date(2026, 10, 10)
    # Without a load log: the latest measure period ended by today.
    ends = pd.Series([dt.date(2025, 3, 31), dt.date(2026, 8, 31), dt.date(2026, 12, 31)])
    assert period.data_as_at(pd.DataFrame(), ends, dt.date(2026, 11, 30)) == dt.date(2026, 8, 31)


def test_latest_period_per_measure_respects_the_paper_period():
    f = pd.DataFrame({"measure_id": ["a", "a", "a", "b"], "period": ["2023-24", "2024-25", "2025-26", "2024"],
                      "period_end": pd.to_datetime(["2024-03-31", "2025-03-31", "2026-03-31", "2024-12-31"])})
    got = period.latest_per_measure(f, period.parse("2025-Q4"))
    assert sorted(zip(got.measure_id, got.period)) == [("a", "2024-25"), ("b", "2024")]


def test_figures_come_from_the_published_table(sample):
    with duckdb.connect(str(sample), read_only=True) as con:
        data = gather.gather(con)
        pub = con.execute("select measure_id, period, value from indicator_values_published "
                          "where breakdown = 'all'").df()
    assert len(data.rows) == len(measures_frame()) and data.rows["is_headline"].sum() == len(IDS)
    merged = data.rows.merge(pub, on=["measure_id", "period"], suffixes=("", "_pub"))
    for got, want in zip(merged["value"], merged["value_pub"]):
        assert got == ("c" if want == "c" else pytest.approx(float(want)))


def test_count_forecasts_of_one_to_five_are_suppressed():
    assert gather.guard(3.2, "count") == "c" and gather.guard(0, "count") == 0
    assert gather.guard(3.2, "pct") == 3.2 and gather.guard(12.0, "count") == 12.0


def test_paper_is_self_contained_with_plotly_inlined_once(paper_html):
    bundle = get_plotlyjs()
    assert paper_html.count(bundle[:200]) == 1
    # plotly.js itself names a topojson CDN as a default for maps; nothing else may.
    rest = paper_html.replace(bundle, "")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", rest)
    assert "cdn" not in rest.lower() and "https://" not in rest
    assert len(re.findall(r'<section class="page indicator"', paper_html)) == len(IDS)


def test_every_chart_has_title_alt_text_and_a_table(paper_html):
    figures = re.findall(r'<figure class="chart".*?</figure>', paper_html, flags=re.S)
    # Per indicator: turn the curve, a breakdown, and one chart per supporting "better off"
    # measure; a neighbours table per benchmarked headline measure; the spine chart.
    better_off = len(measures_frame().query("not is_headline and oba_question == 'better_off'"))
    kinds = [re.search(r'aria-labelledby="(\w+)-', f).group(1) for f in figures]
    assert kinds.count("ttc") == len(IDS) + better_off and kinds.count("bd") == len(IDS) and kinds.count("spine") == 1
    assert kinds.count("sn") >= 1
    for f in figures:
        assert re.search(r'<figcaption id="[^"]+"><strong>[^<]+\.</strong> [^<]{40,}', f)
        # The spine chart's table is Annex C (too long for its page); a breakdown's and a supporting
        # curve's are in Annex E, and their text says so; a headline curve's is below its chart.
        annexed = "in the table in Annex E." in f
        assert ('class="chart-table"' in f) != ('aria-labelledby="spine-cap"' in f or annexed)
        assert annexed == bool(re.search(r'aria-labelledby="bd-|aria-labelledby="ttc-(?!' + "|".join(
            measures_frame().query("is_headline")["measure_id"]) + ')', f))
    # Annex E holds every annexed chart's table, under the chart's title.
    annex = paper_html.split('id="chart-figures"', 1)[1]
    for f in figures:
        if "in the table in Annex E." in f:
            chart_id = re.search(r'aria-labelledby="([^"]+)-cap"', f).group(1)
            assert f'data-chart="{chart_id}"' in annex, chart_id
        if "js-plotly-plot" in f or "Plotly.newPlot" in f:
            assert re.search(r'role="img" aria-label="[^"]{40,}"', f)
            assert "#0072B2" in f  # Okabe-Ito blue: the palette, not plotly's default


def test_no_count_from_one_to_five_in_the_paper(sample, paper_html):
    tables = tables_of(paper_html)
    counts = []
    for _key, rows in tables.items():
        header = rows[0]
        for row in rows[1:]:
            counts += [v for h, v in zip(header, row) if h in ("Numerator", "Denominator")]
    assert counts and "c" in counts
    assert not [v for v in counts if v != "c" and v != "–" and 1 <= float(v.replace(",", "")) <= 5]
    # Breakdown groups whose exact counts are small are "c" in the paper, never the figure.
    with duckdb.connect(str(sample), read_only=True) as con:
        data = gather.gather(con)
        small = con.execute("select measure_id, period, breakdown, breakdown_value from indicator_values "
                            "where breakdown <> 'all' and unit = 'pct' "
                            "and (numerator between 1 and 5 or denominator between 1 and 5)").df()
    current = data.rows.set_index("measure_id")["period"]
    checked = 0
    for r in small.itertuples():
        if current.get(r.measure_id) != r.period or charts.pick_breakdown(data.breakdowns, r.measure_id) != r.breakdown:
            continue
        for row in tables.get(f"bd-{r.measure_id}", [])[1:]:
            if row[0] == r.breakdown_value:
                assert row[1] == "c", (r.measure_id, row)
                checked += 1
    assert checked > 0


def test_charts_plot_no_suppressed_or_small_count_point(sample):
    with duckdb.connect(str(sample), read_only=True) as con:
        data = gather.gather(con)
    _, made = content.context(data, TODAY)
    units = data.rows.set_index("measure_id")["unit"]
    hidden = data.breakdowns[data.breakdowns["value"] == "c"]
    assert not hidden.empty
    for chart in made:
        if chart.figure is None or chart.id == "spine":   # the spine chart: published figures only
            continue
        mid = chart.id.split("-", 1)[1]
        for trace in chart.figure.data:
            ys = [y for y in (trace.y if trace.y is not None else []) if y is not None]
            assert all(isinstance(y, (int, float)) for y in ys)   # never a "c"
            if units[mid] == "count" and trace.name == "B&NES (95% CI)":
                assert not [y for y in ys if 0 < y <= 5]
        if chart.id.startswith("bd-"):
            shown = set(chart.figure.data[0].x)
            assert not shown & set(hidden.loc[hidden["measure_id"] == mid, "breakdown_value"]
                                   [hidden.loc[hidden["measure_id"] == mid, "breakdown"] ==
                                    chart.title.split(" by ")[1].split(",")[0]])


def test_executive_summary_agrees_with_the_scorecard(sample, paper_html):
    with duckdb.connect(str(sample), read_only=True) as con:
        head = con.execute("select rag from scorecard where is_headline").df()
    green = int((head["rag"] == "green").sum())
    assert re.search(rf"Of the 12 headline measures with a target for this period, {green} (is|are) on target",
                     paper_html)
    rows = tables_of(paper_html)["scorecard"]
    assert len(rows) == 13 and sum(" Green" in " " + r[6] for r in rows[1:]) == green


def test_quality_annex_hides_small_row_counts(paper_html):
    rows = {r[0]: r for r in tables_of(paper_html)["quality-table"][1:]}
    eh = rows["early_help_episodes"]           # 840 read, 837 loaded, 3 quarantined
    # 840 - 837 would give the 3 back, and a shown total beside a hidden part narrows it (cases
    # printed elsewhere are at most the rows loaded): the total is hidden with its parts.
    assert eh[6] == "c" and eh[5] == "c" and eh[4] == "c"
    assert "closure_after_start (c rows)" in eh[8]
    assert rows["attainment"][6] == "40" and rows["neet"][8] == "all passed"


def test_an_earlier_period_shows_only_what_was_known_then(sample):
    with duckdb.connect(str(sample), read_only=True) as con:
        data = gather.gather(con, "2024-Q2")
    assert pd.to_datetime(data.rows["period_end"]).max() <= pd.Timestamp("2024-06-30")
    assert data.forecasts.empty and data.rows["rag"].isna().all()   # judgements were for later periods
    assert pd.to_datetime(data.history["period_end"]).max() <= pd.Timestamp("2024-06-30")


def test_workbook_has_scorecard_and_one_sheet_per_indicator(sample, tmp_path):
    out = tmp_path / "book.xlsx"
    with duckdb.connect(str(sample), read_only=True) as con:
        sheets = workbook.write(con, out)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Notes", "Scorecard", *IDS, "Definitions"]
    assert sheets["Scorecard"] == 57     # one row per measure (EH11 need-known share: issue 23)
    seen_c = False
    for name in [*IDS, "Scorecard"]:
        rows = list(wb[name].iter_rows(values_only=True))
        header = rows[0]
        for col in ("numerator", "denominator", "Numerator", "Denominator"):
            if col in header:
                vals = [r[header.index(col)] for r in rows[1:]]
                seen_c |= "c" in vals
                assert not [v for v in vals if isinstance(v, (int, float)) and 0 < v <= 5], (name, col)
    assert seen_c


def test_pdf_is_a4_with_a_page_per_indicator(sample, tmp_path):
    with duckdb.connect(str(sample), read_only=True) as con:
        paper = render.write(con, tmp_path / "papers", today=TODAY)
        awaited = gather.gather(con, today=TODAY).awaited()
    assert paper.html.parent.name == paper.period and paper.pdf.exists()
    pages = check_printed_paper(paper.pdf, paper.html.read_text(encoding="utf-8"), len(awaited))
    assert "South West" in "\n".join(pages)    # the region by its published name
    pages = pdf_pages(paper.pdf)
    starts = {p.split(":")[0] for p in pages if re.match(INDICATOR_PAGE, p)}
    assert starts == set(IDS)
    assert any(p.startswith("Annex D: data quality") for p in pages)
    assert any(p.startswith("Annex B: methods") for p in pages)


def pdf_pages(pdf) -> list[str]:
    """Text of each page, leading whitespace removed (pdftotext separates pages by form feeds)."""
    import subprocess
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [p.strip() for p in text.split("\f")]


def test_paper_renders_in_chromium_with_every_chart_drawn(sample, tmp_path):
    from pipelines.outputs import browser
    with duckdb.connect(str(sample), read_only=True) as con:
        paper = render.write(con, tmp_path / "papers", today=TODAY, with_pdf=False)
    report = browser.inspect(paper.html)
    assert len(report.charts) == paper.charts > 12
    assert report.undrawn == [] and report.errors == []


def test_judgements_of_a_suppressed_value_are_suppressed_too(sample, tmp_path):
    db = tmp_path / "oba.duckdb"
    db.write_bytes(sample.read_bytes())
    with duckdb.connect(str(db)) as con:
        period_ = con.execute("select period from scorecard where measure_id = 'eh01_step_up_pct'").fetchone()[0]
        con.execute("update indicator_values_published set numerator = 'c', value = 'c', ci_lower = 'c', "
                    "ci_upper = 'c' where measure_id = 'eh01_step_up_pct' and breakdown = 'all' and period = ?",
                    [period_])
        data = gather.gather(con)
    row = data.rows.set_index("measure_id").loc["eh01_step_up_pct"]
    assert row["value"] == "c" and row["rag"] == "c" and row["forecast_value"] == "c" and row["trend"] == "c"
    assert "eh01_step_up_pct" not in set(data.forecasts["measure_id"])
    html = render.html(data, TODAY)[0]
    first = tables_of(html)["scorecard"][1]
    assert first[2] == "c c" and first[6] == "c" and first[3] == "c"


def test_breakdown_codes_are_shown_in_words():
    from pipelines.outputs.labels import label

    assert label("locality", "bath_city") == "Bath City"
    assert label("imd_quintile", "1") == "1 (most deprived)"
    assert label("level", "unknown") == "Not recorded"
    # Places from the ward lookup (sources.lookups), never a bare code.
    assert label("ward", "E05012424") == "Twerton" and label("locality", "bath_city") == "Bath City"
    assert label("ward", "E05999999") == "E05999999 (not in the ward lookup)"


def test_chromium_leaves_no_process_and_no_profile_behind():
    """Every process of the browser's group has ended and its temporary profile is gone once
    the context closes (the wrapper script and helper processes included)."""
    from pathlib import Path

    from pipelines.outputs import browser

    with browser.Chromium() as chrome:
        chrome.page()
        group, profile = chrome.proc.pid, Path(chrome._profile.name)
        assert browser._group_alive(group) and profile.exists()
    assert not browser._group_alive(group)
    assert not profile.exists()


def pdf_words(pdf, page: int) -> list[dict]:
    """Each word of a page with its box (pdftotext -bbox), in points."""
    import subprocess
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [dict(x0=float(a), y0=float(y), x1=float(b), text=t) for a, y, b, t in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', xml)]


def collisions(words: list[dict]) -> list[tuple[str, str]]:
    """Pairs of words printed over each other on one line (a column too narrow for its text)."""
    lines: dict[float, list[dict]] = {}
    for w in words:
        lines.setdefault(round(w["y0"]), []).append(w)
    out = []
    for ws in lines.values():
        ws.sort(key=lambda w: w["x0"])
        out += [(a["text"], b["text"]) for a, b in zip(ws, ws[1:]) if b["x0"] < a["x1"] - 1.0]
    return out


def contents_of(html: str) -> list[tuple[str, str]]:
    """(title, page number) of each contents entry, as the HTML printed them."""
    nav = re.search(r'<nav aria-label="Contents">(.*?)</nav>', html, flags=re.S).group(1)
    return [(import_html_text(t), p) for t, p in
            re.findall(r'<a href="#[^"]+">(.*?)</a><span class="dots"></span><span class="pg">(\d*)</span>', nav)]


def import_html_text(text: str) -> str:
    import html as h
    return h.unescape(re.sub(r"<[^>]+>", "", text))


def check_printed_paper(pdf, html: str, awaited: int) -> list[str]:
    """What the issue asks of the printed paper, read from the real PDF; returns its pages."""
    import subprocess
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Tagged:\s+yes", info), "a tagged PDF (structure for screen readers)"
    pages = pdf_pages(pdf)
    n = len(pages)
    # "Page N of M" on every page.
    for i, text in enumerate(pages[:n - 1] if pages[-1] == "" else pages, 1):
        assert f"Page {i} of {n - (pages[-1] == '')}" in text, (i, text[-200:])
    pages = [p for p in pages if p]
    n = len(pages)
    # The contents: every entry has a page number, and the section starts on that page.
    entries = contents_of(html)
    assert len(entries) >= 12 + 5
    contents_page = next(i for i, p in enumerate(pages) if p.startswith("Contents"))
    for title, page in entries:
        assert page.isdigit() and contents_page + 1 < int(page) <= n, (title, page)
        first_line = " ".join(pages[int(page) - 1].split())
        assert first_line.startswith(" ".join(title.split())[:40]), (title, page, first_line[:80])
        assert re.search(rf"\b{page}\b", pages[contents_page])
    starts = {t.split(":")[0]: int(p) for t, p in entries}
    # A summary of two to four pages: key messages, scorecard (and spine chart) before EH01.
    summary_pages = starts["EH01"] - starts["Summary"]
    assert 2 <= summary_pages <= 4, summary_pages
    # The scorecard fits its page, with no word broken across lines or cut at the margin.
    card = starts["Scorecard"]
    assert starts.get("How we compare", starts["EH01"]) == card + 1, "the scorecard takes one page"
    cells = tables_of(html)["scorecard"]
    printed = " ".join(pages[card - 1].split()).split(" ")
    for row in cells:
        for word in " ".join(row).split():
            assert word in printed, f"scorecard word {word!r} broken or missing in the PDF"
    # Nothing on any page runs past the right margin (a table or chart too wide is cut off).
    right_margin = 595.0 - 14 * 72 / 25.4
    for i in range(1, n + 1):
        words = pdf_words(pdf, i)
        overflow = [w["text"] for w in words if w["x1"] > right_margin + 1]
        assert not overflow, f"page {i} runs past the right margin: {overflow[:10]}"
        assert not collisions(words), f"page {i}: words printed over each other: {collisions(words)[:5]}"
    # A complete turn-the-curve section per indicator: the four parts, each written or "awaited".
    text = "\n".join(pages)
    for ind in IDS:
        section = "\n".join(pages[starts[ind] - 1:sorted(v for v in starts.values() if v > starts[ind])[0] - 1])
        for part in ("The story behind the curve", "Partners with a role to play", "What works", "Action plan"):
            assert part in section, (ind, part)
    assert len(re.findall(r": awaited\.", text)) == awaited
    # Places by name, never a GSS code.
    assert not re.search(r"\bE0[0-9]\d{6}\b", text)
    return pages


def test_judgements_as_at_the_period_come_from_scorecard_periods(sample, tmp_path):
    """Where the warehouse has scorecard_periods (judgements as at every period), a past
    paper shows that period's judgements; without it, none (never today's)."""
    db = tmp_path / "oba.duckdb"
    db.write_bytes(sample.read_bytes())
    with duckdb.connect(str(db)) as con:
        # A warehouse from before scorecard_periods existed: only the latest judgements.
        con.execute("drop table scorecard_periods")
        before = gather.gather(con, "2024-Q2", today=TODAY).rows.set_index("measure_id")
        assert fmt_missing(before.loc["eh01_step_up_pct", "rag"])
        con.execute("""create table scorecard_periods as
            select * replace ('2023-24' as period, date '2024-03-31' as period_end, 'red' as rag,
                             'getting worse' as trend_judgement)
            from scorecard where measure_id = 'eh01_step_up_pct'
            union all select * from scorecard""")
        past = gather.gather(con, "2024-Q2", today=TODAY).rows.set_index("measure_id")
        now = gather.gather(con, today=TODAY).rows.set_index("measure_id")
        latest = con.execute("select rag from scorecard where measure_id = 'eh01_step_up_pct'").fetchone()[0]
    assert past.loc["eh01_step_up_pct", "period"] == "2023-24"
    assert (past.loc["eh01_step_up_pct", "rag"], past.loc["eh01_step_up_pct", "trend"]) == ("red", "getting worse")
    assert now.loc["eh01_step_up_pct", "rag"] == latest
    # Another measure has no row for its 2024-Q2 period: no judgement, not today's.
    assert fmt_missing(past.loc["eh02_joint_assessments_pct", "rag"])


def fmt_missing(v) -> bool:
    from pipelines.outputs.fmt import missing
    return missing(v)


def test_workbook_follows_the_paper_period_labels_and_rounding(sample, tmp_path):
    from pipelines.outputs.fmt import places

    past, out = tmp_path / "past.xlsx", tmp_path / "book.xlsx"
    with duckdb.connect(str(sample), read_only=True) as con:
        workbook.write(con, past, data=gather.gather(con, "2025-Q2", today=TODAY))
        workbook.write(con, out, data=gather.gather(con, today=TODAY))
    notes = list(openpyxl.load_workbook(past, read_only=True)["Notes"].iter_rows(values_only=True))[0][0]
    assert notes.startswith("Period 2025-Q2 (April to June 2025)")
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb["Scorecard"].iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    unit = head.index("Unit")
    checked = 0
    for r in body:
        for col in ("Forecast", "Forecast lower", "Forecast upper"):
            v = r[head.index(col)]
            if isinstance(v, float):
                assert v == round(v, places(v, r[unit])), (r[0], col, v)
                checked += 1
    assert checked >= 12
    sheet = list(wb["EH01"].iter_rows(values_only=True))
    label = sheet[0].index("breakdown_label")
    assert {r[label] for r in sheet[1:]} >= {"All"}


def test_spine_runs_from_the_worst_authority_to_the_best():
    from pipelines.outputs import comparators

    values = pd.DataFrame({"value": [10.0, 20.0, 30.0, 40.0, 50.0]})
    high = comparators.spine(values, "higher")
    low = comparators.spine(values, "lower")
    assert (high["worst"], high["median"], high["best"], high["n"]) == (10.0, 30.0, 50.0, 5)
    assert (low["worst"], low["q25"], low["best"]) == (50.0, 40.0, 10.0)
    assert comparators.spine(values.head(3), "higher") is None     # too few authorities to draw a spread


def test_one_outlying_authority_does_not_stretch_the_spine():
    from pipelines.outputs import charts, comparators

    # 150 authorities between 10 and 25 and one at 400: the scale ends at the last authority
    # within 1.5 IQR of the middle half (25), not at 400; ours (30) sits at the best end.
    values = pd.DataFrame({"value": [10 + 15 * i / 149 for i in range(150)] + [400.0]})
    sp = comparators.spine(values, "higher")
    assert (sp["worst"], sp["best"]) == (10.0, 400.0)
    assert (sp["scale_worst"], sp["scale_best"]) == (10.0, 25.0)
    low = comparators.spine(values, "lower")
    assert (low["scale_worst"], low["scale_best"]) == (25.0, 10.0)
    title = "Pupils reaching the expected standard in reading, writing and maths, non-FSM minus FSM"
    item = dict(title=title, unit="pct", period="2024/25", ours=30.0, ours_label="ours", england=17.5,
                sn=None, region=None, quartile_band="A", national_rank=1, n_las=151, spread=sp)
    with charts.drawing():
        chart = charts.spine([item], "B&NES")
    ours = next(t for t in chart.figure.data if t.name == "B&NES")
    england = next(t for t in chart.figure.data if t.name == "England")
    assert ours.x[0] == 1.0 and england.x[0] == pytest.approx(0.5)
    # The label is whole: every word of the title, wrapped at spaces, none cut.
    label = ours.y[0]
    assert label.replace("<br>", " ") == f"{title} (2024/25)" and "…" not in label
    assert "B&NES on: " + title in chart.alt and chart.rows[0][-1] == "400.0%"


def test_a_breakdown_of_zeros_draws_no_chart_and_says_none_recorded():
    row = pd.Series(dict(measure_id="m", unit="per_100k", title="First-time entrants", period="2025"))
    d = pd.DataFrame(dict(measure_id="m", breakdown="ward", breakdown_value=["a", "b", "x"],
                          value=[0.0, 0.0, "c"], ci_lower=[0.0, 0.0, "c"], ci_upper=[398.4, 697.3, "c"],
                          numerator=[0, 0, "c"], denominator=[926, 529, 1041]))
    from pipelines.outputs import charts

    chart = charts.breakdown(row, d, {})
    assert chart.figure is None and "none recorded in any ward shown" in chart.alt
    assert "Highest" not in chart.alt and "Not shown to protect small numbers: x" in chart.alt
    tied = charts.breakdown(row, d.assign(value=[5.0, 5.0, "c"]), {})
    assert tied.figure is not None and "Every ward shown is 5.0" in tied.alt and "Highest" not in tied.alt


def test_every_authoritys_value_follows_the_benchmark_mapping(sample):
    """A gap measure is the difference of its two published sides, per authority."""
    from pipelines.outputs import comparators
    from pipelines.reference.benchmark_files import mappings

    gap = next(m for m in mappings() if m.derive == "difference")
    with duckdb.connect(str(sample), read_only=True) as con:
        period = con.execute("select max(period) from benchmark_values where measure_id = ?",
                             [gap.measure_id]).fetchone()[0]
        got = comparators.authority_values(con, pd.DataFrame({"measure_id": [gap.measure_id], "period": [period]}))
        sides = con.execute("select area_code, measure_code, value from pub_values where measure_code in (?, ?) "
                            "and period = ? and area_type = 'la'", [*gap.codes, period]).df()
    wide = sides.pivot(index="area_code", columns="measure_code", values="value")
    want = (wide[gap.codes[0]] - wide[gap.codes[1]]) * gap.scale
    assert len(got) == len(want) == 40
    for r in got.itertuples():
        assert r.value == pytest.approx(want[r.area_code])


def test_quality_annex_counts_only_deliveries_as_a_sources_latest_file():
    """Unrecognised names and entries refused unread (links, folders) are not deliveries:
    the annex's latest file of a source stays its last real delivery (a PII refusal is one)."""
    from pipelines.ingest.landing import NOT_READ
    from pipelines.outputs.quality_annex import latest_deliveries

    at = pd.Timestamp("2026-10-01")
    log = pd.DataFrame([
        dict(source="neet", source_file="neet_2026-09.csv", status="loaded", message="", received_at=at),
        dict(source="neet", source_file="neet_Oct.csv", status="unrecognised",
             message=f"the name matches no source's naming; {NOT_READ}", received_at=at + pd.Timedelta(days=1)),
        dict(source="neet", source_file="neet_2026-10.csv", status="refused",
             message=f"a symbolic link; {NOT_READ}", received_at=at + pd.Timedelta(days=2)),
        dict(source="cme", source_file="cme_2026-09.csv", status="loaded", message="", received_at=at),
        dict(source="cme", source_file="cme_2026-10.csv", status="refused",
             message="personal identifiers found (refused whole): ...", received_at=at + pd.Timedelta(days=1)),
    ])
    last = latest_deliveries(log).set_index("source")["source_file"].to_dict()
    assert last == {"neet": "neet_2026-09.csv", "cme": "cme_2026-10.csv"}


def test_paper_names_the_board_of_the_cover_settings(sample):
    with duckdb.connect(str(sample), read_only=True) as con:
        data = gather.gather(con)
    ctx, _ = content.context(data, TODAY)
    assert ctx["board"] == data.cover["board"] and ctx["board"]


def test_gather_refuses_a_column_no_table_has():
    from pipelines.compute.scorecard import SCORECARD_COLUMNS

    old = pd.DataFrame({"measure_id": ["eh01_x"], "period": ["2024-25"]})  # a table from before most columns
    assert gather._column(old, "trend_judgement", SCORECARD_COLUMNS).isna().all()
    with pytest.raises(KeyError, match="vs_neighbours"):
        gather._column(old, "vs_neighbours", SCORECARD_COLUMNS)   # no version of the scorecard has it
    # Every name the paper reads is a column of the table it reads.
    assert set(gather.SCORECARD_READ.values()) <= set(SCORECARD_COLUMNS)
