"""The Dagster code location: every asset, check, job, schedule, sensor and resource, in one place."""

from __future__ import annotations

import dagster as dg

from pipelines import ingest
from pipelines.resources import Warehouse

all_assets = [*ingest.assets]

# Every asset in one job: what the nightly schedule, `oba run` and `oba demo` execute.
everything = dg.define_asset_job("everything", selection=dg.AssetSelection.all(),
                                 description="Materialise every asset: ingest, indicators, benchmarks, outputs.")

defs = dg.Definitions(
    assets=all_assets,
    jobs=[everything],
    resources={"warehouse": Warehouse()},
    # DuckDB has one writer: steps run one after another in the run's own process.
    executor=dg.in_process_executor,
)
