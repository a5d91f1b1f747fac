-- DfE 2025 statistical-neighbour model, wide (SN_1..SN_10 with closeness SN_1P..) -> long.
-- Parameter: $path.
-- Columns, types, row order and comments: tables.yaml beside this file (pipelines/tables.py).
with

source as (
    select * from read_csv($path, all_varchar = true)
),

names as (
    select trim(old_la_code) as la_code, trim(la_name) as la_name from source
),

unpivoted as (
    unpivot source
    on (SN_1, SN_1P) as "1", (SN_2, SN_2P) as "2", (SN_3, SN_3P) as "3", (SN_4, SN_4P) as "4",
       (SN_5, SN_5P) as "5", (SN_6, SN_6P) as "6", (SN_7, SN_7P) as "7", (SN_8, SN_8P) as "8",
       (SN_9, SN_9P) as "9", (SN_10, SN_10P) as "10"
    into name neighbour_rank value neighbour_code, closeness
),

final as (
    select
        trim(u.old_la_code) as la_code,
        trim(u.la_name) as la_name,
        cast(u.neighbour_rank as integer) as neighbour_rank,
        trim(u.neighbour_code) as neighbour_code,
        n.la_name as neighbour_name,
        trim(u.closeness) as closeness
    from unpivoted as u
    left join names as n on n.la_code = trim(u.neighbour_code)
)

select * from final
