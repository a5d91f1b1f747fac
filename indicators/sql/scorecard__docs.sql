-- Every other column's comment is copied from scorecard_periods (pipelines/compute/scorecard.py):
-- the two tables have the same columns; only the period reads differently for the latest row.
comment on table scorecard is 'One row per Early Help measure: its latest complete period (breakdown all) with CI, previous value, trend, forecast, target and RAG, England / region / statistical-neighbour comparisons (for the period named in benchmark_period) and commentary. The latest row per measure of scorecard_periods, plus a row without a period for each measure with no data yet';
comment on column scorecard.period is 'Latest complete period (NULL when the measure has no data yet)';
