"""Operations: how runs start and what they leave. ``runner`` (``oba run``: the writer lock, the
Dagster instance, the run summary), ``reaper`` (the run's child processes die with it), ``status``
(``oba status``), ``cli`` (the ``oba`` command), ``sqlshell`` (``oba sql``), ``notebook`` (helpers
for the officers' notebooks). The schedule and the sensor are Dagster definitions, below the code
location: ``pipelines.schedules``."""
