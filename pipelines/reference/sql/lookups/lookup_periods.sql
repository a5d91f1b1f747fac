-- One row per measure and period the warehouse uses: the period's type, real window and a
-- label. Keyed by (measure_id, period), unique: a period key alone is not, since the NEET
-- measures' "2024" covers December 2023 to February 2024 beside calendar-year measures whose
-- "2024" is the whole year, and a join on the period alone would pair each row with both.
-- Columns, types, row order and comments: tables.yaml beside this file (pipelines/tables.py).
with

periods as (
    select distinct measure_id, period, period_type, period_start, period_end from indicator_values
    union
    select measure_id, period, period_type, period_start, period_end from indicator_forecasts
),

final as (
    select
        measure_id,
        period,
        period_type,
        period_start,
        period_end,
        case period_type
            when 'financial_year' then 'Financial year ' || period
            when 'academic_year' then 'Academic year ' || period
            when 'calendar_year' then 'Year ' || period
            when 'month' then strftime(period_start, '%B %Y')
            when 'quarter' then 'Quarter ' || period
            else period
        end || ' (' || strftime(period_start, '%-d %B %Y') || ' to ' || strftime(period_end, '%-d %B %Y') || ')'
            as label
    from periods
    where period is not null
)

select * from final
