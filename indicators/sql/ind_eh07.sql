-- EH07 Young people in education, training or employment: 16-17 year olds NEET or whose
-- activity is not known, December-February average, DfE definition (headline), and NEET,
-- not known and EET separately. Keyed by the calendar year of the January:
-- 2023 = December 2022, January 2023 and February 2023.
-- Parameters: $nccis_eet, $nccis_neet, $nccis_not_known (NCCIS code groups).

with

neet as (
    select * from stg_neet
),

-- The cohort: academic age 16 and 17 in the three headline months, in one of the three
-- activity groups (custody and "moved away" are outside the DfE cohort).
cohort as (
    select
        neet_winter_of(extract_month) as yr,
        date_trunc('month', extract_month) as month_start,
        child_id,
        list_contains($nccis_eet, activity_code) as is_eet,
        list_contains($nccis_neet, activity_code) as is_neet,
        list_contains($nccis_not_known, activity_code) as is_not_known,
        send, care_leaver, young_parent, youth_justice,
        academic_age::varchar as age_band,
        coalesce(sex, 'unknown') as sex,
        coalesce(ward_code, 'unknown') as ward
    from neet
    where in_neet_winter(extract_month)
      and academic_age in (16, 17)
      and (list_contains($nccis_eet, activity_code)
           or list_contains($nccis_neet, activity_code)
           or list_contains($nccis_not_known, activity_code))
),

-- A young person can belong to several vulnerable groups, so each flag is its own row.
cohort_long as (
    select yr, month_start, is_eet, is_neet, is_not_known, breakdown, breakdown_value
    from (
        unpivot (select * exclude (send, care_leaver, young_parent, youth_justice),
                        'all' as "all" from cohort)
        on "all", age_band, sex, ward
        into name breakdown value breakdown_value
    )
    union all
    select yr, month_start, is_eet, is_neet, is_not_known,
           'vulnerable_group' as breakdown, vulnerable_group as breakdown_value
    from (
        unpivot (select yr, month_start, is_eet, is_neet, is_not_known,
                        send, care_leaver, young_parent, youth_justice from cohort)
        on send, care_leaver, young_parent, youth_justice
        into name vulnerable_group value flagged
    )
    where flagged
),

monthly as (
    select yr, month_start, breakdown, breakdown_value,
           count(*) as cohort,
           count(*) filter (where is_neet) as neet,
           count(*) filter (where is_not_known) as not_known,
           count(*) filter (where is_eet) as eet
    from cohort_long
    group by all
),

-- A year needs all three months in the data (any breakdown: the 'all' row decides).
complete_years as (
    select yr from monthly
    where breakdown = 'all'
    group by yr
    having count(distinct month_start) = 3
),

-- DfE averages the three monthly counts; a group absent in a month counts 0 that month.
averages as (
    select yr, breakdown, breakdown_value,
           sum(cohort) / 3.0 as cohort,
           sum(neet) / 3.0 as neet,
           sum(not_known) / 3.0 as not_known,
           sum(eet) / 3.0 as eet
    from monthly
    where yr in (select yr from complete_years)
    group by all
),

measures as (
    select 'eh07_neet_nk_pct' as measure_id, yr, breakdown, breakdown_value,
           neet + not_known as numerator, cohort as denominator
    from averages
    union all
    select 'eh07_neet_pct', yr, breakdown, breakdown_value, neet, cohort from averages
    union all
    select 'eh07_not_known_pct', yr, breakdown, breakdown_value, not_known, cohort from averages
    union all
    select 'eh07_eet_pct', yr, breakdown, breakdown_value, eet, cohort from averages
),

final as (
    select
        measure_id,
        yr::varchar as period,
        'calendar_year' as period_type,
        -- The key is the calendar year of the January; the dates are the real window.
        neet_winter_start(yr) as period_start,
        neet_winter_end(yr) as period_end,
        breakdown,
        breakdown_value,
        numerator::double as numerator,
        denominator::double as denominator
    from measures
)

select * from final
