-- Operations tables the publish step keeps in the warehouse, so officers can see what ran.
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
comment on table meta_runs is 'One row per pipeline run (from the Dagster instance): when, how started, outcome, assets materialised, failures and warnings. Rows per source: meta_run_sources.';
comment on column meta_runs.triggered_by is 'oba run | schedule <name> | sensor <name> | ui';
comment on column meta_runs.status is 'SUCCESS | FAILURE | CANCELED | STARTED; "publishing" while the run that published this file was finishing';
comment on column meta_runs.failures is 'Failed steps and failed blocking checks, one per line';
comment on column meta_runs.warnings is 'Failed warning checks (freshness, files not loaded), one per line';
comment on column meta_runs.published is 'This run replaced the published warehouse';

create table if not exists meta_publish (
    fingerprint     varchar not null,
    run_id          varchar,
    published_at    timestamp not null,
    tables          integer,
    bytes           bigint,
    inputs          varchar
);
alter table meta_publish add column if not exists inputs varchar;
comment on column meta_publish.inputs is 'Digest of the landing folder (names, sizes, times) and definitions when the run started; `oba run` skips the run when it is unchanged';
comment on table meta_publish is 'Every publication of the warehouse: the content fingerprint (deliveries + definitions + code) it was built from. An unchanged fingerprint is not re-published.';
