"""The region's assets: ``authority`` (one partition per LA code) and ``regional_pool``.

A partition of ``authority`` runs that authority's whole pipeline (``oba run``: its own
Dagster run on its own instance, its own lock and build file) in a process of its own whose
environment names only that authority's data folder, LA code and key
(``Authority.environment``). So one authority's records, keys and warehouse are never open in
another's process, a crash or a held delivery stays in its partition, and Dagster's queue,
retries and backfills work per authority.

Outcome of a partition, from ``oba run``'s exit code: 0 published, 3 published with
deliveries held (the partition succeeds and says which), 1 failed (``dg.Failure``, not
retried: the data would fail the same way). A process killed by a signal (out of memory, a
restart) raises an ordinary error, which the asset's retry policy retries once.
"""


import os
import subprocess
import sys
import time

import dagster as dg
import duckdb

from pipelines.region import authorities as places
from pipelines.region import page, pool

EXIT_PUBLISHED, EXIT_FAILED, EXIT_HELD = 0, 1, 3
partitions = dg.DynamicPartitionsDefinition(name=places.PARTITIONS)


def run_authority(a: places.Authority, log_file) -> tuple[int, float, float]:
    """``oba run`` for one authority in its own process: (exit code, seconds, peak memory in MB)."""
    a.paths.ensure()
    started = time.perf_counter()
    with open(log_file, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "pipelines.operations.cli", "run"], stdout=out,
                                stderr=subprocess.STDOUT, env=a.environment(dict(os.environ)),
                                cwd=a.paths.data_dir, start_new_session=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - started, usage.ru_maxrss / 1024


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


@dg.asset(partitions_def=partitions, group_name="region", retry_policy=dg.RetryPolicy(max_retries=1, delay=10),
          description="One authority's whole pipeline (oba run) in a process of its own, on its own data folder, "
                      "LA code, key and Dagster instance: its published warehouse, shareable file and papers.")
def authority(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    region = places.region_dir()
    a = places.authority(region, context.partition_key)
    log = a.paths.data_dir / "region_run.log"
    code, seconds, peak = run_authority(a, log)
    output = log.read_text(encoding="utf-8", errors="replace")
    context.log.info(f"{a.la_name} ({a.la_code}): oba run exit {code} in {seconds:.0f} s, peak {peak:.0f} MB\n"
                     + _tail(output))
    held = [ln.strip() for ln in output.splitlines() if ln.strip().startswith("HELD")]
    metadata = {"la_code": a.la_code, "la_name": a.la_name, "exit_code": code, "seconds": round(seconds, 1),
                "peak_memory_mb": round(peak), "held_deliveries": len(held),
                "held": dg.MetadataValue.md("\n".join(f"- {h}" for h in held) or "none"),
                "data_dir": dg.MetadataValue.path(str(a.paths.data_dir)), "log": dg.MetadataValue.path(str(log))}
    if code < 0:
        raise RuntimeError(f"{a.la_name} ({a.la_code}): its run was killed by signal {-code}; see {log}")
    if code not in (EXIT_PUBLISHED, EXIT_HELD):
        raise dg.Failure(f"{a.la_name} ({a.la_code}): oba run failed (exit {code}); its published warehouse is "
                         f"its last good one.\n{_tail(output, 15)}", metadata=metadata, allow_retries=False)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(deps=[authority], group_name="region", automation_condition=dg.AutomationCondition.eager(),
          description="The region's Early Help measures compared (funnel plots, intervals), from each authority's "
                      "shareable file only; the recovery attack over the union before anything is written.")
def regional_pool(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    region = places.region_dir()
    members = [pool.read_member(a) for a in places.authorities(region)]
    folder = places.pool_dir(region)
    result = pool.write(members, folder / pool.POOL_FILE)
    with duckdb.connect(str(folder / pool.POOL_FILE), read_only=True) as con:
        register = con.execute("select * from region_authorities").df()
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        comp = con.execute("select * from region_comparison").df() if "region_comparison" in tables else None
    name = places.region_name([m.authority.la_code for m in members])
    made = page.write(comp if comp is not None else register.iloc[0:0], register, folder, name)
    for _, r in register[register["status"] != "pooled"].iterrows():
        context.log.warning(f"{r['la_name']} ({r['la_code']}) not pooled: {r['reason']}")
    return dg.MaterializeResult(metadata={**result, "pool": dg.MetadataValue.path(str(folder / pool.POOL_FILE)),
                                          "page": dg.MetadataValue.path(str(made))})

