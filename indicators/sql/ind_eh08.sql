-- EH08 Parenting confidence: % of parents completing a programme whose confidence score
-- rose by at least the programme's reliable-change threshold (headline), their number,
-- starts, completions, completion rate and the mean score change, per financial year.
-- Parameters: $rc_programmes, $rc_thresholds (sources.codes.RELIABLE_CHANGE),
-- $completion_follow_up_months, $course_lookback_months.

with

participants as (
    select * from stg_parenting_programmes
),

thresholds as (
    select unnest($rc_programmes) as programme, unnest($rc_thresholds) as threshold
),

-- Participants are delivered by start: a year counted by end date is whole only when the
-- extract begins $course_lookback_months before it (an extract's first year is not).
data_from as (
    select date_trunc('month', min(start_date))::date as data_from from participants
),

scored as (
    select
        fy_of(p.end_date) as yr,
        p.post_score - p.pre_score as change,
        p.post_score - p.pre_score >= t.threshold as reliable,
        'all' as "all",
        p.programme
    from participants as p
    join thresholds as t using (programme)
    where p.completed and p.end_date is not null
      and p.pre_score is not null and p.post_score is not null
),

scored_long as (
    unpivot scored on "all", programme into name breakdown value breakdown_value
),

completions_long as (
    unpivot (
        select fy_of(end_date) as yr, 'all' as "all", programme
        from participants
        where completed and end_date is not null
    )
    on "all", programme into name breakdown value breakdown_value
),

starts_long as (
    unpivot (
        select fy_of(start_date) as yr, completed, 'all' as "all", programme
        from participants
    )
    on "all", programme into name breakdown value breakdown_value
),

measures as (
    select 'eh08_reliable_improvement_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where reliable) as numerator, count(*) as denominator,
           null as sd
    from scored_long
    where fy_end(yr) <= parenting_programmes_as_at()
      and fy_start(yr) - to_months($course_lookback_months) >= (select data_from from data_from)
    group by all
    union all by name
    select 'eh08_reliable_improvement_count' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where reliable) as numerator, null as denominator
    from scored_long
    where fy_end(yr) <= parenting_programmes_as_at()
      and fy_start(yr) - to_months($course_lookback_months) >= (select data_from from data_from)
    group by all
    union all by name
    select 'eh08_mean_score_change' as measure_id, yr, breakdown, breakdown_value,
           sum(change order by change) as numerator, count(*) as denominator, stddev_samp(change order by change) as sd
    from scored_long
    where fy_end(yr) <= parenting_programmes_as_at()
      and fy_start(yr) - to_months($course_lookback_months) >= (select data_from from data_from)
    group by all
    union all by name
    select 'eh08_completions_count' as measure_id, yr, breakdown, breakdown_value,
           count(*) as numerator, null as denominator
    from completions_long
    where fy_end(yr) <= parenting_programmes_as_at()
      and fy_start(yr) - to_months($course_lookback_months) >= (select data_from from data_from)
    group by all
    union all by name
    select 'eh08_starts_count' as measure_id, yr, breakdown, breakdown_value,
           count(*) as numerator, null as denominator
    from starts_long
    where fy_end(yr) <= parenting_programmes_as_at()
    group by all
    union all by name
    -- Start cohort: wait until courses started in March have had time to finish.
    select 'eh08_completion_pct' as measure_id, yr, breakdown, breakdown_value,
           count(*) filter (where completed) as numerator, count(*) as denominator
    from starts_long
    where fy_end(yr) + to_months($completion_follow_up_months) <= parenting_programmes_as_at()
    group by all
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, 'financial_year')
