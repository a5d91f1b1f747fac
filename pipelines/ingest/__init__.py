"""Ingest: delivered extracts in, validated rows out.

``landing`` finds the deliveries (regular files with recognised names), ``extracts`` reads
them (encodings, sheets, versions), ``workbook`` bounds a workbook and lists what else it
carries, ``pii`` refuses files carrying personal identifiers (``names`` finds people's
names), ``free_text`` screens what officers write,
``parsing`` types the columns, ``validation`` runs the pandera schemas, ``loading`` writes
``raw_<source>``, ``stg_<source>``, ``quarantine`` and ``load_log``, ``delivery_checks``
judges each source's deliveries (late, missing, duplicated), ``validate_file`` is
``oba validate``. ``assets`` is the Dagster side: one step per source.
"""


def definitions():
    import dagster as dg

    from pipelines.ingest import assets

    return dg.Definitions(assets=assets.assets)
