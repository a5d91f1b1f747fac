"""Running a region headlessly (``oba region``, ``oba demo --region N``) on the region's instance.

Each authority is a partition of the ``authority`` asset (``pipelines.region``): it is added
to the region's Dagster instance (``<region dir>/dagster_home``, seeded with
``dagster.region.yaml``) and materialised in a Dagster run of its own, one after another in
this process; then the ``regional_pool``. A failed authority is reported and the others go
on; the pool is made from the authorities that have published. With the daemon running, the
same runs come from the schedule, the sensor or a backfill and go through the run queue
instead (docs/operations.md, "A region").
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.operations.runner import EXIT_FAILED, EXIT_HELD, EXIT_PUBLISHED, dagster_home
from pipelines.region import authorities as places
from pipelines.settings import PROJECT_ROOT, Paths

REGION_DAGSTER_YAML = PROJECT_ROOT / "dagster.region.yaml"


@dataclass
class AuthorityRun:
    la_code: str
    la_name: str
    success: bool
    metadata: dict = field(default_factory=dict)
    error: str = ""

    def line(self) -> str:
        m = self.metadata
        if not self.success:
            return f"  FAILED   {self.la_name} ({self.la_code}): {self.error[:400]}"
        n = m.get("held_deliveries") or 0
        held = f", {n} deliver{'y' if n == 1 else 'ies'} held" if n else ""
        return (f"  {'held' if held else 'ok':<8} {self.la_name} ({self.la_code}): published in {m.get('seconds')} s, "
                f"peak {m.get('peak_memory_mb')} MB{held}")


@dataclass
class RegionSummary:
    region: Path
    seconds: float
    authorities: list[AuthorityRun]
    pool_ok: bool
    pool: dict = field(default_factory=dict)
    pool_error: str = ""

    @property
    def exit_code(self) -> int:
        if not self.pool_ok or not all(a.success for a in self.authorities):
            return EXIT_FAILED
        return EXIT_HELD if any(a.metadata.get("held_deliveries") for a in self.authorities) else EXIT_PUBLISHED

    def report(self) -> str:
        lines = [f"Region {self.region}: {len(self.authorities)} authorities in {self.seconds:.1f} s"]
        lines += [a.line() for a in self.authorities]
        if self.pool_ok:
            lines.append(f"  pool     {self.pool.get('pooled')} of {self.pool.get('authorities')} authorities pooled; "
                         f"{self.pool.get('compared_rows')} rows compared; recovery attack over the union: "
                         f"{self.pool.get('hidden_counts')} hidden counts, {self.pool.get('relations')} relations, "
                         f"{self.pool.get('recovered')} worked out")
            lines.append(f"Regional page: {places.pool_dir(self.region) / 'region.html'}")
        else:
            lines.append(f"  FAILED   regional pool: {self.pool_error[:400]}")
        return "\n".join(lines)


def region_instance(region: Path) -> dg.DagsterInstance:
    """The region's own instance, ``<region dir>/dagster_home`` (never an authority's)."""
    os.environ["DAGSTER_HOME"] = str(region / "dagster_home")
    dagster_home(Paths(region), template=REGION_DAGSTER_YAML)
    return dg.DagsterInstance.get()


def _metadata(result, key: str) -> dict:
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key.to_user_string() == key:
            return {k: getattr(v, "value", v) for k, v in event.event_specific_data.materialization.metadata.items()}
    return {}


def _error(result) -> str:
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            err = event.event_specific_data.error
            return (err.message if err else event.message or "step failed").strip()
    return "run failed"


def run(region: Path, only: list[str] | None = None) -> RegionSummary:
    """Every authority of the region (or ``only`` these LA codes), each in a run of its own, then the pool."""
    from pipelines.region.definitions import AUTHORITY_JOB, POOL_JOB, defs

    started = time.perf_counter()
    os.environ["OBA_REGION_DIR"] = str(region)
    members = places.authorities(region)
    if not members:
        raise ValueError(f"no authority in the region {region}: list them in {region / places.SETTINGS_FILE} "
                         f"(la_code,la_name), or make a demo region with `oba demo --region N`")
    codes = [a.la_code for a in members if not only or a.la_code in only]
    inst = region_instance(region)
    known = set(inst.get_dynamic_partitions(places.PARTITIONS))
    inst.add_dynamic_partitions(places.PARTITIONS, [c for c in codes if c not in known])
    level = os.environ.get("OBA_LOG_LEVEL", "WARNING").upper()
    config = {"loggers": {"console": {"config": {"log_level": level}}}}
    runs = []
    job = defs.resolve_job_def(AUTHORITY_JOB)
    for a in (m for m in members if m.la_code in codes):
        result = job.execute_in_process(instance=inst, partition_key=a.la_code, raise_on_error=False,
                                        run_config=config, tags={"oba/trigger": "oba region"})
        runs.append(AuthorityRun(a.la_code, a.la_name, result.success, _metadata(result, "authority"),
                                 "" if result.success else _error(result)))
    pool = defs.resolve_job_def(POOL_JOB).execute_in_process(instance=inst, raise_on_error=False, run_config=config,
                                                             tags={"oba/trigger": "oba region"})
    return RegionSummary(region, time.perf_counter() - started, runs, pool.success,
                         _metadata(pool, "regional_pool"), "" if pool.success else _error(pool))
