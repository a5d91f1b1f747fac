-- EH04 Children missing school and / or being excluded: new children-missing-education
-- referrals per 1,000 pupils (headline), open CME cases, suspensions and permanent
-- exclusions per 100 pupils and the % of pupils suspended, per academic year.
-- Denominators are January school census headcounts of the same academic year.

with

cme as (
    select * from stg_cme
),

exclusions as (
    select * from stg_exclusions
),

pupils as (
    select * from stg_pupil_population
),

-- Cases are delivered by referral date: an open-case snapshot is whole only when the
-- extract begins $cme_lookback_months before the year (an extract's first is not).
cme_from as (
    select date_trunc('month', min(referral_date))::date as data_from from cme
),

pupils_long as (
    unpivot (
        select ay_year(academic_year) as yr, headcount, 'all' as "all",
               coalesce(phase, 'unknown') as phase,
               case when fsm then 'fsm' when not fsm then 'non_fsm' else 'unknown' end as fsm
        from pupils
    )
    on "all", phase, fsm
    into name breakdown value breakdown_value
),

pupil_counts as (
    select yr, breakdown, breakdown_value, sum(headcount) as pupils
    from pupils_long
    group by all
),

all_pupils as (
    select yr, pupils from pupil_counts where breakdown = 'all'
),

cme_long as (
    unpivot (
        select ay_of(referral_date) as yr, case_id, 'all' as "all",
               coalesce(reason, 'unknown') as reason
        from cme
    )
    on "all", reason
    into name breakdown value breakdown_value
),

-- Open at 31 August: referred by then and not resolved by then.
cme_open_long as (
    unpivot (
        select y.yr, c.case_id, 'all' as "all", coalesce(c.reason, 'unknown') as reason
        from cme as c
        join (select distinct ay_of(referral_date) as yr from cme) as y
          on c.referral_date <= ay_end(y.yr)
         and (c.resolved_date is null or c.resolved_date > ay_end(y.yr))
    )
    on "all", reason
    into name breakdown value breakdown_value
),

exclusions_long as (
    unpivot (
        select ay_year(academic_year) as yr, child_id, category, 'all' as "all",
               coalesce(phase, 'unknown') as phase,
               case when fsm then 'fsm' when not fsm then 'non_fsm' else 'unknown' end as fsm
        from exclusions
    )
    on "all", phase, fsm
    into name breakdown value breakdown_value
),

-- A reason breakdown shares the all-pupils denominator (no census count by reason).
cme_rate as (
    select 'eh04_cme_per_1000' as measure_id, c.yr, c.breakdown, c.breakdown_value,
           count(*) as numerator, any_value(p.pupils) as denominator
    from cme_long as c
    join all_pupils as p using (yr)
    where ay_complete_by(c.yr) <= cme_as_at()
    group by all
),

cme_open as (
    select 'eh04_cme_open_count' as measure_id, yr, breakdown, breakdown_value,
           count(*) as numerator, null as denominator
    from cme_open_long
    where ay_complete_by(yr) <= cme_as_at()
      and ay_start(yr) - to_months($cme_lookback_months) >= (select data_from from cme_from)
    group by all
),

exclusion_counts as (
    select yr, breakdown, breakdown_value,
           count(*) filter (where category = 'suspension') as suspensions,
           count(*) filter (where category = 'permanent') as permanent,
           count(distinct child_id) filter (where category = 'suspension') as pupils_suspended
    from exclusions_long
    where ay_complete_by(yr) <= exclusions_as_at()
    group by all
),

-- Every census group gets a row, so a phase with no exclusions shows a rate of 0; a
-- group with exclusions but no census count keeps its count with no denominator
-- (visible as a missing rate) rather than being dropped.
exclusion_rates as (
    select yr, breakdown, breakdown_value, p.pupils,
           coalesce(e.suspensions, 0) as suspensions,
           coalesce(e.permanent, 0) as permanent,
           coalesce(e.pupils_suspended, 0) as pupils_suspended
    from pupil_counts as p
    full outer join exclusion_counts as e using (yr, breakdown, breakdown_value)
    where ay_complete_by(yr) <= exclusions_as_at()
      and yr in (select yr from all_pupils)
),

measures as (
    select * from cme_rate
    union all by name select * from cme_open
    union all by name
    select 'eh04_suspensions_per_100' as measure_id, yr, breakdown, breakdown_value,
           suspensions as numerator, pupils as denominator
    from exclusion_rates
    union all by name
    select 'eh04_perm_excl_per_100' as measure_id, yr, breakdown, breakdown_value,
           permanent as numerator, pupils as denominator
    from exclusion_rates
    union all by name
    select 'eh04_pupils_suspended_pct' as measure_id, yr, breakdown, breakdown_value,
           pupils_suspended as numerator, pupils as denominator
    from exclusion_rates
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, 'academic_year')
