-- Tables every ingestion run shares. Created if missing; never dropped by the pipeline.
-- Each column's meaning (the DuckDB comments): tables.yaml beside this file (pipelines/tables.py).
create table if not exists load_log (
    source            varchar not null,
    source_file       varchar not null,
    file_hash         varchar not null,
    period            varchar,
    version           integer,
    status            varchar not null,
    rows_read         bigint default 0,
    rows_loaded       bigint default 0,
    rows_quarantined  bigint default 0,
    rows_refused      bigint default 0,
    rows_superseded   bigint default 0,
    rows_held         bigint default 0,
    encoding          varchar,
    message           varchar,
    file_modified_at  timestamp,
    received_at       timestamp not null,
    validated_at      timestamp,
    superseded_by     varchar,
    primary key (source, file_hash)
);

-- A warehouse made before deliveries could be held gains the column (0: nothing was held).
alter table load_log add column if not exists rows_held bigint default 0;

create table if not exists quarantine (
    source          varchar not null,
    source_file     varchar not null,
    file_hash       varchar not null,
    source_row      bigint,
    column_name     varchar,
    check_name      varchar not null,
    failure_value   varchar,
    reason          varchar not null,
    quarantined_at  timestamp not null
);
-- The whole record as delivered is never kept (it may carry what a field check did not look
-- at); a warehouse made before this rule loses the column here.
alter table quarantine drop column if exists record;
