-- Every indicator's table stacked (the temp view ind_rows, made from the catalogue by
-- pipelines.compute.assets.stack_indicators), with what the statistics need from the
-- catalogue (method, multiplier) and what a reader needs beside each number (unit, polarity).

with

catalogue as (
    select * from indicator_catalogue
),

final as (
    select
        c.indicator_id,
        r.measure_id,
        c.is_headline,
        r.period,
        r.period_type,
        r.period_start,
        r.period_end,
        r.breakdown,
        r.breakdown_value,
        r.numerator,
        r.denominator,
        cast(null as double) as value,
        c.ci_method,
        c.multiplier,
        c.unit,
        c.polarity,
        r.sd,
        r.comparator_numerator,
        r.comparator_denominator,
        r.comparator_sd
    from ind_rows as r
    -- Inner join: a measure the SQL computes but the catalogue does not define is caught
    -- by the tests (test_indicators_sql), not published undocumented.
    join catalogue as c using (measure_id)
)

select * from final
order by indicator_id, measure_id, period_start, breakdown, breakdown_value
