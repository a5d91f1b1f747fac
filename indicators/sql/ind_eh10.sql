-- EH10 Joint working with adult services: referrals from adult services to children's
-- Early Help (headline), Early Help assessments with an adult-services contribution,
-- parents taking up support (number and %), practitioners who know how to refer.
-- Parameters: $agree_min.

with

adult_referrals as (
    select * from stg_adult_referrals
),

episodes as (
    select * from stg_early_help_episodes
),

practitioners as (
    select * from stg_practitioner_feedback
),

referrals_long as (
    unpivot (
        select fy_of(referral_date) as yr, parent_took_up_support, 'all' as "all",
               coalesce(referring_service, 'unknown') as service
        from adult_referrals
    )
    on "all", service into name breakdown value breakdown_value
),

assessments_long as (
    unpivot (
        select fy_of(start_date) as yr,
               initiating_agency = 'adult_services'
                   or coalesce(list_contains(list_transform(string_split(contributing_agencies, ';'),
                                                            lambda a: trim(a)),
                                             'adult_services'), false) as has_adult,
               'all' as "all",
               coalesce(locality, 'unknown') as locality,
               coalesce(level::varchar, 'unknown') as level
        from episodes
        where initiating_agency is not null   -- agencies not recorded: not counted either way
    )
    on "all", locality, level into name breakdown value breakdown_value
),

practitioners_long as (
    unpivot (
        select year(response_date) as yr, know_how_to_refer, 'all' as "all",
               coalesce(agency, 'unknown') as agency
        from practitioners
    )
    on "all", agency into name breakdown value breakdown_value
),

referral_counts as (
    select yr, breakdown, breakdown_value, count(*) as referrals,
           count(*) filter (where parent_took_up_support) as took_up
    from referrals_long
    where fy_end(yr) <= adult_referrals_as_at()
    group by all
),

measures as (
    select 'eh10_adult_referrals_count' as measure_id, 'financial_year' as period_type,
           yr, breakdown, breakdown_value, referrals as numerator, null as denominator
    from referral_counts
    union all
    select 'eh10_parents_took_up_count', 'financial_year', yr, breakdown, breakdown_value,
           took_up, null
    from referral_counts
    union all
    select 'eh10_parents_took_up_pct', 'financial_year', yr, breakdown, breakdown_value,
           took_up, referrals
    from referral_counts
    union all
    select 'eh10_adult_contribution_pct', 'financial_year', yr, breakdown, breakdown_value,
           count(*) filter (where has_adult), count(*)
    from assessments_long
    where fy_end(yr) <= early_help_episodes_as_at()
    group by all
    union all
    select 'eh10_know_how_to_refer_pct', 'calendar_year', yr, breakdown, breakdown_value,
           count(*) filter (where know_how_to_refer >= $agree_min), count(know_how_to_refer)
    from practitioners_long
    where cy_end(yr) <= practitioner_feedback_as_at()
    group by all
    having count(know_how_to_refer) > 0
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, period_type)
