-- One DfE open-data series (standard layout) -> one text row per indicator x filter
-- combination x area x period. Parameters: $series, $files (list, precedence order),
-- $indicators and $filters (column names from the catalogue entry), $period_type.
-- Needs temp table _pub_measures. Rows at other geographic levels are left out.
with

source as (
    -- Empty cells are read as '' (no text is treated as NULL: nullstr is a control
    -- character) so that UNPIVOT, which drops NULLs, keeps them as 'blank' values.
    -- The dialect is fixed rather than sniffed: a sniffer faced with one malformed line can
    -- silently pick another header row and drop data; a fixed dialect fails loudly instead.
    -- _no_filter (always NULL) keeps the filter label valid for a series without filter
    -- columns; concat_ws skips NULLs.
    select *, cast(null as varchar) as _no_filter
    from read_csv($files, all_varchar = true, union_by_name = true, filename = true, nullstr = chr(1),
                  header = true, delim = ',', quote = '"', escape = '"', skip = 0, strict_mode = true)
),

measures as (
    select * from _pub_measures where series = $series
),

unpivoted as (
    unpivot source
    on columns(lambda c: list_contains($indicators, c))
    into name indicator value value_raw
),

labelled as (
    select
        *,
        concat_ws('|', *columns(lambda c: list_contains($filters, c) or c = '_no_filter')) as filter_label
    from unpivoted
),

located as (
    select
        *,
        case lower(geographic_level)
            when 'national' then 'england'
            when 'regional' then 'region'
            when 'local authority' then 'la'
        end as area_type
    from labelled
),

final as (
    select
        $series as series,
        regexp_extract(l.filename, '[^/\\]+$') as source,
        l.indicator || case when l.filter_label = '' then '' else '|' || l.filter_label end as measure_code,
        m.label || case when l.filter_label = '' then '' else ' (' || l.filter_label || ')' end as measure,
        l.area_type,
        case l.area_type
            when 'england' then coalesce(nullif(l.country_code, ''), 'E92000001')
            when 'region' then nullif(l.region_code, '')
            else nullif(l.old_la_code, '')
        end as area_code,
        case l.area_type
            when 'england' then coalesce(nullif(l.country_name, ''), 'England')
            when 'region' then l.region_name
            else l.la_name
        end as area_name,
        case when l.area_type in ('region', 'la') then nullif(l.region_code, '') end as region_code,
        l.time_period as period_raw,
        cast($period_type as varchar) as period_type,
        l.time_identifier,
        l.value_raw,
        m.unit,
        m.polarity,
        m.lo,
        m.hi,
        list_position($files, l.filename) as file_rank
    from located as l
    inner join measures as m on m.measure_code = l.indicator
    where l.area_type is not null
)

select * from final
