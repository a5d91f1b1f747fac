-- Local values (indicator_values, whole-population rows) against the authority's
-- published value for the same measure and period. Needs temp table _pub_tolerances.
-- Columns, types, row order and comments: tables.yaml beside this file (pipelines/tables.py).
with

local_values as (
    select measure_id, period, value as local_value
    from indicator_values
    where breakdown = 'all' and value is not null
),

published as (
    select measure_id, period, la_published_value as published_value
    from benchmark_values
    where la_published_value is not null
),

tolerances as (
    select * from _pub_tolerances
),

final as (
    select
        l.measure_id,
        l.period,
        l.local_value,
        p.published_value,
        l.local_value - p.published_value as difference,
        t.tolerance,
        abs(l.local_value - p.published_value) > t.tolerance as is_flagged
    from local_values as l
    inner join published as p using (measure_id, period)
    inner join tolerances as t using (measure_id)
)

select * from final
