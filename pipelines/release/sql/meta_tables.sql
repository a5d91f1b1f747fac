-- Operations tables the publish step keeps in the warehouse, so officers can see what ran.
-- Each column's meaning (the DuckDB comments): tables.yaml beside this file (pipelines/tables.py).
create table if not exists meta_runs (
    run_id                varchar primary key,
    job_name              varchar,
    triggered_by          varchar,
    started_at            timestamp,
    finished_at           timestamp,
    status                varchar,
    assets_materialised   integer,
    assets                varchar,
    failures              varchar,
    warnings              varchar,
    published             boolean
);

create table if not exists meta_publish (
    fingerprint     varchar not null,
    run_id          varchar,
    published_at    timestamp not null,
    tables          integer,
    bytes           bigint,
    inputs          varchar
);
alter table meta_publish add column if not exists inputs varchar;
