-- EH03 The gap in educational progress between children from different socio-economic
-- backgrounds: KS2 reading, writing and maths (headline), EYFS good level of development
-- and KS4 Attainment 8, each side of each gap with its own row.
-- Gap rows: numerator / denominator (and sd) describe the disadvantaged group (FSM at EYFS
-- and KS2, disadvantaged at KS4); comparator_* the other group.

with

attainment as (
    select * from stg_attainment
),

-- One row per pupil result, with the disadvantage flag DfE uses at that stage.
results as (
    select
        ay_year(academic_year) as yr,
        stage,
        case when stage = 'KS4' then disadvantaged else fsm end as is_disadvantaged,
        case stage when 'EYFS' then gld::integer
                   when 'KS2' then ks2_rwm_expected::integer
                   else ks4_attainment8 end as score,
        'all' as "all",
        coalesce(sex, 'unknown') as sex,
        coalesce(imd_quintile(imd_decile), 'unknown') as imd_quintile
    from attainment
    where case stage when 'EYFS' then gld is not null
                     when 'KS2' then ks2_rwm_expected is not null
                     else ks4_attainment8 is not null end
      and (case when stage = 'KS4' then disadvantaged else fsm end) is not null
),

results_long as (
    unpivot results
    on "all", sex, imd_quintile
    into name breakdown value breakdown_value
),

-- For 0/1 scores the sum is the number reaching the standard; for Attainment 8 the sum of
-- points. Each group's sum, count and sd feed both the side measures and the gap.
groups as (
    select
        yr, stage, breakdown, breakdown_value,
        sum(score order by score) filter (where is_disadvantaged) as d_sum,
        count(*) filter (where is_disadvantaged) as d_n,
        stddev_samp(score order by score) filter (where is_disadvantaged) as d_sd,
        sum(score order by score) filter (where not is_disadvantaged) as o_sum,
        count(*) filter (where not is_disadvantaged) as o_n,
        stddev_samp(score order by score) filter (where not is_disadvantaged) as o_sd
    from results_long
    group by all
),

measure_names as (
    select * from (values
        ('KS2', 'eh03_ks2_rwm_gap_pp', 'eh03_ks2_rwm_fsm_pct', 'eh03_ks2_rwm_nonfsm_pct'),
        ('EYFS', 'eh03_eyfs_gld_gap_pp', 'eh03_eyfs_gld_fsm_pct', 'eh03_eyfs_gld_nonfsm_pct'),
        ('KS4', 'eh03_ks4_att8_gap', 'eh03_ks4_att8_disadv', 'eh03_ks4_att8_nondisadv')
    ) as t(stage, gap_id, disadvantaged_id, other_id)
),

measures as (
    select m.gap_id as measure_id, g.yr, g.breakdown, g.breakdown_value,
           g.d_sum as numerator, g.d_n as denominator, g.d_sd as sd,
           g.o_sum as comparator_numerator, g.o_n as comparator_denominator,
           g.o_sd as comparator_sd
    from groups as g
    join measure_names as m using (stage)
    where g.d_n > 0 and g.o_n > 0
    union all
    select m.disadvantaged_id, g.yr, g.breakdown, g.breakdown_value,
           g.d_sum, g.d_n, g.d_sd, null, null, null
    from groups as g
    join measure_names as m using (stage)
    where g.d_n > 0
    union all
    select m.other_id, g.yr, g.breakdown, g.breakdown_value,
           g.o_sum, g.o_n, g.o_sd, null, null, null
    from groups as g
    join measure_names as m using (stage)
    where g.o_n > 0
),

-- sd only means something for Attainment 8; proportions get theirs from Wilson.
measures_kept as (
    select * replace (case when measure_id like 'eh03_ks4%' then sd end as sd,
                      case when measure_id like 'eh03_ks4%' then comparator_sd end as comparator_sd)
    from measures
)

-- One row per measure x period x breakdown value (the closing select of _macros.sql).
select * from indicator_rows(measures_kept, 'academic_year')
