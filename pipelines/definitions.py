"""The Dagster code location, layer by layer: each layer package says what it holds."""

from __future__ import annotations

import dagster as dg

from pipelines import compute, ingest, outputs, reference, release
from pipelines.compute.expectations import GreatExpectations
from pipelines import schedules
from pipelines.warehouse import Warehouse


def build() -> dg.Definitions:
    # Landing files -> raw_<source>, stg_<source>, quarantine, load_log; the delivery checks.
    ingested = ingest.definitions()
    # DfE / ONS benchmarks and the lookups officers join to.
    referenced = reference.definitions()
    # ind_ehNN -> indicator_values(_published) -> forecasts, scorecard; the expectations suite.
    computed = compute.definitions()
    # The atomic copy to the warehouse officers open, after everything above.
    released = release.definitions(upstream=[ingested, referenced, computed])
    # Board paper, workbook and explorer: made from the shareable file after publishing, never holding it back.
    readable = outputs.definitions()
    # The `everything` job, the nightly schedule and the landing-folder sensor.
    operated = schedules.definitions()
    shared = dg.Definitions(
        resources={"warehouse": Warehouse(), "great_expectations": GreatExpectations()},
        # DuckDB has one writer: steps run one after another in the run's own process.
        executor=dg.in_process_executor,
    )
    return dg.Definitions.merge(ingested, referenced, computed, released, readable, operated, shared)


defs = build()
