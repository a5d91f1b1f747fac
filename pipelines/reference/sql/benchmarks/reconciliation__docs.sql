comment on table reconciliation is 'Locally computed values against the published value for the authority, flagged beyond a tolerance.';
comment on column reconciliation.measure_id is 'Our measure id';
comment on column reconciliation.period is 'Warehouse period key';
comment on column reconciliation.local_value is 'Our value (indicator_values, breakdown = all)';
comment on column reconciliation.published_value is 'Published value for the authority (benchmark_values.la_published_value)';
comment on column reconciliation.difference is 'local_value - published_value, in the measure''s unit';
comment on column reconciliation.tolerance is 'Largest accepted absolute difference (indicators/benchmarks.yaml)';
comment on column reconciliation.is_flagged is 'True when |difference| > tolerance';
