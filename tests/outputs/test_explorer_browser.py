"""The explorer in a real browser: the file the nightly run wrote (``demo_run``), opened from
``file://`` in the system's Chromium (Playwright) with the network off and every request that
is not the file itself aborted and recorded. One browser for the module.

Checked: no request leaves the page; each view opens by keyboard alone; axe-core (bundled by
axe-playwright-python, nothing fetched) finds no WCAG 2.2 A/AA violation on any view; the
figures shown equal the warehouse's published ones; each CSV download holds the rows of the
table it sits under; every view reflows at 320 px.
"""

import csv
import io

import duckdb
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from indicators.disclosure import SUPPRESSED
from pipelines.outputs import fmt
from pipelines.outputs.browser import chromium
from pipelines.outputs import gather
from pipelines.outputs.explorer import page as explorer_page

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="module")
def release(demo_run):
    """(path of the explorer the nightly run wrote, the published figures it should show)."""
    p = demo_run[0]
    with duckdb.connect(str(p.warehouse), read_only=True) as con:
        data, shared = explorer_page.gather_shareable(con, None, __import__("datetime").date.today(), p.data_dir)
        with shared:
            published = gather.published_values(shared)
    made = p.papers / data.period.label / explorer_page.file_name(data.period.label)
    assert made.exists(), f"the nightly run wrote no explorer at {made}"
    return made, data, published


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        # The system's Chromium (/usr/bin/chromium, or $OBA_CHROMIUM): Playwright downloads no browser.
        b = pw.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def tab(browser, release, tmp_path):
    """A page on the explorer with the network off; ``tab.requests`` lists every request
    that was not for the file itself (each aborted). Asserted empty after every test."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_offline(True)
    requests, errors = [], []

    def guard(route):
        if route.request.url.startswith("file://"):
            return route.continue_()
        requests.append(route.request.url)
        return route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.requests, pg.errors, pg.url_of = requests, errors, lambda view: release[0].as_uri() + view
    yield pg
    context.close()
    assert requests == [], f"the explorer asked the network for {requests}"
    assert errors == [], errors


def open_view(pg, view: str):
    pg.goto(pg.url_of(view))
    pg.wait_for_selector("main h1")
    pg.wait_for_timeout(300)   # plotly draws after the view


def focused(pg) -> str:
    return pg.evaluate("""(e => (e.innerText || (e.labels && e.labels.length ? e.labels[0].innerText : '')
                        || e.getAttribute('aria-label') || e.id || '').trim())(document.activeElement)""")


def tab_to(pg, text: str, limit: int = 600) -> None:
    """Press Tab until the element with ``text`` has the focus (and show it is visible)."""
    for _ in range(limit):
        pg.keyboard.press("Tab")
        if focused(pg) == text:
            outline = pg.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{text!r} has the focus but no visible outline"
            return
    raise AssertionError(f"{text!r} never took the focus by Tab")


def table_rows(pg, selector: str = "main table") -> tuple[list[str], list[list[str]]]:
    return pg.evaluate("""sel => { const t = document.querySelector(sel);
        const cells = r => Array.from(r.cells).map(c => c.innerText.replace(/\\s*\\(suppressed\\)$/, '').trim());
        return [cells(t.tHead.rows[0]), Array.from(t.tBodies[0].rows).map(cells)]; }""", selector)


def headline(data, indicator: str):
    rows = data.rows[data.rows["is_headline"].astype(bool)]
    return rows[rows["indicator_id"] == indicator].iloc[0]


def views(data) -> dict[str, str]:
    """One address per view: a measure with a published equivalent, and a ward breakdown."""
    compared = data.rows[data.rows["benchmark_period"].notna()].iloc[0]["measure_id"]
    ward = data.breakdowns if not data.breakdowns.empty else None
    by_ward = ward[ward["breakdown"] == "ward"]["measure_id"].iloc[0]
    return {"scorecard": "#/scorecard", "measure": f"#/measure/{compared}", "compare": f"#/compare/{compared}",
            "breakdowns": f"#/breakdowns/{by_ward}/ward", "spine": "#/spine"}


def test_explorer_every_view_opens_by_keyboard_alone(tab, release):
    _, data, _ = release
    open_view(tab, "#/scorecard")
    first = data.rows.iloc[0]
    tab_to(tab, first["title"])
    tab.keyboard.press("Enter")
    tab.wait_for_selector("main[data-view=measure]")
    assert tab.evaluate("document.activeElement.tagName") == "H1"   # focus moves to the new view
    m = data.rows[data.rows["benchmark_period"].notna()].iloc[0]
    open_view(tab, f"#/measure/{m['measure_id']}")
    tab_to(tab, "Compare with every English authority")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("main[data-view=compare]")
    tab_to(tab, "Open the measure")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("main[data-view=measure]")
    tab_to(tab, "Breakdowns: localities, wards and groups")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("main[data-view=breakdowns]")
    # A select changes the view from the keyboard (and the address says so).
    tab.focus("#f-breakdown")
    names = tab.evaluate("Array.from(document.querySelectorAll('#f-breakdown option')).map(o => o.value)")
    tab.keyboard.press("End" if len(names) > 1 else "Home")
    tab.wait_for_function("location.hash.includes('/' + %r)" % names[-1])
    tab_to(tab, "Spine chart")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("main[data-view=spine]")
    tab_to(tab, "Scorecard")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("main[data-view=scorecard]")
    tab_to(tab, "Headline measures only")
    tab.keyboard.press("Space")
    assert "headline=1" in tab.evaluate("location.hash")
    assert len(table_rows(tab)[1]) == int(data.rows["is_headline"].sum())
    # The address holds the view: opened afresh (an e-mailed link), it shows the same.
    link = tab.url
    tab.goto("about:blank")
    tab.goto(link)
    tab.wait_for_selector("main[data-view=scorecard] table")
    assert tab.is_checked("#f-headline") and len(table_rows(tab)[1]) == int(data.rows["is_headline"].sum())


def test_explorer_has_no_wcag_violation_on_any_view(tab, release):
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    # The engine is live: a page with a known failure is reported.
    tab.set_content("<html><body><img src='data:,'><input type='text'></body></html>")
    assert axe.run(tab, options=options).violations_count > 0
    for name, view in views(release[1]).items():
        for width in (1280, 320):
            tab.set_viewport_size({"width": width, "height": 900})
            open_view(tab, view)
            result = axe.run(tab, options=options)
            assert result.violations_count == 0, f"{name} at {width} px:\n{result.generate_snapshot()}"
            assert result.response["passes"], "axe checked nothing"


def test_explorer_reflows_at_320_px(tab, release):
    tab.set_viewport_size({"width": 320, "height": 800})
    for name, view in views(release[1]).items():
        open_view(tab, view)
        # Tables and charts scroll inside their own regions (allowed by WCAG 1.4.10); nothing else may.
        wide = tab.evaluate("""Array.from(document.querySelectorAll('body *'))
            .filter(e => !e.closest('.table-wrap, .chart-wrap') && e.getBoundingClientRect().right > 321)
            .map(e => e.tagName + '.' + e.className + ': ' + (e.innerText || '').slice(0, 60))""")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 320, f"{name} scrolls sideways at 320 px: {wide[:5]}"


def test_explorer_shows_the_warehouse_figures(tab, release):
    """The scorecard's and each headline measure page's figures, and a ward breakdown's cells
    ("c" where suppressed), equal the published warehouse's, formatted as the paper formats."""
    _, data, published = release
    open_view(tab, "#/scorecard")
    columns, rows = table_rows(tab)
    shown = {r[0]: dict(zip(columns, r)) for r in rows}
    for r in data.rows.itertuples():
        if fmt.missing(r.period):
            continue
        mine = published[(published["measure_id"] == r.measure_id) & (published["breakdown"] == "all")
                         & (published["period"].astype(str) == str(r.period))].iloc[0]
        assert shown[r.title]["Latest"] == fmt.value(mine["value"], r.unit), r.measure_id
        assert shown[r.title]["95% CI"] == fmt.ci(mine["ci_lower"], mine["ci_upper"], r.unit), r.measure_id
        assert shown[r.title]["Period"] == str(r.period)
    for h in data.rows[data.rows["is_headline"].astype(bool)].head(4).itertuples():
        open_view(tab, f"#/measure/{h.measure_id}")
        facts = tab.evaluate("Object.fromEntries(Array.from(document.querySelectorAll('dl.facts dt'))"
                             ".map(dt => [dt.innerText, dt.nextElementSibling.innerText]))")
        assert facts[f"Latest ({h.period})"].startswith(fmt.value(h.value, h.unit)), h.measure_id
        history = published[(published["measure_id"] == h.measure_id) & (published["breakdown"] == "all")]
        _, curve = table_rows(tab, "main table")
        by_period = {row[0]: row[1] for row in curve}
        for p in history.itertuples():
            if str(p.period) in by_period:
                assert by_period[str(p.period)] == fmt.value(p.value, h.unit), (h.measure_id, p.period)
    ward = data.breakdowns[data.breakdowns["breakdown"] == "ward"]
    mid = ward["measure_id"].iloc[0]
    period = str(data.rows.set_index("measure_id").loc[mid, "period"])
    open_view(tab, f"#/breakdowns/{mid}/ward?period={period}")
    _, rows = table_rows(tab)
    expect = published[(published["measure_id"] == mid) & (published["breakdown"] == "ward")
                       & (published["period"].astype(str) == period)]
    unit = data.catalogue.set_index("measure_id").loc[mid, "unit"]
    assert sorted(r[1] for r in rows) == sorted(fmt.value(v, unit) for v in expect["value"])
    assert sum(r[1] == SUPPRESSED for r in rows) == sum(v == SUPPRESSED for v in expect["value"])
    assert all((r[5] != "No") == (r[1] == SUPPRESSED) for r in rows)


def _download(tab, button) -> list[list[str]]:
    with tab.expect_download() as got:
        button.click()
    text = open(got.value.path(), encoding="utf-8-sig").read()
    return list(csv.reader(io.StringIO(text)))


def test_explorer_downloads_hold_the_rows_of_the_view(tab, release):
    _, data, published = release
    for view in ("#/scorecard?off=1", "#/scorecard?headline=1&sort=rag&dir=desc", *views(data).values()):
        open_view(tab, view)
        tables = tab.locator("main table")
        for i in range(tables.count()):
            table_id = tables.nth(i).get_attribute("id")
            columns, rows = table_rows(tab, f"#{table_id}")
            got = _download(tab, tab.locator(f"button.csv[data-table={table_id}]"))
            assert got[0] == columns, view
            assert got[1:] == rows, f"{view}: the CSV of table {i} is not the rows shown"
    # The whole release: every published row up to the release's period, as published.
    everything = _download(tab, tab.locator("#download-all"))
    up_to = published[published["period_end"] <= data.period.end]
    assert len(everything) - 1 == len(up_to)
    assert sum(row[everything[0].index("value")] == SUPPRESSED for row in everything[1:]) == \
        int((up_to["value"] == SUPPRESSED).sum())
