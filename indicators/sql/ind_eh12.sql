-- EH12 Quality of Early Help assessments, plans and reviews: % of audited assessments
-- rated good or outstanding overall (headline), audits completed, and % good or better
-- in each domain (assessment, plan, review, voice of the child), per financial year.

with

audits as (
    select * from stg_assessment_audits
),

episodes as (
    select * from stg_early_help_episodes
),

rated as (
    select
        fy_of(a.audit_date) as yr,
        a.overall_rating in ('good', 'outstanding') as overall_good,
        a.assessment_rating in ('good', 'outstanding') as assessment_good,
        a.plan_rating in ('good', 'outstanding') as plan_good,
        a.review_rating in ('good', 'outstanding') as review_good,
        a.voice_of_child_rating in ('good', 'outstanding') as voice_good,
        'all' as "all",
        coalesce(e.locality, 'unknown') as locality,
        coalesce(e.level::varchar, 'unknown') as level
    from audits as a
    left join episodes as e using (episode_id)
    where fy_end(fy_of(a.audit_date)) <= assessment_audits_as_at()
),

rated_long as (
    unpivot rated on "all", locality, level into name breakdown value breakdown_value
),

measures as (
    select 'eh12_audits_good_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where overall_good) as numerator, count(*) as denominator
    from rated_long
    group by all
    union all
    select 'eh12_audits_count', yr, breakdown, breakdown_value, count(*), null
    from rated_long where breakdown = 'all' group by all
    union all
    select 'eh12_assessment_good_pct', yr, breakdown, breakdown_value,
           count(*) filter (where assessment_good), count(*)
    from rated_long where breakdown = 'all' group by all
    union all
    select 'eh12_plan_good_pct', yr, breakdown, breakdown_value,
           count(*) filter (where plan_good), count(*)
    from rated_long where breakdown = 'all' group by all
    union all
    select 'eh12_review_good_pct', yr, breakdown, breakdown_value,
           count(*) filter (where review_good), count(*)
    from rated_long where breakdown = 'all' group by all
    union all
    select 'eh12_voice_of_child_good_pct', yr, breakdown, breakdown_value,
           count(*) filter (where voice_good), count(*)
    from rated_long where breakdown = 'all' group by all
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, 'financial_year')
