-- EH06 Take-up of the two-year-old funded childcare offer: % of eligible two-year-olds
-- taking up a funded place in the spring term (headline; the DfE January census count),
-- and the number eligible. Keyed by the calendar year of the spring term.

with

funding as (
    select * from stg_two_year_funding
),

-- Terms are written 2024-SPR; only the spring term is the headline count.
spring as (
    select
        try_cast(left(term, 4) as integer) as yr,
        child_id,
        took_up,
        'all' as "all",
        coalesce(imd_quintile(imd_decile), 'unknown') as imd_quintile,
        coalesce(ward_code, 'unknown') as ward
    from funding
    where upper(right(term, 3)) = 'SPR'
      and eligible
),

spring_long as (
    unpivot spring
    on "all", imd_quintile, ward
    into name breakdown value breakdown_value
),

measures as (
    select 'eh06_two_year_takeup_pct' as measure_id, yr, breakdown, breakdown_value,
           count(distinct child_id) filter (where took_up) as numerator,
           count(distinct child_id) as denominator
    from spring_long
    group by all
    union all
    select 'eh06_eligible_count' as measure_id, yr, breakdown, breakdown_value,
           count(distinct child_id) as numerator, null as denominator
    from spring_long
    where breakdown in ('all', 'imd_quintile')
    group by all
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, 'calendar_year')
