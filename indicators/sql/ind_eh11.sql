-- EH11 Exclusions because of behaviour and emotional need: suspensions and permanent
-- exclusions for persistent disruptive behaviour (PD, DB since 2020/21), or of pupils whose
-- SEN primary need is SEMH (or the older BESD), per 100 pupils (headline; split by reason,
-- category and phase), the share of exclusions whose pupil's need is known, panel
-- referrals and alternative-provision placements, per academic year.
-- Parameters: $persistent_disruption_reasons, $semh_needs, $sen_need_unknown, $need_known_min.

with

exclusions as (
    select * from stg_exclusions
),

pupils as (
    select * from stg_pupil_population
),

panels as (
    select * from stg_behaviour_panels
),

pupil_counts as (
    select yr, breakdown, breakdown_value, sum(headcount) as pupils
    from (
        unpivot (
            select ay_year(academic_year) as yr, headcount, 'all' as "all",
                   coalesce(phase, 'unknown') as phase
            from pupils
        )
        on "all", phase into name breakdown value breakdown_value
    )
    group by all
),

-- An exclusion meeting both conditions counts once; the reason split keeps PD first so
-- its two values add up to the total.
behaviour_exclusions as (
    select
        ay_year(academic_year) as yr,
        'all' as "all",
        case when list_contains($persistent_disruption_reasons, reason_code) then 'persistent_disruption'
             else 'semh_other_reason' end as reason,
        coalesce(category, 'unknown') as category,
        coalesce(phase, 'unknown') as phase
    from exclusions
    where list_contains($persistent_disruption_reasons, reason_code)
       or list_contains($semh_needs, sen_primary_need)
),

-- Need is collected in the spring census only: an exclusion of a pupil with SEN provision
-- not found there has need UNKNOWN. A year with too few needs known is withheld (no rows),
-- never reported low because need was unknown.
need_known as (
    select ay_year(academic_year) as yr, count(*) as exclusions,
           count(*) filter (where sen_primary_need is distinct from $sen_need_unknown) as known
    from exclusions
    group by all
),

behaviour_counts as (
    select yr, breakdown, breakdown_value, count(*) as exclusions
    from (
        unpivot behaviour_exclusions
        on "all", reason, category, phase into name breakdown value breakdown_value
    )
    group by all
),

-- Reason and category have no census count: they share the all-pupils denominator.
-- Phases are matched to their own census count; a phase with exclusions but no census
-- count keeps its number with no rate rather than disappearing.
behaviour_rates as (
    select
        yr, breakdown, breakdown_value,
        coalesce(b.exclusions, 0) as exclusions,
        case when breakdown in ('all', 'phase') then p.pupils
             else (select a.pupils from pupil_counts as a
                   where a.yr = b.yr and a.breakdown = 'all') end as pupils
    from behaviour_counts as b
    full outer join (select * from pupil_counts where breakdown in ('all', 'phase')) as p
      using (yr, breakdown, breakdown_value)
    where ay_complete_by(yr) <= exclusions_as_at()
      and yr in (select yr from pupil_counts)
      and yr not in (select yr from need_known where known < $need_known_min * exclusions)
),

panels_long as (
    unpivot (
        select ay_of(referral_date) as yr, outcome, 'all' as "all",
               coalesce(panel, 'unknown') as panel, coalesce(phase, 'unknown') as phase
        from panels
    )
    on "all", panel, phase into name breakdown value breakdown_value
),

measures as (
    select 'eh11_behaviour_semh_excl_per_100' as measure_id, yr, breakdown, breakdown_value,
           exclusions as numerator, pupils as denominator
    from behaviour_rates
    union all
    select 'eh11_sen_need_known_pct', yr, 'all', 'all', known, exclusions
    from need_known
    where ay_complete_by(yr) <= exclusions_as_at()
    union all
    select 'eh11_panel_referrals_count', yr, breakdown, breakdown_value, count(*), null
    from panels_long
    where ay_complete_by(yr) <= behaviour_panels_as_at()
    group by all
    union all
    select 'eh11_ap_placements_count', yr, breakdown, breakdown_value,
           count(*) filter (where outcome = 'alternative_provision'), null
    from panels_long
    where breakdown in ('all', 'phase')
      and ay_complete_by(yr) <= behaviour_panels_as_at()
    group by all
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures, 'academic_year')
