-- Tables every ingestion run shares. Created if missing; never dropped by the pipeline.
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
    encoding          varchar,
    message           varchar,
    file_modified_at  timestamp,
    received_at       timestamp not null,
    validated_at      timestamp,
    superseded_by     varchar,
    primary key (source, file_hash)
);
comment on table load_log is 'One row per file seen in the landing folder: what happened to it. For every file rows_read = rows_loaded + rows_quarantined + rows_refused + rows_superseded.';
comment on column load_log.source is 'Source extract name (sources catalogue), e.g. neet';
comment on column load_log.source_file is 'File name as delivered in the landing folder';
comment on column load_log.file_hash is 'SHA-256 of the file bytes: the identity of a delivery. For a re-issue byte-identical to an earlier delivery of its period, of those bytes and its name; for an entry never read (unrecognised, not a regular file), of its kind, name, size and modification time';
comment on column load_log.period is 'Period the delivery covers, from the file name (e.g. 2024-25, 2024-03); for an unrecognised name, the period it seems to carry (blank if none)';
comment on column load_log.version is 'Delivery version from the file name (_v2 = 2); later versions replace earlier ones';
comment on column load_log.status is 'pending (raw loaded, not yet validated) | loaded | superseded (replaced by a re-issue, or an older version) | refused (personal identifiers; or not a regular file: a symbolic link, folder, FIFO, device, or a name with control characters, never opened) | rejected (wrong columns, month-first dates) | failed (unreadable, undecodable) | empty (no records: in force, and blocks publication if it replaced records) | unrecognised (a file whose name matches no source; recorded under the nearest source, never read)';
comment on column load_log.rows_read is 'Records read from the file (blank lines excluded)';
comment on column load_log.rows_loaded is 'Records that passed validation and reached stg_<source>';
comment on column load_log.rows_quarantined is 'Records that failed validation (see quarantine)';
comment on column load_log.rows_refused is 'Records of a file refused or rejected whole (none of them reached the warehouse)';
comment on column load_log.rows_superseded is 'Records of a delivery later replaced by a re-issue: no longer in stg_<source> or quarantine';
comment on column load_log.encoding is 'Detected encoding: utf-8, utf-8-sig (byte-order mark), cp1252, or xlsx';
comment on column load_log.message is 'Why a file was refused, rejected, failed or unrecognised (with the nearest source and period); columns renamed or dropped; how ambiguous dates were judged; workbook sheets read and not read';
comment on column load_log.file_modified_at is 'File modification time in the landing folder';
comment on column load_log.received_at is 'When the pipeline first read this delivery';
comment on column load_log.validated_at is 'When the delivery was validated into stg_<source>';
comment on column load_log.superseded_by is 'file_hash of the re-issued delivery that replaced this one';

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
comment on table quarantine is 'Every record that failed validation, one row per failed check: file, row, column, check, the failing value of a field check and why (never the whole record). Never silently dropped.';
comment on column quarantine.source is 'Source extract name';
comment on column quarantine.source_file is 'File the record came from';
comment on column quarantine.file_hash is 'SHA-256 of that file (joins load_log)';
comment on column quarantine.source_row is 'Row in the file as a spreadsheet shows it (header = 1, first record = 2)';
comment on column quarantine.column_name is 'Column that failed (blank for whole-record checks)';
comment on column quarantine.check_name is 'The check that failed, e.g. type:date, isin, closure_after_start, unique, summary_row';
comment on column quarantine.failure_value is 'The offending value of a field check as delivered (blank for whole-record checks such as record_shape)';
comment on column quarantine.reason is 'Why, in words';
comment on column quarantine.quarantined_at is 'When it was quarantined';
