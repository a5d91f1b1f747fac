"""The Great Expectations suites over the tables officers use, run as one blocking asset check.

What each suite expects is in ``pipelines/compute/suites.py``: the suites of ``indicator_values``,
``scorecard`` and ``benchmark_values`` are made from their definitions in ``tables.yaml`` (key,
columns, rules), the loading's (``staged_deliveries``, ``load_log``, ``staged_code_lists``,
``staged_required_columns``) from the source catalogue and ``load_log``. This module runs them
(``validate_suites``) and holds the check: the suites run only when what they read changed
(digest and last result in ``meta_quality``); Data Docs are written to
``<data dir>/quality/data_docs/index.html``, made to work offline by ``data_docs.offline``.

GX 1.x runs on pandas frames read from DuckDB (DuckDB is not a GX SQL dialect and
dagster-ge does not support GX 1.x). Importing great_expectations takes ~2.5 s, so it is
never imported with the code location: a run that includes the check starts the import in a
background thread when the run begins (the ``great_expectations`` resource).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr

from pipelines import tables
from pipelines.compute.data_docs import offline
from pipelines.compute.suites import DECLARED, Suite, declared_suite, staged_suites
from pipelines.warehouse import Warehouse, table_exists

ASSET = "scorecard"           # the check runs once scorecard (the last table officers use) is built
CHECK = "great_expectations_suite"
META = "data_docs"            # meta_quality row holding the combined result
SUITE_VERSION = "3"           # bump when what the suites expect changes, so cached results are not reused
META_QUALITY = """
create table if not exists meta_quality (suite varchar primary key, digest varchar, result varchar,
                                         validated_at timestamp);
"""


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


def suites(con) -> list[Suite]:
    """Every suite whose tables exist in ``con``: the declared ones (``suites.DECLARED``) and the loading's."""
    from indicators.catalogue import measures_frame

    cat = measures_frame()
    out = [declared_suite(con, table, cat) for table in DECLARED if table_exists(con, table)]
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
