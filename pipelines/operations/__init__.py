"""Operations: how runs start and what they leave. ``runner`` (``oba run``: the writer lock, the
Dagster instance, run records), ``schedules`` (the nightly schedule and the landing-folder
sensor), ``status`` (``oba status``), ``cli`` (the ``oba`` command), ``sqlshell`` (``oba sql``),
``notebook`` (helpers for the officers' notebooks)."""


def definitions():
    import dagster as dg

    from pipelines.operations import schedules

    everything = dg.define_asset_job(
        "everything", selection=dg.AssetSelection.all(),
        description="Materialise every asset: ingest, indicators, benchmarks, outputs.")
    nightly, landing_sensor = schedules.build(everything)
    return dg.Definitions(jobs=[everything], schedules=[nightly], sensors=[landing_sensor])
