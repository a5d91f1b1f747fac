"""Operations: how runs start and what they leave. ``schedules`` (the ``everything`` job, the nightly
schedule and the landing-folder sensor: Dagster definitions, below the code location), ``runner``
(``oba run``: the writer lock, the Dagster instance, the run summary), ``status`` (``oba status``),
``cli`` (the ``oba`` command), ``sqlshell`` (``oba sql``), ``notebook`` (helpers for the officers'
notebooks)."""
