"""The region's Dagster code location: ``dagster dev -m pipelines.region.definitions`` (with
``OBA_REGION_DIR`` and ``DAGSTER_HOME`` set, docs/operations.md, "A region").

* ``authority`` (one dynamic partition per LA code) and ``regional_pool`` (``assets``);
* the ``authority_folders`` sensor: a new authority (in ``region.csv``, or a landing folder
  under ``authorities/<la_code>/``) becomes a partition and gets a run;
* the ``region_nightly`` schedule: one run per authority, queued (``dagster.region.yaml``:
  how many run at once, never two of one authority); the pool follows by itself once no
  authority's run is in progress (its automation condition, evaluated by the daemon).
"""


import dagster as dg

from pipelines.region import authorities as places
from pipelines.region.assets import authority, partitions, regional_pool

AUTHORITY_JOB, POOL_JOB = "region_authority", "region_pool"
NIGHTLY_CRON, TIMEZONE = "0 2 * * *", "Europe/London"


def new_authorities(known: list[str]) -> list[str]:
    """LA codes of the region's authorities that are not partitions yet."""
    return [a.la_code for a in places.authorities(places.region_dir()) if a.la_code not in set(known)]


def build() -> dg.Definitions:
    authority_job = dg.define_asset_job(AUTHORITY_JOB, selection=[authority], partitions_def=partitions,
                                        description="One authority's whole pipeline (a partition per LA code).")
    pool_job = dg.define_asset_job(POOL_JOB, selection=[regional_pool],
                                   description="The regional pool and page, from the authorities' shareable files.")

    @dg.sensor(name="authority_folders", job=authority_job, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Adds each new authority of the region (region.csv, or authorities/<la_code>/landing) "
                           "as a partition and starts its first run.")
    def authority_folders(context: dg.SensorEvaluationContext):
        new = new_authorities(context.instance.get_dynamic_partitions(places.PARTITIONS))
        if not new:
            return dg.SkipReason("no new authority in the region")
        return dg.SensorResult(run_requests=[dg.RunRequest(partition_key=code, run_key=f"first-{code}")
                                             for code in new],
                               dynamic_partitions_requests=[partitions.build_add_request(new)])

    @dg.schedule(name="region_nightly", job=authority_job, cron_schedule=NIGHTLY_CRON, execution_timezone=TIMEZONE,
                 default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="Every night: one run per authority, queued (dagster.yaml's run queue limits how many "
                             "run at once).")
    def region_nightly(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.strftime("%Y-%m-%d")
        return [dg.RunRequest(partition_key=code, run_key=f"{day}-{code}")
                for code in context.instance.get_dynamic_partitions(places.PARTITIONS)]
    return dg.Definitions(assets=[authority, regional_pool], jobs=[authority_job, pool_job],
                          sensors=[authority_folders], schedules=[region_nightly])


defs = build()
