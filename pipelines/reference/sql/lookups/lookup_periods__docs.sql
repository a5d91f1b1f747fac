comment on table lookup_periods is 'Every reporting period used by indicator_values and indicator_forecasts: key, type, real window and a label to show';
comment on column lookup_periods.period is 'Period key as in indicator_values.period (2024-25 financial, 2024/25 academic, 2024 calendar, 2024-03 month)';
comment on column lookup_periods.period_type is 'financial_year | academic_year | calendar_year | month | quarter';
comment on column lookup_periods.period_start is 'First day of the period (join on period, period_type and period_start: one key can cover two windows)';
comment on column lookup_periods.period_end is 'Last day of the period';
comment on column lookup_periods.label is 'The period in words with its dates, e.g. Financial year 2024-25 (1 April 2024 to 31 March 2025)';
