-- scorecard: the frame built in pipelines/compute/scorecard.py (registered as _frame), which is the
-- latest row per measure of scorecard_periods plus a row for each measure without data.
-- Same columns and types as scorecard_periods, by construction.
create or replace table scorecard as
select * from scorecard_periods limit 0;
insert into scorecard by name select * from _frame order by indicator_id, not is_headline, measure_id
