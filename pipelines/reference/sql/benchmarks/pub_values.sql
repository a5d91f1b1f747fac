-- Every published value, long: text parsed to a number or a status symbol, year label
-- normalised to the warehouse period, and plausibility judged. Nothing is dropped:
-- suppressed and implausible values stay, visibly, with value NULL or is_plausible false.
-- Needs temp tables _pub_raw, _pub_periods, _pub_symbols. Parameter: $spread_tolerance.
-- Columns, types, row order and comments: tables.yaml beside this file (pipelines/tables.py).
with

raw as (
    select * from _pub_raw
),

periods as (
    select * from _pub_periods
),

symbols as (
    select * from _pub_symbols
),

parsed as (
    select
        raw.*,
        p.period,
        p.period_start,
        p.period_end,
        p.period_note,
        nullif(trim(raw.value_raw), '') as text_value,
        try_cast(replace(trim(raw.value_raw), ',', '') as double) as number
    from raw
    left join periods as p
        on raw.period_raw is not distinct from p.period_raw
        and raw.period_type is not distinct from p.period_type
        and raw.time_identifier is not distinct from p.time_identifier
),

statused as (
    select
        parsed.*,
        case
            when number is not null and isfinite(number) then 'ok'
            when text_value is null then 'blank'
            when s.symbol is not null then s.symbol
            else 'unrecognised'
        end as status
    from parsed
    left join symbols as s on lower(parsed.text_value) = s.symbol
),

latest as (
    -- A value re-published in a later file (or dropped into landing/) replaces the earlier one.
    select *
    from statused
    qualify row_number() over (
        partition by series, measure_code, area_type, area_code, coalesce(period, period_raw)
        order by file_rank desc
    ) = 1
),

ranged as (
    select
        *,
        case when status = 'ok' then number end as value,
        case
            when status <> 'ok' then null
            when lo is not null and number < lo then false
            when hi is not null and number > hi then false
            when unit = 'count' and number <> round(number) then false
            else true
        end as in_range
    from latest
),

la_values as (
    select series, measure_code, period, region_code, value, coalesce(in_range, false) as usable
    from ranged
    where area_type = 'la'
),

england_spread as (
    select series, measure_code, period,
           min(value) filter (where usable) as lo_la, max(value) filter (where usable) as hi_la,
           count(*) filter (where usable) as n_la, count(*) as n_all
    from la_values
    group by all
),

region_spread as (
    select series, measure_code, period, region_code,
           min(value) filter (where usable) as lo_la, max(value) filter (where usable) as hi_la,
           count(*) filter (where usable) as n_la, count(*) as n_all
    from la_values
    group by all
),

spread_checked as (
    -- An average (rate, percentage, score) for England or a region lies between its
    -- authorities' lowest and highest values; far outside means it is another quantity
    -- (e.g. England FirstYJS reads like a sum of regional rates). Counts are sums: not checked.
    -- Only judged when at least 90% of the authorities have a value: an aggregate that
    -- includes suppressed authorities can rightly fall outside the visible ones.
    select
        r.*,
        coalesce(e.n_la, g.n_la) as n_la,
        coalesce(e.lo_la, g.lo_la) as lo_la,
        coalesce(e.hi_la, g.hi_la) as hi_la,
        r.area_type in ('england', 'region') and r.unit <> 'count' and r.in_range
            and coalesce(e.n_la, g.n_la) >= 5
            and coalesce(e.n_la, g.n_la) >= 0.9 * coalesce(e.n_all, g.n_all)
            and (r.value < coalesce(e.lo_la, g.lo_la) - $spread_tolerance * (coalesce(e.hi_la, g.hi_la) - coalesce(e.lo_la, g.lo_la))
              or r.value > coalesce(e.hi_la, g.hi_la) + $spread_tolerance * (coalesce(e.hi_la, g.hi_la) - coalesce(e.lo_la, g.lo_la)))
            as outside_spread
    from ranged as r
    left join england_spread as e
        on r.area_type = 'england' and r.series = e.series and r.measure_code = e.measure_code
        and r.period is not distinct from e.period
    left join region_spread as g
        on r.area_type = 'region' and r.series = g.series and r.measure_code = g.measure_code
        and r.period is not distinct from g.period and r.area_code = g.region_code
),

final as (
    select
        source,
        series,
        measure_code,
        measure,
        area_type,
        area_code,
        area_name,
        region_code,
        period,
        period_start,
        period_end,
        period_raw,
        value,
        status,
        unit,
        polarity,
        case when value is null then null else in_range and not coalesce(outside_spread, false) end
            as is_plausible,
        nullif(concat_ws('; ',
            case when not in_range then
                format('{} outside the possible range [{}, {}] for unit {}', number, coalesce(cast(lo as varchar), '-inf'),
                       coalesce(cast(hi as varchar), 'inf'), unit) end,
            case when outside_spread then
                format('{} value {} lies outside the range of its {} local authorities ({} to {}): not comparable',
                       area_type, value, n_la, lo_la, hi_la) end,
            case when status = 'unrecognised' then format('unrecognised value "{}"', text_value) end,
            case when period is null then format('year label "{}" not understood', period_raw) end
        ), '') as plausibility_note
    from spread_checked
)

select * from final
