"""The Great Expectations suites over the tables officers use, run as one blocking asset check.

Suites (one Data Docs page each):

- ``indicator_values``, ``scorecard``, ``benchmark_values``: keys present and unique,
  measure ids and units from the indicator catalogue, values inside the range their unit
  allows (0-100 for %, -100..100 for percentage points, never negative for counts and
  rates), ``ci_lower <= value <= ci_upper``, a numerator never above its denominator for a
  percentage, RAG / trend / quartile / comparison words from their lists, ranks inside the
  number of authorities ranked, one scorecard row per catalogue measure.
- ``staged_deliveries``: per source, the rows of ``stg_<source>`` and ``raw_<source>`` and the
  records in ``quarantine`` agree with ``load_log`` for the deliveries in force, and no key is
  repeated within a delivery; per file, ``rows_read`` is accounted for.
- ``staged_code_lists``: every value of every coded column of every ``stg_<source>`` (each
  ``;``-separated token of a multi-code column) is in the catalogue's code list, and columns
  the catalogue says are required hold no NULL.

The staged suites read summaries DuckDB computes (one row per source, per value), not the
half a million staged rows, so the suite costs the same at any scale.

GX 1.x runs on pandas frames read from DuckDB (DuckDB is not a GX SQL dialect and
dagster-ge does not support GX 1.x). Importing great_expectations takes ~2.5 s, so it is
never imported with the code location: a run that includes the check starts the import in a
background thread when the run begins (the ``great_expectations`` resource), and the suites
run only when what they read changed (digest and last result in ``meta_quality``).

Data Docs are written to ``<data dir>/quality/data_docs/index.html``; GX's pages load
Bootstrap, jQuery, Font Awesome and Vega from CDNs, so every such link is pointed at copies
shipped in ``pipelines/compute/expectations_assets/`` (see its README) and the pages work offline.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr

from pipelines import tables
# The loader's own definitions: statuses of a delivery in force, every status, malformed records.
from pipelines.ingest.loading import LIVE, MALFORMED_CHECK, STATUSES
from pipelines.warehouse import Warehouse, table_exists

ASSET = "scorecard"           # the check runs once scorecard (the last table officers use) is built
CHECK = "great_expectations_suite"
META = "data_docs"            # meta_quality row holding the combined result
SUITE_VERSION = "3"           # bump when the expectations below change, so cached results are not reused
KEYS = ("measure_id", "period", "breakdown", "breakdown_value")
# What a value in each unit can be. Means and points (scores) have no bound.
UNIT_RANGES = {"pct": (0, 100), "pp": (-100, 100), "count": (0, None), "per_100": (0, None),
               "per_1000": (0, None), "per_100k": (0, None), "ratio": (0, None)}
# Units whose numerator counts people or events (a mean's or a score's numerator is a sum of scores,
# which can be negative: eh08_mean_score_change).
COUNTED_UNITS = ("pct", "count", "per_100", "per_1000", "per_100k", "ratio")
RAG = ["green", "amber", "red"]
def _trend_judgements() -> list[str]:
    """Every judgement indicators.stats.judge_trend can make (all directions, all polarities)."""
    from indicators.stats.trends import DIRECTIONS, judge_trend

    return sorted({judge_trend(d, p) for d in DIRECTIONS for p in ("higher", "lower", "none")})


TRENDS = _trend_judgements()
COMPARISONS = ["better", "similar", "worse", "higher", "lower", "not compared"]
BANDS = ["A", "B", "C", "D"]
ASSETS = Path(__file__).parent / "expectations_assets"
# GX's CDN links -> the copies in expectations_assets (site-relative); the GX logo -> GX's own static copy.
OFFLINE = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
VENDOR = "static/vendor"
# A URL the browser would fetch: in src=, a <link href=>, CSS url() / @import. Links people click are left alone.
_FETCHED = re.compile(r"""(?P<pre>\bsrc\s*=\s*["']|<link\b[^>]*?\bhref\s*=\s*["']|url\(\s*["']?|@import\s+["'])"""
                      r"""(?P<url>https?://[^"')\s]+)""", re.I)
# GX's relative links to its static folder, which it gets one level short on validation pages (favicon).
_STATIC = re.compile(r"""(?P<pre>\b(?:src|href)\s*=\s*["'])(?:\./|(?:\.\./)+)static/""", re.I)
# Subresource-integrity and CORS attributes: a browser refuses file:// scripts that carry them.
_CORS = re.compile(r"""\s(?:integrity|crossorigin)\s*=\s*(?:"[^"]*"|'[^']*')""", re.I)
_LINK = re.compile(r"""<a\b[^>]*\bhref\s*=\s*["']https?://[^"']*["'][^>]*>(?P<text>.*?)</a>""", re.I | re.S)

META_QUALITY = """
create table if not exists meta_quality (suite varchar primary key, digest varchar, result varchar,
                                         validated_at timestamp);
"""


@dataclass
class Suite:
    """One expectation suite: the frame it validates and how to build its expectations."""
    name: str
    frame: pd.DataFrame
    expectations: list = field(default_factory=list)   # callables gx -> expectation, built after import


@dataclass
class Quality:
    success: bool
    rows: int
    failures: list[dict] = field(default_factory=list)   # {suite, expectation, column, unexpected, examples}
    docs: str = ""
    reused: bool = False
    suites: int = 0
    expectations: int = 0
    docs_removed: list[str] = field(default_factory=list)   # external assets with no local copy (see offline)

    def text(self) -> str:
        if self.success:
            return f"all {self.expectations} expectations of {self.suites} suites met ({self.rows} rows validated)"
        return "; ".join(f"{f.get('suite', '')}: {f['expectation']} {f['column']}: {f['unexpected']} unexpected, "
                         f"e.g. {f['examples']}" for f in self.failures)


def _import_gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")   # no usage statistics leave the council
    return importlib.import_module("great_expectations")


class GreatExpectations(dg.ConfigurableResource):
    """Great Expectations, imported in the background from the start of a run that needs it."""

    _importing: threading.Thread | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._importing = threading.Thread(target=_import_gx, name="import-great-expectations", daemon=True)
        self._importing.start()

    def ready(self) -> None:
        """Wait for the background import (if any) to finish."""
        if self._importing is not None:
            self._importing.join()


# --- the suites --------------------------------------------------------------------------------

def with_unit_range(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with a ``unit`` column) plus ``unit_min`` / ``unit_max``, the range its unit allows."""
    low = {u: r[0] for u, r in UNIT_RANGES.items()}
    high = {u: r[1] for u, r in UNIT_RANGES.items()}
    return frame.assign(unit_min=frame["unit"].map(low).astype("Float64"),
                        unit_max=frame["unit"].map(high).astype("Float64"))


def _unit_ranges(columns: list[str]) -> list:
    """Each column inside the range of its row's unit (no bound where the unit has none)."""
    out = []
    for column in columns:
        out += [lambda gx, c=column: gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=c, column_B="unit_min", or_equal=True, ignore_row_if="either_value_is_missing"),
                lambda gx, c=column: gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="unit_max", column_B=c, or_equal=True, ignore_row_if="either_value_is_missing")]
    return out


def _ci(value: str = "value", lower: str = "ci_lower", upper: str = "ci_upper") -> list:
    """lower <= value <= upper wherever both are known."""
    return [
        lambda gx: gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=value, column_B=lower, or_equal=True, ignore_row_if="either_value_is_missing"),
        lambda gx: gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=upper, column_B=value, or_equal=True, ignore_row_if="either_value_is_missing"),
    ]


def _in_set(column: str, values, condition: str | None = None) -> callable:
    extra = {"row_condition": condition, "condition_parser": "pandas"} if condition else {}
    return lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), **extra)


def _not_null(column: str) -> callable:
    return lambda gx: gx.expectations.ExpectColumnValuesToNotBeNull(column=column)


def _frame(con, sql: str, params: list | None = None) -> pd.DataFrame:
    """A query's result as a frame, on a cursor so no unfinished result is left on ``con``."""
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def _catalogue() -> pd.DataFrame:
    from indicators.catalogue import measures_frame

    return measures_frame()


def values_suite(con, cat: pd.DataFrame) -> Suite:
    frame = with_unit_range(_frame(con, f"select {', '.join(KEYS)}, unit, numerator, denominator, value, ci_lower, "
                                        f"ci_upper from indicator_values order by all"))
    return Suite("indicator_values", frame, [
        *[_not_null(k) for k in KEYS],
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=list(KEYS)),
        _in_set("measure_id", cat["measure_id"]),
        _in_set("unit", UNIT_RANGES.keys() | set(cat["unit"])),
        *_unit_ranges(["value", "ci_lower", "ci_upper"]),
        *_ci(),
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(  # a count of people or events
            column="numerator", min_value=0, condition_parser="pandas",
            row_condition=" or ".join(f'unit=="{u}"' for u in COUNTED_UNITS)),
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="denominator", min_value=0),
        lambda gx: gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="denominator", column_B="numerator", or_equal=True, ignore_row_if="either_value_is_missing",
            row_condition='unit=="pct"', condition_parser="pandas"),
    ])


def scorecard_suite(con, cat: pd.DataFrame) -> Suite:
    frame = with_unit_range(_frame(con, "select measure_id, unit, period, value, ci_lower, ci_upper, rag, trend_judgement, "
                        "england_comparison, region_comparison, sn_comparison, quartile_band, national_rank, n_las "
                        "from scorecard order by measure_id"))
    return Suite("scorecard", frame, [
        _not_null("measure_id"),
        lambda gx: gx.expectations.ExpectColumnValuesToBeUnique(column="measure_id"),
        _in_set("measure_id", cat["measure_id"]),
        lambda gx, n=len(cat): gx.expectations.ExpectTableRowCountToEqual(value=n),  # noqa: B008 (bound now)
        *_unit_ranges(["value", "ci_lower", "ci_upper"]),
        *_ci(),
        _in_set("rag", RAG),
        _in_set("trend_judgement", TRENDS),
        *[_in_set(c, COMPARISONS) for c in ("england_comparison", "region_comparison", "sn_comparison")],
        _in_set("quartile_band", BANDS),
        lambda gx: gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_las", column_B="national_rank", or_equal=True, ignore_row_if="either_value_is_missing"),
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="national_rank", min_value=1),
    ])


def benchmark_suite(con, cat: pd.DataFrame) -> Suite:
    frame = _frame(con, "select measure_id, period, la_published_value, england_value, region_value, sn_mean, "
                        "sn_median, sn_n, quartile_band, national_rank, n_las from benchmark_values "
                        "order by measure_id, period")
    frame = with_unit_range(frame.merge(cat[["measure_id", "unit"]], on="measure_id", how="left"))
    values = ["la_published_value", "england_value", "region_value", "sn_mean", "sn_median"]
    return Suite("benchmark_values", frame, [
        _not_null("measure_id"), _not_null("period"),
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["measure_id", "period"]),
        _in_set("measure_id", cat["measure_id"]),
        *_unit_ranges(values),
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="sn_n", min_value=0, max_value=10),
        _in_set("quartile_band", BANDS),
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="national_rank", min_value=1),
        lambda gx: gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_las", column_B="national_rank", or_equal=True, ignore_row_if="either_value_is_missing"),
    ])


def multi_code_columns(source) -> set[str]:
    """Columns whose schema takes several ``;``-separated codes (schemas/checks.known_codes)."""
    import schemas

    model = schemas.get(source.name).to_schema()
    return {name for name, col in model.columns.items()
            if any("(;-separated)" in (check.name or "") for check in col.checks)}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def staged_suites(con) -> list[Suite]:
    """Row counts against load_log, repeated keys, and code lists, for every staged source."""
    from sources.catalogue import SOURCES

    live = ", ".join(f"'{s}'" for s in LIVE)
    counts, codes, nulls, known = [], [], [], []
    for s in SOURCES:
        stg, raw = f"stg_{s.name}", f"raw_{s.name}"
        if not (table_exists(con, stg) and table_exists(con, raw)):
            continue
        key = ", ".join(_q(k) for k in (*s.key, "file_hash"))
        in_force = f"select file_hash from load_log where source = ? and status in ({live})"
        # raw_<source> keeps held deliveries aside too, and never a malformed record (quarantined
        # as it was read): raw rows in force = rows read - malformed records.
        counts.append(_frame(con,
            f"select ? as source, (select count(*) from {stg}) as stg_rows, "
            f"(select count(*) from {raw} where file_hash in ({in_force})) as raw_rows, "
            f"(select count(*) - count(distinct ({key})) from {stg}) as repeated_keys, "
            f"(select count(distinct (file_hash, source_row)) from quarantine where source = ? "
            f"   and file_hash in ({in_force})) as quarantined_records, "
            f"coalesce(sum(rows_loaded), 0) as rows_loaded, "
            f"coalesce(sum(rows_read), 0) - (select count(distinct (file_hash, source_row)) from quarantine "
            f"   where source = ? and check_name = ? and file_hash in ({in_force})) as rows_read, "
            f"coalesce(sum(rows_quarantined), 0) as rows_quarantined "
            f"from load_log where source = ? and status in ({live})",
            [s.name, s.name, s.name, s.name, s.name, MALFORMED_CHECK, s.name, s.name]))
        multi = multi_code_columns(s)
        for c in s.columns:
            if c.codes:
                token = (f"trim(unnest(string_split({_q(c.name)}::varchar, ';')))" if c.name in multi
                         else f"{_q(c.name)}::varchar")
                codes.append(_frame(con,
                    f"select ? as code_list, value, count(*) as rows "
                    f"from (select {token} as value from {stg}) where value is not null group by all order by value",
                    [f"{s.name}.{c.name}"]))
                known += [(f"{s.name}.{c.name}", code) for code in c.codes]
        required = [c.name for c in s.columns if not c.nullable]
        if required:
            counted = ", ".join(f"count(*) - count({_q(n)})" for n in required)
            nulls.append(_frame(con, f"select ? as source, unnest(?::varchar[]) as column_name, unnest(n) as nulls "
                                     f"from (select [{counted}] as n from {stg})", [s.name, required]))
    if not counts:
        return []
    files = _frame(con, "select source, source_file, status, rows_read, "
                        "rows_loaded + rows_quarantined + rows_refused + rows_superseded + rows_held as rows_accounted "
                        "from load_log order by source, source_file")

    def equal(a, b):
        return lambda gx: gx.expectations.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b)

    deliveries = pd.concat(counts, ignore_index=True)
    frames = [
        Suite("staged_deliveries", deliveries, [
            equal("stg_rows", "rows_loaded"), equal("raw_rows", "rows_read"),
            equal("quarantined_records", "rows_quarantined"),
            lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="repeated_keys", min_value=0,
                                                                     max_value=0)]),
        Suite("load_log", files, [equal("rows_read", "rows_accounted"), _in_set("status", list(STATUSES)),
                                  lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="rows_read",
                                                                                           min_value=0)]),
    ]
    if codes:
        frames.append(Suite("staged_code_lists", pd.concat(codes, ignore_index=True), [
            lambda gx: gx.expectations.ExpectColumnPairValuesToBeInSet(
                column_A="code_list", column_B="value", value_pairs_set=known)]))
    if nulls:
        frames.append(Suite("staged_required_columns", pd.concat(nulls, ignore_index=True), [
            lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="nulls", min_value=0, max_value=0)]))
    return frames


def suites(con) -> list[Suite]:
    """Every suite whose tables exist in ``con``."""
    cat = _catalogue()
    out = []
    for table, build in (("indicator_values", values_suite), ("scorecard", scorecard_suite),
                         ("benchmark_values", benchmark_suite)):
        if table_exists(con, table):
            out.append(build(con, cat))
    if table_exists(con, "load_log") and table_exists(con, "quarantine"):
        out.extend(staged_suites(con))
    return out


# --- running them ------------------------------------------------------------------------------

def validate_suites(all_suites: list[Suite], docs_dir: Path) -> Quality:
    """Run every suite in one GX context, then rebuild the Data Docs site in ``docs_dir`` for offline use."""
    gx = _import_gx()

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False}
    ctx.add_data_docs_site(site_name="oba_quality", site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
    source = ctx.data_sources.add_pandas("oba")
    definitions, frames, n_expectations = [], {}, 0
    for s in all_suites:
        batch = source.add_dataframe_asset(s.name).add_batch_definition_whole_dataframe("all")
        suite = ctx.suites.add(gx.ExpectationSuite(name=s.name))
        for make in s.expectations:
            suite.add_expectation(make(gx))
            n_expectations += 1
        definitions.append(ctx.validation_definitions.add(gx.ValidationDefinition(name=s.name, data=batch,
                                                                                   suite=suite)))
        frames[s.name] = s.frame
    failures = []
    ok = True
    for vd in definitions:
        result = vd.run(batch_parameters={"dataframe": frames[vd.name]}, result_format="SUMMARY")
        ok = ok and bool(result.success)
        for r in result.results:
            if not r.success:
                kw = r.expectation_config.kwargs
                column = (kw.get("column") or kw.get("column_list")
                          or (f"{kw.get('column_A')} vs {kw.get('column_B')}" if kw.get("column_A") else "table"))
                where = f" where {kw['row_condition']}" if kw.get("row_condition") else ""
                failures.append({"suite": vd.name, "expectation": r.expectation_config.type,
                                 "column": f"{column}{where}",
                                 "unexpected": int(r.result.get("unexpected_count") or 0),
                                 "examples": str(r.result.get("partial_unexpected_list", [])[:3]
                                                 or r.result.get("observed_value", ""))})
    if docs_dir.exists():                 # pages of suites run before are not left behind
        shutil.rmtree(docs_dir)
    ctx.build_data_docs(site_names=["oba_quality"])
    removed = offline(docs_dir)
    return Quality(ok, sum(len(s.frame) for s in all_suites), failures, str(docs_dir / "index.html"),
                   suites=len(all_suites), expectations=n_expectations, docs_removed=sorted(set(removed)))


def offline(docs_dir: Path) -> list[str]:
    """Point every URL the Data Docs pages would fetch at a local copy; returns those removed.

    Vendored libraries are copied to ``static/vendor``; GX's own images to its ``static/images``
    copies; GX's relative links to ``static/`` are made right for each page's depth. A fetched URL with no local copy is removed (and returned) rather than left to hang
    offline; links to GX's web site lose their link and keep their text.
    """
    shutil.copytree(ASSETS, docs_dir / VENDOR, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("README.md", "LICENSE*"))
    removed = []
    for page in sorted(docs_dir.rglob("*")):
        if page.suffix not in (".html", ".css") or VENDOR in page.relative_to(docs_dir).as_posix():
            continue
        up = os.path.relpath(docs_dir, page.parent).replace(os.sep, "/")

        def local(m: re.Match) -> str:   # used within this iteration only (B023 below)
            url = m.group("url").split("?")[0]
            if url in OFFLINE:
                return f"{m.group('pre')}{up}/{VENDOR}/{OFFLINE[url]}"  # noqa: B023
            if url.startswith(GX_IMAGES):
                name = url[len(GX_IMAGES):]
                image = "logo-long.png" if not (docs_dir / "static" / "images" / name).exists() else name
                return f"{m.group('pre')}{up}/static/images/{image}"  # noqa: B023
            removed.append(url)
            return f"{m.group('pre')}data:,"
        text = page.read_text(encoding="utf-8")
        new = _STATIC.sub(lambda m: f"{m.group('pre')}{up}/static/", _FETCHED.sub(local, text))  # noqa: B023
        if page.suffix == ".html":
            new = _CORS.sub("", _LINK.sub(lambda m: m.group("text"), new))
        if new != text:
            page.write_text(new, encoding="utf-8")
    return removed


def digest(all_suites: list[Suite]) -> str:
    h = hashlib.sha256(SUITE_VERSION.encode())
    for s in all_suites:
        h.update(s.name.encode())
        h.update(",".join(map(str, s.frame.columns)).encode())
        h.update(pd.util.hash_pandas_object(s.frame.astype(str), index=False).values.tobytes())
    return h.hexdigest()


def check_warehouse(con, docs_dir: Path) -> Quality:
    """Run every suite on ``con``, reusing the stored result when nothing they read changed."""
    all_suites = suites(con)
    key = digest(all_suites)
    con.execute(META_QUALITY)
    tables.ensure_comments(con, "meta_quality")
    row = con.execute("select digest, result from meta_quality where suite = ?", [META]).fetchone()
    if row and row[0] == key and (docs_dir / "index.html").exists():
        return Quality(**{**json.loads(row[1]), "reused": True})
    quality = validate_suites(all_suites, docs_dir)
    stored = json.dumps({k: v for k, v in quality.__dict__.items() if k != "reused"})
    con.execute("insert or replace into meta_quality values (?, ?, ?, current_localtimestamp())", [META, key, stored])
    return quality


def build_check() -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=ASSET, name=CHECK, blocking=True,
                    description="Great Expectations over indicator_values, scorecard, benchmark_values, every "
                                "stg_ table and load_log: keys, code lists, ranges by unit, row counts agreeing "
                                "with load_log. Data Docs (offline) in data/quality/data_docs.")
    def great_expectations_suite(warehouse: Warehouse, great_expectations: GreatExpectations) -> dg.AssetCheckResult:
        great_expectations.ready()
        docs_dir = warehouse.paths().quality / "data_docs"
        with warehouse.connect() as con:
            if not table_exists(con, ASSET):
                return dg.AssetCheckResult(passed=False, description=f"{ASSET} does not exist",
                                           metadata={"reason": f"{ASSET} does not exist"})
            q = check_warehouse(con, docs_dir)
        return dg.AssetCheckResult(passed=q.success, description=q.text(), metadata={
            "reason": q.text(), "rows": q.rows, "suites": q.suites, "expectations": q.expectations,
            "failed_expectations": len(q.failures), "data_docs": dg.MetadataValue.path(q.docs),
            "reused_unchanged_result": q.reused,
            "data_docs_links_without_local_copy": ", ".join(q.docs_removed) or "none"})

    return great_expectations_suite


def checks(assets: list) -> list[dg.AssetChecksDefinition]:
    """The suites' check, if the code location has a ``scorecard`` asset."""
    keys = {k for a in assets if isinstance(a, dg.AssetsDefinition) for k in a.keys}
    return [build_check()] if dg.AssetKey(ASSET) in keys else []
