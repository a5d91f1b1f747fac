-- EH05 Emotional resilience: % of SHEU survey respondents with a medium-high or high
-- self-esteem / resilience score (headline) and % with someone to talk to, per survey
-- year. Bands on the 0-20 score: low 0-5, medium-low 6-10, medium-high 11-15, high 16-20.
-- Parameters: $self_esteem_min (11: the lower bound of medium-high).

with

survey as (
    select * from stg_sheu_survey
),

-- A survey year is complete once delivered: the survey is a single annual collection.
respondents_long as (
    unpivot (
        select survey_year as yr, self_esteem_score, someone_to_talk_to, 'all' as "all",
               coalesce(year_group::varchar, 'unknown') as year_group,
               coalesce(sex, 'unknown') as sex
        from survey
    )
    on "all", year_group, sex
    into name breakdown value breakdown_value
),

measures as (
    select 'eh05_high_self_esteem_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where self_esteem_score >= $self_esteem_min) as numerator,
           count(self_esteem_score) as denominator
    from respondents_long
    group by all
    having count(self_esteem_score) > 0
    union all
    select 'eh05_someone_to_talk_to_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where someone_to_talk_to) as numerator,
           count(someone_to_talk_to) as denominator
    from respondents_long
    group by all
    having count(someone_to_talk_to) > 0
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, 'calendar_year')
