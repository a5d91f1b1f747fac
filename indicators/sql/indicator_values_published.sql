-- indicator_values_published from the disclosure-controlled frame (registered as
-- _published): counts and everything derived from them are text, a number or "c".
create or replace table indicator_values_published as
select
    indicator_id::varchar as indicator_id,
    measure_id::varchar as measure_id,
    is_headline::boolean as is_headline,
    period::varchar as period,
    period_type::varchar as period_type,
    period_start::date as period_start,
    period_end::date as period_end,
    breakdown::varchar as breakdown,
    breakdown_value::varchar as breakdown_value,
    numerator::varchar as numerator,
    denominator::varchar as denominator,
    value::varchar as value,
    ci_lower::varchar as ci_lower,
    ci_upper::varchar as ci_upper,
    ci_level::double as ci_level,
    ci_method::varchar as ci_method,
    unit::varchar as unit,
    polarity::varchar as polarity,
    is_suppressed::boolean as is_suppressed
from _published
order by indicator_id, measure_id, period_start, breakdown, breakdown_value
