-- EH02 Joint working between universal, targeted and specialist services: Early Help
-- assessments started by, or with, adult services, housing or police (headline), their
-- number and outcomes, information sharing in audits, practitioners' joint-working score.
-- Parameters: $joint_working_agencies, $episode_lookback_months.

with

episodes as (
    select * from stg_early_help_episodes
),

audits as (
    select * from stg_assessment_audits
),

practitioners as (
    select * from stg_practitioner_feedback
),

-- A closure year is whole only when the extract begins $episode_lookback_months before it
-- (episodes are delivered by year of start; as EH01).
episodes_from as (
    select date_trunc('month', min(start_date))::date as data_from from episodes
),

joint as (
    select
        *,
        list_contains($joint_working_agencies, initiating_agency)
            or coalesce(list_has_any(
                   $joint_working_agencies,
                   list_transform(string_split(contributing_agencies, ';'), lambda a: trim(a))
               ), false) as is_joint,
        'all' as "all",
        coalesce(locality, 'unknown') as locality_band,
        coalesce(imd_quintile(imd_decile), 'unknown') as imd_band,
        coalesce(sex, 'unknown') as sex_band,
        coalesce(age_band(age), 'unknown') as age_band_,
        coalesce(level::varchar, 'unknown') as level_band
    from episodes
    -- An episode whose agencies were not recorded (e.g. prepared from an Annex A list) cannot
    -- say whether it was joint: it is left out, never counted as not joint.
    where initiating_agency is not null
),

started_long as (
    unpivot (
        select fy_of(start_date) as yr, is_joint, "all",
               locality_band as locality, imd_band as imd_quintile, sex_band as sex,
               age_band_ as age_band, level_band as level
        from joint
    )
    on "all", locality, imd_quintile, sex, age_band, level
    into name breakdown value breakdown_value
),

closed_joint_long as (
    unpivot (
        select fy_of(closure_date) as yr,
               coalesce(closure_reason = 'outcomes_achieved', false) as outcomes_achieved,
               "all", locality_band as locality, level_band as level
        from joint
        where is_joint and closure_date is not null
    )
    on "all", locality, level
    into name breakdown value breakdown_value
),

audits_long as (
    unpivot (
        select fy_of(a.audit_date) as yr, a.information_sharing_evidenced, 'all' as "all",
               coalesce(e.locality, 'unknown') as locality
        from audits as a
        left join episodes as e using (episode_id)
    )
    on "all", locality
    into name breakdown value breakdown_value
),

practitioners_long as (
    unpivot (
        select year(response_date) as yr, joint_working_score, 'all' as "all",
               coalesce(agency, 'unknown') as agency
        from practitioners
    )
    on "all", agency
    into name breakdown value breakdown_value
),

joint_pct as (
    select 'eh02_joint_assessments_pct' as measure_id, 'financial_year' as period_type,
           yr, breakdown, breakdown_value,
           count(*) filter (where is_joint) as numerator, count(*) as denominator
    from started_long
    where fy_end(yr) <= early_help_episodes_as_at()
    group by all
),

joint_count as (
    select 'eh02_joint_assessments_count' as measure_id, 'financial_year' as period_type,
           yr, breakdown, breakdown_value,
           count(*) filter (where is_joint) as numerator, null as denominator
    from started_long
    where breakdown in ('all', 'locality', 'level')
      and fy_end(yr) <= early_help_episodes_as_at()
    group by all
),

joint_outcomes as (
    select 'eh02_joint_outcomes_achieved_pct' as measure_id, 'financial_year' as period_type,
           yr, breakdown, breakdown_value,
           count(*) filter (where outcomes_achieved) as numerator, count(*) as denominator
    from closed_joint_long
    where fy_end(yr) <= early_help_episodes_as_at()
      and fy_start(yr) - to_months($episode_lookback_months) >= (select data_from from episodes_from)
    group by all
),

info_sharing as (
    select 'eh02_info_sharing_pct' as measure_id, 'financial_year' as period_type,
           yr, breakdown, breakdown_value,
           count(*) filter (where information_sharing_evidenced) as numerator,
           count(information_sharing_evidenced) as denominator
    from audits_long
    where fy_end(yr) <= assessment_audits_as_at()
    group by all
    having count(information_sharing_evidenced) > 0
),

-- A mean: numerator = sum of scores, denominator = number scored, sd of the scores.
-- Ordered aggregates: DuckDB combines parallel partial sums in any order, so a floating
-- sum or sd would differ in its last digits from run to run; sorted input makes it exact.
joint_working_score as (
    select 'eh02_joint_working_score' as measure_id, 'calendar_year' as period_type,
           yr, breakdown, breakdown_value,
           sum(joint_working_score order by joint_working_score) as numerator, count(joint_working_score) as denominator,
           stddev_samp(joint_working_score order by joint_working_score) as sd
    from practitioners_long
    where cy_end(yr) <= practitioner_feedback_as_at()
    group by all
    having count(joint_working_score) > 0
),

measures as (
    select * from joint_pct
    union all by name select * from joint_count
    union all by name select * from joint_outcomes
    union all by name select * from info_sharing
    union all by name select * from joint_working_score
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, period_type)
