-- Runs whose publish completed: their ingest_runs file is the commit marker.
create or replace view committed_runs as
select run_id
from read_parquet('{glob}', hive_partitioning = true, union_by_name = true)
