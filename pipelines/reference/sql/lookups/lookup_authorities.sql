-- The authority reported on ($la_code, OBA_LA_CODE) and its ten DfE statistical neighbours,
-- with their regions as published.
-- Columns, types, row order and comments: tables.yaml beside this file (pipelines/tables.py).
with

neighbours as (
    select * from pub_statistical_neighbours where la_code = $la_code
),

-- One region per authority: the published rows of one authority can carry more than one
-- code (an E12 region and an E13 inner / outer London sub-region); the E12 region wins.
regions as (
    select area_code, coalesce(min(region_code) filter (where region_code like 'E12%'), min(region_code)) as region_code
    from pub_values
    where area_type = 'la'
    group by area_code
),

region_names as (
    select area_code as region_code, min(area_name) as region_name
    from pub_values
    where area_type = 'region'
    group by area_code
),

members as (
    select distinct la_code, la_name, 'authority' as role, 0 as neighbour_rank, null::varchar as closeness
    from neighbours
    union all
    select neighbour_code, neighbour_name, 'statistical neighbour', neighbour_rank, closeness
    from neighbours
),

final as (
    select m.la_code, m.la_name, m.role, m.neighbour_rank, m.closeness, r.region_code, n.region_name
    from members as m
    left join regions as r on r.area_code = m.la_code
    left join region_names as n using (region_code)
)

select * from final
