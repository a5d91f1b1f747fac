-- Health of one source's deliveries ($source), read by the asset checks on stg_<source>.
-- One row. "Current" deliveries are those in force for their period (not superseded).
with log as (
    select * from load_log where source = $source
),

current_deliveries as (
    select * from log where status in ('loaded', 'empty', 'pending')
),

unreconciled as (
    -- every file must account for each record it held: loaded + quarantined + refused, or
    -- superseded (moved out of the warehouse when a re-issue replaced the delivery), or held
    select source_file from log
    where status <> 'pending'
      and rows_read <> rows_loaded + rows_quarantined + rows_refused + rows_superseded + rows_held
),

quarantine_mismatch as (
    -- the quarantine table must hold exactly the records the load log says it holds
    select l.source_file
    from log as l
    left join (
        select file_hash, count(distinct source_row) as n
        from quarantine where source = $source group by file_hash
    ) as q using (file_hash)
    where l.status = 'loaded' and l.rows_quarantined <> coalesce(q.n, 0)
),

not_loaded as (
    -- held / refused / rejected / unreadable files that no later delivery of the period replaced
    select l.source_file, l.status, l.message
    from log as l
    where l.status in ('held', 'refused', 'rejected', 'failed')
      -- entries refused unread (links, folders, FIFOs, ...) are warned while they are in the
      -- landing folder (checks.not_deliveries), not for ever after they are removed
      and not (l.status = 'refused' and l.encoding is null and l.rows_read = 0)
      -- replaced: a delivery in force of a higher version, or of the same version received
      -- later (two runs may fall in the same second: the version decides, never the clock alone)
      and not exists (
          select 1 from current_deliveries as c
          where c.period = l.period and c.status <> 'empty'
            and (coalesce(c.version, 1) > coalesce(l.version, 1)
                 or (coalesce(c.version, 1) = coalesce(l.version, 1) and c.received_at > l.received_at))
      )
),

final as (
    select
        (select count(*) from current_deliveries) as current_files,
        (select coalesce(sum(rows_read), 0) from current_deliveries where status = 'loaded') as rows_read,
        (select coalesce(sum(rows_loaded), 0) from current_deliveries where status = 'loaded') as rows_loaded,
        (select coalesce(sum(rows_quarantined), 0) from current_deliveries where status = 'loaded')
            as rows_quarantined,
        (select count(*) from current_deliveries where status = 'pending') as pending_files,
        (select list(source_file order by source_file) from unreconciled) as unreconciled_files,
        (select list(source_file order by source_file) from quarantine_mismatch) as quarantine_mismatch_files,
        -- an empty re-issue that replaced a delivery with records would blank out its period
        (select list(e.source_file order by e.source_file) from current_deliveries as e
            where (e.status = 'empty' or (e.status = 'loaded' and e.rows_read = 0))
              and exists (select 1 from log as o where o.superseded_by = e.file_hash and o.rows_read > 0))
            as blanking_files,
        -- other files with no records: nothing is lost, the period simply has none (warning)
        (select list(e.source_file order by e.source_file) from current_deliveries as e
            where (e.status = 'empty' or (e.status = 'loaded' and e.rows_read = 0))
              and not exists (select 1 from log as o where o.superseded_by = e.file_hash and o.rows_read > 0))
            as empty_files,
        (select list(source_file || ' (' || status || ': ' || coalesce(message, '') || ')' order by source_file)
            from not_loaded) as not_loaded_files,
        (select max(file_modified_at) from log where status in ('loaded', 'empty', 'superseded'))
            as last_delivered_at,
        (select max(period) from current_deliveries) as newest_period
)

select * from final
