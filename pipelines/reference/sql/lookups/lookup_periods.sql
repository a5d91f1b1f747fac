-- One row per reporting period the warehouse uses: its key, type, real window and a label.
-- A key is not unique on its own: the NEET headline is keyed by the January ("2024") but
-- covers December to February, beside calendar-year measures keyed "2024" too.
-- Columns, types, row order and comments: tables.yaml beside this file (pipelines/tables.py).
with

periods as (
    select period, period_type, period_start, period_end from indicator_values
    union
    select period, period_type, period_start, period_end from indicator_forecasts
),

final as (
    select
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
