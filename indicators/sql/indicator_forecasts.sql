-- indicator_forecasts from the frame built in pipelines/compute/scorecard.py (registered as _frame).
create or replace table indicator_forecasts as
select
    indicator_id::varchar as indicator_id,
    measure_id::varchar as measure_id,
    is_headline::boolean as is_headline,
    period::varchar as period,
    period_type::varchar as period_type,
    period_start::date as period_start,
    period_end::date as period_end,
    kind::varchar as kind,
    step::integer as step,
    value::double as value,
    lower::double as lower,
    upper::double as upper,
    unit::varchar as unit,
    polarity::varchar as polarity,
    scale::varchar as scale,
    fit_points::integer as fit_points,
    fit_from::varchar as fit_from,
    flag::varchar as flag,
    target::double as target,
    tolerance::double as tolerance
from _frame
order by indicator_id, measure_id, period_start
