-- Our measures beside their published equivalents: the authority's published value,
-- England, its region, its ten statistical neighbours, quartile band and rank among all
-- English authorities. Implausible values never enter a comparison; the note says which
-- were left out. Parameter: $la_code. Needs temp table _pub_benchmark_map.
-- Columns, types, row order and comments: tables.yaml beside this file (pipelines/tables.py).
with

mapping as (
    select * from _pub_benchmark_map
),

published as (
    select * from pub_values where period is not null
),

neighbours as (
    select neighbour_code from pub_statistical_neighbours where la_code = $la_code
),

side_a as (
    select m.*, p.area_type, p.area_code, p.region_code, p.period, p.period_start, p.period_end,
           p.value as value_a, p.is_plausible as plausible_a, p.plausibility_note as note_a
    from mapping as m
    inner join published as p on p.series = m.series and p.measure_code = m.code_a
),

side_b as (
    select m.measure_id, p.area_type, p.area_code, p.period,
           p.value as value_b, p.is_plausible as plausible_b, p.plausibility_note as note_b
    from mapping as m
    inner join published as p on p.series = m.series and p.measure_code = m.code_b
),

derived as (
    -- A gap is the difference of its two sides in the same area and period; one missing or
    -- implausible side makes the gap missing or implausible.
    select
        a.measure_id, a.published_measure, a.polarity, a.area_type, a.area_code, a.region_code,
        a.period, a.period_start, a.period_end,
        -- Rounded to 9 places only to drop binary noise (76.8 - 44.6 = 32.199999999999996).
        round(a.scale * case a.derive
            when 'value' then a.value_a
            when 'difference' then a.value_a - b.value_b
            when 'sum' then a.value_a + b.value_b
        end, 9) as value,
        case when a.derive = 'value' then a.plausible_a else a.plausible_a and b.plausible_b end as is_plausible,
        concat_ws('; ', a.note_a, b.note_b) as note
    from side_a as a
    left join side_b as b
        on a.derive <> 'value' and b.measure_id = a.measure_id and b.area_type = a.area_type
        and b.area_code = a.area_code and b.period = a.period
),

usable as (
    select * from derived where value is not null and is_plausible
),

ranked as (
    -- Rank 1 = best given polarity; ties share a rank and a band.
    select
        measure_id, period, area_code,
        count(*) over w as n_las,
        rank() over (partition by measure_id, period
                     order by case when polarity = 'high' then -value else value end) as national_rank
    from usable
    where area_type = 'la' and polarity in ('high', 'low')
    window w as (partition by measure_id, period)
),

banded as (
    select *, chr(65 + cast(floor(4.0 * (national_rank - 1) / n_las) as integer)) as quartile_band
    from ranked
),

-- Every other authority's usable value, so our own figure for the period can be placed
-- among them where the definitions match (pipelines/compute/scorecard.py).
others as (
    select measure_id, period, list(value order by area_code) as other_la_values
    from usable
    where area_type = 'la' and area_code <> $la_code
    group by all
),

periods as (
    select measure_id, period, any_value(published_measure) as published_measure,
           min(period_start) as period_start, max(period_end) as period_end
    from derived
    group by all
),

authority as (
    select * from derived where area_type = 'la' and area_code = $la_code
),

la_region as (
    select measure_id, period, region_code from authority
),

england as (
    select * from derived where area_type = 'england'
),

region as (
    select d.* from derived as d
    inner join la_region as r using (measure_id, period)
    where d.area_type = 'region' and d.area_code = r.region_code
),

sn as (
    select measure_id, period, avg(value order by value) as sn_mean, median(value) as sn_median, count(*) as sn_n
    from usable
    where area_type = 'la' and area_code in (select neighbour_code from neighbours)
    group by all
),

sn_excluded as (
    select measure_id, period, string_agg(area_code || ': ' || note, '; ') as note
    from derived
    where area_type = 'la' and area_code in (select neighbour_code from neighbours)
        and value is not null and not is_plausible
    group by all
),

final as (
    select
        p.measure_id,
        p.period,
        p.period_start,
        p.period_end,
        p.published_measure,
        case when la.is_plausible then la.value end as la_published_value,
        case when e.is_plausible then e.value end as england_value,
        case when r.is_plausible then r.value end as region_value,
        sn.sn_mean,
        sn.sn_median,
        coalesce(sn.sn_n, 0) as sn_n,
        case when la.is_plausible then b.quartile_band end as quartile_band,
        case when la.is_plausible then b.national_rank end as national_rank,
        (select max(n_las) from banded as nb where nb.measure_id = p.measure_id and nb.period = p.period) as n_las,
        la.is_plausible,
        o.other_la_values,
        nullif(concat_ws('; ',
            case when not la.is_plausible then 'authority value ' || la.value || ' left out: ' || la.note end,
            case when not e.is_plausible then 'England value ' || e.value || ' left out: ' || e.note end,
            case when not r.is_plausible then 'region value ' || r.value || ' left out: ' || r.note end,
            case when x.note is not null then 'neighbours left out: ' || x.note end
        ), '') as plausibility_note
    from periods as p
    left join authority as la using (measure_id, period)
    left join england as e using (measure_id, period)
    left join region as r using (measure_id, period)
    left join sn using (measure_id, period)
    left join sn_excluded as x using (measure_id, period)
    left join others as o using (measure_id, period)
    left join banded as b on b.measure_id = p.measure_id and b.period = p.period and b.area_code = $la_code
)

select * from final
