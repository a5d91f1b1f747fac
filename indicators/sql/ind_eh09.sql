-- EH09 First-time entrants and re-offending: first-time entrants aged 10-17 per 100,000
-- children aged 10-17 (headline) and their number, per calendar year; the binary
-- re-offending rate and re-offences per re-offender, per financial-year cohort (as the
-- MoJ / LAIT figure, labelled by the year ending March).
-- Parameters: $reoffence_months, $reoffence_proof_months (12 + 6, MoJ style), $date_formats.

with

outcomes as (
    select * from stg_yos_outcomes
),

population as (
    select * from stg_population
),

-- A period that starts before the extract's first month is only partly covered.
data_from as (
    select date_trunc('month', min(outcome_date))::date as data_from from outcomes
),

-- Youth justice age bands (YJB): 10-14 and 15-17.
banded as (
    select *,
           case when age_at_offence between 10 and 14 then '10-14'
                when age_at_offence between 15 and 17 then '15-17' end as yj_band
    from outcomes
),

-- A child's first substantive outcome in the whole extract.
first_outcomes as (
    select child_id,
           arg_min(outcome_date, outcome_date) as outcome_date,
           arg_min(age_at_offence, outcome_date) as age_at_offence,
           arg_min(yj_band, outcome_date) as yj_band,
           arg_min(sex, outcome_date) as sex,
           arg_min(ward_code, outcome_date) as ward_code
    from banded
    group by child_id
),

-- A quarantined outcome (a record that failed validation) with a child and a readable
-- outcome date is evidence the child entered the system then: a later outcome is not their
-- first entry. The quarantined record is not counted itself (its data failed the checks).
-- Its fields are read from raw_yos_outcomes (rows as delivered; quarantine keeps only the
-- failing field), matched on the file and spreadsheet row quarantine names.
quarantined_outcomes as (
    select nullif(trim(r.child_id), '') as child_id,
           try_strptime(trim(r.outcome_date), $date_formats)::date as outcome_date
    from raw_yos_outcomes as r
    semi join (select file_hash, source_row from quarantine where source = 'yos_outcomes') as q
        using (file_hash, source_row)
),

fte_long as (
    unpivot (
        select year(outcome_date) as yr, 'all' as "all",
               coalesce(sex, 'unknown') as sex, coalesce(yj_band, 'unknown') as age_band,
               coalesce(ward_code, 'unknown') as ward
        from first_outcomes as f
        where age_at_offence between 10 and 17
          and not exists (select 1 from quarantined_outcomes as q
                          where q.child_id = f.child_id and q.outcome_date < f.outcome_date)
    )
    on "all", sex, age_band, ward
    into name breakdown value breakdown_value
),

population_long as (
    unpivot (
        select year as yr, population, 'all' as "all", sex,
               case when age <= 14 then '10-14' else '15-17' end as age_band,
               ward_code as ward
        from population
        where age between 10 and 17
    )
    on "all", sex, age_band, ward
    into name breakdown value breakdown_value
),

population_counts as (
    select yr, breakdown, breakdown_value, sum(population) as population
    from population_long
    group by all
),

fte_counts as (
    select yr, breakdown, breakdown_value, count(*) as fte
    from fte_long
    group by all
),

-- Every population group gets a row (0 entrants is a real rate); a year without a
-- population estimate has no rate.
fte_rates as (
    select yr, breakdown, breakdown_value, coalesce(f.fte, 0) as fte, p.population
    from population_counts as p
    left join fte_counts as f using (yr, breakdown, breakdown_value)
    where cy_end(yr) <= yos_outcomes_as_at()
      and cy_start(yr) >= (select data_from from data_from)
),

-- Re-offending cohort: children with an outcome in the financial year, indexed on their first
-- outcome that year; re-offences are offences within 12 months of the index outcome,
-- proven (outcome dated) within 18 months.
cohort as (
    select child_id, fy_of(outcome_date) as yr,
           min(outcome_date) as index_date,
           arg_min(sex, outcome_date) as sex,
           arg_min(yj_band, outcome_date) as yj_band
    from banded
    group by child_id, fy_of(outcome_date)
),

reoffences as (
    select c.child_id, c.yr, count(o.outcome_id) as reoffences
    from cohort as c
    left join outcomes as o
      on o.child_id = c.child_id
     and o.offence_date > c.index_date
     and o.offence_date <= c.index_date + to_months($reoffence_months)
     and o.outcome_date <= c.index_date + to_months($reoffence_months + $reoffence_proof_months)
    group by c.child_id, c.yr
),

cohort_long as (
    unpivot (
        select c.yr, r.reoffences, 'all' as "all",
               coalesce(c.sex, 'unknown') as sex, coalesce(c.yj_band, 'unknown') as age_band
        from cohort as c
        join reoffences as r using (child_id, yr)
    )
    on "all", sex, age_band
    into name breakdown value breakdown_value
),

reoffending as (
    select yr, breakdown, breakdown_value,
           count(*) filter (where reoffences > 0) as reoffenders,
           count(*) as cohort,
           sum(reoffences) as reoffences
    from cohort_long
    where fy_end(yr) + to_months($reoffence_months + $reoffence_proof_months)
          <= yos_outcomes_as_at()
      and fy_start(yr) >= (select data_from from data_from)
    group by all
),

measures as (
    select 'eh09_fte_per_100k' as measure_id, 'calendar_year' as period_type,
           yr, breakdown, breakdown_value,
           fte as numerator, population as denominator
    from fte_rates
    union all
    select 'eh09_fte_count', 'calendar_year', yr, breakdown, breakdown_value, fte, null
    from fte_rates
    where breakdown in ('all', 'sex', 'age_band')
    union all
    select 'eh09_reoffending_pct', 'financial_year', yr, breakdown, breakdown_value, reoffenders, cohort
    from reoffending
    union all
    select 'eh09_reoffences_per_reoffender', 'financial_year', yr, breakdown, breakdown_value,
           reoffences, reoffenders
    from reoffending
    where breakdown in ('all', 'sex') and reoffenders > 0
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, period_type)
