-- LAIT long file -> one text row per measure x area x year, typed and labelled later.
-- Parameters: $path (parquet), $dictionary (LAIT data dictionary CSV).
-- Needs temp tables _pub_measures, _pub_lait_aggregates, _pub_regions.
with

source as (
    select * from read_parquet($path)
),

dictionary as (
    select Measure_short as measure_code, Chart_title as chart_title
    from read_csv($dictionary, all_varchar = true)
),

measures as (
    select * from _pub_measures where series = 'lait'
),

aggregates as (
    select * from _pub_lait_aggregates
),

regions as (
    select * from _pub_regions
),

renamed as (
    select
        "Short Desc" as measure_code,
        "LA and Regions" as area_name,
        cast("LA Number" as integer) as la_number,
        "Region" as region_label,
        "Years" as period_raw,
        "Values" as value_raw
    from source
),

final as (
    select
        'lait' as series,
        'lait' as source,
        r.measure_code,
        coalesce(d.chart_title, r.measure_code) as measure,
        coalesce(a.area_type, 'la') as area_type,
        coalesce(a.area_code, cast(r.la_number as varchar)) as area_code,
        r.area_name,
        case when a.area_type = 'region' then a.area_code
             when a.area_type is null then g.region_code end as region_code,
        r.period_raw,
        m.period_type,
        cast(null as varchar) as time_identifier,
        r.value_raw,
        m.unit,
        m.polarity,
        m.lo,
        m.hi,
        0 as file_rank
    from renamed as r
    inner join measures as m using (measure_code)
    left join aggregates as a using (la_number)
    left join regions as g on lower(trim(r.region_label)) = g.region_name
    left join dictionary as d using (measure_code)
)

select * from final
