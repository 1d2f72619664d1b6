-- One view per lake table, showing committed runs only: a reader never sees half a run.
create or replace view {table} as
select t.*
from read_parquet('{glob}', hive_partitioning = true, union_by_name = true) as t
where t.run_id in (select run_id from committed_runs)
