"""The Great Expectations suites on a real demo warehouse: what they find, and Data Docs that
render in headless Chromium with the network off."""

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.compute import expectations as quality
from pipelines.outputs.browser import Chromium

FETCHED = re.compile(r"""(?:\bsrc\s*=\s*["']|<link\b[^>]*?\bhref\s*=\s*["']|url\(\s*["']?)([^"')\s]+)""", re.I)


@pytest.fixture(scope="module")
def docs(demo_run) -> Path:
    p, _, _ = demo_run
    return p.quality / "data_docs"


def pages(docs: Path) -> list[Path]:
    return [f for f in docs.rglob("*.html") if "vendor" not in f.parts]


def test_the_run_validated_every_suite_and_wrote_their_pages(demo_run, docs):
    p, summary, _ = demo_run
    assert not [c for c in summary.check_failures if "great_expectations" in c[0]]
    names = {f.stem for f in (docs / "expectations").glob("*.html")}
    assert names == {"indicator_values", "scorecard", "benchmark_values", "staged_deliveries", "load_log",
                     "staged_code_lists", "staged_required_columns"}
    con = duckdb.connect(str(p.warehouse), read_only=True)
    stored = con.execute("select result from meta_quality where suite = 'data_docs'").fetchone()[0]
    con.close()
    assert '"success": true' in stored and '"suites": 7' in stored


def test_no_page_fetches_anything_from_the_internet(docs):
    for page in pages(docs):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), (page, re.findall(r"https?://\S{0,60}", text)[:3])
        for target in FETCHED.findall(text):
            if target.startswith(("data:", "#")) or "{" in target:
                continue
            assert (page.parent / target.split("?")[0]).resolve().is_file(), (page.name, target)


PROBE = """JSON.stringify({jquery: typeof window.jQuery, table: window.jQuery ? typeof jQuery.fn.bootstrapTable : '',
  vega: typeof window.vegaEmbed, tooltip: window.jQuery ? typeof jQuery.fn.tooltip : '',
  text: document.body.innerText, font: getComputedStyle(document.body).fontFamily,
  icons: getComputedStyle(document.querySelector('.fas, .fa, .far') || document.body).fontFamily})"""


@pytest.mark.parametrize("which", ["index", "validation"])
def test_data_docs_render_in_chromium_with_the_network_off(docs, which):
    import json

    page_file = docs / "index.html" if which == "index" else next((docs / "validations").rglob("*.html"))
    with Chromium() as chrome:
        page = chrome.page()
        for domain in ("Page", "Network", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        page.call("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1,
                  uploadThroughput=-1)
        page.call("Page.navigate", url=page_file.resolve().as_uri())
        page.wait_for("Page.loadEventFired", timeout=90)
        found = json.loads(page.call("Runtime.evaluate", expression=PROBE, returnByValue=True)["result"]["value"])
        events = list(page.events)
    requested = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    failed = [e["params"] for e in events if e.get("method") == "Network.loadingFailed"]
    errors = [e["params"]["entry"]["text"] for e in events
              if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
    assert requested and all(u.startswith(("file://", "data:")) for u in requested), requested
    assert not failed and not errors, (failed, errors)
    assert found["jquery"] == "function" and found["table"] == "function" and found["tooltip"] == "function"
    assert found["vega"] == "function"
    assert "HKGrotesk" in found["font"] or "sans-serif" in found["font"]
    if which == "index":
        assert "staged_code_lists" in found["text"] and "indicator_values" in found["text"]
    else:
        assert "Expectation" in found["text"] and len(found["text"]) > 500


@pytest.fixture
def copy(demo_run, tmp_path):
    p, _, _ = demo_run
    target = tmp_path / "oba.duckdb"
    shutil.copy(p.warehouse, target)
    con = duckdb.connect(str(target))
    yield con
    con.close()


def test_the_suites_find_each_kind_of_fault(copy, tmp_path):
    con = copy
    con.execute("update scorecard set rag = 'purple' where measure_id = (select min(measure_id) from scorecard)")
    con.execute("update indicator_values set value = 130, ci_upper = 140 where unit = 'pct' and rowid = "
                "(select min(rowid) from indicator_values where unit = 'pct')")
    con.execute("insert into indicator_values select * from indicator_values limit 1")
    con.execute("update stg_neet set activity_code = '999' where rowid = (select min(rowid) from stg_neet)")
    con.execute("delete from stg_cme where rowid = (select min(rowid) from stg_cme)")
    con.execute("update benchmark_values set sn_n = 11 where rowid = (select min(rowid) from benchmark_values)")
    con.execute("update load_log set rows_loaded = rows_loaded + 1 where source = 'yos_outcomes' and "
                "status = 'loaded' and rowid = (select min(rowid) from load_log where source = 'yos_outcomes')")
    q = quality.check_warehouse(con, tmp_path / "docs")
    assert not q.success and not q.reused
    found = {(f["suite"], f["expectation"]) for f in q.failures}
    assert {("scorecard", "expect_column_values_to_be_in_set"),
            ("indicator_values", "expect_compound_columns_to_be_unique"),
            ("indicator_values", "expect_column_pair_values_a_to_be_greater_than_b"),
            ("staged_code_lists", "expect_column_pair_values_to_be_in_set"),
            ("staged_deliveries", "expect_column_pair_values_to_be_equal"),
            ("benchmark_values", "expect_column_values_to_be_between"),
            ("load_log", "expect_column_pair_values_to_be_equal")} <= found, found
    assert "999" in q.text() and "purple" in q.text()
    # the faults' pages are there too, offline
    assert (tmp_path / "docs" / "index.html").is_file() and quality.offline(tmp_path / "docs") == []


def test_an_unchanged_warehouse_reuses_the_result(copy, tmp_path):
    first = quality.check_warehouse(copy, tmp_path / "docs")
    second = quality.check_warehouse(copy, tmp_path / "docs")
    assert first.success and not first.reused and second.reused and second.text() == first.text()


def test_an_unknown_external_asset_is_removed_and_reported(tmp_path):
    page = tmp_path / "docs" / "index.html"
    page.parent.mkdir()
    page.write_text('<script src="https://evil.example/x.js"></script>'
                    '<link href="https://cdn.jsdelivr.net/npm/vega@5" rel="stylesheet">'
                    '<a href="https://greatexpectations.io">GX</a>')
    assert quality.offline(tmp_path / "docs") == ["https://evil.example/x.js"]
    text = page.read_text()
    assert "https://" not in text and "static/vendor/vega-5.33.1/vega.min.js" in text
    assert "<a " not in text and text.endswith("GX")
    assert (tmp_path / "docs" / "static" / "vendor" / "vega-5.33.1" / "vega.min.js").is_file()


def _outcome(q) -> tuple:
    return q.success, q.rows, q.suites, q.expectations, q.failures, q.text()


def _index_suites(docs: Path) -> tuple[set[str], set[str]]:
    """The suites the Data Docs index links to: (expectation suite pages, validation result pages)."""
    index = (docs / "index.html").read_text(encoding="utf-8")
    return (set(re.findall(r"expectations/(\w+)\.html", index)),
            set(re.findall(r"validations/(\w+)/[^\"']+\.html", index)))


def test_a_night_runs_only_the_suites_whose_inputs_changed_and_reports_what_a_cold_check_does(copy, tmp_path):
    con, docs = copy, tmp_path / "docs"
    everything = {s.name for s in quality.suites(con)}
    quality.check_warehouse(con, docs)
    con.execute("delete from stg_cme where rowid = (select min(rowid) from stg_cme)")   # stg_rows <> rows_loaded
    night = quality.check_warehouse(con, docs)
    readers = {s.name for s in quality.suites(con) if "stg_cme" in s.reads}
    assert set(night.suites_run) == readers and "staged_deliveries" in readers, night.suites_run
    assert not readers & {"indicator_values", "scorecard", "benchmark_values", "load_log"}
    assert not night.success and {f["suite"] for f in night.failures} == {"staged_deliveries"}

    # another table changes: the failing suite is reused and still reported, with the same failure
    con.execute("update scorecard set rag = case rag when 'green' then 'amber' else 'green' end "
                "where rowid = (select min(rowid) from scorecard)")
    later = quality.check_warehouse(con, docs)
    assert later.suites_run == ["scorecard"] and not later.reused
    assert not later.success and later.failures == night.failures
    assert _index_suites(docs) == (everything, everything)      # Data Docs: every suite, reused or run
    assert len(list((docs / "validations").rglob("*.html"))) == len(everything)
    assert quality.offline(docs) == []

    # the same warehouse checked cold (nothing kept): the same result
    con.execute("delete from meta_reuse where step like 'great_expectations:%'")
    con.execute("delete from meta_quality")
    cold = quality.check_warehouse(con, tmp_path / "cold")
    assert set(cold.suites_run) == everything
    assert _outcome(cold) == _outcome(later)
    assert _index_suites(tmp_path / "cold") == _index_suites(docs)


def test_an_unchanged_failing_suite_stays_failing(copy, tmp_path):
    con = copy
    con.execute("update load_log set rows_read = rows_read + 1 where rowid = (select min(rowid) from load_log)")
    first = quality.check_warehouse(con, tmp_path / "docs")
    again = quality.check_warehouse(con, tmp_path / "docs")               # nothing changed: all reused
    assert again.reused and not again.success and again.failures == first.failures
    shutil.rmtree(tmp_path / "docs")                                      # site gone: rebuilt, no suite run
    rebuilt = quality.check_warehouse(con, tmp_path / "docs")
    assert rebuilt.suites_run == [] and not rebuilt.reused and _outcome(rebuilt) == _outcome(first)
    assert {f["suite"] for f in rebuilt.failures} >= {"load_log"}
