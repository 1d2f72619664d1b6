"""Lake maintenance: what keeps a lake written every 15 minutes for months as fast as on its first day.

DuckLake writes one small file (or a few inlined rows) per table per publish. Once a day (the
``news_lake_maintenance`` DAG, or ``news-etl maintain``) this flushes inlined rows to Parquet, merges each
table's small files per partition day, expires snapshots older than the retention (time travel reaches that
far back), deletes files no snapshot references (merged-away files, files of publishers killed before their
commit), and removes the staging of abandoned runs. Each step is its own DuckLake transaction: readers and
publishers go on meanwhile and always see a consistent lake.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from news_etl import staging
from news_etl.lake import ALIAS, Lake, connect, data_files, retrying

log = logging.getLogger(__name__)

#: A file no snapshot references is an orphan only once it is this old: a publisher still in its transaction
#: has written files that no snapshot references yet.
ORPHAN_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class MaintenanceResult:
    """What one maintenance pass did to the lake's files."""

    data_files_before: int
    data_files_after: int
    files_per_table: dict[str, int]
    staging_pruned: int  # abandoned staging folders removed
    steps_seconds: dict[str, float]
    seconds: float

    def to_xcom(self) -> dict:
        return asdict(self)


def maintain(lake: Lake, at: datetime, retention_days: int, staging_retention_days: int) -> MaintenanceResult:
    """Flush inlined rows to Parquet, merge small files, expire snapshots older than ``retention_days`` before
    ``at``, delete the files nothing references any more, and remove staging of runs abandoned before the
    staging retention. Safe to run beside publishers and readers: each step is its own DuckLake transaction."""
    started = time.perf_counter()
    cutoff = at - timedelta(days=retention_days)
    con = connect(lake)  # a writer's session: creates the lake if there is none yet
    before = data_files(lake)
    steps: dict[str, float] = {}

    def step(name: str, sql: str) -> None:
        t0 = time.perf_counter()
        retrying(lake, f"maintenance ({name})", lambda: con.execute(sql))
        steps[name] = round(time.perf_counter() - t0, 3)

    try:
        step("flush_inlined_data", f"CALL ducklake_flush_inlined_data('{ALIAS}')")
        step("merge_adjacent_files", f"CALL ducklake_merge_adjacent_files('{ALIAS}')")
        step(
            "expire_snapshots",
            f"CALL ducklake_expire_snapshots('{ALIAS}', older_than => '{cutoff.isoformat()}'::timestamptz)",
        )
        # Merged-away files stay while an unexpired snapshot needs them; once expired they go at once.
        step("cleanup_old_files", f"CALL ducklake_cleanup_old_files('{ALIAS}', cleanup_all => true)")
        # Files of transactions that never committed (a killed publisher, a lost retry).
        step(
            "delete_orphaned_files",
            f"CALL ducklake_delete_orphaned_files('{ALIAS}', older_than => "
            f"'{(at - ORPHAN_GRACE).isoformat()}'::timestamptz)",
        )
    finally:
        con.close()
    pruned = staging.prune(lake, at - timedelta(days=staging_retention_days))
    after = data_files(lake)
    result = MaintenanceResult(
        data_files_before=sum(before.values()),
        data_files_after=sum(after.values()),
        files_per_table=after,
        staging_pruned=len(pruned),
        steps_seconds=steps,
        seconds=round(time.perf_counter() - started, 2),
    )
    log.info(
        "lake maintenance: %d -> %d data files, %d abandoned staging folder(s) removed, %.1fs",
        result.data_files_before,
        result.data_files_after,
        len(pruned),
        result.seconds,
    )
    return result
