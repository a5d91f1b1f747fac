-- EH01 Right support at the right time: step-up to statutory social care within 12 months
-- of an Early Help episode closing (headline), children starting Early Help, family
-- feedback and outcomes achieved. One row per measure x financial year x breakdown.
-- Parameters: $statutory_outcomes, $step_up_window_months, $episode_lookback_months, $agree_min.

with

episodes as (
    select * from stg_early_help_episodes
),

referrals as (
    select * from stg_social_care_referrals
),

feedback as (
    select * from stg_family_feedback
),

-- Each source's "as at" date (<source>_as_at()) is its rule in sources/catalogue.py.
-- Episodes are delivered by year of start: a closure year is whole only when the extract
-- begins $episode_lookback_months (longer than nearly every episode) before it; the first
-- years of an extract are left-truncated.
episodes_from as (
    select date_trunc('month', min(start_date))::date as data_from from episodes
),

statutory as (
    select child_id, coalesce(outcome_date, referral_date) as outcome_date
    from referrals
    where list_contains($statutory_outcomes, outcome)
),

-- Breakdown columns of an episode, as text so they can be unpivoted together.
episode_bands as (
    select
        *,
        'all' as "all",
        coalesce(locality, 'unknown') as locality_band,
        coalesce(imd_quintile(imd_decile), 'unknown') as imd_band,
        coalesce(sex, 'unknown') as sex_band,
        coalesce(age_band(age), 'unknown') as age_band_,
        coalesce(level::varchar, 'unknown') as level_band,
        coalesce(ward_code, 'unknown') as ward_band
    from episodes
),

closed as (
    select
        e.*,
        fy_of(e.closure_date) as yr,
        coalesce(e.closure_reason = 'outcomes_achieved', false) as outcomes_achieved,
        -- A statutory outcome during the episode counts: stepping up is why many close.
        exists (
            select 1
            from statutory as s
            where s.child_id = e.child_id
              and s.outcome_date >= e.start_date
              and s.outcome_date <= e.closure_date + to_months($step_up_window_months)
        ) as stepped_up
    from episode_bands as e
    where e.closure_date is not null
),

closed_long as (
    unpivot (
        select yr, stepped_up, outcomes_achieved, "all",
               locality_band as locality, imd_band as imd_quintile, sex_band as sex,
               age_band_ as age_band, level_band as level, ward_band as ward
        from closed
    )
    on "all", locality, imd_quintile, sex, age_band, level, ward
    into name breakdown value breakdown_value
),

started_long as (
    unpivot (
        select fy_of(start_date) as yr, child_id, "all",
               locality_band as locality, imd_band as imd_quintile, sex_band as sex,
               age_band_ as age_band, level_band as level, ward_band as ward
        from episode_bands
    )
    on "all", locality, imd_quintile, sex, age_band, level, ward
    into name breakdown value breakdown_value
),

feedback_long as (
    unpivot (
        select
            fy_of(f.response_date) as yr,
            f.respondent in ('parent') as is_parent,
            f.support_helpful,
            f.better_supported_wellbeing,
            'all' as "all",
            coalesce(f.respondent, 'unknown') as respondent,
            coalesce(e.locality, 'unknown') as locality
        from feedback as f
        left join episodes as e using (episode_id)
    )
    on "all", respondent, locality
    into name breakdown value breakdown_value
),

step_up as (
    select 'eh01_step_up_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where stepped_up) as numerator, count(*) as denominator
    from closed_long
    -- The 12-month follow-up must have elapsed in the social care data.
    where fy_end(yr) + to_months($step_up_window_months) <= social_care_referrals_as_at()
      and fy_end(yr) <= early_help_episodes_as_at()
      and fy_start(yr) - to_months($episode_lookback_months) >= (select data_from from episodes_from)
    group by all
),

outcomes_achieved as (
    select 'eh01_outcomes_achieved_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where outcomes_achieved) as numerator, count(*) as denominator
    from closed_long
    where fy_end(yr) <= early_help_episodes_as_at()
      and fy_start(yr) - to_months($episode_lookback_months) >= (select data_from from episodes_from)
    group by all
),

children_starting as (
    select 'eh01_children_starting_count' as measure_id, yr, breakdown, breakdown_value,
           count(distinct child_id) as numerator, null as denominator
    from started_long
    where fy_end(yr) <= early_help_episodes_as_at()
    group by all
),

support_helpful as (
    select 'eh01_support_helpful_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where support_helpful >= $agree_min) as numerator,
           count(support_helpful) as denominator
    from feedback_long
    where fy_end(yr) <= family_feedback_as_at()
    group by all
    having count(support_helpful) > 0
),

better_supported as (
    select 'eh01_parents_better_supported_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where better_supported_wellbeing >= $agree_min) as numerator,
           count(better_supported_wellbeing) as denominator
    from feedback_long
    where is_parent
      and breakdown in ('all', 'locality')
      and fy_end(yr) <= family_feedback_as_at()
    group by all
    having count(better_supported_wellbeing) > 0
),

measures as (
    select * from step_up
    union all by name select * from outcomes_achieved
    union all by name select * from children_starting
    union all by name select * from support_helpful
    union all by name select * from better_supported
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, 'financial_year')
