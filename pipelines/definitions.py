"""The Dagster code location: every asset, check, job, schedule, sensor and resource, in one place."""

from __future__ import annotations

import dagster as dg

from pipelines import explain, indicators, ingest, lookups, publish, published, quality, reports, schedules
from pipelines.resources import Warehouse

all_assets = [*ingest.assets, *published.assets, *indicators.assets, *lookups.assets, *explain.assets]
# Operations (pipelines/publish.py): the publish step depends on every asset above, so keep
# this line after all_assets is complete.
all_assets = publish.with_publish(all_assets)
# Board paper and workbook read the build file but are not inputs to publishing: a paper
# that fails to render must not hold back the data officers query.
all_assets = [*all_assets, *reports.assets]
# The delivery checks of each source (pipelines/checks.py) are evaluated by its ingest step.
all_checks = [*published.asset_checks, *quality.checks(all_assets), *indicators.asset_checks]

# Every asset in one job: what the nightly schedule, `oba run` and `oba demo` execute.
everything = dg.define_asset_job("everything", selection=dg.AssetSelection.all(),
                                 description="Materialise every asset: ingest, indicators, benchmarks, outputs.")

nightly, landing_sensor = schedules.build(everything)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[everything],
    schedules=[nightly],
    sensors=[landing_sensor],
    resources={"warehouse": Warehouse(), "great_expectations": quality.GreatExpectations()},
    # DuckDB has one writer: steps run one after another in the run's own process.
    executor=dg.in_process_executor,
)
