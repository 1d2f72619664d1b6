-- A snapshot table (rebuilt whole by each publish, replaced by one rename).
create or replace view {table} as
select *
from read_parquet('{path}')
