"""The Great Expectations suites over the tables officers use, run as one blocking asset check.

What each suite expects is in ``pipelines/compute/suites.py``: the suites of ``indicator_values``,
``scorecard`` and ``benchmark_values`` are made from their definitions in ``tables.yaml`` (key,
columns, rules), the loading's (``staged_deliveries``, ``load_log``, ``staged_code_lists``,
``staged_required_columns``) from the source catalogue and ``load_log``. This module runs them
(``validate_suites``) and holds the check. Each suite runs only when what it reads changed: its
inputs digest (``pipelines.reuse``: the tables it reads, by content in DuckDB, the code, the
SUITE_VERSION, the GX version and the catalogue's measures) and its last result, with GX's
validation result, are kept in ``meta_reuse`` (step ``great_expectations:<suite>``); the others' results are reused,
failures included. The combined result is in ``meta_quality``. Data Docs are rebuilt, whenever a
suite ran, from every suite's result (the reused ones' loaded back into GX's store), in
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
from importlib import metadata
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from pipelines import reuse, tables
from pipelines.compute.data_docs import offline
from pipelines.compute.suites import DECLARED, Suite, declared_suite, staged_suites
from pipelines.warehouse import Warehouse, table_exists

ASSET = "scorecard"           # the check runs once scorecard (the last table officers use) is built
CHECK = "great_expectations_suite"
META = "data_docs"            # meta_quality row holding the combined result
STEP = "great_expectations:"  # meta_reuse step of each suite: its inputs digest and last result
NOT_STORED = ("reused", "suites_run", "records")   # not in meta_quality's combined result
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
    suites_run: list[str] = field(default_factory=list)   # suites run now; the others' results were reused
    records: dict = field(default_factory=dict, repr=False)   # suite -> its result (meta_reuse), this run

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

def _failures(name: str, result) -> list[dict]:
    out = []
    for r in result.results:
        if not r.success:
            kw = r.expectation_config.kwargs
            column = (kw.get("column") or kw.get("column_list")
                      or (f"{kw.get('column_A')} vs {kw.get('column_B')}" if kw.get("column_A") else "table"))
            where = f" where {kw['row_condition']}" if kw.get("row_condition") else ""
            out.append({"suite": name, "expectation": r.expectation_config.type, "column": f"{column}{where}",
                        "unexpected": int(r.result.get("unexpected_count") or 0),
                        "examples": str(r.result.get("partial_unexpected_list", [])[:3]
                                        or r.result.get("observed_value", ""))})
    return out


def _context(gx, docs_dir: Path):
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False}
    ctx.add_data_docs_site(site_name="oba_quality", site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
    return ctx


def _run(gx, ctx, to_run: list[Suite], expectation_suites: dict) -> dict[str, dict]:
    """Run ``to_run`` in ``ctx``: each suite's record (success, failures, rows, expectations, and its
    GX validation result, serialised, for the Data Docs of a later run that reuses it)."""
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    source = ctx.data_sources.add_pandas("oba")
    store = ctx.validation_results_store
    records = {}
    for s in to_run:
        batch = source.add_dataframe_asset(s.name).add_batch_definition_whole_dataframe("all")
        vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=s.name, data=batch,
                                                                     suite=expectation_suites[s.name]))
        before = set(store.list_keys())
        result = vd.run(batch_parameters={"dataframe": s.frame}, result_format="SUMMARY")
        key, = [k for k in store.list_keys() if k not in before and isinstance(k, ValidationResultIdentifier)]
        records[s.name] = {"success": bool(result.success), "failures": _failures(s.name, result),
                           "rows": len(s.frame), "expectations": len(s.expectations),
                           "validation": [list(key.to_tuple()), store.serialize(result)]}
    return records


def validate_suites(all_suites: list[Suite], docs_dir: Path, kept: dict[str, dict] | None = None) -> Quality:
    """Run every suite not in ``kept`` (suite -> its record from an earlier run) in one GX context,
    then rebuild the Data Docs site in ``docs_dir`` from every suite's result, for offline use."""
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    gx = _import_gx()
    kept = kept or {}
    ctx = _context(gx, docs_dir)
    expectation_suites = {s.name: ctx.suites.add(gx.ExpectationSuite(
        name=s.name, expectations=[make(gx) for make in s.expectations])) for s in all_suites}
    records = {**kept, **_run(gx, ctx, [s for s in all_suites if s.name not in kept], expectation_suites)}
    for record in kept.values():    # results reused: in the store the site is built from
        key, value = record["validation"]
        ctx.validation_results_store.set(ValidationResultIdentifier.from_tuple(tuple(key)),
                                         ctx.validation_results_store.deserialize(value))
    if docs_dir.exists():                 # pages of suites run before are not left behind
        shutil.rmtree(docs_dir)
    ctx.build_data_docs(site_names=["oba_quality"])
    removed = offline(docs_dir)
    return _combined(all_suites, records, str(docs_dir / "index.html"), sorted(set(removed)),
                     [s.name for s in all_suites if s.name not in kept])


def _combined(all_suites: list[Suite], records: dict[str, dict], docs: str, removed: list[str],
              run: list[str]) -> Quality:
    """The result of every suite together, from each one's record, in the suites' order."""
    ordered = [records[s.name] for s in all_suites]
    return Quality(all(r["success"] for r in ordered), sum(r["rows"] for r in ordered),
                   [f for r in ordered for f in r["failures"]], docs, suites=len(all_suites),
                   expectations=sum(r["expectations"] for r in ordered), docs_removed=removed, suites_run=run,
                   records={s.name: records[s.name] for s in all_suites})


def _step(suite: Suite) -> str:
    return f"{STEP}{suite.name}"


def _stored(quality: Quality) -> dict:
    return {k: v for k, v in quality.__dict__.items() if k not in NOT_STORED}


def _outcome(stored: dict) -> dict:
    """A stored combined result without where its Data Docs are and what they left out."""
    return {k: v for k, v in stored.items() if k not in ("docs", "docs_removed")}


def check_warehouse(con, docs_dir: Path, run_id: str | None = None) -> Quality:
    """Run the suites on ``con`` whose inputs changed, reusing each other suite's result (kept in
    ``meta_reuse`` with its inputs digest, ``pipelines.reuse``); the combined result (``meta_quality``)
    and the Data Docs cover every suite. When no suite changed and the site is there, both are kept."""
    all_suites = suites(con)
    read: dict[str, str] = {}            # each table digested once for all the suites reading it
    versions = (SUITE_VERSION, metadata.version("great_expectations"))   # a stored GX result is GX's own format
    keys = {s.name: reuse.inputs_digest(con, _step(s), s.reads, run_id, *versions, *s.extra, known=read)
            for s in all_suites}
    kept = {s.name: got for s in all_suites if (got := reuse.reused(con, _step(s), keys[s.name], [])) is not None}
    con.execute(META_QUALITY)
    tables.ensure_comments(con, "meta_quality")
    row = con.execute("select result from meta_quality where suite = ?", [META]).fetchone()
    if len(kept) == len(all_suites) and row and (docs_dir / "index.html").exists():
        stored = json.loads(row[0])
        if _outcome(stored) == _outcome(_stored(_combined(all_suites, kept, "", [], []))):
            return Quality(**{**stored, "reused": True})
    quality = validate_suites(all_suites, docs_dir, kept)
    for s in all_suites:
        if s.name not in kept:
            reuse.remember(con, _step(s), keys[s.name], [], quality.records[s.name])
    stored = _stored(quality)
    # digest: of the combined result (not of its inputs, whose load times differ between two runs)
    digest = hashlib.sha256(json.dumps(_outcome(stored), sort_keys=True).encode()).hexdigest()
    con.execute("insert or replace into meta_quality values (?, ?, ?, current_localtimestamp())",
                [META, digest, json.dumps(stored)])
    return quality


def build_check() -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=ASSET, name=CHECK, blocking=True,
                    description="Great Expectations over indicator_values, scorecard, benchmark_values, every "
                                "stg_ table and load_log: keys, code lists, ranges by unit, row counts agreeing "
                                "with load_log. Data Docs (offline) in data/quality/data_docs.")
    def great_expectations_suite(context, warehouse: Warehouse,     # an AssetCheckExecutionContext
                                 great_expectations: GreatExpectations) -> dg.AssetCheckResult:
        great_expectations.ready()
        docs_dir = warehouse.paths().quality / "data_docs"
        with warehouse.connect() as con:
            if not table_exists(con, ASSET):
                return dg.AssetCheckResult(passed=False, description=f"{ASSET} does not exist",
                                           metadata={"reason": f"{ASSET} does not exist"})
            q = check_warehouse(con, docs_dir, context.run.run_id)
        return dg.AssetCheckResult(passed=q.success, description=q.text(), metadata={
            "reason": q.text(), "rows": q.rows, "suites": q.suites, "expectations": q.expectations,
            "failed_expectations": len(q.failures), "data_docs": dg.MetadataValue.path(q.docs),
            "reused_unchanged_result": q.reused, "suites_run": ", ".join(q.suites_run) or "none",
            "data_docs_links_without_local_copy": ", ".join(q.docs_removed) or "none"})

    return great_expectations_suite
