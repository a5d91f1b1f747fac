-- Period and banding helpers shared by every indicator's SQL. Run once per connection
-- before the indicator files, as temporary macros, so that every indicator writes its
-- period keys and bands the same way (the period-key contract in docs/warehouse.md).


-- The period helpers (fy_of, fy_key, ay_of, ay_key, <fy|ay|cy>_start / _end, period_key,
-- period_start, period_end; the NEET winter's in_neet_winter, neet_winter_of, neet_winter_start
-- / _end) are made from the one period calendar, sources/periods.py, and run
-- before this file (indicators.catalogue.macros_sql).

-- The start year of an academic year from a key as the extracts write it ("2024/25").
create or replace temp macro ay_year(k) as try_cast(left(k, 4) as integer);
-- Schools are closed in August: a school year's data are complete once they reach July.
create or replace temp macro ay_complete_by(y) as make_date(y + 1, 7, 31);


-- Deprivation quintile from the IMD decile: 1 = most deprived fifth.
create or replace temp macro imd_quintile(decile) as
    case when decile between 1 and 10 then ((decile + 1) // 2)::varchar end;

-- Age bands used by every breakdown on age (children's services convention).
create or replace temp macro age_band(age) as
    case when age is null then null
         when age < 5 then '0-4'
         when age < 11 then '5-10'
         when age < 16 then '11-15'
         when age < 18 then '16-17'
         else '18+' end;

-- The closing select of every indicator's SQL, written once: one row per measure x period x
-- breakdown value of the CTE measures_cte (measure_id, yr: the year the period starts in,
-- breakdown, breakdown_value and the counts), with the period key and dates of the period type
-- ptype (a literal, or the CTE's own period_type column where periods differ by row) and the
-- counts as doubles (sd and the comparison group's counts where the indicator has them).
-- Called as: select * from indicator_rows(measures, 'financial_year')
create or replace temp macro indicator_rows(measures_cte, ptype) as table
    select
        measure_id,
        period_key(ptype, yr) as period,
        ptype as period_type,
        period_start(ptype, yr) as period_start,
        period_end(ptype, yr) as period_end,
        breakdown,
        breakdown_value,
        columns(lambda c: c in ('numerator', 'denominator', 'sd', 'comparator_numerator',
                                'comparator_denominator', 'comparator_sd'))::double
    from query_table(measures_cte);
