-- indicator_values from the frame the statistics layer filled (registered as _values),
-- with explicit types so the table's schema is stable for performance officers' queries.
create or replace table indicator_values as
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
    numerator::double as numerator,
    denominator::double as denominator,
    value::double as value,
    ci_lower::double as ci_lower,
    ci_upper::double as ci_upper,
    ci_level::double as ci_level,
    ci_method::varchar as ci_method,
    unit::varchar as unit,
    polarity::varchar as polarity,
    sd::double as sd,
    comparator_numerator::double as comparator_numerator,
    comparator_denominator::double as comparator_denominator,
    comparator_sd::double as comparator_sd
from _values
order by indicator_id, measure_id, period_start, breakdown, breakdown_value
