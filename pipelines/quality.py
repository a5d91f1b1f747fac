"""The Great Expectations suite on ``indicator_values``, run as a blocking asset check.

GX 1.x is used directly on a pandas frame read from DuckDB (DuckDB is not a GX SQL
dialect and dagster-ge does not support GX 1.x). The suite's Data Docs are written to
``<data dir>/quality/data_docs/index.html`` for officers to open.

Importing great_expectations takes seconds (~2.5 s), so it is never imported with the code
location: a run that includes the suite starts the import in a background thread when the
run begins (the ``great_expectations`` resource), where it overlaps the ingest steps, and the
suite itself runs only when the table changed: the frame's digest and the last result are
kept in ``meta_quality`` in the build, and an unchanged table reuses that result.
"""

import hashlib
import importlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr

from pipelines.resources import Warehouse, table_exists

ASSET = "indicator_values"
SUITE = "indicator_values"
SUITE_VERSION = "1"          # bump when the expectations below change, so cached results are not reused
KEYS = ("measure_id", "period", "breakdown", "breakdown_value")
PERCENT_UNITS = ("pct",)


META_QUALITY = """
create table if not exists meta_quality (suite varchar primary key, digest varchar, result varchar,
                                         validated_at timestamp);
comment on table meta_quality is 'The Great Expectations suites and their last result (Data Docs in <data dir>/quality/data_docs)';
comment on column meta_quality.suite is 'Expectation suite, named after the table it validates';
comment on column meta_quality.digest is 'Digest of the table and the suite version it was validated on; unchanged = result reused';
comment on column meta_quality.result is 'The result as JSON: success, rows, failed expectations with examples, Data Docs page';
comment on column meta_quality.validated_at is 'When the suite last ran on this table';
"""


@dataclass
class Quality:
    success: bool
    rows: int
    failures: list[dict] = field(default_factory=list)   # {expectation, column, unexpected, examples}
    docs: str = ""
    reused: bool = False

    def text(self) -> str:
        if self.success:
            return f"all expectations met on {self.rows} rows"
        return "; ".join(f"{f['expectation']} {f['column']}: {f['unexpected']} unexpected, e.g. {f['examples']}"
                         for f in self.failures)


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


def _expectations(gx) -> list:
    e = gx.expectations
    pct = " or ".join(f'unit=="{u}"' for u in PERCENT_UNITS)
    return [
        *[e.ExpectColumnValuesToNotBeNull(column=k) for k in KEYS],
        e.ExpectCompoundColumnsToBeUnique(column_list=list(KEYS)),
        e.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=100,
                                        row_condition=pct, condition_parser="pandas"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="value", column_B="ci_lower", or_equal=True,
                                                  ignore_row_if="either_value_is_missing"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="ci_upper", column_B="value", or_equal=True,
                                                  ignore_row_if="either_value_is_missing"),
    ]


def validate(frame: pd.DataFrame, docs_dir: Path) -> Quality:
    """Run the suite on ``frame`` and rebuild the Data Docs site in ``docs_dir``."""
    gx = _import_gx()

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False}
    ctx.add_data_docs_site(site_name="oba_quality", site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
    batch = ctx.data_sources.add_pandas("oba").add_dataframe_asset(ASSET).add_batch_definition_whole_dataframe("all")
    suite = ctx.suites.add(gx.ExpectationSuite(name=SUITE))
    for expectation in _expectations(gx):
        suite.add_expectation(expectation)
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=SUITE, data=batch, suite=suite))
    checkpoint = ctx.checkpoints.add(gx.Checkpoint(
        name="oba_quality", validation_definitions=[vd], result_format="SUMMARY",
        actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["oba_quality"])]))
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    failures = []
    for run in result.run_results.values():
        for r in run.results:
            if not r.success:
                kw = r.expectation_config.kwargs
                column = kw.get("column") or kw.get("column_list") or f"{kw.get('column_A')} >= {kw.get('column_B')}"
                failures.append({"expectation": r.expectation_config.type, "column": str(column),
                                 "unexpected": int(r.result.get("unexpected_count") or 0),
                                 "examples": str(r.result.get("partial_unexpected_list", [])[:3])})
    return Quality(bool(result.success), len(frame), failures, str(docs_dir / "index.html"))


def digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256(SUITE_VERSION.encode())
    h.update(",".join(frame.columns).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).values.tobytes())
    return h.hexdigest()


def check_table(con, docs_dir: Path) -> Quality:
    """Validate ``indicator_values`` in ``con``, reusing the stored result when the table is unchanged."""
    frame = con.execute(f"select * from {ASSET} order by all").df()
    key = digest(frame)
    con.execute(META_QUALITY)
    row = con.execute("select digest, result from meta_quality where suite = ?", [SUITE]).fetchone()
    if row and row[0] == key and (docs_dir / "index.html").exists():
        return Quality(**{**json.loads(row[1]), "reused": True})
    quality = validate(frame, docs_dir)
    stored = json.dumps({k: v for k, v in quality.__dict__.items() if k != "reused"})
    con.execute("insert or replace into meta_quality values (?, ?, ?, current_localtimestamp())",
                [SUITE, key, stored])
    return quality


def build_check() -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=ASSET, name="great_expectations_suite", blocking=True,
                    description="Great Expectations: keys not null and unique, percentages within 0-100, "
                                "ci_lower <= value <= ci_upper. Data Docs in data/quality/data_docs.")
    def great_expectations_suite(warehouse: Warehouse, great_expectations: GreatExpectations) -> dg.AssetCheckResult:
        great_expectations.ready()
        docs_dir = warehouse.paths().quality / "data_docs"
        with warehouse.connect() as con:
            if not table_exists(con, ASSET):
                return dg.AssetCheckResult(passed=False, description=f"{ASSET} does not exist",
                                           metadata={"reason": f"{ASSET} does not exist"})
            q = check_table(con, docs_dir)
        return dg.AssetCheckResult(passed=q.success, description=q.text(), metadata={
            "reason": q.text(), "rows": q.rows, "failed_expectations": len(q.failures),
            "data_docs": dg.MetadataValue.path(q.docs), "reused_unchanged_result": q.reused})

    return great_expectations_suite


def checks(assets: list) -> list[dg.AssetChecksDefinition]:
    """The suite's check, if the code location has an ``indicator_values`` asset."""
    keys = {k for a in assets if isinstance(a, dg.AssetsDefinition) for k in a.keys}
    return [build_check()] if dg.AssetKey(ASSET) in keys else []
