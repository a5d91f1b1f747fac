-- Needs load_log; created by the publish step once ingestion has run. Comments: tables.yaml.
create or replace view meta_run_sources as
with runs as (
    select run_id, started_at, coalesce(finished_at, current_localtimestamp()) as finished_at from meta_runs
),

final as (
    select
        r.run_id,
        l.source,
        count(*) as files_received,
        sum(l.rows_read) as rows_read,
        sum(l.rows_loaded) as rows_loaded,
        sum(l.rows_quarantined) as rows_quarantined,
        sum(l.rows_refused) as rows_refused,
        sum(l.rows_held) as rows_held,
        string_agg(l.source_file || ' ' || l.status, '; ' order by l.source_file) as files
    from runs as r
    join load_log as l on l.received_at between r.started_at and r.finished_at
    group by all
)

select * from final;
