-- The twelve ind_ehNN tables stacked, with what the statistics need from the catalogue
-- (method, multiplier) and what a reader needs beside each number (unit, polarity).

with

ind_rows as (
    select * from ind_eh01
    union all by name select * from ind_eh02
    union all by name select * from ind_eh03
    union all by name select * from ind_eh04
    union all by name select * from ind_eh05
    union all by name select * from ind_eh06
    union all by name select * from ind_eh07
    union all by name select * from ind_eh08
    union all by name select * from ind_eh09
    union all by name select * from ind_eh10
    union all by name select * from ind_eh11
    union all by name select * from ind_eh12
),

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
